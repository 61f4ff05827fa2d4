// Browser client benchmark (not a test): publish-to-receive throughput of our
// client (www/lib/mqtt.js) and of MQTT.js 5.16, side by side in one headless
// Chromium page with no DevTools client attached (benches/support/plain_chromium.mjs;
// with --devtools, in a page driven by Playwright instead, whose DevTools
// protocol reports every WebSocket frame and costs CPU per message), through a mosquitto of its own and through this project's
// native broker host (examples/broker, which forwards several times faster than
// mosquitto, so the clients' own costs show); then the gzipped size of a
// client-only build of ours against MQTT.js's browser bundle.
//
//   ./scripts/build && cargo build --release --example broker &&
//     node benches/client_browser.mjs [N] [--rounds R] [--no-size] [--devtools]
//
// With --rounds R, every case runs R times (ours, MQTT.js and ours with
// `transport: 'worker'` in turn) and the median rate of each is reported.
//
// One publisher and one subscriber per client library, QoS 0 and 1, 64-byte and
// 1 KiB payloads; N messages per run (default 20000), timed from the first
// publish to the last message received. Every process it starts (mosquitto, the
// static server) is stopped by PID at the end.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

import { launchBrowser } from '../tests/e2e/browser.mjs';
import { openPlainPage } from './support/plain_chromium.mjs';
import { freePort, startMosquitto, vendorMqttJs, waitFor } from '../tests/e2e/mqtt_env.mjs';
import { startOurBroker } from '../tests/interop/brokers.mjs';

const ROOT = new URL('../', import.meta.url).pathname;
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : fallback;
};
const ROUNDS = Number(option('--rounds', 1));
const flag = (name) => args.includes(name) && args.splice(args.indexOf(name), 1).length > 0;
const NO_SIZE = flag('--no-size');
const DEVTOOLS = flag('--devtools');
const N = Number(args[0] ?? 20000);
if (!process.env.MQTT_LAB_BROKER_BIN) {
  process.env.MQTT_LAB_BROKER_BIN = path.join(ROOT, 'target/release/examples/broker');
}

