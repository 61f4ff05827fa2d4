// Example packets for the inspector. Valid ones are built with the codec's
// own encode() from mqtt-packet-shaped objects, so they are correct by
// construction; the malformed ones are literal bytes, each breaking one rule.

const te = new TextEncoder();
const text = (s) => te.encode(s);

/** Valid packets: [id, label, versions it exists in, (v5) => packet object]. */
const VALID = [
  ['connect', 'CONNECT with will, user name and password', [4, 5], (v5) => ({
    cmd: 'connect', protocolVersion: v5 ? 5 : 4, clientId: 'student-7', clean: true, keepalive: 60,
    username: 'alice', password: text('secret'),
    will: {
      topic: 'class/7b/status/student-7', payload: text('offline'), qos: 1, retain: true,
      ...(v5 && { properties: { willDelayInterval: 10, contentType: 'text/plain' } }),
    },
    ...(v5 && { properties: { sessionExpiryInterval: 3600, receiveMaximum: 20, userProperties: { class: '7B' } } }),
  })],
  ['connack', 'CONNACK (accepted)', [4, 5], (v5) => (v5
    ? { cmd: 'connack', sessionPresent: false, reasonCode: 0,
        properties: { receiveMaximum: 32, topicAliasMaximum: 10, serverKeepAlive: 30, maximumQoS: 1 } }
    : { cmd: 'connack', sessionPresent: false, returnCode: 0 })],
  ['publish0', 'PUBLISH QoS 0', [4, 5], (v5) => ({
    cmd: 'publish', qos: 0, topic: 'class/7b/chat', payload: text('hello, class!'),
    ...(v5 && { properties: { payloadFormatIndicator: true, contentType: 'text/plain' } }),
  })],
  ['publish1', 'PUBLISH QoS 1 (retained)', [4, 5], (v5) => ({
    cmd: 'publish', qos: 1, retain: true, messageId: 10, topic: 'sensors/room1/temp', payload: text('21.5'),
    ...(v5 && { properties: { messageExpiryInterval: 60, contentType: 'text/plain', userProperties: { unit: 'C' } } }),
  })],
  ['publish2', 'PUBLISH QoS 2', [4, 5], (v5) => ({
    cmd: 'publish', qos: 2, messageId: 11, topic: 'shop/orders', payload: text('{"item":"pen","qty":2}'),
    ...(v5 && { properties: { responseTopic: 'shop/replies/alice', correlationData: Uint8Array.of(0xc0, 0xff, 0xee, 0x01), topicAlias: 3 } }),
  })],
  ['puback', 'PUBACK', [4, 5], (v5) => ({ cmd: 'puback', messageId: 10, ...(v5 && { reasonCode: 0x10 }) })],
  ['pubrec', 'PUBREC', [4, 5], () => ({ cmd: 'pubrec', messageId: 11 })],
  ['pubrel', 'PUBREL', [4, 5], () => ({ cmd: 'pubrel', messageId: 11 })],
  ['pubcomp', 'PUBCOMP', [4, 5], () => ({ cmd: 'pubcomp', messageId: 11 })],
  ['subscribe', 'SUBSCRIBE (two filters)', [4, 5], (v5) => ({
    cmd: 'subscribe', messageId: 12,
    subscriptions: v5
      ? [{ topic: 'sensors/+/temp', qos: 1, nl: false, rap: true, rh: 0 }, { topic: 'class/7b/#', qos: 2, nl: true, rap: false, rh: 1 }]
      : [{ topic: 'sensors/+/temp', qos: 1 }, { topic: 'class/7b/#', qos: 2 }],
    ...(v5 && { properties: { subscriptionIdentifier: 7 } }),
  })],
  ['suback', 'SUBACK', [4, 5], (v5) => ({ cmd: 'suback', messageId: 12, granted: v5 ? [1, 0x87] : [1, 0x80] })],
  ['unsubscribe', 'UNSUBSCRIBE', [4, 5], () => ({ cmd: 'unsubscribe', messageId: 13, unsubscriptions: ['class/7b/#'] })],
  ['unsuback', 'UNSUBACK', [4, 5], (v5) => ({ cmd: 'unsuback', messageId: 13, ...(v5 && { granted: [0] }) })],
  ['pingreq', 'PINGREQ', [4, 5], () => ({ cmd: 'pingreq' })],
  ['pingresp', 'PINGRESP', [4, 5], () => ({ cmd: 'pingresp' })],
  ['disconnect', 'DISCONNECT', [4, 5], (v5) => (v5
    ? { cmd: 'disconnect', reasonCode: 0x04, properties: { reasonString: 'going offline' } }
    : { cmd: 'disconnect' })],
  ['auth', 'AUTH (continue authentication)', [5], () => ({
    cmd: 'auth', reasonCode: 0x18,
    properties: { authenticationMethod: 'SCRAM-SHA-1', authenticationData: text('n,,n=alice,r=rOprNGfw') },
  })],
];

const cat = (...parts) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...te.encode(p)] : p)));

/** Malformed packets: literal bytes, each breaking one rule of the spec. */
const MALFORMED = [
  ['bad-qos3', 'PUBLISH with QoS 3', 4, cat([0x36, 0x07, 0x00, 0x03], 'a/b', [0x00, 0x01])],
  ['bad-wildcard', 'PUBLISH to a topic with a wildcard', 4, cat([0x30, 0x0d, 0x00, 0x09], 'sensors/#', 'hi')],
  ['bad-utf8', 'PUBLISH topic that is not UTF-8', 4, cat([0x30, 0x07, 0x00, 0x03, 0x61, 0xff, 0x62], 'hi')],
  ['bad-truncated', 'PUBLISH cut short (truncated)', 4, cat([0x30, 0x0d, 0x00, 0x09], 'senso')],
  ['bad-flags', 'SUBSCRIBE with wrong header flags', 4, cat([0x80, 0x06, 0x00, 0x01, 0x00, 0x01], 'a', [0x00])],
  ['bad-type0', 'Reserved packet type 0', 4, cat([0x00, 0x00])],
  ['bad-auth-v4', 'AUTH in MQTT 3.1.1', 4, cat([0xf0, 0x00])],
];

/**
 * Builds every example. `encode(packet, { protocolVersion })` is the codec's.
 * @returns {{ id: string, group: string, label: string, version: number, bytes: Uint8Array }[]}
 */
export function buildExamples(encode) {
  const out = [];
  for (const v of [4, 5]) {
    const group = v === 5 ? 'MQTT 5.0' : 'MQTT 3.1.1';
    for (const [id, label, versions, make] of VALID) {
      if (!versions.includes(v)) continue;
      const bytes = encode(make(v === 5), { protocolVersion: v });
      out.push({ id: `${id}-v${v}`, group, label: `${label} · ${group}`, version: v, bytes });
    }
  }
  for (const [id, label, version, bytes] of MALFORMED) {
    out.push({ id, group: 'Malformed (on purpose)', label, version, bytes });
  }
  return out;
}
