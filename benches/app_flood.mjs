// The page under a flood (a benchmark, not a test): the app (www/index.html) in
// headless Chromium, with the Messages tab open, receiving RATE messages per
// second on `#`, from the in-page broker and from a local mosquitto.
//
//   ./scripts/build && node benches/app_flood.mjs [--rate 10000] [--seconds 10] [--long 30] [--runs 1]
//       [--only inpage|mosquitto|relay|bare|bareworker|stream|all] [--profile] [--trace] [--snapshot]
//
// in-page: a simulated client of the page's broker publishes QoS 0 messages on
//   100 topics at RATE per second (paced by a 4 ms timer); "you" subscribes to `#`.
// mosquitto: a raw MQTT 3.1.1 socket in this Node process publishes to mosquitto's
//   TCP listener at RATE per second (a batch every 10 ms); the page connects to its
//   WebSocket listener through the connect panel (lib/mqtt.js) and subscribes to
//   `#`. mosquitto sends every PUBLISH as a WebSocket message of its own.
// relay: the same through a WebSocket-to-TCP relay (as websockify does): each read
//   from mosquitto's TCP socket leaves as one WebSocket message.
// bare / stream: a page that only counts mosquitto's WebSocket messages, with a
//   WebSocket / a WebSocketStream: the floor Chromium itself sets.
// bareworker: the same with the WebSocket in a Worker (lib/ws-transport.js) that
//   transfers one buffer per batch; the page counts the packets in them.
// The default runs in-page, mosquitto and relay.
//
// Reported per run: frames per second (requestAnimationFrame callbacks over
// SECONDS, after one second of flood to warm up), the 95th percentile and longest frame interval, messages stored
// per second by the page's message store, how often the list showed a newer
// message, how far behind the page was when the source stopped, the load average,
// and the JS heap after a full garbage collection (gc() in the page, Chromium
// started with --js-flags=--expose-gc, then CDP Runtime.getHeapUsage) before the
// flood, after SECONDS, every 5 s up to LONG seconds, and at the end. With
// --runs N, each path runs N times and the median is printed too.
// --profile: the top functions by self and total time (CDP Profiler) over the
// first SECONDS; --trace: the page's main thread by kind of work (a Chromium trace
// of 3 s); --snapshot: the largest kinds of objects in a heap snapshot taken
// mid-flood (after SECONDS + 1 s).
//
// It serves www/ itself (on WWW_PORT, or a free loopback port) and starts its own
// mosquitto (on MQTT_TCP_PORT / MQTT_WS_PORT, or free ports), stopped by PID at the end.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';
import { WebSocketServer } from 'ws';

import { freePort, startMosquitto, waitFor, sleep } from '../tests/e2e/mqtt_env.mjs';

const ROOT = new URL('../', import.meta.url).pathname;
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const RATE = Number(opt('rate', 10000));
const SECONDS = Number(opt('seconds', 10));
const LONG = Math.max(SECONDS, Number(opt('long', 30)));
const ONLY = opt('only', 'both');
const RUNS = Math.max(1, Number(opt('runs', 1)));
const PROFILE = args.includes('--profile');
const SNAPSHOT = args.includes('--snapshot');
const TRACE = args.includes('--trace');
const TOPICS = 100;

