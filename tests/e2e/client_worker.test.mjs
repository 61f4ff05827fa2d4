// The client's worker transport (`transport: 'worker'`, www/lib/ws-transport.js
// and ws-worker.js): the WebSocket lives in a dedicated Worker and the page gets
// the server's messages in batches. Against the shared mosquitto of
// ./scripts/test and small fake brokers (npm ws), in headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';

import { WWW_URL, launchBrowser } from './browser.mjs';
import { WS_URL, clientPage, freePort } from './mqtt_env.mjs';

let browser;
let tab;

before(async () => {
  browser = await launchBrowser();
  tab = await clientPage(browser);
  // Counts the WebSockets the page's own thread opens: with the worker
  // transport there must be none.
  await tab.page.evaluate(() => {
    const Native = window.WebSocket;
    window.__pageSockets = 0;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        window.__pageSockets++;
      }
    };
  });
});

after(async () => {
  await tab?.close();
  await browser?.close();
});

const evaluate = (fn, arg) => tab.page.evaluate(fn, arg);

async function fakeBroker(onConnect) {
  const port = await freePort();
  const wss = new WebSocketServer({ host: '127.0.0.1', port, handleProtocols: () => 'mqtt' });
  wss.on('connection', (ws) => ws.once('message', () => onConnect(ws)));
  await new Promise((res) => wss.once('listening', res));
  return { url: `ws://127.0.0.1:${port}`, close: () => new Promise((res) => wss.close(res)) };
}

for (const version of [4, 5]) {
  test(`v${version}: the worker transport carries messages both ways, at QoS 0, 1 and 2, in order`, async () => {
    const r = await evaluate(async ({ url, version }) => {
      const { connectAsync } = await import('/lib/mqtt.js');
      const before = window.__pageSockets;
      const opts = { protocolVersion: version, transport: 'worker' };
      const sub = await connectAsync(url, opts);
      const pub = await connectAsync(url, opts);
      const topic = `e2e/worker/v${version}/${Math.random().toString(16).slice(2)}`;
      const granted = await sub.subscribe(`${topic}/#`, { qos: 2 });
      const got = [];
      const all = new Promise((res) => sub.on('message', (t, payload, packet) => {
        got.push({ t, payload: [...payload], qos: packet.qos });
        if (got.length === 306) res();
      }));
      const results = [];
      for (const qos of [0, 1, 2]) {
        results.push(await pub.publish(`${topic}/${qos}`, `text ${qos}`, { qos }));
        results.push(await pub.publish(`${topic}/${qos}`, new Uint8Array([0, 255, qos]), { qos }));
      }
      // A burst: many packets per WebSocket message and per batch, at QoS 1
      // (mosquitto 2.0.11 loses some of a burst that mixes in QoS 0 or 2, with
      // MQTT.js as the subscriber too).
      const burst = [];
      for (let i = 0; i < 300; i++) burst.push(pub.publish(`${topic}/burst`, `n${i}`, { qos: 1 }));
      await Promise.all(burst);
      await all;
      await Promise.all([sub.end(), pub.end()]);
      return { granted, results, got, topic, pageSockets: window.__pageSockets - before };
    }, { url: WS_URL, version });
    assert.deepEqual(r.granted, [{ topic: `${r.topic}/#`, qos: 2 }]);
    assert.deepEqual(r.results, [0, 0, 0, 0, 0, 0]);
    const text = (s) => [...new TextEncoder().encode(s)];
    assert.deepEqual(r.got.slice(0, 6), [0, 1, 2].flatMap((qos) => [
      { t: `${r.topic}/${qos}`, payload: text(`text ${qos}`), qos },
      { t: `${r.topic}/${qos}`, payload: [0, 255, qos], qos },
    ]));
    assert.deepEqual(r.got.slice(6).map((m) => m.t), Array(300).fill(`${r.topic}/burst`));
    assert.deepEqual(r.got.slice(6).map((m) => new TextDecoder().decode(new Uint8Array(m.payload))),
      Array.from({ length: 300 }, (_, i) => `n${i}`));
    assert.equal(r.pageSockets, 0, 'the page itself opened a WebSocket');
  });
}

test("transport 'main' opens the WebSocket on the page's thread, and a bad transport is an invalid_option", async () => {
  const r = await evaluate(async ({ url }) => {
    const { connect, connectAsync } = await import('/lib/mqtt.js');
    const before = window.__pageSockets;
    const c = await connectAsync(url, { transport: 'main' });
    await c.end();
    let bad;
    try { connect(url, { transport: 'carrier pigeon' }); } catch (e) { bad = { kind: e.kind, message: e.message }; }
    return { pageSockets: window.__pageSockets - before, bad };
  }, { url: WS_URL });
  assert.equal(r.pageSockets, 1);
  assert.equal(r.bad.kind, 'invalid_option');
  assert.match(r.bad.message, /transport must be 'worker' or 'main'/);
});

