// The browser client (www/lib/mqtt.js) against the shared mosquitto of
// ./scripts/test, in headless Chromium: both protocol versions, QoS 0/1/2 both
// ways, retained messages, the Will, and the errors a user must be told about.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';

import { launchBrowser } from './browser.mjs';
import { WS_URL, clientPage, freePort, unexpectedErrors } from './mqtt_env.mjs';

let browser;
let tab;

before(async () => {
  browser = await launchBrowser();
  tab = await clientPage(browser);
});

after(async () => {
  await tab?.close();
  await browser?.close();
});

const evaluate = (fn, arg) => tab.page.evaluate(fn, arg);

for (const version of [4, 5]) {
  test(`v${version}: connects and reports CONNACK as an mqtt-packet object`, async () => {
    const r = await evaluate(async ({ url, version }) => {
      const { connect } = await import('/lib/mqtt.js');
      const c = connect(url, { protocolVersion: version, clientId: `basic-v${version}` });
      const connack = await new Promise((res) => c.once('connect', res));
      const state = { connected: c.connected, reconnecting: c.reconnecting, clientId: c.clientId };
      await c.end();
      return { connack, state, after: c.connected };
    }, { url: WS_URL, version });
    assert.equal(r.state.connected, true);
    assert.equal(r.state.reconnecting, false);
    assert.equal(r.state.clientId, `basic-v${version}`);
    assert.equal(r.after, false);
    assert.equal(r.connack.cmd, 'connack');
    assert.equal(r.connack.sessionPresent, false);
    assert.equal(version === 5 ? r.connack.reasonCode : r.connack.returnCode, 0);
  });

  test(`v${version}: publish and subscribe at QoS 0, 1 and 2, with ordered, exact payloads`, async () => {
    const r = await evaluate(async ({ url, version }) => {
      const { connectAsync } = await import('/lib/mqtt.js');
      const sub = await connectAsync(url, { protocolVersion: version });
      const pub = await connectAsync(url, { protocolVersion: version });
      const topic = `e2e/qos/v${version}/${Math.random().toString(16).slice(2)}`;
      const granted = await sub.subscribe(`${topic}/#`, { qos: 2 });
      const got = [];
      const all = new Promise((res) => sub.on('message', (t, payload, packet) => {
        got.push({ t, payload: [...payload], qos: packet.qos, retain: packet.retain, cmd: packet.cmd });
        if (got.length === 6) res();
      }));
      const results = [];
      for (const qos of [0, 1, 2]) {
        results.push(await pub.publish(`${topic}/${qos}`, `text ${qos}`, { qos }));
        results.push(await pub.publish(`${topic}/${qos}`, new Uint8Array([0, 255, qos]), { qos }));
      }
      await all;
      await Promise.all([sub.end(), pub.end()]);
      return { granted, results, got, topic };
    }, { url: WS_URL, version });
    assert.deepEqual(r.granted, [{ topic: `${r.topic}/#`, qos: 2 }]);
    // QoS 0 resolves with 0 once written; QoS 1/2 with the PUBACK/PUBCOMP code.
    assert.deepEqual(r.results, [0, 0, 0, 0, 0, 0]);
    const text = (s) => [...new TextEncoder().encode(s)];
    assert.deepEqual(r.got, [0, 1, 2].flatMap((qos) => [
      { t: `${r.topic}/${qos}`, payload: text(`text ${qos}`), qos, retain: false, cmd: 'publish' },
      { t: `${r.topic}/${qos}`, payload: [0, 255, qos], qos, retain: false, cmd: 'publish' },
    ]));
  });
}

for (const version of [4, 5]) {
  test(`v${version}: messageBytes hands each message's PUBLISH, as received, to 'message' listeners`, async () => {
    const r = await evaluate(async ({ url, version }) => {
      const { connectAsync } = await import('/lib/mqtt.js');
      const { decode } = await import('/pkg/mqtt_lab.js');
      const sub = await connectAsync(url, { protocolVersion: version, messageBytes: true });
      const plain = await connectAsync(url, { protocolVersion: version });
      const topic = `e2e/bytes/v${version}/${Math.random().toString(16).slice(2)}`;
      await sub.subscribe(topic, { qos: 1 });
      await plain.subscribe(topic, { qos: 1 });
      const got = [];
      const without = [];
      const done = new Promise((res) => sub.on('message', (t, payload, packet, bytes) => {
        const d = decode(bytes, { protocolVersion: version });
        got.push({ t, payload: [...payload], tail: [...bytes.subarray(bytes.length - payload.length)], cmd: d.cmd, topic: d.topic, qos: d.qos, id: d.messageId > 0 });
        if (got.length === 3) res();
      }));
      plain.on('message', (...args) => without.push(args.length));
      for (let i = 0; i < 3; i++) await plain.publish(topic, `m${i}`, { qos: i % 2, ...(version === 5 ? { properties: { contentType: 'x' } } : {}) });
      await done;
      await new Promise((res) => setTimeout(res, 100));
      await Promise.all([sub.end(), plain.end()]);
      return { got, without, topic };
    }, { url: WS_URL, version });
    const text = (s) => [...new TextEncoder().encode(s)];
    assert.deepEqual(r.got, [0, 1, 2].map((i) => ({
      t: r.topic, payload: text(`m${i}`), tail: text(`m${i}`), cmd: 'publish', topic: r.topic, qos: i % 2, id: i % 2 === 1,
    })));
    assert.deepEqual(r.without, [3, 3, 3], 'without the option, listeners get three arguments');
  });
}

