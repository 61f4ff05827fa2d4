// The simulation's compact event batches (Simulation.drainEventBatch, read by
// www/lib/sim-events.js) against its plain events (drainEvents): two simulations
// with the same seed and the same calls give the same events, field for field,
// packets included, whichever way they are drained.
import test from 'node:test';
import assert from 'node:assert/strict';
import { lab } from './wasm.mjs';
import { rng } from './gen.mjs';
import { SimEventReader, cmdOf } from '../../www/lib/sim-events.js';

// The same scenario on any simulation: clients of both versions, every QoS,
// retained messages, 5.0 properties, a duplicating link, a lossy link, dropped
// packets, a partition, bytes that are not a packet, and many topics.
function scenario(sim, r, drain) {
  sim.addClient('alice', { clientId: 'alice', protocolVersion: 5 }, { latency: 20, duplicate: 0.3 });
  sim.addClient('bob', { clientId: 'bob', protocolVersion: 4 }, { latency: 35 });
  sim.addClient('carol', { clientId: 'carol', protocolVersion: 5, reconnectPeriod: 200 }, { latency: 10, loss: 0.02 });
  // CONNECT 3.1.1 "raw", then bytes that do not make a packet.
  sim.addScript('raw', [
    { at: 0, bytes: new Uint8Array([0x10, 0x0f, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x00, 0x00, 0x03, 0x72, 0x61, 0x77]) },
    { at: 50, bytes: new Uint8Array([0x30, 0xff, 0xff]) },
  ], { latency: 5 });
  for (const c of ['alice', 'bob', 'carol', 'raw']) sim.connect(c);
  sim.runFor(100);
  drain();
  sim.subscribe('alice', { 'room/#': { qos: 2 }, 'many/#': { qos: 0 } });
  sim.subscribe('bob', 'room/+/temp', { qos: 1 });
  sim.subscribe('carol', '#', { qos: 1 });
  sim.runFor(100);
  drain();
  for (let i = 0; i < 300; i++) {
    const from = r.pick(['alice', 'bob', 'carol']);
    const qos = r.int(0, 2);
    const opts = { qos, retain: r.chance(0.1) };
    if (from === 'alice' && r.chance(0.3)) opts.properties = { userProperties: { n: String(i) }, contentType: 'text/plain' };
    try {
      sim.publish(from, `room/${r.int(0, 5)}/temp`, `reading ${i}`, opts);
    } catch {
      // carol may be between connections: publishing then is refused or queued
    }
    if (i === 100) sim.dropNext('bob', 'toClient', 2);
    if (i === 150) sim.partition('bob');
    if (i === 200) sim.heal('bob');
    sim.runFor(r.int(0, 15));
    if (i % 37 === 0) drain();
  }
  // More topics than the batch's topic table holds, so that it starts over.
  for (let i = 0; i < 5000; i++) sim.publish('alice', `many/${i}`, '', { qos: 0 });
  sim.runFor(2000);
  drain();
}

// What an event says, as a plain object (getters and lazily decoded packets
// included; drainEvents gives a message no packet).
function plain(e) {
  const o = { ...e };
  for (const k of e.type === 'client' ? ['bytes', 'protocolVersion'] : ['packet', 'bytes', 'protocolVersion']) {
    if (e[k] !== undefined) o[k] = e[k];
  }
  return o;
}

test('drainEventBatch read by SimEventReader gives the events drainEvents gives', () => {
  const seed = 11;
  const a = new lab.Simulation({ seed });
  const b = new lab.Simulation({ seed });
  const plainEvents = [];
  const batchEvents = [];
  scenario(a, rng(5), () => plainEvents.push(...a.drainEvents()));
  const reader = new SimEventReader();
  scenario(b, rng(5), () => batchEvents.push(...reader.read(b.drainEventBatch())));
  assert.equal(batchEvents.length, plainEvents.length);
  const kinds = new Set();
  for (let i = 0; i < plainEvents.length; i++) {
    const want = plainEvents[i];
    const got = batchEvents[i];
    kinds.add(`${want.type}/${want.event ?? want.packet?.cmd ?? ''}`);
    assert.deepStrictEqual(plain(got), want, `event ${i}: ${JSON.stringify(want.type)}`);
    if (want.type === 'packetSent') assert.equal(got.cmd, want.packet?.cmd, `event ${i}: cmd`);
  }
  // The scenario reached what it is meant to test.
  for (const k of ['packetSent/publish', 'packetSent/puback', 'packetSent/pubrel', 'packetSent/', 'packetDelivered/',
    'packetDropped/', 'client/message', 'client/publishComplete', 'broker/connectionClosed']) {
    assert.ok(kinds.has(k), `the scenario has ${k}: ${[...kinds].join(', ')}`);
  }
  const messages = batchEvents.filter((e) => e.event === 'message');
  assert.ok(messages.some((m) => m.properties?.userProperties), 'a message with user properties');
  assert.ok(messages.every((m) => m.bytes && cmdOf(m.bytes) === 'publish'), 'every message carries its PUBLISH');
  for (const m of messages) assert.deepStrictEqual(m.packet, lab.decode(m.bytes, { protocolVersion: m.protocolVersion }));
  assert.ok(messages.some((m) => m.dup || m.retain), 'a duplicate or retained message');
});

test('a message keeps its bytes, not the whole batch', () => {
  const sim = new lab.Simulation({ seed: 3 });
  sim.addClient('pub', { clientId: 'pub' }, { latency: 1 });
  sim.addClient('sub', { clientId: 'sub', protocolVersion: 5 }, { latency: 1 });
  sim.connect('pub');
  sim.connect('sub');
  sim.subscribe('sub', 't/#', { qos: 0 });
  sim.runFor(50);
  const reader = new SimEventReader();
  reader.read(sim.drainEventBatch());
  for (let i = 0; i < 100; i++) sim.publish('pub', `t/${i}`, 'x'.repeat(100), { qos: 0 });
  sim.runFor(50);
  const batch = sim.drainEventBatch();
  const messages = reader.read(batch).filter((e) => e.event === 'message');
  assert.equal(messages.length, 100);
  for (const m of messages) {
    assert.notEqual(m.payload.buffer, batch.bytes.buffer);
    assert.equal(m.bytes.buffer.byteLength, m.bytes.length);
    assert.equal(new TextDecoder().decode(m.payload), 'x'.repeat(100));
    assert.equal(m.packet.topic, m.topic);
  }
});
