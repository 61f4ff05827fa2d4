// The conventions of a classroom room on a real MQTT broker: pure functions,
// no network, no DOM (the Node tests load this file directly).
//
// A room is a topic prefix, `mqttlab/<code>/`: every topic its members use
// lives under it, and a topic shown in the room is shown without it.
//
//   mqttlab/<code>/presence/<clientId>   retained JSON: who is there, what they
//                                        subscribe to; the Will sets it offline
//   mqttlab/<code>/<anything else>       the class's own messages
//
// Who sent a message: MQTT 5.0 carries it in user properties (`mqttlab-sender`:
// client id, `mqttlab-name`: display name). MQTT 3.1.1 has no properties, so the
// payload starts with a one-line envelope `mqttlab-from:<clientId>:<name>\n`
// before the message's own bytes. A receiver reads the property first, then
// the envelope, whatever version it speaks itself.

export const ROOT = 'mqttlab';
export const SENDER_PROPERTY = 'mqttlab-sender';
export const NAME_PROPERTY = 'mqttlab-name';
export const ENVELOPE_MARK = 'mqttlab-from:';
export const PRESENCE = 'presence/';

// No 0/o, 1/l/i: a code read aloud or off a projector is typed right.
const CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const CODE_RE = /^[a-z0-9]{4,16}$/;
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_NAME = 32;

/** A new random room code: six characters, about 30 bits. */
export function newRoomCode(random = (n) => crypto.getRandomValues(new Uint8Array(n))) {
  return [...random(6)].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
}

/** A typed room code made canonical (lower case, no spaces), or null if it cannot be one. */
export function normaliseCode(text) {
  const code = String(text ?? '').trim().toLowerCase().replace(/[\s-]+/g, '');
  return CODE_RE.test(code) ? code : null;
}

export function roomPrefix(code) {
  return `${ROOT}/${code}/`;
}

/** The topic a member's presence is kept on. */
export function presenceTopic(code, clientId) {
  return `${roomPrefix(code)}${PRESENCE}${clientId}`;
}