test('v5: user properties and message expiry reach the subscriber in packet.properties', async () => {
  const r = await evaluate(async ({ url }) => {
    const { connectAsync } = await import('/lib/mqtt.js');
    const c = await connectAsync(url, { protocolVersion: 5 });
    const topic = `e2e/props/${Math.random().toString(16).slice(2)}`;
    await c.subscribe(topic, { qos: 1 });
    const got = new Promise((res) => c.on('message', (_t, _p, packet) => res(packet.properties)));
    await c.publish(topic, 'x', {
      qos: 1,
      properties: { userProperties: { a: '1', b: ['2', '3'] }, contentType: 'text/plain' },
    });
    const props = await got;
    await c.end();
    return props;
  }, { url: WS_URL });
  assert.deepEqual(r.userProperties, { a: '1', b: ['2', '3'] });
  assert.equal(r.contentType, 'text/plain');
});

test('a retained message reaches a later subscriber with retain set, and an empty one clears it', async () => {
  const r = await evaluate(async ({ url }) => {
    const { connectAsync } = await import('/lib/mqtt.js');
    const topic = `e2e/retain/${Math.random().toString(16).slice(2)}`;
    const pub = await connectAsync(url, { protocolVersion: 5 });
    await pub.publish(topic, 'kept', { qos: 1, retain: true });
    const sub = await connectAsync(url, { protocolVersion: 4 });
    const first = new Promise((res) => sub.once('message', (t, p, packet) =>
      res({ t, p: new TextDecoder().decode(p), retain: packet.retain })));
    await sub.subscribe(topic, { qos: 1 });
    const retained = await first;
    await pub.publish(topic, '', { qos: 1, retain: true });
    const late = await connectAsync(url);
    let count = 0;
    late.on('message', () => { count++; });
    await late.subscribe(topic, { qos: 1 });
    await new Promise((res) => setTimeout(res, 300));
    await Promise.all([pub.end(), sub.end(), late.end()]);
    return { retained, count };
  }, { url: WS_URL });
  assert.deepEqual(r.retained.retain, true);
  assert.equal(r.retained.p, 'kept');
  assert.equal(r.count, 0, 'the cleared retained message must not be delivered');
});

for (const version of [4, 5]) {
  test(`v${version}: the Will is published when the socket drops without DISCONNECT`, async () => {
    const r = await evaluate(async ({ url, version }) => {
      const { connectAsync } = await import('/lib/mqtt.js');
      const topic = `e2e/will/${Math.random().toString(16).slice(2)}`;
      const watcher = await connectAsync(url, { protocolVersion: 5 });
      await watcher.subscribe(topic, { qos: 1 });
      const will = new Promise((res) => watcher.on('message', (t, p, packet) =>
        res({ t, p: new TextDecoder().decode(p), qos: packet.qos })));
      const dying = await connectAsync(url, {
        protocolVersion: version,
        reconnectPeriod: 0,
        will: { topic, payload: 'gone', qos: 1 },
      });
      const events = [];
      for (const e of ['close', 'offline', 'error', 'end']) dying.on(e, () => events.push(e));
      dying.dropTransport();
      const got = await will;
      await watcher.end();
      return { got, events, connected: dying.connected };
    }, { url: WS_URL, version });
    assert.deepEqual(r.got, { t: r.got.t, p: 'gone', qos: 1 });
    assert.equal(r.connected, false);
    // A dropped connection is 'close' + 'offline', not an 'error'.
    assert.deepEqual(r.events.slice(0, 2), ['close', 'offline']);
    assert.ok(!r.events.includes('error'));
  });
}