// A static server for www/ inside this process (a python3 -m http.server would do
// as well; this one needs no second process to stop).
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png' };
async function serveWww() {
  const port = Number(process.env.WWW_PORT) || await freePort();
  const dir = path.join(ROOT, 'www');
  const server = http.createServer(async (req, res) => {
    const p = path.normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const file = path.join(dir, p.endsWith('/') ? `${p}index.html` : p);
    if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, stop: () => server.close() };
}

// ---- in the page ------------------------------------------------------------

// Counts frames and what the list shows; `window.__flood.mark()` reads the counters.
function installMeter() {
  const { messages } = window.mqttlab;
  const count = () => (window.__bare ? window.__bare.n : messages.received);
  const m = {
    frames: 0, intervals: [], last: performance.now(), running: true, count,
    redraws: 0, shownSeq: 0, published: 0, t0: performance.now(), received0: count(),
  };
  const rows = document.querySelector('[data-vlist]');
  const frame = (t) => {
    if (!m.running) return;
    m.frames++;
    m.intervals.push(t - m.last);
    m.last = t;
    let top = 0;
    for (const r of rows.children) {
      if (!r.hidden && r.dataset.seq) top = Math.max(top, Number(r.dataset.seq));
    }
    if (top > m.shownSeq) { m.shownSeq = top; m.redraws++; }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  m.mark = () => {
    const iv = m.intervals.slice(1).sort((a, b) => a - b);
    const out = {
      ms: performance.now() - m.t0,
      frames: m.frames,
      p95: iv.length ? iv[Math.floor(iv.length * 0.95)] : 0,
      longest: iv.length ? iv[iv.length - 1] : 0,
      received: count() - m.received0,
      published: m.published,
      redraws: m.redraws,
      rows: rows.querySelectorAll('.mrow').length,
      kept: messages.live,
      topics: messages.topics.size,
      heap: performance.memory?.usedJSHeapSize ?? 0,
      wasm: m.wasm?.memory.buffer.byteLength ?? 0,
    };
    m.frames = 0;
    m.intervals = [];
    m.redraws = 0;
    m.t0 = performance.now();
    m.received0 = count();
    m.published = 0;
    return out;
  };
  m.stop = () => { m.running = false; };
  window.__flood = m;
  import('/pkg/mqtt_lab.js').then((x) => x.default()).then((w) => { m.wasm = w; });
}

// The in-page source: a simulated client publishing `rate` messages a second.
async function startInPageFlood({ rate, topics }) {
  const { lab, connections } = window.mqttlab;
  const you = connections.selected;
  await you.subscribe({ filter: '#', qos: 0, nl: false, rap: false, rh: 0 });
  await new Promise((resolve) => {
    const check = () => (you.subscriptions.find((s) => s.filter === '#')?.state === 'granted' ? resolve() : setTimeout(check, 20));
    check();
  });
  const label = lab.uniqueLabel('flood-source');
  lab.addClient(label, { clientId: label, protocolVersion: 4, keepalive: 60 }, { latency: 5 }, { role: 'sim', description: 'the flood' });
  lab.sim.connect(label);
  await new Promise((resolve) => {
    const check = () => (lab.sim.snapshot().clients.find((c) => c.id === label)?.state === 'connected' ? resolve() : setTimeout(check, 20));
    check();
  });
  const enc = new TextEncoder();
  const names = Array.from({ length: topics }, (_, i) => `flood/sensor${i}/value`);
  const t0 = performance.now();
  let sent = 0;
  const tick = () => {
    if (window.__flood.source === null) return;
    const due = Math.floor(((performance.now() - t0) * rate) / 1000);
    for (; sent < due; sent++) {
      lab.sim.publish(label, names[sent % topics], enc.encode(`{"n":${sent},"v":${(sent % 977) / 10}}`), { qos: 0 });
      window.__flood.published++;
      window.__flood.total = (window.__flood.total ?? 0) + 1;
    }
    window.__flood.source = setTimeout(tick, 4);
  };
  window.__flood.source = setTimeout(tick, 4);
}

function stopInPageFlood() {
  clearTimeout(window.__flood.source);
  window.__flood.source = null;
}

// The mosquitto path: a connection opened the way the connect panel opens one.
async function connectRemote({ url }) {
  const { openConnection } = window.mqttlab;
  const c = openConnection({ broker: 'custom', url, name: 'flood @ mosquitto', clientId: `flood-${Date.now()}`,
    protocolVersion: 5, keepalive: 60, clean: true, reconnect: false });
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`not connected: ${c.state} ${c.why}`)), 10_000);
    const check = () => (c.state === 'connected' ? (clearTimeout(t), resolve()) : setTimeout(check, 20));
    check();
  });
  await c.subscribe({ filter: '#', qos: 0, nl: false, rap: false, rh: 0 });
  if (c.subscriptions[0]?.state !== 'granted') throw new Error('the subscription was not granted');
}

