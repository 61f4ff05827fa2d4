// MQTT.js (its browser build) connected to the in-page broker through its
// `createWebsocket` option, exchanging messages with simulated clients.
// Run by ./scripts/test; the page is www/test/inpage.html.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { openPage } from './browser.mjs';

const ROOT = new URL('../../', import.meta.url);
let page;

before(async () => {
  // The page stays buildless: MQTT.js's browser build is copied next to it (git-ignored).
  mkdirSync(new URL('www/vendor/', ROOT), { recursive: true });
  copyFileSync(new URL('node_modules/mqtt/dist/mqtt.esm.js', ROOT), new URL('www/vendor/mqtt.esm.js', ROOT));
  page = await openPage('/test/inpage.html');
  await page.page.waitForFunction(() => document.querySelector('[data-status]')?.textContent === 'ready');
});

after(async () => {
  await page?.close();
});

test('MQTT.js receives QoS 0, 1 and 2 messages from a simulated client', async () => {
  const got = await page.page.evaluate(async () => {
    const { sim, connectMqttJs, until } = window.lab;
    const { client, messages } = await connectMqttJs({ clientId: 'js-sub', protocolVersion: 5 });
    await client.subscribeAsync('sim/#', { qos: 2 });
    sim.addClient('sensor', { clientId: 'sensor', protocolVersion: 4 }, { latency: 30 });
    sim.connect('sensor');
    await until(() => sim.snapshot().clients.find((c) => c.id === 'sensor').state === 'connected');
    for (const qos of [0, 1, 2]) sim.publish('sensor', `sim/q${qos}`, `from sim ${qos}`, { qos });
    await until(() => messages.length === 3);
    await client.endAsync();
    return messages;
  });
  assert.deepEqual(got.map((m) => [m.topic, m.payload, m.qos]), [
    ['sim/q0', 'from sim 0', 0],
    ['sim/q1', 'from sim 1', 1],
    ['sim/q2', 'from sim 2', 2],
  ]);
});

test('a simulated client receives QoS 0, 1 and 2 messages from MQTT.js', async () => {
  const got = await page.page.evaluate(async () => {
    const { sim, connectMqttJs, simMessages, until } = window.lab;
    sim.addClient('listener', { clientId: 'listener', protocolVersion: 5 }, { latency: 10 });
    sim.connect('listener');
    sim.subscribe('listener', 'js/#', { qos: 2 });
    await until(() => sim.snapshot().broker.subscriptions.some((s) => s.clientId === 'listener'));
    const { client } = await connectMqttJs({ clientId: 'js-pub', protocolVersion: 4 });
    for (const qos of [0, 1, 2]) await client.publishAsync(`js/q${qos}`, `from js ${qos}`, { qos });
    await until(() => simMessages('listener').length === 3);
    await client.endAsync();
    return simMessages('listener');
  });
  assert.deepEqual(got.map((m) => [m.topic, m.payload, m.qos]), [
    ['js/q0', 'from js 0', 0],
    ['js/q1', 'from js 1', 1],
    ['js/q2', 'from js 2', 2],
  ]);
});

test('a retained message and a Will (the simulated link cut) reach MQTT.js', async () => {
  const got = await page.page.evaluate(async () => {
    const { sim, connectMqttJs, until } = window.lab;
    sim.addClient('dying', {
      clientId: 'dying',
      protocolVersion: 5,
      reconnectPeriod: 0,
      will: { topic: 'status/dying', payload: 'offline', qos: 1 },
    }, { latency: 20 });
    sim.connect('dying');
    await until(() => sim.snapshot().clients.find((c) => c.id === 'dying').state === 'connected');
    sim.publish('dying', 'status/temp', '21.5', { qos: 1, retain: true });
    await until(() => sim.snapshot().broker.retained.length === 1);
    const { client, messages } = await connectMqttJs({ clientId: 'js-watch', protocolVersion: 5 });
    await client.subscribeAsync('status/#', { qos: 1 });
    await until(() => messages.length === 1);
    sim.cutLink('dying');
    await until(() => messages.length === 2);
    await client.endAsync();
    return messages;
  });
  assert.deepEqual(got, [
    { topic: 'status/temp', payload: '21.5', qos: 1, retain: true },
    { topic: 'status/dying', payload: 'offline', qos: 1, retain: false },
  ]);
});

test('the sockets behave like WebSockets and every packet is in the event log', async () => {
  const result = await page.page.evaluate(async () => {
    const { broker, events, until } = window.lab;
    const ws = broker.socket('ws://in-page.invalid/mqtt', ['mqtt']);
    const seen = [];
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => seen.push('open');
    ws.addEventListener('message', (e) => seen.push(e.data instanceof ArrayBuffer ? 'arraybuffer' : typeof e.data));
    ws.onclose = (e) => seen.push(`close ${e.code}`);
    const state0 = ws.readyState;
    await until(() => ws.readyState === ws.OPEN);
    // CONNECT 3.1.1, client "raw", clean, keepalive 0, sent as a DataView.
    const connect = new Uint8Array([0x10, 0x0f, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x00,
      0x00, 0x03, 0x72, 0x61, 0x77]);
    ws.send(new DataView(connect.buffer));
    await until(() => seen.includes('arraybuffer'));
    ws.close(1000);
    await until(() => ws.readyState === ws.CLOSED && seen.some((s) => s.startsWith('close')));
    const connack = events.find((e) => e.type === 'packetSent' && e.client === ws.id && e.packet?.cmd === 'connack');
    return { state0, protocol: ws.protocol, seen, connack: connack && { to: connack.to, len: connack.bytes.length } };
  });
  assert.equal(result.state0, 0);
  assert.equal(result.protocol, 'mqtt');
  assert.deepEqual(result.seen, ['open', 'arraybuffer', 'close 1000']);
  assert.match(result.connack.to, /^socket-\d+$/);
  assert.equal(result.connack.len, 4);
});

test('the page reported no errors', () => {
  assert.deepEqual(page.errors, []);
});
