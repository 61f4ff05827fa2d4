// The simulation's events, read from the compact batch of
// `Simulation.drainEventBatch()` (src/web/sim_batch.rs describes its layout):
// the same objects as `Simulation.drainEvents()`, built here in JavaScript,
// which is many times cheaper than setting each property from Rust.
//
//   const reader = new SimEventReader();
//   for (const e of reader.read(sim.drainEventBatch())) console.log(e.type, e);
//
// What differs from drainEvents:
// - `packet` (on `packetSent`, and on a client's `message`) is decoded when it is
//   first read, then kept. A PUBLISH decodes in JavaScript; other packets through
//   the wasm codec. Its `cmd` is also there as `e.cmd`, read from the first byte.
// - `bytes` of a `packetSent` is a view into the batch (no copy), made when first
//   read: copy it to keep it long after the event (a view keeps the whole batch alive).
// - a client's `message` carries `bytes` (the PUBLISH it arrived in, a copy of its
//   own), `protocolVersion` and `packet`; its `payload` is the end of `bytes`.
import { decode } from '../pkg/mqtt_lab.js';

const STRIDE = 14;
const K_SENT = 1;
const K_DELIVERED = 2;
const K_DROPPED = 3;
const K_MESSAGE = 4;
const K_PUBLISHED = 5;
const SENT_DUPLICATE = 1 << 8;
const SENT_DECODED = 1 << 9;
const MSG_FRAME = 1 << 4;

const CMDS = ['reserved', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
  'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth'];
const WHY = ['', 'lost', 'partitioned', 'dropped', 'connectionBroken', 'transportClosed'];
const DIRECTIONS = ['toBroker', 'toClient'];

/** The mqtt-packet `cmd` of a packet's bytes, from its first byte. */
export function cmdOf(bytes) {
  return bytes && bytes.length ? CMDS[bytes[0] >> 4] : undefined;
}

function decodeOrNull(bytes, protocolVersion) {
  try {
    return decode(bytes, { protocolVersion });
  } catch {
    return null;
  }
}

/** A packet on its way, as `drainEvents` describes it (`type: 'packetSent'`). */
class PacketSent {
  #packet;
  #bytes;
  #batch;
  #start;
  #length;
  #decoded;
  #topic;
  #messageId;
  #payloadLength;

  constructor(at, id, client, direction, conn, arrivesAt, batch, start, length, flags, topic, messageId, payloadLength) {
    const toBroker = direction === 'toBroker';
    this.type = 'packetSent';
    this.at = at;
    this.id = id;
    this.client = client;
    this.from = toBroker ? client : 'broker';
    this.to = toBroker ? 'broker' : client;
    this.direction = direction;
    this.conn = conn;
    this.sentAt = at;
    this.arrivesAt = arrivesAt;
    this.#batch = batch;
    this.#start = start;
    this.protocolVersion = flags & 15;
    const why = (flags >> 4) & 15;
    this.lost = why !== 0;
    if (why) this.lossReason = WHY[why];
    this.duplicate = (flags & SENT_DUPLICATE) !== 0;
    this.#decoded = (flags & SENT_DECODED) !== 0;
    this.#topic = topic;
    this.#messageId = messageId;
    this.#length = length;
    this.#payloadLength = payloadLength;
  }

  /** The packet's bytes: a view into the batch, made when first read. */
  get bytes() {
    this.#bytes ??= this.#batch.subarray(this.#start, this.#start + this.#length);
    return this.#bytes;
  }

  set bytes(b) {
    this.#bytes = b;
  }

  /** The packet type (`'publish'`, `'puback'`...), without decoding anything. */
  get cmd() {
    return this.#decoded ? CMDS[this.#batch[this.#start] >> 4] : undefined;
  }

