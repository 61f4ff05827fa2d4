// Classroom rooms without a broker: the conventions (www/ui/room.js), the
// teacher's model of a room and its fan-out (room-state.js) and the traffic
// source built on it (room-source.js), with the codec's own topic matcher and
// encoder from www/pkg.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lab } from './wasm.mjs';
import {
  newRoomCode, normaliseCode, joinLink, parseJoin, roomTopicProblem, wrapPayload, readSender, senderProperties,
  presencePayload, parsePresence, relativeTopic, presenceId, cleanName, memberId,
} from '../../www/ui/room.js';
import { Room, OUTSIDE } from '../../www/ui/room-state.js';
import { roomSource } from '../../www/ui/room-source.js';

const enc = new TextEncoder();
const text = (b) => new TextDecoder().decode(b);

test('room codes are six characters a class can read aloud, and typed codes are normalised', () => {
  for (let i = 0; i < 200; i++) assert.match(newRoomCode(), /^[a-hjkmnp-z2-9]{6}$/);
  assert.equal(normaliseCode(' AB3-D5F '), 'ab3d5f');
  assert.equal(normaliseCode('a/b#c'), null);
  assert.equal(normaliseCode('abc'), null);
  assert.match(memberId('student'), /^mqttlab-s-[0-9a-f]{10}$/);
  assert.match(memberId('teacher'), /^mqttlab-t-[0-9a-f]{10}$/);
});

