// A lesson on a classroom room, without a broker: the room's filters and
// client ids (room-lab.js), the order in which observed packets are drawn
// (room-lab-source.js), the first sighting of a student's message, and a
// RoomLab driven through its `sim` face by a stand-in for lib/mqtt.js that
// records what the lab asks of its connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roomFilter, lessonClientId, runTag, Sightings, RoomLab } from '../../www/ui/room-lab.js';
import { ObservedTimeline } from '../../www/ui/room-lab-source.js';
import { virtualTimers } from '../../www/ui/scenario-runner.js';

test('lesson filters go under the room prefix, shared subscriptions keep their group first', () => {
  assert.equal(roomFilter('abc234', 'home/#'), 'mqttlab/abc234/home/#');
  assert.equal(roomFilter('abc234', '#'), 'mqttlab/abc234/#');
  assert.equal(roomFilter('abc234', '$share/workers/jobs/#'), '$share/workers/mqttlab/abc234/jobs/#');
  assert.equal(roomFilter('abc234', '+/temperature'), 'mqttlab/abc234/+/temperature');
});

test('lesson client ids are unique per run and safe as a sender id', () => {
  const a = lessonClientId('abc234', runTag(), 'worker-1');
  const b = lessonClientId('abc234', runTag(() => new Uint8Array([1, 2])), 'worker-1');
  assert.match(a, /^mqttlab-abc234-[0-9a-f]{4}-worker-1$/);
  assert.equal(b, 'mqttlab-abc234-0102-worker-1');
  assert.match(lessonClientId('abc234', '0000', 'a b/c'), /^[A-Za-z0-9_-]{1,64}$/);
  assert.ok(lessonClientId('abcdefghijklmnop', 'ffff', 'x'.repeat(80)).length <= 64);
});

test('a student message seen twice (by the observer and a lesson client) counts once', () => {
  const s = new Sightings(3000);
  assert.equal(s.seen('k', 100), false);
  assert.equal(s.seen('k', 150), true);
  assert.equal(s.seen('other', 150), false);
  assert.equal(s.seen('k', 5000), false); // published again later: a new message
});

test('observed packets are drawn in causal order: out of the broker after in, answers after questions', () => {
  const t = new ObservedTimeline(300);
  // sensor publishes at 0; the broker forwards (display reads it at 1) and acks (sensor reads at 1)
  const pub = t.place({ client: 'sensor', direction: 'toBroker', at: 0 });
  const fwd = t.place({ client: 'display', direction: 'toClient', at: 1 });
  const ack = t.place({ client: 'sensor', direction: 'toClient', at: 1.2 });
  const disp = t.place({ client: 'display', direction: 'toBroker', at: 2 }); // the display's PUBACK
  assert.deepEqual(pub, { sentAt: 0, arrivesAt: 300 });
  assert.ok(fwd.sentAt >= pub.arrivesAt, 'the forwarded PUBLISH leaves after the PUBLISH arrived');
  assert.ok(ack.sentAt >= pub.arrivesAt);
  assert.ok(disp.sentAt >= fwd.arrivesAt, 'the PUBACK leaves after the PUBLISH reached the display');
  for (const f of [pub, fwd, ack, disp]) assert.ok(f.arrivesAt - f.sentAt >= 300);
  // Long after, the picture is back to real time.
  const later = t.place({ client: 'sensor', direction: 'toBroker', at: 10_000 });
  assert.deepEqual(later, { sentAt: 10_000, arrivesAt: 10_300 });
});