// The floor: a bare WebSocket in the page that counts the frames mosquitto sends,
// with no MQTT client and no app (what Chromium itself can take).
async function connectBare({ url }) {
  const ws = new WebSocket(url, 'mqtt');
  ws.binaryType = 'arraybuffer';
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  window.__bare = { n: 0 };
  ws.onmessage = () => { window.__bare.n++; };
  // CONNECT (3.1.1, client "bare"), then SUBSCRIBE # at QoS 0.
  ws.send(new Uint8Array([0x10, 16, 0, 4, 77, 81, 84, 84, 4, 2, 0, 60, 0, 4, 98, 97, 114, 101]));
  await new Promise((r) => setTimeout(r, 200));
  ws.send(new Uint8Array([0x82, 6, 0, 1, 0, 1, 35, 0]));
  await new Promise((r) => setTimeout(r, 300));
}

// A WebSocket-to-TCP relay in front of mosquitto's TCP listener (what websockify
// does): each read from the TCP socket leaves as one WebSocket message, so a
// flood arrives as a few large frames instead of one frame per PUBLISH.
async function startRelay(tcpPort) {
  const port = await freePort();
  const wss = new WebSocketServer({ host: '127.0.0.1', port, handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
  wss.on('connection', (ws) => {
    const tcp = net.connect({ host: '127.0.0.1', port: tcpPort });
    tcp.setNoDelay(true);
    const early = [];
    tcp.on('connect', () => { for (const b of early.splice(0)) tcp.write(b); });
    ws.on('message', (data) => (tcp.readyState === 'open' ? tcp.write(data) : early.push(data)));
    tcp.on('data', (chunk) => ws.send(chunk));
    ws.on('close', () => tcp.destroy());
    tcp.on('close', () => ws.close());
    tcp.on('error', () => ws.close());
  });
  await new Promise((resolve) => wss.on('listening', resolve));
  return { url: `ws://127.0.0.1:${port}`, close: () => new Promise((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(resolve); }) };
}

// The same with the WebSocket in a dedicated Worker (lib/ws-transport.js), which
// hands the page one ArrayBuffer per batch of WebSocket messages; the page counts
// the MQTT packets in them by their fixed headers.
async function connectBareWorker({ url }) {
  const { WorkerSocket } = await import('/lib/ws-transport.js');
  const ws = new WorkerSocket(url, 'mqtt');
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onclose = reject; });
  window.__bare = { n: 0, batches: 0 };
  let carry = new Uint8Array(0);
  ws.onmessage = ({ data }) => {
    window.__bare.batches++;
    let b = new Uint8Array(data);
    if (carry.length) {
      const joined = new Uint8Array(carry.length + b.length);
      joined.set(carry);
      joined.set(b, carry.length);
      b = joined;
    }
    let at = 0;
    for (;;) {
      let len = 0;
      let mul = 1;
      let i = at + 1;
      for (; i < b.length; i++) {
        len += (b[i] & 127) * mul;
        mul *= 128;
        if (!(b[i] & 128)) break;
      }
      if (i >= b.length || i + 1 + len > b.length) break;
      at = i + 1 + len;
      window.__bare.n++;
    }
    carry = b.slice(at);
  };
  ws.send(new Uint8Array([0x10, 16, 0, 4, 77, 81, 84, 84, 4, 2, 0, 60, 0, 4, 98, 97, 114, 101]));
  await new Promise((r) => setTimeout(r, 200));
  ws.send(new Uint8Array([0x82, 6, 0, 1, 0, 1, 35, 0]));
  await new Promise((r) => setTimeout(r, 300));
}

// The same through WebSocketStream (messages read from a stream, not one task each).
async function connectBareStream({ url }) {
  const wss = new WebSocketStream(url, { protocols: ['mqtt'] });
  const { readable, writable } = await wss.opened;
  const writer = writable.getWriter();
  window.__bare = { n: 0 };
  (async () => {
    const reader = readable.getReader();
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
      window.__bare.n++;
    }
  })();
  await writer.write(new Uint8Array([0x10, 16, 0, 4, 77, 81, 84, 84, 4, 2, 0, 60, 0, 4, 98, 97, 114, 101]));
  await new Promise((r) => setTimeout(r, 200));
  await writer.write(new Uint8Array([0x82, 6, 0, 1, 0, 1, 35, 0]));
  await new Promise((r) => setTimeout(r, 300));
}

// ---- the mosquitto publisher (in Node) -----------------------------------------