test('join links carry the code, the broker and a fixed protocol version, and read back', () => {
  const link = joinLink('https://school.example/lab/index.html?x=1#inspector', { code: 'k7m2qx', broker: 'wss://broker.emqx.io:8084/mqtt' });
  assert.equal(link, 'https://school.example/lab/index.html?x=1#join=k7m2qx&broker=wss%3A%2F%2Fbroker.emqx.io%3A8084%2Fmqtt');
  assert.deepEqual(parseJoin(new URL(link).hash), { code: 'k7m2qx', broker: 'wss://broker.emqx.io:8084/mqtt', protocol: 'auto' });
  const v4 = joinLink('http://127.0.0.1:8080/', { code: 'abcdef', broker: 'ws://127.0.0.1:19001', protocol: 4 });
  assert.deepEqual(parseJoin(new URL(v4).hash), { code: 'abcdef', broker: 'ws://127.0.0.1:19001/', protocol: 4 });
  assert.equal(parseJoin('#inspector'), null);
  assert.equal(parseJoin(''), null);
  assert.match(parseJoin('#join=abcdef&broker=mqtt%3A%2F%2Fhost%3A1883').error, /ws:\/\/ or wss:\/\//);
  assert.match(parseJoin('#join=abcdef').error, /no broker/);
  assert.match(parseJoin('#join=%2F%23&broker=ws%3A%2F%2Fh').error, /no valid room code/);
});

test('topics typed in a room are checked with the room prefix, and the room\'s own places are kept', () => {
  const check = (t, kind) => roomTopicProblem('abcdef', t, kind, kind === 'filter' ? lab.checkTopicFilter : lab.checkTopicName);
  assert.equal(check('lights/#', 'filter'), '');
  assert.equal(check('#', 'filter'), '');
  assert.equal(check('+/kitchen', 'filter'), '');
  assert.match(check('a/#/b', 'filter'), /#/);
  assert.match(check('$share/g/x', 'filter'), /no \$ topics/);
  assert.match(check('', 'filter'), /Type a topic filter/);
  assert.equal(check('lights/kitchen', 'name'), '');
  assert.match(check('lights/+', 'name'), /\+/);
  assert.match(check('presence/someone', 'name'), /presence\//);
  assert.equal(relativeTopic('abcdef', 'mqttlab/abcdef/a/b'), 'a/b');
  assert.equal(relativeTopic('abcdef', 'mqttlab/other/a/b'), null);
  assert.equal(presenceId('presence/mqttlab-s-0011223344'), 'mqttlab-s-0011223344');
  assert.equal(presenceId('presence/a/b'), null);
  assert.equal(presenceId('lights/x'), null);
});

test('the sender travels as a 5.0 user property or a 3.1.1 envelope, and is read back either way', () => {
  const me = { id: 'mqttlab-s-aa', name: 'Ann' };
  const wrapped = wrapPayload('on', me);
  assert.equal(text(wrapped), 'mqttlab-from:mqttlab-s-aa:Ann\non');
  assert.deepEqual(readSender(wrapped, undefined), { sender: { ...me, how: 'envelope' }, payload: enc.encode('on') });
  const props = senderProperties(me);
  assert.deepEqual(props, { userProperties: { 'mqttlab-sender': 'mqttlab-s-aa', 'mqttlab-name': 'Ann' } });
  assert.deepEqual(readSender(enc.encode('on'), props), { sender: { ...me, how: 'property' }, payload: enc.encode('on') });
  // Repeated user properties arrive as arrays (mqtt-packet's shape).
  assert.equal(readSender(enc.encode('x'), { userProperties: { 'mqttlab-sender': ['mqttlab-s-bb', 'z'] } }).sender.id, 'mqttlab-s-bb');
  // Binary payloads survive the envelope.
  const bin = Uint8Array.of(0, 255, 10, 13);
  assert.deepEqual(readSender(wrapPayload(bin, me)).payload, bin);
  // No mark: no sender, payload untouched; a mark without its line end is just a payload.
  assert.deepEqual(readSender(enc.encode('hello')), { sender: null, payload: enc.encode('hello') });
  const broken = enc.encode('mqttlab-from:nobody-ends-this-line');
  assert.deepEqual(readSender(broken), { sender: null, payload: broken });
  assert.equal(readSender(enc.encode('mqttlab-from:a/b:x\ny')).sender, null, 'an id that is not one');
  // Names lose control characters (they could break the envelope) and are cut to 32 characters.
  assert.equal(cleanName('a\nb\u0000c'), 'a b c');
  assert.equal(cleanName('x'.repeat(50)).length, 32);
  assert.equal(text(wrapPayload('p', { id: 'mqttlab-s-aa', name: 'evil\nmqttlab-from:x' })), 'mqttlab-from:mqttlab-s-aa:evil mqttlab-from:x\np');
});

test('presence payloads are written and read field by field', () => {
  const on = presencePayload({ name: 'Ann', role: 'student', state: 'online', subs: [{ filter: 'a/#', qos: 1 }], protocol: 5 });
  assert.deepEqual(JSON.parse(on), { v: 1, name: 'Ann', role: 'student', state: 'online', subs: [{ f: 'a/#', q: 1 }], proto: 5 });
  assert.deepEqual(parsePresence(enc.encode(on)), { name: 'Ann', role: 'student', state: 'online', via: null, subs: [{ filter: 'a/#', qos: 1 }], protocol: 5 });
  const will = presencePayload({ name: 'Ann', role: 'student', state: 'offline', via: 'will' });
  assert.equal(parsePresence(enc.encode(will)).via, 'will');
  for (const junk of ['', 'null', '[]', '42', '{"state":"asleep"}', '{broken']) assert.equal(parsePresence(enc.encode(junk)), null, junk);
  const odd = parsePresence(enc.encode(JSON.stringify({ state: 'online', name: 7, role: 'admin', subs: [{ f: 1 }, { f: 'ok', q: 9 }, null] })));
  assert.deepEqual(odd, { name: 'someone', role: 'student', state: 'online', via: null, subs: [{ filter: 'ok', qos: 0 }], protocol: null });
});

// ---- the teacher's model ----

const CODE = 'abcdef';
const P = `mqttlab/${CODE}/`;
const T = 'mqttlab-t-0000000000';
const A = 'mqttlab-s-aaaaaaaaaa';
const B = 'mqttlab-s-bbbbbbbbbb';
let clock = 0;

function msg(topic, payload, { qos = 0, retain = false, sender = null } = {}) {
  const bytes = typeof payload === 'string' ? enc.encode(payload) : payload;
  return {
    topic, fullTopic: P + topic, payload: bytes, rawPayload: bytes, qos, retain, sender,
    bytes: null, protocolVersion: 5, at: performance.now(), time: ++clock,
  };
}

function presence(id, name, subs, extra = {}) {
  return msg(`presence/${id}`, presencePayload({ name, role: id === T ? 'teacher' : 'student', state: 'online', subs, protocol: 5, ...extra }), { qos: 1 });
}

function roomWithClass() {
  const room = new Room({ code: CODE, selfId: T, topicMatches: lab.topicMatches });
  room.observe(presence(T, 'teacher', [{ filter: '#', qos: 2 }]));
  room.observe(presence(A, 'Ann', [{ filter: '+/kitchen', qos: 1 }]));
  room.observe(presence(B, 'Bob', [{ filter: 'lights/#', qos: 0 }, { filter: 'lights/kitchen', qos: 2 }]));
  return room;
}

test('the fan-out is every online member whose announced filters match, at the lower QoS', () => {
  const room = roomWithClass();
  const e = room.observe(msg('lights/kitchen', 'on', { qos: 1, sender: { id: A, name: 'Ann', how: 'property' } }));
  assert.equal(e.kind, 'message');
  assert.equal(e.from, A);
  assert.deepEqual(e.receivers.sort((x, y) => x.id.localeCompare(y.id)), [
    { id: A, qos: 1 }, { id: B, qos: 1 }, { id: T, qos: 1 },
  ]);
  const hall = room.observe(msg('lights/hall', 'dim', { qos: 2, sender: { id: A, name: 'Ann', how: 'property' } }));
  assert.deepEqual(hall.receivers.map((r) => [r.id, r.qos]).sort(), [[B, 0], [T, 2]]);
  const nobody = room.observe(msg('garden/gate', 'open', { sender: { id: B, name: 'Bob', how: 'property' } }));
  assert.deepEqual(nobody.receivers.map((r) => r.id), [T]);
  assert.equal(room.members.get(A).sent, 3, 'two messages and its presence');
  assert.equal(room.members.get(B).delivered, 2);
  // Each presence reached the teacher only; then 3 + 2 + 1 deliveries.
  assert.deepEqual(room.counts, { messages: 3, presence: 3, deliveries: 3 + 3 + 2 + 1 });
});

test('a member\'s presence counts its own new filters; a Will is the broker\'s and goes to the others', () => {
  const room = roomWithClass();
  // Ann now also subscribes to presence/#: the presence saying so reaches her.
  const p = room.observe(presence(A, 'Ann', [{ filter: '+/kitchen', qos: 1 }, { filter: 'presence/#', qos: 0 }]));
  assert.ok(p.receivers.some((r) => r.id === A));
  assert.deepEqual(room.nodes().find((n) => n.id === A), { id: A, label: 'Ann', role: 'student', state: 'connected' });
  // Ann's Will: published by the broker, to Ann's no longer, to the teacher.
  const willPayload = presencePayload({ name: 'Ann', role: 'student', state: 'offline', via: 'will' });
  const w = room.observe(msg(`presence/${A}`, willPayload, { qos: 1 }));
  assert.equal(w.kind, 'will');
  assert.deepEqual(w.receivers.map((r) => r.id), [T]);
  assert.equal(room.members.get(A).state, 'offline');
  assert.equal(room.members.get(A).via, 'will');
  assert.deepEqual(room.nodes().find((n) => n.id === A).state, 'offline');
  // Ann is offline: nothing goes to her any more.
  const after = room.observe(msg('lights/kitchen', 'off', { sender: { id: B, name: 'Bob', how: 'property' } }));
  assert.deepEqual(after.receivers.map((r) => r.id).sort(), [B, T].sort());
  // An empty retained message clears her presence: she is forgotten.
  room.observe(msg(`presence/${A}`, new Uint8Array(0), { qos: 1 }));
  assert.equal(room.members.has(A), false);
});

test('retained messages handed over on subscribing went to the teacher only; unmarked senders are "outside"', () => {
  const room = new Room({ code: CODE, selfId: T, topicMatches: lab.topicMatches });
  room.observe(presence(A, 'Ann', [{ filter: '#', qos: 1 }], {}));
  const before = room.counts.deliveries;
  const stored = room.observe(msg('status', 'old news', { retain: true, qos: 1 }));
  assert.equal(stored.stored, true);
  assert.deepEqual(stored.receivers, [{ id: T, qos: 1 }]);
  assert.equal(room.counts.deliveries, before, 'a stored message is no delivery of the room\'s traffic');
  const anon = room.observe(msg('status', 'from mosquitto_pub'));
  assert.equal(anon.from, OUTSIDE);
  assert.equal(room.members.get(OUTSIDE).role, 'outside');
  assert.deepEqual(anon.receivers.map((r) => r.id).sort(), [A, T].sort());
});

// ---- the traffic source ----

test('roomSource replays each message as the packets the broker exchanged, with bytes and ends', async () => {
  const room = roomWithClass();
  const source = roomSource(room, { encode: lab.encode, latency: 5 });
  assert.equal(source.kind, 'room');
  assert.ok(Math.abs(source.now() - performance.now()) < 1000);
  assert.deepEqual(source.nodes().map((n) => n.id).sort(), [A, B, T].sort());
  const flights = [];
  const ends = [];
  let nodesEvents = 0;
  source.addEventListener('flights', (e) => flights.push(...e.detail));
  source.addEventListener('flightEnd', (e) => ends.push(...e.detail));
  source.addEventListener('nodes', () => nodesEvents++);

  const realBytes = lab.encode({ cmd: 'publish', topic: `${P}lights/kitchen`, payload: 'on', qos: 2, messageId: 77, retain: false, dup: false }, { protocolVersion: 5 });
  room.observe({ ...msg('lights/kitchen', 'on', { qos: 2, sender: { id: A, name: 'Ann', how: 'property' } }), bytes: realBytes });
  // From Ann at QoS 2: PUBLISH, PUBREC, PUBREL, PUBCOMP; to Ann (QoS 1): PUBLISH, PUBACK;
  // to Bob (QoS 2 by lights/kitchen): four; to the teacher (QoS 2): four.
  assert.equal(flights.length, 4 + 2 + 4 + 4);
  const ann = flights.filter((f) => f.client === A);
  assert.deepEqual(ann.map((f) => `${f.direction} ${f.cmd}`), [
    'toBroker publish', 'toClient pubrec', 'toBroker pubrel', 'toClient pubcomp', 'toClient publish', 'toBroker puback',
  ]);
  assert.deepEqual(flights.filter((f) => f.client === B).map((f) => `${f.direction} ${f.cmd}`), [
    'toClient publish', 'toBroker pubrec', 'toClient pubrel', 'toBroker pubcomp',
  ]);
  // Deliveries leave the broker when the sender's PUBLISH has arrived; each hop follows the last.
  const up = ann[0];
  for (const f of flights.filter((x) => x.direction === 'toClient' && x.cmd === 'publish')) assert.equal(f.sentAt, up.arrivesAt);
  for (const f of flights) {
    assert.ok(f.arrivesAt > f.sentAt);
    assert.equal(f.lost, false);
    assert.equal(f.protocolVersion, 5);
    assert.equal(typeof f.id, 'number');
  }
  assert.equal(new Set(flights.map((f) => f.id)).size, flights.length);
  // Bytes: the teacher's copy is what it received; the others decode to the same message.
  const toTeacher = flights.find((f) => f.client === T && f.cmd === 'publish');
  assert.equal(toTeacher.bytes, realBytes);
  assert.equal(toTeacher.reconstructed, false);
  const toBob = flights.find((f) => f.client === B && f.cmd === 'publish');
  const decoded = lab.decode(toBob.bytes, { protocolVersion: 5 });
  assert.equal(decoded.topic, `${P}lights/kitchen`);
  assert.equal(text(decoded.payload), 'on');
  assert.equal(decoded.qos, 2);
  const bobRec = lab.decode(flights.find((f) => f.client === B && f.cmd === 'pubrec').bytes, { protocolVersion: 5 });
  assert.equal(bobRec.messageId, decoded.messageId);
  assert.equal(toBob.label, 'PUBLISH lights/kitchen qos2');

  // Every flight ends, delivered.
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(ends.map((e) => e.id).sort((x, y) => x - y), flights.map((f) => f.id).sort((x, y) => x - y));
  assert.ok(ends.every((e) => e.delivered));

  // 'nodes' only when the list or a state changes.
  room.observe(msg('lights/kitchen', 'again', { sender: { id: A, name: 'Ann', how: 'property' } }));
  assert.equal(nodesEvents, 0);
  room.observe(msg(`presence/${B}`, presencePayload({ name: 'Bob', role: 'student', state: 'offline', via: 'will' }), { qos: 1 }));
  assert.equal(nodesEvents, 1);
  // A Will has no PUBLISH to the broker: only deliveries.
  const willFlights = flights.filter((f) => f.label.startsWith(`PUBLISH presence/${B}`));
  assert.ok(willFlights.length > 0 && willFlights.every((f) => f.direction === 'toClient'));

  source.destroy();
  const n = flights.length;
  room.observe(msg('lights/kitchen', 'unheard', { sender: { id: A, name: 'Ann', how: 'property' } }));
  assert.equal(flights.length, n, 'a destroyed source is silent');
});