/** A client id for a room member: safe as a topic level, unique enough. */
export function memberId(role, random = (n) => crypto.getRandomValues(new Uint8Array(n))) {
  const tag = role === 'teacher' ? 't' : 's';
  return `mqttlab-${tag}-${[...random(5)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** A display name as sent: no control characters, at most 32 characters, never empty. */
export function cleanName(text, fallback = 'someone') {
  const name = [...String(text ?? '').replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim()].slice(0, MAX_NAME).join('');
  return name || fallback;
}

/**
 * The student link: this page with `#join=<code>&broker=<url>`, and `&v=4|5`
 * when the teacher fixed the protocol version.
 */
export function joinLink(pageUrl, { code, broker, protocol = 'auto' }) {
  const u = new URL(pageUrl);
  const params = new URLSearchParams({ join: code, broker });
  if (protocol === 4 || protocol === 5) params.set('v', String(protocol));
  u.hash = params.toString();
  return u.href;
}

/**
 * Reads a join link's hash. Returns null when the hash is not a join link at
 * all, `{ error }` when it is one but unusable, else `{ code, broker, protocol }`.
 */
export function parseJoin(hash) {
  const text = String(hash ?? '').replace(/^#/, '');
  if (!/^join=|&join=/.test(text)) return null;
  const p = new URLSearchParams(text);
  const code = normaliseCode(p.get('join'));
  if (!code) return { error: 'This link has no valid room code: ask your teacher for the link again.' };
  const broker = p.get('broker') ?? '';
  let u;
  try {
    u = new URL(broker);
  } catch {
    return { error: 'This link names no broker: ask your teacher for the link again.' };
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    return { error: `This link's broker address must start with ws:// or wss://, not ${u.protocol}//.` };
  }
  const v = p.get('v');
  const protocol = v === '4' ? 4 : v === '5' ? 5 : 'auto';
  return { code, broker: u.href, protocol };
}

/** The topic inside the room, or null when `fullTopic` is not in it. */
export function relativeTopic(code, fullTopic) {
  const prefix = roomPrefix(code);
  return fullTopic.startsWith(prefix) ? fullTopic.slice(prefix.length) : null;
}

/** The client id a presence topic (relative) is about, or null. */
export function presenceId(relative) {
  if (!relative?.startsWith(PRESENCE)) return null;
  const id = relative.slice(PRESENCE.length);
  return ID_RE.test(id) ? id : null;
}

/**
 * Why a topic (`kind` 'filter' or 'name') typed by a member cannot be used in
 * the room, in words, or '' when it can. `check` is the codec's
 * checkTopicFilter / checkTopicName (undefined when valid).
 */
export function roomTopicProblem(code, text, kind, check) {
  if (text === '') return kind === 'filter' ? 'Type a topic filter, e.g. lights/# or +/temperature.' : 'Type a topic, e.g. lights/kitchen.';
  if (text.startsWith('$')) return 'Topics in a room start inside the room: no $ topics (shared subscriptions and $SYS are the broker\'s).';
  if (kind === 'name' && (text === 'presence' || text.startsWith(PRESENCE))) {
    return 'presence/ is where the room\'s members announce themselves: publish somewhere else.';
  }
  const problem = check(roomPrefix(code) + text);
  return problem ? String(problem) : '';
}

// ---- presence ----

/**
 * The presence payload of a member. `state`: 'online' | 'offline';
 * `via` (offline only): 'will' (the broker published the Will) or 'left'.
 */
export function presencePayload({ name, role, state, via, subs = [], protocol }) {
  const p = { v: 1, name: cleanName(name), role, state };
  if (state === 'online') {
    p.subs = subs.map((s) => ({ f: s.filter, q: s.qos }));
    if (protocol) p.proto = protocol;
  } else {
    p.via = via;
  }
  return JSON.stringify(p);
}

/**
 * A presence payload read from the network, checked field by field (anyone
 * can publish anything there). Returns null when it is not one.
 */
export function parsePresence(bytes) {
  let p;
  try {
    p = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
  if (!p || typeof p !== 'object' || Array.isArray(p)) return null;
  const state = p.state === 'online' ? 'online' : p.state === 'offline' ? 'offline' : null;
  if (!state) return null;
  const subs = [];
  if (state === 'online' && Array.isArray(p.subs)) {
    for (const s of p.subs.slice(0, 50)) {
      if (s && typeof s.f === 'string' && s.f.length <= 256) {
        subs.push({ filter: s.f, qos: s.q === 1 || s.q === 2 ? s.q : 0 });
      }
    }
  }
  return {
    name: cleanName(typeof p.name === 'string' ? p.name : ''),
    role: p.role === 'teacher' ? 'teacher' : 'student',
    state,
    via: state === 'offline' ? (p.via === 'will' ? 'will' : 'left') : null,
    subs,
    protocol: p.proto === 4 || p.proto === 5 ? p.proto : null,
  };
}

// ---- who sent a message ----

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The 3.1.1 envelope around a payload: `mqttlab-from:<id>:<name>\n` then the bytes. */
export function wrapPayload(payload, { id, name }) {
  const body = typeof payload === 'string' ? enc.encode(payload) : payload;
  const head = enc.encode(`${ENVELOPE_MARK}${id}:${cleanName(name)}\n`);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** The user properties that name the sender (MQTT 5.0). */
export function senderProperties({ id, name }) {
  return { userProperties: { [SENDER_PROPERTY]: id, [NAME_PROPERTY]: cleanName(name) } };
}

function firstValue(v) {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Who sent a received message, and its payload without the envelope:
 * `{ sender: { id, name, how: 'property' | 'envelope' } | null, payload }`.
 */
export function readSender(payload, properties) {
  const up = properties?.userProperties;
  const pid = up ? firstValue(up[SENDER_PROPERTY]) : undefined;
  let sender = null;
  if (typeof pid === 'string' && ID_RE.test(pid)) {
    const pname = firstValue(up[NAME_PROPERTY]);
    sender = { id: pid, name: cleanName(typeof pname === 'string' ? pname : '', pid), how: 'property' };
  }
  // The envelope is removed whenever present, so a 5.0 receiver of a 3.1.1
  // sender shows the same payload as everyone else.
  const mark = enc.encode(ENVELOPE_MARK);
  if (payload.length > mark.length && mark.every((b, i) => payload[i] === b)) {
    const nl = payload.indexOf(0x0a, mark.length);
    if (nl > 0 && nl < mark.length + 64 + 1 + MAX_NAME * 4 + 1) {
      const line = dec.decode(payload.subarray(mark.length, nl));
      const colon = line.indexOf(':');
      const id = colon >= 0 ? line.slice(0, colon) : line;
      if (ID_RE.test(id)) {
        sender ??= { id, name: cleanName(colon >= 0 ? line.slice(colon + 1) : '', id), how: 'envelope' };
        return { sender, payload: payload.subarray(nl + 1) };
      }
    }
  }
  return { sender, payload };
}
