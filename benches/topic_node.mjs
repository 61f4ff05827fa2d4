// Side by side in one Node run: our router (wasm) vs qlobber 8.0.1 (aedes' matcher),
// with the same 100,000 subscriptions and 1,000 topics as benches/topic.rs.
//
//   cargo build --release --target wasm32-unknown-unknown
//   wasm-bindgen --target web --out-dir www/pkg target/wasm32-unknown-unknown/release/mqtt_lab.wasm
//   npm install --no-save qlobber@8.0.1
//   node benches/topic_node.mjs
//
// qlobber is configured for MQTT: '/' separates levels, '+' is one level, '#' is any
// number of levels including none (so "a/#" matches "a", as in MQTT). qlobber does not
// apply MQTT's '$' rule, but no topic here starts with '$'; the script checks that
// both give the same number of matches for every topic before timing anything.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { initSync, TopicRouter } from '../www/pkg/mqtt_lab.js';

const require = createRequire(import.meta.url);
const { Qlobber } = require(process.env.QLOBBER_PATH ?? 'qlobber');

initSync({ module: fs.readFileSync(new URL('../www/pkg/mqtt_lab_bg.wasm', import.meta.url)) });

// The workload; keep in step with filters() and topics() in benches/topic.rs.
function filters() {
  const out = [];
  for (let b = 0; b < 10; b++)
    for (let f = 0; f < 10; f++)
      for (let r = 0; r < 30; r++)
        for (let s = 0; s < 30; s++) out.push(`building/${b}/floor/${f}/room/${r}/sensor/${s}`);
  for (let i = 0; i < 8000; i++) {
    const [b, f, r, s] = [i % 10, Math.floor(i / 10) % 10, Math.floor(i / 100) % 30, Math.floor(i / 7) % 30];
    out.push(
      i % 3 === 0 ? `building/${b}/floor/+/room/${r}/sensor/${s}`
      : i % 3 === 1 ? `building/+/floor/${f}/room/${r}/sensor/+`
      : `building/${b}/floor/${f}/room/+/sensor/${s}`);
  }
  for (let i = 0; i < 2000; i++) {
    const [b, f, r] = [i % 10, Math.floor(i / 10) % 10, Math.floor(i / 100) % 30];
    out.push(i % 20 === 0 ? `building/${b}/#` : `building/${b}/floor/${f}/room/${r}/#`);
  }
  return out;
}

function topics() {
  const out = [];
  for (let k = 0; k < 1000; k++) {
    const [b, f, r, s] = [k % 12, (k * 3) % 11, (k * 7) % 31, (k * 13) % 31];
    out.push(`building/${b}/floor/${f}/room/${r}/sensor/${s}`);
  }
  return out;
}

const subs = filters();
const ts = topics();

let t0 = performance.now();
const ours = new TopicRouter();
subs.forEach((f, i) => ours.subscribe(i, f, 0));
const oursBuild = performance.now() - t0;

t0 = performance.now();
const q = new Qlobber({ separator: '/', wildcard_one: '+', wildcard_some: '#' });
subs.forEach((f, i) => q.add(f, i));
const qBuild = performance.now() - t0;

// Same answers first: the same number of matches and the same clients for every topic.
let total = 0;
for (const t of ts) {
  const a = Array.from(ours.match(t)).sort((x, y) => x - y);
  const b = q.match(t).slice().sort((x, y) => x - y);
  if (a.length !== b.length || a.some((v, i) => v !== b[i]) || ours.matchCount(t) !== a.length) {
    throw new Error(`different matches for ${t}: ours ${a.length}, qlobber ${b.length}`);
  }
  total += a.length;
}
console.log(`${ours.size} subscriptions, ${ts.length} topics, ${total} matches in all ` +
  `(${(total / ts.length).toFixed(1)} per topic), identical in both`);
console.log(`build: ours ${oursBuild.toFixed(0)} ms, qlobber ${qBuild.toFixed(0)} ms`);

// Runs fn over all topics until at least `ms` have passed; returns ns per topic.
function time(fn, ms = 2000) {
  for (let i = 0; i < 3; i++) for (const t of ts) fn(t); // warm up
  let rounds = 0, sink = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (const t of ts) sink += fn(t);
    rounds++;
    now = performance.now();
  }
  if (sink < 0) console.log(sink);
  return ((now - start) * 1e6) / (rounds * ts.length);
}

// Timed in turns, best of five, so that load from other processes on a shared machine
// hits both routers alike and a slow moment does not count against either.
const cases = [
  ['ours   matchCount(topic)', (t) => ours.matchCount(t)],
  ['ours   match(topic).length', (t) => ours.match(t).length],
  ['qlobber match(topic).length', (t) => q.match(t).length],
];
const results = cases.map(([name]) => [name, Infinity]);
for (let turn = 0; turn < 5; turn++) {
  cases.forEach(([, fn], i) => { results[i][1] = Math.min(results[i][1], time(fn, 400)); });
}
for (const [name, ns] of results) console.log(`${name.padEnd(30)} ${ns.toFixed(0).padStart(6)} ns/topic`);
const qns = results[2][1];
console.log(`ratio qlobber/ours: matchCount ${(qns / results[0][1]).toFixed(2)}x, match ${(qns / results[1][1]).toFixed(2)}x`);