test('a clean end() does not publish the Will', async () => {
  const r = await evaluate(async ({ url }) => {
    const { connectAsync } = await import('/lib/mqtt.js');
    const topic = `e2e/nowill/${Math.random().toString(16).slice(2)}`;
    const watcher = await connectAsync(url, { protocolVersion: 5 });
    await watcher.subscribe(topic, { qos: 1 });
    let got = 0;
    watcher.on('message', () => { got++; });
    const c = await connectAsync(url, { protocolVersion: 5, will: { topic, payload: 'x', qos: 1 } });
    const events = [];
    for (const e of ['close', 'offline', 'error', 'end']) c.on(e, () => events.push(e));
    await c.end();
    await new Promise((res) => setTimeout(res, 300));
    await watcher.end();
    return { got, events };
  }, { url: WS_URL });
  assert.equal(r.got, 0);
  assert.deepEqual(r.events, ['offline', 'close', 'end']);
});

test('publishes made before CONNACK are queued, then all sent and acknowledged', async () => {
  const r = await evaluate(async ({ url }) => {
    const { connect, connectAsync } = await import('/lib/mqtt.js');
    const topic = `e2e/burst/${Math.random().toString(16).slice(2)}`;
    const sub = await connectAsync(url, { protocolVersion: 5 });
    await sub.subscribe(topic, { qos: 1 });
    let n = 0;
    const all = new Promise((res) => sub.on('message', () => { if (++n === 50) res(); }));
    const pub = connect(url, { protocolVersion: 5, trace: true });
    let publishFrames = 0;
    pub.on('packetsend', (packet) => { if (packet.cmd === 'publish') publishFrames++; });
    const done = [];
    for (let i = 0; i < 50; i++) done.push(pub.publish(topic, `m${i}`, { qos: 1 }));
    await Promise.all(done);
    await all;
    await Promise.all([sub.end(), pub.end()]);
    return { n, publishFrames };
  }, { url: WS_URL });
  assert.equal(r.n, 50);
  assert.equal(r.publishFrames, 50);
});

test('packetsend / packetreceive carry the packet object and its bytes', async () => {
  const r = await evaluate(async ({ url }) => {
    const { connect } = await import('/lib/mqtt.js');
    const c = connect(url, { protocolVersion: 5 });
    const seen = [];
    c.on('packetsend', (p, bytes) => seen.push(['send', p.cmd, bytes instanceof Uint8Array, bytes[0]]));
    c.on('packetreceive', (p, bytes) => seen.push(['recv', p.cmd, bytes instanceof Uint8Array, bytes[0]]));
    await new Promise((res) => c.once('connect', res));
    await c.end();
    return seen;
  }, { url: WS_URL });
  assert.deepEqual(r, [
    ['send', 'connect', true, 0x10],
    ['recv', 'connack', true, 0x20],
    ['send', 'disconnect', true, 0xe0],
  ]);
});