function encodeRemaining(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function publishPacket(topic, payload) {
  const t = Buffer.from(topic);
  const body = Buffer.concat([Buffer.from([t.length >> 8, t.length & 255]), t, Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([0x30, ...encodeRemaining(body.length)]), body]);
}

async function tcpPublisher(port) {
  const sock = net.connect({ host: '127.0.0.1', port });
  sock.setNoDelay(true);
  await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  const id = Buffer.from('flood-publisher');
  const body = Buffer.concat([Buffer.from([0, 4, 77, 81, 84, 84, 4, 2, 0, 60, 0, id.length]), id]);
  sock.write(Buffer.concat([Buffer.from([0x10, body.length]), body]));
  await new Promise((resolve) => sock.once('data', resolve)); // CONNACK
  sock.on('data', () => {});
  let timer = null;
  let sent = 0;
  return {
    get sent() { return sent; },
    start(rate) {
      const t0 = performance.now();
      timer = setInterval(() => {
        const due = Math.floor(((performance.now() - t0) * rate) / 1000);
        const batch = [];
        for (; sent < due; sent++) {
          batch.push(publishPacket(`flood/sensor${sent % TOPICS}/value`, `{"n":${sent},"v":${(sent % 977) / 10}}`));
        }
        if (batch.length) sock.write(Buffer.concat(batch));
      }, 10);
    },
    stop() { clearInterval(timer); },
    end() { sock.end(); sock.destroy(); },
  };
}

// ---- measuring ------------------------------------------------------------------

// The heap after a full collection. The collection runs inside the page (Chromium
// started with --js-flags=--expose-gc): CDP's HeapProfiler.collectGarbage waits for
// an idle moment that a flooded page may not have for minutes.
async function heapAfterGc(page, cdp) {
  await page.evaluate(() => { window.gc(); window.gc(); });
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize;
}

async function heapSummary(cdp, n = 15) {
  const chunks = [];
  const onChunk = (e) => chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  const snap = JSON.parse(chunks.join(''));
  const fields = snap.snapshot.meta.node_fields.length;
  const types = snap.snapshot.meta.node_types[0];
  const agg = new Map();
  for (let i = 0; i < snap.nodes.length; i += fields) {
    const type = types[snap.nodes[i]];
    const key = type === 'string' || type === 'concatenated string' ? type : `${type} ${snap.strings[snap.nodes[i + 1]].slice(0, 60)}`;
    const a = agg.get(key) ?? [0, 0];
    a[0]++;
    a[1] += snap.nodes[i + 3];
    agg.set(key, a);
  }
  return [...agg].sort((a, b) => b[1][1] - a[1][1]).slice(0, n)
    .map(([k, [count, size]]) => `${mb(size).padStart(9)} ${String(count).padStart(8)}  ${k}`);
}

// Main-thread time of the page by trace event name, over `ms` of the flood. Nested
// events are counted in their parent too (RunTask holds everything), so the
// lines overlap; "busy" is the RunTask total, the share of the thread in use.
async function traceMainThread(cdp, ms) {
  const events = [];
  const onData = (e) => events.push(...e.value);
  cdp.on('Tracing.dataCollected', onData);
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,disabled-by-default-devtools.timeline,v8,blink', transferMode: 'ReportEvents',
  });
  await sleep(ms);
  const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.end');
  await done;
  cdp.off('Tracing.dataCollected', onData);
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain' &&
    events.some((x) => x.pid === e.pid && x.name === 'FireAnimationFrame'));
  const byName = new Map();
  for (const e of events) {
    if (!main || e.pid !== main.pid || e.tid !== main.tid || e.ph !== 'X' || !e.dur) continue;
    byName.set(e.name, (byName.get(e.name) ?? 0) + e.dur);
  }
  return [...byName].sort((a, b) => b[1] - a[1]).slice(0, 18)
    .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / (ms * 1000)).toFixed(1).padStart(5)}%  ${k}`);
}

// The top functions by self time, then by total time (with what they call; a
// function on the stack twice counts once).
function topFunctions(profile, n = 25) {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const parent = new Map();
  for (const x of profile.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
  const name = (node) => {
    const f = node.callFrame;
    const file = f.url ? f.url.replace(/^.*\/(www\/)?/, '') : '';
    return `${f.functionName || '(anonymous)'} ${file}${f.url ? `:${f.lineNumber + 1}` : ''}`;
  };
  const self = new Map();
  const total = new Map();
  const dt = profile.timeDeltas;
  let all = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const d = dt[i + 1] ?? 0;
    all += d;
    let id = profile.samples[i];
    const key = name(byId.get(id));
    self.set(key, (self.get(key) ?? 0) + d);
    const seen = new Set();
    for (; id !== undefined; id = parent.get(id)) {
      const k = name(byId.get(id));
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + d);
    }
  }
  const fmt = ([k, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / all).toFixed(1).padStart(5)}%  ${k}`;
  const top = (m) => [...m.entries()].filter(([k]) => !k.startsWith('(root)')).sort((a, b) => b[1] - a[1]).slice(0, n).map(fmt);
  return { self: top(self), total: top(total) };
}