/** A stand-in for lib/mqtt.js: records each client's calls; `connack()` and `deliver()` play the broker. */
function fakeMqtt() {
  const clients = [];
  class Fake {
    handlers = new Map();
    calls = [];
    constructor(url, opts) {
      Object.assign(this, { url, opts });
      clients.push(this);
    }
    on(ev, fn) { (this.handlers.get(ev) ?? this.handlers.set(ev, []).get(ev)).push(fn); return this; }
    once(ev, fn) { return this.on(ev, fn); }
    emit(ev, ...a) { for (const f of this.handlers.get(ev) ?? []) f(...a); }
    publish(topic, payload, opts) { this.calls.push(['publish', topic, payload, opts]); return Promise.resolve(0); }
    subscribe(map) { this.calls.push(['subscribe', map]); return Promise.resolve([]); }
    unsubscribe(f) { this.calls.push(['unsubscribe', f]); return Promise.resolve([]); }
    end() { this.calls.push(['end']); this.emit('end'); return Promise.resolve(); }
    reconnect() { this.calls.push(['reconnect']); }
    dropTransport() { this.calls.push(['dropTransport']); }
    get reconnecting() { return false; }
    connack(sessionPresent = false) { this.emit('connect', { sessionPresent }); }
  }
  return { clients, connect: (url, opts) => new Fake(url, opts) };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

test('a RoomLab carries out scenario steps on real-shaped connections under the room prefix', async () => {
  const mqtt = fakeMqtt();
  const observer = new EventTarget();
  observer.clientId = 'mqttlab-t-teacher';
  const lab = new RoomLab({ mqtt, url: 'ws://broker.test/mqtt', code: 'abc234', observer, run: 'beef' });
  const events = [];
  lab.broker.addEventListener('events', (e) => events.push(...e.detail));
  const students = [];
  lab.addEventListener('student', (e) => students.push(e.detail));

  lab.addClient('sensor', { protocolVersion: 5, clean: true, keepalive: 60, reconnectPeriod: 0,
    will: { topic: 'home/sensor/status', payload: 'offline', qos: 1, retain: true } });
  lab.addClient('display', { protocolVersion: 5, clean: false, keepalive: 60, reconnectPeriod: 1000, properties: { sessionExpiryInterval: 600 } });
  const timers = virtualTimers(lab.sim);
  let fired = false;
  timers.at(50, () => { fired = true; });

  lab.sim.connect('sensor');
  lab.sim.connect('display');
  lab.sim.subscribe('display', { 'home/#': { qos: 1 } });
  const [sensor, display] = mqtt.clients;
  assert.equal(sensor.opts.clientId, 'mqttlab-abc234-beef-sensor');
  assert.equal(sensor.opts.will.topic, 'mqttlab/abc234/home/sensor/status');
  assert.equal(sensor.opts.will.properties.userProperties['mqttlab-name'], 'sensor');
  assert.equal(display.opts.clean, false);
  assert.deepEqual(display.calls[0], ['subscribe', { 'mqttlab/abc234/home/#': { qos: 1 } }]);
  assert.equal(lab.ready, false, 'the clock waits for the first connections');
  assert.equal(lab.now, 0);
  sensor.connack();
  assert.equal(lab.ready, false);
  display.connack(false);
  assert.equal(lab.ready, true);
  assert.equal(events.filter((e) => e.type === 'client' && e.event === 'connect').length, 2);

  // The faults of a simulated network are refused with a reason.
  assert.throws(() => lab.sim.dropNext('sensor', 'toBroker', 1), /network/);
  assert.throws(() => lab.sim.restartBroker(true), /cannot be restarted/);
  assert.throws(() => lab.sim.loseNext('sensor', 'toBroker', 1), /cannot lose a packet it has written/);
  assert.throws(() => lab.sim.connect('sensor'), /already connected/);

  lab.sim.publish('sensor', 'home/sensor/status', 'online', { qos: 1, retain: true });
  const call = sensor.calls.find((c) => c[0] === 'publish');
  assert.equal(call[1], 'mqttlab/abc234/home/sensor/status');
  assert.equal(call[3].properties.userProperties['mqttlab-sender'], 'mqttlab-abc234-beef-sensor');
  await tick();
  assert.deepEqual(lab.snapshot().broker.retained.map((r) => r.topic), ['home/sensor/status']);

  // Packets: shown without the prefix, bytes kept, written / received.
  sensor.emit('packetsend', { cmd: 'publish', topic: 'mqttlab/abc234/home/sensor/status' }, new Uint8Array([0x32, 0]));
  const sent = events.filter((e) => e.type === 'packetSent').at(-1);
  assert.equal(sent.packet.topic, 'home/sensor/status');
  assert.equal(sent.from, 'sensor');
  assert.equal(events.at(-1).text, 'written to the socket');
  // A topic alias (5.0) is shown as the topic it stands for.
  sensor.emit('packetsend', { cmd: 'publish', topic: 'mqttlab/abc234/home/t', properties: { topicAlias: 1 } }, new Uint8Array([0x30, 0]));
  sensor.emit('packetsend', { cmd: 'publish', topic: '', properties: { topicAlias: 1 } }, new Uint8Array([0x30, 0]));
  assert.equal(events.filter((e) => e.type === 'packetSent').at(-1).packet.topic, 'home/t');

  // "Lose the next packet from the broker": the socket closes right after the next QoS>0 PUBLISH is written.
  lab.sim.loseNext('display', 'toClient', 1);
  display.emit('packetsend', { cmd: 'publish', qos: 0, topic: 'mqttlab/abc234/x' }, new Uint8Array([0x30, 0]));
  await tick();
  assert.ok(!display.calls.some((c) => c[0] === 'dropTransport'), 'not after a QoS 0 PUBLISH');
  display.emit('packetsend', { cmd: 'publish', qos: 1, topic: 'mqttlab/abc234/x' }, new Uint8Array([0x32, 0]));
  assert.ok(!display.calls.some((c) => c[0] === 'dropTransport'), 'not during the write');
  await Promise.resolve();
  assert.ok(display.calls.some((c) => c[0] === 'dropTransport'), 'in the same turn, before any answer is read');
  assert.ok(events.some((e) => e.type === 'packetDropped' && e.client === 'display' && e.direction === 'toClient' && e.why === 'lost'));

  // The cut: the Will, recognised when a lesson client receives it.
  lab.sim.cutLink('sensor');
  assert.deepEqual(sensor.calls.at(-1), ['dropTransport']);
  display.emit('message', 'mqttlab/abc234/home/sensor/status', new TextEncoder().encode('offline'), { qos: 1, retain: false });
  const will = events.find((e) => e.event === 'willPublished');
  assert.equal(will.clientId, 'sensor');
  const msg = events.filter((e) => e.event === 'message').at(-1);
  assert.equal(msg.client, 'display');
  assert.equal(msg.topic, 'home/sensor/status');

  // A student's message: counted once, whether the observer or a lesson client sees it first.
  const props = { userProperties: { 'mqttlab-sender': 'mqttlab-s-0011223344', 'mqttlab-name': 'Otter 12' } };
  display.emit('message', 'mqttlab/abc234/home/kitchen', new TextEncoder().encode('hi'), { qos: 0, properties: props });
  observer.dispatchEvent(new CustomEvent('message', {
    detail: { topic: 'home/kitchen', payload: new TextEncoder().encode('hi'), qos: 0, sender: { id: 'mqttlab-s-0011223344', name: 'Otter 12' } },
  }));
  assert.equal(students.length, 1);
  assert.deepEqual(students[0].step, { do: 'publish', client: 'Otter 12', topic: 'home/kitchen', payload: 'hi', qos: 0, retain: false, student: 'mqttlab-s-0011223344' });
  // Presence and the lesson's own messages are not students' steps.
  observer.dispatchEvent(new CustomEvent('message', {
    detail: { topic: 'presence/x', payload: new Uint8Array(), qos: 1, sender: { id: 'mqttlab-s-99', name: 'x' } },
  }));
  assert.equal(students.length, 1);

  await new Promise((r) => setTimeout(r, 120));
  assert.ok(fired, 'the runner\'s timers fire in real time');

  // The end: DISCONNECT from every client, the retained topics cleared, the persistent session ended.
  const done = lab.destroy();
  await tick();
  await tick();
  const cleaners = mqtt.clients.slice(2);
  for (const c of cleaners) c.connack();
  await done;
  assert.ok(sensor.calls.some((c) => c[0] === 'end') && display.calls.some((c) => c[0] === 'end'));
  const cleanup = cleaners.find((c) => c.opts.clientId.endsWith('-cleanup'));
  const cleared = cleanup.calls.filter((c) => c[0] === 'publish').map((c) => [c[1], c[2].length, c[3].retain]);
  assert.deepEqual(cleared, [['mqttlab/abc234/home/sensor/status', 0, true]]);
  const forget = cleaners.find((c) => c.opts.clientId === display.opts.clientId);
  assert.equal(forget.opts.clean, true, 'a clean start ends the session the broker kept');
});