  /** The decoded packet in mqtt-packet's shape, or null when the bytes are not one packet. */
  get packet() {
    if (this.#packet === undefined) {
      if (!this.#decoded) this.#packet = null;
      else if (this.#topic !== undefined) this.#packet = publishPacket(this.bytes, this.#topic, this.#messageId, this.#payloadLength);
      else this.#packet = decodeOrNull(this.bytes, this.protocolVersion);
    }
    return this.#packet;
  }

  set packet(p) {
    this.#packet = p;
  }
}

/** A PUBLISH without properties, from what the batch already says about it. */
function publishPacket(bytes, topic, messageId, payloadLength) {
  const b = bytes[0];
  const qos = (b >> 1) & 3;
  const p = {
    cmd: 'publish', qos, dup: (b & 8) !== 0, retain: (b & 1) !== 0, topic,
    payload: bytes.subarray(bytes.length - payloadLength),
  };
  if (qos) p.messageId = messageId;
  return p;
}

/** A message a simulated client received (`type: 'client', event: 'message'`). */
class ClientMessage {
  #packet;

  constructor(at, client, topic, payload, flags, properties, bytes, protocolVersion) {
    this.type = 'client';
    this.at = at;
    this.client = client;
    this.topic = topic;
    this.payload = payload;
    this.qos = flags & 3;
    this.retain = (flags & 4) !== 0;
    this.dup = (flags & 8) !== 0;
    if (properties) this.properties = properties;
    this.event = 'message';
    if (bytes) {
      this.bytes = bytes;
      this.protocolVersion = protocolVersion;
    }
  }

  /** The PUBLISH it arrived in, decoded when first read (undefined without its bytes). */
  get packet() {
    if (this.#packet === undefined && this.bytes) this.#packet = decodeOrNull(this.bytes, this.protocolVersion);
    return this.#packet;
  }

  set packet(p) {
    this.#packet = p;
  }
}

/** Turns batches into events; keeps the label and topic tables between batches. */
export class SimEventReader {
  #labels = [];
  #topics = [];

  /** The events of one `drainEventBatch()` result, oldest first. */
  read(batch) {
    const labels = this.#labels;
    if (batch.labels.length || batch.labelBase < labels.length) {
      labels.length = batch.labelBase;
      for (const l of batch.labels) labels.push(l);
    }
    const topics = this.#topics;
    if (batch.topics.length || batch.topicBase < topics.length) {
      topics.length = batch.topicBase;
      for (const t of batch.topics) topics.push(t);
    }
    const { nums, bytes, others } = batch;
    const out = new Array(batch.count);
    for (let i = 0, r = 0; i < batch.count; i++, r += STRIDE) {
      const kind = nums[r];
      if (kind === K_SENT) {
        const topic = nums[r + 10];
        out[i] = new PacketSent(nums[r + 1], nums[r + 3], labels[nums[r + 2]], DIRECTIONS[nums[r + 4]], nums[r + 5],
          nums[r + 6], bytes, nums[r + 7], nums[r + 8], nums[r + 9],
          topic >= 0 ? topics[topic] : undefined, nums[r + 11], nums[r + 12]);
      } else if (kind === K_DELIVERED) {
        out[i] = { type: 'packetDelivered', at: nums[r + 1], id: nums[r + 3], client: labels[nums[r + 2]], direction: DIRECTIONS[nums[r + 4]] };
      } else if (kind === K_DROPPED) {
        out[i] = {
          type: 'packetDropped', at: nums[r + 1], id: nums[r + 3], client: labels[nums[r + 2]],
          direction: DIRECTIONS[nums[r + 4]], why: WHY[nums[r + 5]],
        };
      } else if (kind === K_MESSAGE) {
        const start = nums[r + 7];
        const len = nums[r + 8];
        const payloadLength = nums[r + 12];
        const flags = nums[r + 9];
        // A copy of its own: a message is often kept long after its batch.
        const own = bytes.slice(start, start + len);
        const frame = (flags & MSG_FRAME) !== 0;
        const props = nums[r + 13];
        out[i] = new ClientMessage(nums[r + 1], labels[nums[r + 2]], topics[nums[r + 3]],
          frame ? own.subarray(len - payloadLength) : own, nums[r + 4], props >= 0 ? others[props] : undefined,
          frame ? own : undefined, flags & 15);
      } else if (kind === K_PUBLISHED) {
        out[i] = { type: 'client', at: nums[r + 1], client: labels[nums[r + 2]], token: nums[r + 3], reasonCode: nums[r + 4], event: 'publishComplete' };
      } else {
        out[i] = others[nums[r + 3]];
      }
    }
    return out;
  }
}