test('a bad URL or scheme is an error event saying to use ws:// or wss://', async () => {
  const r = await evaluate(async () => {
    const { connect } = await import('/lib/mqtt.js');
    const errorOf = (url) => {
      const c = connect(url);
      return new Promise((res) => c.on('error', (e) =>
        res({ message: e.message, kind: e.kind, connected: c.connected })));
    };
    const results = {};
    for (const url of ['mqtt://localhost:1883', 'tcp://127.0.0.1:1883', 'localhost:8080', 'ws://']) {
      results[url] = await errorOf(url);
    }
    const c = connect('mqtts://x');
    const rejected = await c.publish('a', 'b').catch((e) => e.kind);
    results.publishRejected = rejected;
    return results;
  });
  for (const url of ['mqtt://localhost:1883', 'tcp://127.0.0.1:1883']) {
    assert.equal(r[url].kind, 'invalid_url');
    assert.match(r[url].message, /browsers can only open WebSocket connections: use ws:\/\/ or wss:\/\//);
    assert.match(r[url].message, /\/mqtt/);
  }
  assert.equal(r['localhost:8080'].kind, 'invalid_url');
  assert.equal(r['ws://'].kind, 'invalid_url');
  assert.equal(r.publishRejected, 'invalid_url');
});

test('a port where nothing listens is an error event that lists the likely causes', async () => {
  const port = await freePort();
  const r = await evaluate(async ({ url }) => {
    const { connect } = await import('/lib/mqtt.js');
    const c = connect(url, { reconnectPeriod: 0 });
    const events = [];
    for (const e of ['close', 'offline', 'end', 'connect']) c.on(e, () => events.push(e));
    const err = await new Promise((res) => c.on('error', (e) => res({ message: e.message, kind: e.kind })));
    await new Promise((res) => setTimeout(res, 50));
    return { err, events, reconnecting: c.reconnecting };
  }, { url: `ws://127.0.0.1:${port}/mqtt` });
  assert.equal(r.err.kind, 'unreachable');
  assert.match(r.err.message, /could not be opened/);
  assert.match(r.err.message, /nothing is listening/);
  assert.match(r.err.message, /firewall/);
  assert.match(r.err.message, /TLS certificate/);
  assert.deepEqual(r.events, ['close']);
  assert.equal(r.reconnecting, false);
});

test('an unreachable broker keeps being retried with backoff, with an error for each attempt', async () => {
  const port = await freePort();
  const r = await evaluate(async ({ url }) => {
    const { connect } = await import('/lib/mqtt.js');
    const c = connect(url, { reconnectPeriod: 50, maxReconnectDelay: 100 });
    const events = [];
    for (const e of ['error', 'reconnect', 'close']) c.on(e, () => events.push(e));
    await new Promise((res) => setTimeout(res, 600));
    const reconnecting = c.reconnecting;
    await c.end(true);
    return { events, reconnecting };
  }, { url: `ws://127.0.0.1:${port}` });
  assert.ok(r.events.filter((e) => e === 'reconnect').length >= 2, r.events.join());
  assert.ok(r.events.filter((e) => e === 'error').length >= 2);
  assert.equal(r.reconnecting, true);
});

test('invalid options throw at connect()', async () => {
  const r = await evaluate(async () => {
    const { connect } = await import('/lib/mqtt.js');
    const msg = (opts) => {
      try { connect('ws://127.0.0.1:9', opts); return null; } catch (e) { return `${e.kind}: ${e.message}`; }
    };
    return {
      version: msg({ protocolVersion: 6 }),
      keepalive: msg({ keepalive: -1 }),
      persistent: msg({ clean: false, clientId: '' }),
      props: msg({ protocolVersion: 4, properties: { sessionExpiryInterval: 10 } }),
      will: msg({ will: { payload: 'x' } }),
      pw: msg({ protocolVersion: 4, password: 'p' }),
    };
  });
  assert.match(r.version, /^invalid_option: protocolVersion must be 4 \(MQTT 3\.1\.1\), 5/);
  assert.match(r.keepalive, /keepalive must be a whole number from 0 to 65535/);
  assert.match(r.persistent, /clean: false\) needs a clientId/);
  assert.match(r.props, /set protocolVersion: 5/);
  assert.match(r.will, /will\.topic must be a string/);
  assert.match(r.pw, /^invalid_option: the CONNECT these options make is invalid/);
});

test('invalid topics and filters reject the promise with the reason', async () => {
  const r = await evaluate(async ({ url }) => {
    const { connectAsync } = await import('/lib/mqtt.js');
    const c = await connectAsync(url);
    const out = {
      pub: await c.publish('a/+', 'x').catch((e) => `${e.kind}: ${e.message}`),
      qos: await c.publish('a', 'x', { qos: 3 }).catch((e) => `${e.kind}: ${e.message}`),
      sub: await c.subscribe('a/#/b').catch((e) => `${e.kind}: ${e.message}`),
    };
    await c.end();
    out.ended = await c.publish('a', 'x').catch((e) => e.kind);
    return out;
  }, { url: WS_URL });
  assert.match(r.pub, /^invalid_topic: .*wildcards/);
  assert.match(r.qos, /^invalid_option: qos must be 0, 1 or 2/);
  assert.match(r.sub, /^invalid_filter: .*'#' must be the last level/);
  assert.equal(r.ended, 'ended');
});

// A fake broker (npm ws) for what mosquitto will not do on demand.
async function fakeBroker(onConnect) {
  const port = await freePort();
  const wss = new WebSocketServer({ host: '127.0.0.1', port, handleProtocols: () => 'mqtt' });
  wss.on('connection', (ws) => ws.once('message', () => onConnect(ws)));
  await new Promise((res) => wss.once('listening', res));
  return { url: `ws://127.0.0.1:${port}`, close: () => new Promise((res) => wss.close(res)) };
}

test('no CONNACK within connectTimeout is an error naming the timeout', async () => {
  const broker = await fakeBroker(() => {});
  try {
    const r = await evaluate(async ({ url }) => {
      const { connect } = await import('/lib/mqtt.js');
      const c = connect(url, { connectTimeout: 300, reconnectPeriod: 0 });
      const err = await new Promise((res) => c.on('error', (e) => res({ kind: e.kind, message: e.message })));
      return err;
    }, { url: broker.url });
    assert.equal(r.kind, 'connect_timeout');
    assert.match(r.message, /no CONNACK within 3\d\d ms/);
  } finally {
    await broker.close();
  }
});

