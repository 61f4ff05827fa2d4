// Side by side in one Node run: our router (wasm) vs qlobber 8.0.1 (aedes' matcher),
// with the same 100,000 subscriptions and 1,000 topics as benches/topic.rs.
//
//   cargo build --release --target wasm32-unknown-unknown
//   wasm-bindgen --target web --out-dir www/pkg target/wasm32-unknown-unknown/release/mqtt_lab.wasm
//   npm install --no-save qlobber@8.0.1
//   node benches/topic_node.mjs
//
// qlobber is configured as aedes configures it (through mqemitter, which routes each
// published message): '/' separates levels, '+' is one level and also matches an empty
// one (match_empty_levels), '#' is any number of levels including none (so "a/#"
// matches "a", as in MQTT). qlobber does not apply MQTT's '$' rule, but no topic here
// starts with '$'. The script checks that both return exactly the same clients for
// every topic, through every entry point, before timing anything.
//
// Ours is timed through www/lib/topic.js (the TopicRouter for JavaScript callers,
// which passes topics and answers through buffers in wasm memory), one topic per call
// and 1,000 per call (matchBatch, matchCountBatch: their timings include joining and
// encoding the topic strings, since qlobber is handed the same strings), and through
// the plain wasm-bindgen class it wraps, whose every call copies the topic string in
// and the answer out.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { initSync, TopicRouter as WasmTopicRouter } from '../www/pkg/mqtt_lab.js';
import { TopicRouter } from '../www/lib/topic.js';

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
const plain = new WasmTopicRouter();
subs.forEach((f, i) => plain.subscribe(i, f, 0));

t0 = performance.now();
const q = new Qlobber({ separator: '/', wildcard_one: '+', wildcard_some: '#', match_empty_levels: true });
subs.forEach((f, i) => q.add(f, i));
const qBuild = performance.now() - t0;

// Same answers first: the same clients for every topic, from every entry point.
let total = 0;
const batch = ours.matchBatch(ts);
const counts = ours.matchCountBatch(ts);
let at = 0;
const sorted = (a) => Array.from(a).sort((x, y) => x - y);
ts.forEach((t, k) => {
  const b = sorted(q.match(t));
  const n = batch[at];
  const answers = [sorted(ours.match(t)), sorted(plain.match(t)), sorted(batch.subarray(at + 1, at + 1 + n))];
  at += 1 + n;
  const same = (x) => x.length === b.length && x.every((v, i) => v === b[i]);
  const sizes = [ours.matchCount(t), plain.matchCount(t), counts[k]];
  if (!answers.every(same) || !sizes.every((c) => c === b.length)) {
    throw new Error(`different matches for ${t}: ours ${answers.map((a) => a.length)} ${sizes}, qlobber ${b.length}`);
  }
  total += b.length;
});
if (at !== batch.length) throw new Error('matchBatch returned more than the topics asked for');
console.log(`${ours.size} subscriptions, ${ts.length} topics, ${total} matches in all ` +
  `(${(total / ts.length).toFixed(1)} per topic), identical in both`);
console.log(`build: ours ${oursBuild.toFixed(0)} ms, qlobber ${qBuild.toFixed(0)} ms`);

// Runs `round` (which looks up every topic once) until at least `ms` of this process's
// CPU time have passed; returns ns per topic. CPU time rather than wall-clock time: on a
// machine shared with other work, the time this process waits for a core is not its
// own cost.
function time(round, ms) {
  for (let i = 0; i < 3; i++) round(); // warm up
  let rounds = 0, sink = 0;
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const start = cpu();
  let now = start;
  while (now - start < ms) {
    sink += round();
    rounds++;
    now = cpu();
  }
  if (sink < 0) console.log(sink);
  return ((now - start) * 1e6) / (rounds * ts.length);
}
const each = (fn) => () => {
  let sink = 0;
  for (const t of ts) sink += fn(t);
  return sink;
};

// Timed in turns, best of seven, so that a slow moment (a busy cache, a collection
// started by another case) does not count against any one case.
const cases = [
  ['qlobber match(topic).length', each((t) => q.match(t).length)],
  ['ours   matchCount(topic)', each((t) => ours.matchCount(t))],
  ['ours   match(topic).length', each((t) => ours.match(t).length)],
  ['ours   matchCountBatch(1,000 topics)', () => ours.matchCountBatch(ts).length],
  ['ours   matchBatch(1,000 topics)', () => ours.matchBatch(ts).length],
  ['plain wasm-bindgen matchCount(topic)', each((t) => plain.matchCount(t))],
  ['plain wasm-bindgen match(topic)', each((t) => plain.match(t).length)],
];
const results = cases.map(([name]) => [name, Infinity]);
for (let turn = 0; turn < 7; turn++) {
  cases.forEach(([, fn], i) => { results[i][1] = Math.min(results[i][1], time(fn, 300)); });
}
const qns = results[0][1];
for (const [name, ns] of results) {
  console.log(`${name.padEnd(38)} ${ns.toFixed(0).padStart(6)} ns/topic   ${(qns / ns).toFixed(2)}x`);
}
