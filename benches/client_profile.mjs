// Where our browser client spends its time (a benchmark aid, not a test): one
// case of benches/client_browser.mjs (ours, or MQTT.js with --lib mqttjs)
// through the native broker host or mosquitto, under Chromium's CPU profiler
// (CDP Profiler, 200 µs samples); prints the top functions by self time and the
// rate.
//
//   ./scripts/build && cargo build --release --example broker &&
//     node benches/client_profile.mjs [--qos 1] [--size 1024] [--n 20000] [--broker ours|mosquitto] [--lib ours|mqttjs]
import { spawn } from 'node:child_process';
import path from 'node:path';

import { launchBrowser } from '../tests/e2e/browser.mjs';
import { freePort, startMosquitto, vendorMqttJs, waitFor } from '../tests/e2e/mqtt_env.mjs';
import { startOurBroker } from '../tests/interop/brokers.mjs';

const ROOT = new URL('../', import.meta.url).pathname;
const args = process.argv.slice(2);
const opt = (name, d) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : d; };
const QOS = Number(opt('qos', 1));
const SIZE = Number(opt('size', 1024));
const N = Number(opt('n', 20000));
const BROKER = opt('broker', 'ours');
const LIB = opt('lib', 'ours');
process.env.MQTT_LAB_BROKER_BIN ??= path.join(ROOT, 'target/release/examples/broker');

async function serveWww() {
  const port = await freePort();
  const proc = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', path.join(ROOT, 'www')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => { try { return (await fetch(`${url}/test/client.html`)).ok; } catch { return false; } }, { what: 'static server' });
  return { url, stop: () => process.kill(proc.pid, 'SIGTERM') };
}

async function run({ lib, url, qos, size, n, mqttJsPath }) {
  const topic = `prof/${Math.random().toString(16).slice(2)}`;
  const payload = new Uint8Array(size).fill(97);
  const mod = lib === 'ours' ? await import('/lib/mqtt.js') : (await import(mqttJsPath)).default;
  const opts = { protocolVersion: 4, reconnectPeriod: 0, queueLimit: n };
  const sub = await mod.connectAsync(url, opts);
  const pub = await mod.connectAsync(url, opts);
  if (lib === 'ours') await sub.subscribe(topic, { qos }); else await sub.subscribeAsync(topic, { qos });
  let received = 0;
  const done = new Promise((resolve) => sub.on('message', () => { if (++received === n) resolve(); }));
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1000) {
    for (let j = i; j < Math.min(n, i + 1000); j++) pub.publish(topic, payload, { qos });
    await new Promise((r) => setTimeout(r, 0));
  }
  await done;
  const ms = performance.now() - t0;
  if (lib === 'ours') await Promise.all([sub.end(true), pub.end(true)]);
  else await Promise.all([sub.endAsync(true), pub.endAsync(true)]);
  return Math.round(n / (ms / 1000));
}

function top(profile, k = 30) {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const self = new Map();
  let all = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const d = profile.timeDeltas[i + 1] ?? 0;
    all += d;
    const f = byId.get(profile.samples[i]).callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + d);
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, k)
    .map(([key, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / all).toFixed(1).padStart(5)}%  ${key}`);
}

const broker = BROKER === 'ours' ? await startOurBroker(['--max-queued', '1000000', '--max-queued-bytes', String(1 << 30)]) : await startMosquitto({ maxQueued: 1000000 });
const url = BROKER === 'ours' ? `ws://127.0.0.1:${broker.ws}` : broker.wsUrl;
const www = await serveWww();
const browser = await launchBrowser();
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${www.url}/test/client.html`);
  const a = { lib: LIB, url, qos: QOS, size: SIZE, mqttJsPath: vendorMqttJs() };
  await page.evaluate(run, { ...a, n: 2000 });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const rate = await page.evaluate(run, { ...a, n: N });
  const { profile } = await cdp.send('Profiler.stop');
  console.log(`${LIB} via ${BROKER}, QoS ${QOS}, ${SIZE} B: ${rate} msg/s (under the profiler)`);
  console.log(top(profile).join('\n'));
} finally {
  await browser.close();
  www.stop();
  if (BROKER === 'ours') await broker.stop(); else await broker.dispose();
}