const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;

async function measure(name, page, cdp, { start, stop, sent }) {
  await page.evaluate(installMeter);
  await sleep(1000);
  const heap0 = await heapAfterGc(page, cdp);
  const load0 = os.loadavg()[0];
  const base = await page.evaluate(() => window.__flood.count());
  await start();
  // One second to warm up (the first messages compile code and grow the list),
  // then the measured window.
  await sleep(1000);
  await page.evaluate(() => window.__flood.mark());
  if (PROFILE) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
    await cdp.send('Profiler.start');
  }
  let trace = null;
  if (TRACE) {
    trace = await traceMainThread(cdp, 3000);
    await sleep(Math.max(0, SECONDS - 3) * 1000);
  } else {
    await sleep(SECONDS * 1000);
  }
  const a = await page.evaluate(() => window.__flood.mark());
  let profile = null;
  if (PROFILE) profile = (await cdp.send('Profiler.stop')).profile;
  const heapA = await heapAfterGc(page, cdp);
  const snapshot = SNAPSHOT ? await heapSummary(cdp) : null;
  const samples = [];
  for (let t = SECONDS + 1; t < LONG; t += 5) {
    await sleep(Math.min(5, LONG - t) * 1000);
    samples.push(await heapAfterGc(page, cdp));
  }
  const b = await page.evaluate(() => window.__flood.mark());
  await stop();
  const heapB = await heapAfterGc(page, cdp);
  // How long the page takes to catch up with what was sent.
  const tc = Date.now();
  const total = await sent();
  let behind = 0;
  for (;;) {
    behind = total - ((await page.evaluate(() => window.__flood.count())) - base);
    if (behind <= 0 || Date.now() - tc > 30_000) break;
    await sleep(100);
  }
  const catchUp = Date.now() - tc;
  const load1 = os.loadavg()[0];
  await page.evaluate(() => window.__flood.stop());
  const s = a.ms / 1000;
  const line = {
    path: name,
    fps: +(a.frames / s).toFixed(1),
    p95: +a.p95.toFixed(0),
    longest: +a.longest.toFixed(0),
    storedPerS: Math.round(a.received / s),
    publishedPerS: Math.round((name === 'in-page broker' ? a.published : RATE * s) / s),
    redrawsPerS: +(a.redraws / s).toFixed(1),
    fpsLater: +(b.frames / (b.ms / 1000)).toFixed(1),
    storedPerSLater: Math.round(b.received / (b.ms / 1000)),
    rows: b.rows,
    kept: b.kept,
    heapBefore: mb(heap0),
    heapAfter: mb(heapA),
    heapLong: mb(heapB),
    heapSamples: samples.map(mb),
    catchUpMs: catchUp,
    behindAtEnd: behind,
    load: `${load0.toFixed(2)} → ${load1.toFixed(2)}`,
  };
  console.log(`\n${name}: ${RATE} msg/s for ${LONG} s (frames over ${SECONDS} s after 1 s)`);
  console.log(`  frames/s ${line.fps} (p95 ${line.p95} ms, longest ${line.longest} ms); later ${line.fpsLater}`);
  console.log(`  stored ${line.storedPerS} msg/s (later ${line.storedPerSLater}), list showed newer messages ${line.redrawsPerS} times/s; ${line.rows} row elements, ${line.kept} messages kept`);
  console.log(`  heap after GC: ${line.heapBefore} before, ${line.heapAfter} after ${SECONDS + 1} s, ${line.heapLong} after ${LONG} s; in between, every 5 s: ${line.heapSamples.join(', ')}`);
  console.log(`  caught up ${catchUp} ms after the source stopped${behind > 0 ? `, still ${behind} behind` : ''}; load average ${line.load}`);
  console.log(`  ${JSON.stringify(line)}`);
  if (trace) {
    console.log('  the page\'s main thread over 3 s of flood (nested events overlap; RunTask is the busy time):');
    for (const l of trace) console.log(`   ${l}`);
  }
  if (snapshot) {
    console.log(`  heap snapshot after ${SECONDS + 1} s of flood, largest kinds of objects (size, count):`);
    for (const l of snapshot) console.log(`   ${l}`);
  }
  if (profile) {
    const { self, total } = topFunctions(profile);
    console.log('  top self time during the measured window:');
    for (const l of self) console.log(`   ${l}`);
    console.log('  top total time (with callees):');
    for (const l of total) console.log(`   ${l}`);
  }
  return line;
}