// Connects through the worker to `url` and resolves with the first error event.
const firstWorkerError = (url) => evaluate(async ({ url }) => {
  const { connect } = await import('/lib/mqtt.js');
  const c = connect(url, { reconnectPeriod: 0, transport: 'worker' });
  const events = [];
  for (const e of ['close', 'offline', 'end', 'connect']) c.on(e, () => events.push(e));
  const err = await new Promise((res) => c.on('error', (e) => res({ message: e.message, kind: e.kind })));
  await new Promise((res) => setTimeout(res, 50));
  return { ...err, events, reconnecting: c.reconnecting };
}, { url });

// A fake broker that answers the first WebSocket message with `onConnect(ws)`,
// and the first error of a client connecting to it through the worker.
async function firstWorkerErrorFrom(onConnect) {
  const broker = await fakeBroker(onConnect);
  try {
    return await firstWorkerError(broker.url);
  } finally {
    await broker.close();
  }
}

test('through the worker, a port where nothing listens is an unreachable error with the likely causes', async () => {
  const r = await firstWorkerError(`ws://127.0.0.1:${await freePort()}/mqtt`);
  assert.equal(r.kind, 'unreachable');
  assert.match(r.message, /could not be opened \(close code 1006\)/);
  assert.match(r.message, /nothing is listening/);
  assert.deepEqual(r.events, ['close']);
  assert.equal(r.reconnecting, false);
});

test("through the worker, the server's close code and reason reach the error", async () => {
  const r = await firstWorkerErrorFrom((ws) => ws.close(4001, 'go away'));
  assert.equal(r.kind, 'transport_closed');
  assert.match(r.message, /the WebSocket closed before CONNACK \(code 4001, application code: go away\)/);
});

test('through the worker, a text WebSocket message is a protocol error', async () => {
  const r = await firstWorkerErrorFrom((ws) => ws.send('hello'));
  assert.equal(r.kind, 'protocol_error');
  assert.match(r.message, /text WebSocket frame/);
});

test('through the worker, CONNACK and 1,000 PUBLISH packets sent as 1,001 WebSocket messages all arrive, in order', async () => {
  const connack = Buffer.from([0x20, 2, 0, 0]);
  const publish = (i) => {
    const topic = Buffer.from('t/x');
    const payload = Buffer.from(`m${i}`);
    return Buffer.concat([Buffer.from([0x30, 2 + topic.length + payload.length, 0, topic.length]), topic, payload]);
  };
  const broker = await fakeBroker((ws) => {
    ws.send(connack);
    for (let i = 0; i < 1000; i++) ws.send(publish(i));
  });
  try {
    const r = await evaluate(async ({ url }) => {
      const { connect } = await import('/lib/mqtt.js');
      const c = connect(url, { reconnectPeriod: 0, transport: 'worker' });
      const got = [];
      await new Promise((res) => c.on('message', (t, p) => {
        got.push(new TextDecoder().decode(p));
        if (got.length === 1000) res();
      }));
      await c.end(true);
      return got;
    }, { url: broker.url });
    assert.deepEqual(r, Array.from({ length: 1000 }, (_, i) => `m${i}`));
  } finally {
    await broker.close();
  }
});

test('where a Content-Security-Policy forbids workers, the default transport falls back to the page\'s own WebSocket; transport \'worker\' says why it failed', async () => {
  const page = await browser.newPage();
  try {
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(new URL('/test/client-no-workers.html', WWW_URL).href);
    const r = await page.evaluate(async ({ url }) => {
      const Native = window.WebSocket;
      let pageSockets = 0;
      window.WebSocket = class extends Native {
        constructor(...args) {
          super(...args);
          pageSockets++;
        }
      };
      const { connect, connectAsync } = await import('/lib/mqtt.js');
      const out = {};
      // The default, first on this page: its worker fails to start, and it
      // opens a WebSocket of the page's own instead; messages flow.
      const sub = await connectAsync(url, { reconnectPeriod: 0 });
      out.socketsAfterFirst = pageSockets;
      // Explicitly the worker: a clear error, no WebSocket on the page's thread.
      const w = connect(url, { reconnectPeriod: 0, transport: 'worker' });
      out.workerError = await new Promise((res) => w.on('error', (e) => res({ kind: e.kind, message: e.message })));
      out.socketsAfterWorker = pageSockets;
      // The default again: straight to the page's own WebSocket.
      const pub = await connectAsync(url, { reconnectPeriod: 0 });
      const topic = `e2e/no-workers/${Math.random().toString(16).slice(2)}`;
      await sub.subscribe(topic, { qos: 1 });
      const got = new Promise((res) => sub.on('message', (t, p) => res(new TextDecoder().decode(p))));
      await pub.publish(topic, 'through the page\'s own socket', { qos: 1 });
      out.message = await got;
      out.pageSockets = pageSockets;
      await Promise.all([sub.end(), pub.end()]);
      return out;
    }, { url: WS_URL });
    assert.equal(r.socketsAfterFirst, 1);
    assert.equal(r.workerError.kind, 'worker_failed');
    assert.match(r.workerError.message, /could not be opened: the WebSocket worker failed.*Content-Security-Policy may forbid workers/);
    assert.equal(r.socketsAfterWorker, 1);
    assert.equal(r.message, "through the page's own socket");
    assert.equal(r.pageSockets, 2);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