test('v5: a refused CONNACK is an error with the reason in words and the reason string', async () => {
  // CONNACK: session present 0, reason 0x87 Not authorized, Reason String "go away".
  const connack = Buffer.from([0x20, 0x0d, 0x00, 0x87, 0x0a, 0x1f, 0x00, 0x07, ...Buffer.from('go away')]);
  const broker = await fakeBroker((ws) => ws.send(connack));
  try {
    const r = await evaluate(async ({ url }) => {
      const { connectAsync } = await import('/lib/mqtt.js');
      const err = await connectAsync(url, { protocolVersion: 5 }).catch((e) => e);
      return { kind: err.kind, message: err.message, reasonCode: err.reasonCode, code: err.code };
    }, { url: broker.url });
    assert.equal(r.kind, 'connection_refused');
    assert.equal(r.reasonCode, 0x87);
    assert.equal(r.code, 0x87);
    assert.equal(r.message, 'the server refused the connection: Not authorized (go away)');
  } finally {
    await broker.close();
  }
});

test('v5: DISCONNECT from the server is an error with its reason code and string', async () => {
  const connack = Buffer.from([0x20, 0x03, 0x00, 0x00, 0x00]);
  // DISCONNECT 0x8E Session taken over, Reason String "other tab".
  const disconnect = Buffer.from([0xe0, 0x0e, 0x8e, 0x0c, 0x1f, 0x00, 0x09, ...Buffer.from('other tab')]);
  const broker = await fakeBroker((ws) => { ws.send(connack); setTimeout(() => ws.send(disconnect), 50); });
  try {
    const r = await evaluate(async ({ url }) => {
      const { connectAsync } = await import('/lib/mqtt.js');
      const c = await connectAsync(url, { protocolVersion: 5 });
      const err = await new Promise((res) => c.on('error', res));
      await new Promise((res) => setTimeout(res, 50));
      return { kind: err.kind, message: err.message, reasonCode: err.reasonCode, reconnecting: c.reconnecting };
    }, { url: broker.url });
    assert.equal(r.kind, 'server_disconnect');
    assert.equal(r.reasonCode, 0x8e);
    assert.match(r.message, /0x8E Session taken over \(other tab\)/);
    // Taken over by another client: reconnecting would take it back, forever.
    assert.equal(r.reconnecting, false);
  } finally {
    await broker.close();
  }
});

test('a malformed packet from the server is a protocol error with a reason code', async () => {
  const connack = Buffer.from([0x20, 0x02, 0x00, 0x00]);
  // PUBLISH QoS 3 is malformed [MQTT-3.3.1-4].
  const broker = await fakeBroker((ws) => ws.send(Buffer.concat([connack, Buffer.from([0x36, 0x03, 0x00, 0x01, 0x61])])));
  try {
    const r = await evaluate(async ({ url }) => {
      const { connect } = await import('/lib/mqtt.js');
      const c = connect(url, { reconnectPeriod: 0 });
      const err = await new Promise((res) => c.on('error', res));
      return { kind: err.kind, message: err.message, reasonCode: err.reasonCode };
    }, { url: broker.url });
    assert.equal(r.kind, 'malformed_packet');
    assert.equal(r.reasonCode, 0x81);
    assert.match(r.message, /malformed/);
  } finally {
    await broker.close();
  }
});

test('several clients live side by side and the page logged no unexpected errors', async () => {
  const r = await evaluate(async ({ url }) => {
    const { connectAsync } = await import('/lib/mqtt.js');
    const topic = `e2e/many/${Math.random().toString(16).slice(2)}`;
    const clients = await Promise.all([...Array(5)].map(() => connectAsync(url, { protocolVersion: 5 })));
    await Promise.all(clients.map((c) => c.subscribe(topic, { qos: 1 })));
    const counts = clients.map(() => 0);
    const all = new Promise((res) => clients.forEach((c, i) => c.on('message', () => {
      counts[i]++;
      if (counts.every((n) => n === 5)) res();
    })));
    await Promise.all(clients.map((c, i) => c.publish(topic, `from ${i}`, { qos: 1 })));
    await all;
    await Promise.all(clients.map((c) => c.end()));
    return counts;
  }, { url: WS_URL });
  assert.deepEqual(r, [5, 5, 5, 5, 5]);
  assert.deepEqual(unexpectedErrors(tab.errors), []);
});
