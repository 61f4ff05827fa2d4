// Seeded random generators of valid MQTT packets in mqtt-packet's object shape,
// shared by the differential tests and the benchmarks.

/** A small deterministic PRNG (mulberry32). */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = (xs) => xs[int(0, xs.length - 1)];
  const chance = (p) => next() < p;
  return { next, int, pick, chance };
}

const CHARS = ['a', 'b', 'z', '0', '9', '-', '_', ' ', '.', 'é', 'ß', '漢', '字', '😀', '\u00a0', '$', '~'];

function str(r, max = 12) {
  let s = '';
  const n = r.int(0, max);
  for (let i = 0; i < n; i++) s += r.pick(CHARS);
  return s;
}

function topic(r) {
  const levels = r.int(1, 5);
  const parts = [];
  for (let i = 0; i < levels; i++) parts.push(r.chance(0.1) ? '' : str(r, 6));
  const t = parts.join('/');
  return t.length === 0 ? 'x' : t;
}

function filter(r) {
  const levels = r.int(1, 5);
  const parts = [];
  for (let i = 0; i < levels; i++) parts.push(r.chance(0.2) ? '+' : str(r, 6) || 'l');
  if (r.chance(0.3)) parts.push('#');
  return parts.join('/');
}

function bytes(r, max = 32) {
  const n = r.int(0, max);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r.int(0, 255);
  return b;
}

const id = (r) => r.int(1, 65535);

// Values are never empty: mqtt-packet 9.0.2 tests a repeated name's earlier
// value for truthiness, so a repeat after an empty value replaces it instead
// of making an array, and the comparison would report its bug, not ours.
const value = (r) => str(r, 5) || 'v';

function userProps(r) {
  const o = {};
  const n = r.int(1, 3);
  for (let i = 0; i < n; i++) {
    const k = str(r, 5);
    o[k] = r.chance(0.3) ? [value(r), value(r)] : value(r);
  }
  return o;
}

/** A copy of `p` with every Uint8Array as a Buffer, which mqtt-packet's generate needs. */
export function withBuffers(p) {
  if (p instanceof Uint8Array) return Buffer.from(p);
  if (Array.isArray(p)) return p.map(withBuffers);
  if (p && typeof p === 'object') {
    const o = {};
    for (const k of Object.keys(p)) o[k] = withBuffers(p[k]);
    return o;
  }
  return p;
}

/** Properties allowed in `where`, each present at random. */
function props(r, where) {
  const p = {};
  const maybe = (k, f) => {
    if (r.chance(0.4)) p[k] = f();
  };
  const u32 = () => r.int(0, 0xffffffff);
  const u16nz = () => r.int(1, 65535);
  switch (where) {
    case 'connect':
      maybe('sessionExpiryInterval', u32);
      maybe('receiveMaximum', u16nz);
      maybe('maximumPacketSize', () => r.int(1, 0xffffffff));
      maybe('topicAliasMaximum', () => r.int(0, 65535));
      maybe('requestResponseInformation', () => r.chance(0.5));
      maybe('requestProblemInformation', () => r.chance(0.5));
      maybe('authenticationMethod', () => str(r));
      if (p.authenticationMethod !== undefined) maybe('authenticationData', () => bytes(r));
      break;
    case 'will':
      maybe('willDelayInterval', u32);
      maybe('payloadFormatIndicator', () => r.chance(0.5));
      maybe('messageExpiryInterval', u32);
      maybe('contentType', () => str(r));
      maybe('responseTopic', () => topic(r));
      maybe('correlationData', () => bytes(r));
      break;
    case 'connack':
      maybe('sessionExpiryInterval', u32);
      maybe('receiveMaximum', u16nz);
      maybe('maximumQoS', () => r.int(0, 1));
      maybe('retainAvailable', () => r.chance(0.5));
      maybe('maximumPacketSize', () => r.int(1, 0xffffffff));
      maybe('assignedClientIdentifier', () => str(r));
      maybe('topicAliasMaximum', () => r.int(0, 65535));
      maybe('reasonString', () => str(r));
      maybe('wildcardSubscriptionAvailable', () => r.chance(0.5));
      maybe('subscriptionIdentifiersAvailable', () => r.chance(0.5));
      maybe('sharedSubscriptionAvailable', () => r.chance(0.5));
      maybe('serverKeepAlive', () => r.int(0, 65535));
      maybe('responseInformation', () => str(r));
      maybe('serverReference', () => str(r));
      maybe('authenticationMethod', () => str(r));
      break;
    case 'publish':
      maybe('payloadFormatIndicator', () => false);
      maybe('messageExpiryInterval', u32);
      maybe('topicAlias', u16nz);
      maybe('responseTopic', () => topic(r));
      maybe('correlationData', () => bytes(r));
      maybe('subscriptionIdentifier', () => r.int(1, 268435455));
      maybe('contentType', () => str(r));
      break;
    case 'subscribe':
      maybe('subscriptionIdentifier', () => r.int(1, 268435455));
      break;
    case 'ack':
    case 'suback':
    case 'unsuback':
      maybe('reasonString', () => str(r));
      break;
    case 'disconnect':
      maybe('sessionExpiryInterval', u32);
      maybe('reasonString', () => str(r));
      maybe('serverReference', () => str(r));
      break;
    case 'auth':
      p.authenticationMethod = str(r);
      maybe('authenticationData', () => bytes(r));
      maybe('reasonString', () => str(r));
      break;
  }
  if (r.chance(0.3)) p.userProperties = userProps(r);
  return p;
}

