// A hostile "broker": a tiny WebSocket server on 127.0.0.1 (npm `ws`), started
// by this test, that answers the page's client with malformed MQTT. Each
// connection of the page that meets it must end with a readable reason next to
// it, and nothing else may break: no uncaught error, no panic alert, the
// in-page broker keeps delivering and a connection to a real broker (the
// mosquitto that ./scripts/test starts) still works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import { openPage } from './browser.mjs';

const REAL_WS_URL = process.env.MQTT_WS_URL ?? 'ws://127.0.0.1:19001';

// What the server sends once the client's first frame (its CONNECT) arrives.
// CONNACK_V5 accepts a 5.0 connection (no properties).
const CONNACK_V5 = [0x20, 0x03, 0x00, 0x00, 0x00];
const CASES = {
  // Packet type 0 is reserved.
  'reserved-type': [0x00, 0x00],
  // CONNACK whose acknowledge flags set a reserved bit.
  'connack-reserved-flags': [0x20, 0x03, 0xfe, 0x00, 0x00],
  // A Remaining Length of five bytes.
  'remaining-length-overflow': [0x30, 0xff, 0xff, 0xff, 0xff, 0x7f],
  // A PUBLISH before any CONNACK.
  'publish-before-connack': [0x30, 0x05, 0x00, 0x01, 0x61, 0x00, 0x78],
  // Accepted, then a PUBLISH whose topic is not UTF-8.
  'bad-utf8-topic': [...CONNACK_V5, 0x30, 0x06, 0x00, 0x02, 0xc3, 0x28, 0x00, 0x78],
  // Accepted, then a PUBLISH with QoS 3.
  'publish-qos3': [...CONNACK_V5, 0x36, 0x06, 0x00, 0x01, 0x61, 0x00, 0x01, 0x78],
  // Accepted, then a property length running past the packet.
  'property-overrun': [...CONNACK_V5, 0x30, 0x05, 0x00, 0x01, 0x61, 0x09, 0x01],
  // Accepted, then a SUBACK nobody asked for and a PINGRESP with a body.
  'unexpected-packets': [...CONNACK_V5, 0x90, 0x04, 0x00, 0x07, 0x00, 0x00, 0xd0, 0x01, 0x00],
  // A few kilobytes of noise (seeded, so the run repeats).
  'noise': (() => {
    let x = 12345;
    return Array.from({ length: 4096 }, () => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return x >> 16 & 0xff;
    });
  })(),
};

let server;
let port;
let tab;
let page;
const seen = [];

before(async () => {
  server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
  });
  await new Promise((resolve) => server.once('listening', resolve));
  port = server.address().port;
  server.on('connection', (ws, req) => {
    const name = new URL(req.url, 'ws://x').pathname.slice(1);
    seen.push(name);
    ws.once('message', () => {
      if (name === 'text-frame') ws.send('this is text, not MQTT');
      else ws.send(Buffer.from(CASES[name] ?? [0xff]));
    });
  });
  tab = await openPage('/');
  page = tab.page;
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
});

after(async () => {
  await tab?.close();
  await new Promise((resolve) => server?.close(resolve));
});

/** Opens a connection of the page to `url` and waits until it has closed; returns why. */
async function connectAndWaitClosed(name, url, protocolVersion) {
  return page.evaluate(async ({ name, url, protocolVersion }) => {
    const conn = window.mqttlab.openConnection({
      broker: 'custom', name, url, clientId: `hostile-${name}`, protocolVersion,
      clean: true, keepalive: 30, reconnect: false,
    });
    const t0 = performance.now();
    while (conn.state !== 'closed' && performance.now() - t0 < 15_000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    return { id: conn.id, state: conn.state, why: conn.why };
  }, { name, url, protocolVersion });
}

test('each malformed answer from a broker closes that connection with a readable reason', async () => {
  const names = [...Object.keys(CASES), 'text-frame'];
  for (const [i, name] of names.entries()) {
    const v = i % 3 === 0 ? 4 : 5;
    const { id, state, why } = await connectAndWaitClosed(name, `ws://127.0.0.1:${port}/${name}`, v);
    console.log(`${name} (v${v}): ${state}: ${why}`);
    assert.equal(state, 'closed', name);
    assert.equal(typeof why, 'string', name);
    assert.ok(why.length >= 10, `${name}: "${why}"`);
    assert.doesNotMatch(why, /undefined|\[object|unreachable|panicked/i, name);
    // The reason is shown on the connection's card.
    const card = page.locator(`[data-conn="${id}"]`);
    assert.equal((await card.locator('[data-conn-why]').textContent()).trim(), why.trim());
  }
  assert.deepEqual([...new Set(seen)].sort(), [...names].sort());
});

test('after the hostile broker, the in-page broker and a real broker still work', async () => {
  // The in-page broker: the user's client publishes and sees its message.
  await page.evaluate(async () => {
    const { connections, lab } = window.mqttlab;
    const you = connections.list.find((c) => c.settings?.clientId === 'you') ?? connections.selected;
    await you.subscribe({ filter: 'robust/#', qos: 1, nl: false, rap: false, rh: 0 });
    lab.sim.publish(you.label, 'robust/after', 'still delivering', { qos: 1 });
  });
  await page.waitForFunction(() => window.mqttlab.messages.topics.has('robust/after'), null, { timeout: 10_000 });
  // The sensor of the in-page broker keeps publishing.
  const readings = () => page.evaluate(() => window.mqttlab.messages.topics.get('home/livingroom/temperature')?.count ?? 0);
  const n = await readings();
  await page.waitForFunction((n) => (window.mqttlab.messages.topics.get('home/livingroom/temperature')?.count ?? 0) > n, n, { timeout: 10_000 });
  // A new connection to a real broker connects.
  const ok = await page.evaluate(async (url) => {
    const conn = window.mqttlab.openConnection({
      broker: 'custom', name: 'real', url, clientId: 'robust-real', protocolVersion: 5,
      clean: true, keepalive: 30, reconnect: false,
    });
    const t0 = performance.now();
    while (conn.state !== 'connected' && performance.now() - t0 < 10_000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const state = conn.state;
    conn.end?.();
    return state;
  }, REAL_WS_URL);
  assert.equal(ok, 'connected');
});

test('no uncaught error, no panic: the alert stays hidden', async () => {
  assert.equal(await page.locator('[data-boot-error]').isHidden(), true);
  const bad = tab.errors.filter((e) => /pageerror|panicked|unreachable|crash/i.test(e));
  assert.deepEqual(bad, []);
  await tab.screenshot('robust-hostile');
});
