// Fast streaming decode of MQTT bytes, on top of the wasm Parser's batch API.
//
// Each chunk crosses into wasm once; what comes back is one table of numbers,
// the topic strings not seen before, and a buffer for the few payloads that
// began in an earlier chunk. Payloads are handed out as views: into the chunk
// itself when the packet lies in it (no copy at all), else into that buffer.
// So, like Node's Buffer slices, a payload shares memory with the chunk passed
// in: do not write into a chunk after handing it over. A topic string is
// created once, then reused from a table.

import { Parser } from '../pkg/mqtt_lab.js';

const PUBLISH = 3;
const IN_DATA = 0x10;

export class StreamParser {
  #parser;
  #topics = [];

  /**
   * @param {{protocolVersion?: 3|4|5, maxPacketSize?: number, server?: boolean}} [options]
   */
  constructor(options = {}) {
    this.#parser = new Parser(options);
  }

  /** Bytes held for a packet that is not complete yet. */
  get buffered() {
    return this.#parser.buffered;
  }

  /**
   * Feeds a chunk of bytes. Calls `onMessage(topic, payload, qos, retain, dup, messageId)`
   * for each PUBLISH without properties, and `onPacket(packet)` with an
   * mqtt-packet-shaped object for every other packet (and for 5.0 PUBLISH
   * packets that carry properties). Returns the number of packets decoded.
   * Throws an Error with `reasonCode` on a malformed packet.
   *
   * @param {Uint8Array} chunk
   * @param {(topic: string, payload: Uint8Array, qos: number, retain: boolean, dup: boolean, messageId: number) => void} onMessage
   * @param {(packet: object) => void} [onPacket]
   */
  write(chunk, onMessage, onPacket) {
    const b = this.#parser.parseBatch(chunk);
    const topics = this.#topics;
    const fresh = b.topics;
    if (fresh.length > 0 || b.topicBase < topics.length) {
      topics.length = b.topicBase;
      for (let i = 0; i < fresh.length; i++) topics.push(fresh[i]);
    }
    const index = b.index;
    const data = b.data;
    const others = b.others;
    const n = b.count * 5;
    for (let i = 0; i < n; i += 5) {
      if (index[i] === PUBLISH) {
        const start = index[i + 2];
        const f = index[i + 4];
        onMessage(
          topics[index[i + 1]],
          (f & IN_DATA ? data : chunk).subarray(start, start + index[i + 3]),
          (f >> 1) & 3,
          (f & 1) === 1,
          (f & 8) === 8,
          f >>> 8,
        );
      } else if (onPacket) {
        onPacket(others[index[i + 1]]);
      }
    }
    return b.count;
  }

  /**
   * Feeds a chunk of bytes and returns the packets it completes as objects in
   * mqtt-packet's shape (`{ cmd: 'publish', topic, payload, qos, dup, retain, messageId }` ...).
   * Throws an Error with `reasonCode` on a malformed packet.
   *
   * @param {Uint8Array} chunk
   * @returns {object[]}
   */
  parse(chunk) {
    const out = [];
    this.write(
      chunk,
      (topic, payload, qos, retain, dup, messageId) => {
        const p = { cmd: 'publish', topic, payload, qos, dup, retain };
        if (qos > 0) p.messageId = messageId;
        out.push(p);
      },
      (p) => out.push(p),
    );
    return out;
  }
}