const CMDS4 = ['connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'suback',
  'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect'];
const CMDS5 = [...CMDS4, 'auth'];

const ACK_CODES = {
  puback: [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99],
  pubrec: [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99],
  pubrel: [0x00, 0x92],
  pubcomp: [0x00, 0x92],
};
const CONNACK5 = [0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99,
  0x9a, 0x9b, 0x9c, 0x9d, 0x9f];
const SUBACK5 = [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2];
const UNSUBACK5 = [0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91];
const DISCONNECT5 = [0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95,
  0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2];

/** A random valid packet of protocol version `v` (4 or 5), optionally of a given `cmd`. */
export function randomPacket(r, v, cmd = r.pick(v === 5 ? CMDS5 : CMDS4)) {
  const v5 = v === 5;
  const withProps = (p, where) => {
    if (v5 && r.chance(0.6)) {
      const pr = props(r, where);
      if (Object.keys(pr).length) p.properties = pr;
    }
    return p;
  };
  switch (cmd) {
    case 'connect': {
      const p = {
        cmd, protocolId: 'MQTT', protocolVersion: v, clean: r.chance(0.5), clientId: str(r, 23),
        keepalive: r.int(0, 65535),
      };
      // A client with no identifier must ask for a clean session [MQTT-3.1.3-7].
      if (!p.clean && p.clientId === '') p.clientId = 'c';
      if (r.chance(0.5)) {
        p.username = str(r);
        if (r.chance(0.5)) p.password = bytes(r);
      }
      if (r.chance(0.5)) {
        p.will = withProps({ topic: topic(r), payload: bytes(r), qos: r.int(0, 2), retain: r.chance(0.5) }, 'will');
      }
      return withProps(p, 'connect');
    }
    case 'connack': {
      // [MQTT-3.2.2-4] (3.1.1) / [MQTT-3.2.2-6] (5.0): a refusal has Session Present 0.
      const code = v5 ? r.pick(CONNACK5) : r.int(0, 5);
      const sessionPresent = r.chance(0.5) && code === 0;
      return v5
        ? withProps({ cmd, sessionPresent, reasonCode: code }, 'connack')
        : { cmd, sessionPresent, returnCode: code };
    }
    case 'publish': {
      const qos = r.int(0, 2);
      const p = { cmd, qos, dup: qos > 0 && r.chance(0.3), retain: r.chance(0.3), topic: topic(r), payload: bytes(r, 64) };
      if (qos > 0) p.messageId = id(r);
      return withProps(p, 'publish');
    }
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp': {
      const p = { cmd, messageId: id(r) };
      if (v5) p.reasonCode = r.pick(ACK_CODES[cmd]);
      return withProps(p, 'ack');
    }
    case 'subscribe': {
      const subs = [];
      const n = r.int(1, 4);
      for (let i = 0; i < n; i++) {
        const s = { topic: filter(r), qos: r.int(0, 2) };
        if (v5) Object.assign(s, { nl: r.chance(0.5), rap: r.chance(0.5), rh: r.int(0, 2) });
        subs.push(s);
      }
      return withProps({ cmd, messageId: id(r), subscriptions: subs }, 'subscribe');
    }
    case 'suback': {
      const n = r.int(1, 4);
      const granted = [];
      for (let i = 0; i < n; i++) granted.push(v5 ? r.pick(SUBACK5) : r.pick([0, 1, 2, 0x80]));
      return withProps({ cmd, messageId: id(r), granted }, 'suback');
    }
    case 'unsubscribe': {
      const n = r.int(1, 4);
      const list = [];
      for (let i = 0; i < n; i++) list.push(filter(r));
      return withProps({ cmd, messageId: id(r), unsubscriptions: list }, 'unsubscribe');
    }
    case 'unsuback': {
      const p = { cmd, messageId: id(r) };
      if (v5) {
        const n = r.int(1, 4);
        p.granted = [];
        for (let i = 0; i < n; i++) p.granted.push(r.pick(UNSUBACK5));
      }
      return withProps(p, 'unsuback');
    }
    case 'pingreq': case 'pingresp':
      return { cmd };
    case 'disconnect': {
      const p = { cmd };
      if (v5) p.reasonCode = r.pick(DISCONNECT5);
      return withProps(p, 'disconnect');
    }
    case 'auth':
      return { cmd, reasonCode: r.pick([0x00, 0x18, 0x19]), properties: props(r, 'auth') };
  }
  throw new Error(`unknown cmd ${cmd}`);
}

