// Plain-language help for decode errors: what the rule says, which bytes
// broke it, and what a receiver does about it.

/** The conformance statements the decoder cites, in classroom words. */
const RULES = {
  'MQTT-1.5.3-1': 'Text in MQTT (topic names, client ids, user names) must be well-formed UTF-8. These bytes are not a valid UTF-8 sequence.',
  'MQTT-1.5.4-1': 'Text in MQTT (topic names, client ids, user names) must be well-formed UTF-8. These bytes are not a valid UTF-8 sequence.',
  'MQTT-1.5.3-2': 'Text in MQTT must not contain the null character U+0000.',
  'MQTT-1.5.4-2': 'Text in MQTT must not contain the null character U+0000.',
  'MQTT-1.5.5': 'A Variable Byte Integer uses at most four bytes.',
  'MQTT-1.5.5-1': 'A Variable Byte Integer must use the fewest bytes that can hold its value.',
  'MQTT-2.2.3': 'The Remaining Length uses at most four bytes.',
  'MQTT-2.2.1': 'The first four bits say which kind of packet this is. Types 0 and (before MQTT 5.0) 15 are reserved: no packet may use them.',
  'MQTT-2.1.2': 'The first four bits say which kind of packet this is. Type 0 is reserved: no packet may use it.',
  'MQTT-2.2.2-1': 'The four flag bits of this packet type are fixed; a receiver must reject any other value.',
  'MQTT-2.2.2-2': 'The four flag bits of this packet type are fixed; a receiver must reject any other value.',
  'MQTT-2.1.3-1': 'The four flag bits of this packet type are fixed; a receiver must reject any other value.',
  'MQTT-3.6.1-1': 'The flag bits of a PUBREL must be 0010.',
  'MQTT-3.8.1-1': 'The flag bits of a SUBSCRIBE must be 0010.',
  'MQTT-3.10.1-1': 'The flag bits of an UNSUBSCRIBE must be 0010.',
  'MQTT-3.14.1-1': 'The flag bits of a DISCONNECT must be 0000.',
  'MQTT-3.3.1-4': 'A PUBLISH must not have both QoS bits set: QoS 3 does not exist (only 0, 1 and 2).',
  'MQTT-3.3.1-2': 'The DUP flag means "this is a resend"; QoS 0 messages are never resent, so DUP must be 0.',
  'MQTT-3.3.2-2': 'The topic a message is published to must not contain the wildcards + or #. Wildcards are only for subscribing.',
  'MQTT-3.3.2-1': 'A PUBLISH needs a topic name (or, in MQTT 5.0, a topic alias).',
  'MQTT-4.7.3-1': 'Topic names and topic filters must be at least one character long.',
  'MQTT-2.3.1-1': 'Packets that need a Packet Identifier (QoS 1 and 2 PUBLISH, their acks, SUBSCRIBE, UNSUBSCRIBE) must use a non-zero one.',
  'MQTT-2.2.1-3': 'Packets that need a Packet Identifier (QoS 1 and 2 PUBLISH, their acks, SUBSCRIBE, UNSUBSCRIBE) must use a non-zero one.',
  'MQTT-3.1.2-1': 'A CONNECT must start with the protocol name "MQTT".',
  'MQTT-3.1.2-2': 'The server must refuse a protocol level it does not support.',
  'MQTT-3.1.2-3': 'The lowest bit of the CONNECT flags is reserved and must be 0.',
  'MQTT-3.1.2-11': 'Will QoS and Will Retain only make sense when there is a will; without the Will Flag they must be 0.',
  'MQTT-3.1.2-14': 'Will QoS must be 0, 1 or 2.',
  'MQTT-3.1.2-12': 'Will QoS must be 0, 1 or 2.',
  'MQTT-3.1.2-22': 'In MQTT 3.1.1 a password can only be sent together with a user name.',
  'MQTT-3.8.3-3': 'A SUBSCRIBE must ask for at least one topic filter.',
  'MQTT-3.8.3-2': 'A SUBSCRIBE must ask for at least one topic filter.',
  'MQTT-3.10.3-2': 'An UNSUBSCRIBE must name at least one topic filter.',
  'MQTT-3-8.3-4': 'The unused bits of each requested QoS byte in a SUBSCRIBE must be 0.',
  'MQTT-3.8.3-5': 'The reserved bits of the subscription options must be 0.',
  'MQTT-3.8.3-4': 'No Local cannot be used on a shared subscription.',
  'MQTT-3.14.2-1': 'A DISCONNECT may only carry one of the reason codes the spec lists for it.',
  'MQTT-3.1.0-1': 'The first packet a client sends must be CONNECT.',
  'MQTT-3.3.2-4': 'When Payload Format Indicator says "UTF-8 text", the payload must really be UTF-8.',
};

/** What each reason code means for the connection. */
const REASONS = {
  0x81: 'The receiver could not make sense of the bytes. It closes the connection.',
  0x82: 'The bytes can be read, but they break a rule of the protocol. The receiver closes the connection.',
  0x84: 'The receiver does not speak this protocol version.',
  0x90: 'The topic name is not allowed.',
  0x95: 'The packet is bigger than the receiver accepts.',
  0x99: 'The payload does not match its declared format.',
};

/** The rule behind a spec reference, in plain words, or null. */
export const ruleText = (specRef) => (specRef && RULES[specRef]) || null;

/** What a receiver does, for a reason code and protocol version. */
export function consequence(reasonCode, version) {
  const base = REASONS[reasonCode] || 'The receiver rejects the packet and closes the connection.';
  if (version === 5) return `${base} An MQTT 5.0 server first sends a DISCONNECT carrying this reason code.`;
  return `${base} MQTT ${version === 3 ? '3.1' : '3.1.1'} has no reason codes: the receiver simply closes the network connection. (The code shown is what MQTT 5.0 would report.)`;
}

/** How many bytes a truncated packet still needed, or 0. */
export function missingBytes(message) {
  const m = /(\d+) more byte/.exec(message || '');
  return m ? Number(m[1]) : 0;
}

/**
 * The byte range to blame for an annotation's error, [start, end): the decoder
 * reports it (the field that broke a rule, the bytes left over, or, for a
 * packet that ends too early, the field it could not finish).
 */
export function culprit(annotation) {
  const { error } = annotation;
  if (!error) return null;
  return { start: error.start, end: error.end, truncated: missingBytes(error.message) > 0 };
}