// The test page, in Chromium with no DevTools client, or (--devtools) driven by Playwright.
async function openClientPage() {
  if (!DEVTOOLS) return openPlainPage('/test/client.html');
  const port = await freePort();
  const proc = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', path.join(ROOT, 'www')],
    { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    try { return (await fetch(`${url}/test/client.html`)).ok; } catch { return false; }
  }, { what: 'static server' });
  const browser = await launchBrowser();
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${url}/test/client.html`);
  return {
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    async close() {
      await browser.close();
      process.kill(proc.pid, 'SIGTERM');
    },
  };
}

// Runs in the page: one publisher and one subscriber of `lib`, N messages.
async function runInPage({ lib, url, qos, size, n, mqttJsPath, transport }) {
  const topic = `bench/${lib}/${qos}/${size}/${Math.random().toString(16).slice(2)}`;
  const payload = new Uint8Array(size).fill(97);
  let sub;
  let pub;
  if (lib === 'ours') {
    const { connectAsync } = await import('/lib/mqtt.js');
    // reconnectPeriod 0: a benchmark must fail loudly, not retry.
    const opts = { protocolVersion: 4, reconnectPeriod: 0, queueLimit: n, transport };
    sub = await connectAsync(url, opts);
    pub = await connectAsync(url, opts);
    await sub.subscribe(topic, { qos });
  } else {
    const mqtt = (await import(mqttJsPath)).default;
    const opts = { protocolVersion: 4, reconnectPeriod: 0 };
    sub = await mqtt.connectAsync(url, opts);
    pub = await mqtt.connectAsync(url, opts);
    await sub.subscribeAsync(topic, { qos });
  }
  let received = 0;
  let t1 = 0;
  let idle;
  // QoS 0 may be dropped by an overloaded broker: the run also ends after 2 s
  // without a message, and the loss is reported.
  const done = new Promise((resolve) => {
    sub.on('message', () => {
      t1 = performance.now();
      clearTimeout(idle);
      if (++received === n) resolve();
      else if (qos === 0) idle = setTimeout(resolve, 2000);
    });
  });
  const t0 = performance.now();
  // Publish in slices of 1000 per task, so neither client has to hold all N at once
  // before the first goes out, and both are driven the same way.
  for (let i = 0; i < n; i += 1000) {
    const end = Math.min(n, i + 1000);
    for (let j = i; j < end; j++) {
      if (lib === 'ours') pub.publish(topic, payload, { qos });
      else pub.publish(topic, payload, { qos });
    }
    await new Promise((r) => setTimeout(r, 0));
  }
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`${lib}: only ${received}/${n} received`)), 120_000));
  await Promise.race([done, timeout]);
  // Ours without force for the publisher: the last PUBACKs may still be on their
  // way when the last message arrives, and forcing would reject their promises.
  if (lib === 'ours') await Promise.all([sub.end(true), pub.end()]);
  else await Promise.all([sub.endAsync(true), pub.endAsync(true)]);
  return { ms: t1 - t0, rate: received / ((t1 - t0) / 1000), lost: n - received };
}

function gz(bytes) {
  return zlib.gzipSync(bytes, { level: 9 }).length;
}

function clientOnlySize() {
  // The client alone: no codec / topic JavaScript APIs (the `inspector` feature),
  // optimised for size as a library would ship it.
  const target = path.join(ROOT, 'target', 'client-only');
  execFileSync('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '--lib',
    '--no-default-features', '--target-dir', target], { cwd: ROOT, stdio: 'inherit',
    env: { ...process.env, CARGO_PROFILE_RELEASE_OPT_LEVEL: 'z' } });
  const out = mkdtempSync(path.join(os.tmpdir(), 'mqtt-lab-client-only-'));
  try {
    execFileSync('wasm-bindgen', ['--target', 'web', '--out-dir', out,
      path.join(target, 'wasm32-unknown-unknown', 'release', 'mqtt_lab.wasm')]);
    const wasm = path.join(out, 'mqtt_lab_bg.wasm');
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'wasm-opt'), ['-Oz', '--enable-bulk-memory',
      '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals',
      '--enable-reference-types', '--enable-multivalue', wasm, '-o', wasm]);
    const parts = {
      wasm: readFileSync(wasm),
      glue: readFileSync(path.join(out, 'mqtt_lab.js')),
      api: readFileSync(path.join(ROOT, 'www', 'lib', 'mqtt.js')),
    };
    return Object.fromEntries(Object.entries(parts).map(([k, b]) => [k, { raw: b.length, gz: gz(b) }]));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// A large per-client queue: at QoS 1 in 3.1.1 (no flow control) a fast publisher
// overruns mosquitto's default 1000, and it drops messages (our host also
// bounds a queue's bytes, 4 MiB by default: 20,000 messages of 1 KiB overrun it).
const mosquitto = await startMosquitto({ maxQueued: 1000000 });
const ourBroker = await startOurBroker(['--max-queued', '1000000', '--max-queued-bytes', String(1 << 30)]);
const brokers = [
  ['mosquitto 2.0.11', mosquitto.wsUrl],
  ['the native broker host (examples/broker)', `ws://127.0.0.1:${ourBroker.ws}`],
];
const mqttJsPath = vendorMqttJs();
const page = await openClientPage();
console.log(DEVTOOLS ? 'page driven by Playwright (DevTools protocol attached)' : 'page with no DevTools client attached');
try {
  for (const [name, url] of brokers) {
    console.log(`\nthroughput through ${name} over WebSockets, MQTT 3.1.1: ${N} messages per run, ` +
      `one publisher and one subscriber${ROUNDS > 1 ? `, median of ${ROUNDS} runs` : ''}`);
    console.log('qos  payload   ours msg/s   MQTT.js msg/s   ratio   ours, worker transport   ratio   (QoS 0 lost by the broker: ours / MQTT.js / ours, worker)');
    for (const qos of [0, 1]) {
      for (const size of [64, 1024]) {
        const args = { url, qos, size, n: N, mqttJsPath };
        // Warm-up of each, then the measured runs (ours, MQTT.js, ours with the
        // WebSocket in a Worker, in turn).
        const ourMain = { ...args, lib: 'ours', transport: 'main' };
        const ourWorker = { ...args, lib: 'ours', transport: 'worker' };
        await page.evaluate(runInPage, { ...ourMain, n: 2000 });
        await page.evaluate(runInPage, { ...args, lib: 'mqttjs', n: 2000 });
        await page.evaluate(runInPage, { ...ourWorker, n: 2000 });
        const ours = [];
        const them = [];
        const worker = [];
        for (let r = 0; r < ROUNDS; r++) {
          ours.push(await page.evaluate(runInPage, ourMain));
          them.push(await page.evaluate(runInPage, { ...args, lib: 'mqttjs' }));
          worker.push(await page.evaluate(runInPage, ourWorker));
        }
        const [a, b, w] = [ours, them, worker].map((xs) => median(xs.map((x) => x.rate)));
        const lost = `(${[ours, them, worker].map((xs) => xs.map((x) => x.lost).join(',')).join(' / ')})`;
        console.log(`${String(qos).padEnd(4)} ${String(size).padStart(5)} B ${Math.round(a).toString().padStart(12)} ${Math.round(b).toString().padStart(15)}   ${(a / b).toFixed(2)}x ${Math.round(w).toString().padStart(24)}   ${(w / b).toFixed(2)}x${qos === 0 ? `   ${lost}` : ''}`);
      }
    }
  }
} finally {
  await page.close();
  await mosquitto.dispose();
  await ourBroker.stop();
}

if (NO_SIZE) process.exit();
const ours = clientOnlySize();
const total = ours.wasm.gz + ours.glue.gz + ours.api.gz;
const mqttjs = readFileSync(path.join(ROOT, 'node_modules', 'mqtt', 'dist', 'mqtt.min.js'));
console.log('\nsize (gzip -9): client-only build (opt-level z, wasm-opt -Oz)');
for (const [k, v] of Object.entries(ours)) console.log(`  ${k.padEnd(5)} ${v.raw} B raw, ${v.gz} B gzipped`);
console.log(`  ours total: ${total} B gzipped`);
console.log(`  MQTT.js 5.16 dist/mqtt.min.js: ${mqttjs.length} B raw, ${gz(mqttjs)} B gzipped`);
console.log(`  ratio: ours is ${(total / gz(mqttjs) * 100).toFixed(0)}% of MQTT.js`);