/** The fields that define a packet of `cmd` in version `v`, in a form deepStrictEqual can compare. */
export function canonical(p, v) {
  const v5 = v === 5;
  const b = (x) => (x === undefined || x === null ? undefined : Array.from(x));
  const props = (pr) => {
    if (!pr || Object.keys(pr).length === 0) return undefined;
    const o = {};
    for (const k of Object.keys(pr).sort()) {
      const val = pr[k];
      if (k === 'userProperties') {
        const up = {};
        for (const uk of Object.keys(val).sort()) up[uk] = Array.isArray(val[uk]) ? [...val[uk]] : val[uk];
        o[k] = up;
      } else if (val instanceof Uint8Array) {
        o[k] = Array.from(val);
      } else {
        o[k] = val;
      }
    }
    return o;
  };
  const out = { cmd: p.cmd };
  const put = (k, val) => {
    if (val !== undefined) out[k] = val;
  };
  switch (p.cmd) {
    case 'connect':
      put('protocolId', p.protocolId);
      put('protocolVersion', p.protocolVersion);
      put('clean', p.clean);
      put('clientId', p.clientId);
      put('keepalive', p.keepalive);
      put('username', p.username);
      put('password', b(p.password));
      if (p.will) {
        const w = { topic: p.will.topic, payload: b(p.will.payload), qos: p.will.qos, retain: p.will.retain };
        const wp = props(p.will.properties);
        if (wp) w.properties = wp;
        out.will = w;
      }
      break;
    case 'connack':
      put('sessionPresent', p.sessionPresent);
      put(v5 ? 'reasonCode' : 'returnCode', v5 ? p.reasonCode : p.returnCode);
      break;
    case 'publish':
      put('qos', p.qos);
      put('dup', p.dup);
      put('retain', p.retain);
      put('topic', p.topic);
      put('payload', b(p.payload));
      if (p.qos > 0) put('messageId', p.messageId);
      break;
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      put('messageId', p.messageId);
      if (v5) put('reasonCode', p.reasonCode ?? 0);
      break;
    case 'subscribe':
      put('messageId', p.messageId);
      out.subscriptions = p.subscriptions.map((s) => (v5
        ? { topic: s.topic, qos: s.qos, nl: !!s.nl, rap: !!s.rap, rh: s.rh ?? 0 }
        : { topic: s.topic, qos: s.qos }));
      break;
    case 'suback':
      put('messageId', p.messageId);
      out.granted = [...p.granted];
      break;
    case 'unsubscribe':
      put('messageId', p.messageId);
      out.unsubscriptions = [...p.unsubscriptions];
      break;
    case 'unsuback':
      put('messageId', p.messageId);
      if (v5) out.granted = [...(p.granted ?? [])];
      break;
    case 'disconnect':
      if (v5) put('reasonCode', p.reasonCode ?? 0);
      break;
    case 'auth':
      put('reasonCode', p.reasonCode ?? 0);
      break;
  }
  if (v5) put('properties', props(p.properties));
  return out;
}