async function openApp(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  page.on('crash', () => console.error('the page crashed'));
  await page.goto(`${url}/index.html`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  await page.click('[role="tab"][data-tab="messages"]');
  const cdp = await context.newCDPSession(page);
  return { context, page, cdp };
}

const www = await serveWww();
const { args: chromeArgs, binary } = JSON.parse(readFileSync(path.join(ROOT, 'webdriver.json'), 'utf8'))['goog:chromeOptions'];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? binary,
  args: [...chromeArgs, '--no-sandbox', '--js-flags=--expose-gc'],
  headless: true,
});
let broker = null;
const NAMES = {
  inpage: 'in-page broker',
  mosquitto: 'local mosquitto',
  relay: 'local mosquitto through a WebSocket-to-TCP relay',
  bare: 'bare WebSocket (no MQTT, no app)',
  bareworker: 'bare WebSocket in a Worker, batches to the page (no MQTT client, no app)',
  stream: 'bare WebSocketStream (no MQTT, no app)',
};
const chosen = Object.keys(NAMES).filter((w) => ONLY.split(',').includes(w) || ONLY === 'all' || (ONLY === 'both' && ['inpage', 'mosquitto', 'relay'].includes(w)));

async function runOnce(which) {
  const { context, page, cdp } = await openApp(browser, www.url);
  try {
    if (which === 'inpage') {
      return await measure(NAMES[which], page, cdp, {
        start: () => page.evaluate(startInPageFlood, { rate: RATE, topics: TOPICS }),
        stop: () => page.evaluate(stopInPageFlood),
        sent: () => page.evaluate(() => window.__flood.total),
      });
    }
    const tcpPort = Number(process.env.MQTT_TCP_PORT) || undefined;
    const wsPort = Number(process.env.MQTT_WS_PORT) || undefined;
    broker ??= await startMosquitto({ tcpPort, wsPort });
    const relay = which === 'relay' ? await startRelay(broker.tcpPort) : null;
    try {
      await page.evaluate({ bare: connectBare, bareworker: connectBareWorker, stream: connectBareStream }[which] ?? connectRemote, { url: relay?.url ?? broker.wsUrl });
      const pub = await tcpPublisher(broker.tcpPort);
      try {
        return await measure(NAMES[which], page, cdp, {
          start: () => pub.start(RATE),
          stop: () => pub.stop(),
          sent: async () => pub.sent,
        });
      } finally {
        pub.end();
      }
    } finally {
      await relay?.close();
    }
  } finally {
    await context.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  console.log(`Chromium ${browser.version()}, ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const summary = [];
  for (const which of chosen) {
    const lines = [];
    for (let i = 0; i < RUNS; i++) lines.push(await runOnce(which));
    summary.push({ which, lines });
  }
  console.log(`\nsummary (${RATE} msg/s; ${RUNS > 1 ? `median of ${RUNS} runs, ` : ''}frames over ${SECONDS} s after 1 s of flood, heap after GC before → after ${LONG} s):`);
  for (const { which, lines } of summary) {
    const m = (k) => median(lines.map((l) => l[k]));
    console.log(`| ${NAMES[which]} | ${m('fps')} | ${m('p95')} ms | ${m('storedPerS')} | ${lines.map((l) => `${l.heapBefore} → ${l.heapLong}`).join(', ')} | ${lines.map((l) => l.load).join(', ')} |`);
  }
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await browser.close();
  www.stop();
  await broker?.dispose();
}
