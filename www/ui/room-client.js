// One member's connection to a room (teacher or student) through lib/mqtt.js:
// MQTT 5.0 when the broker speaks it, else 3.1.1; a retained presence message
// under presence/<clientId> announced at every connection and after every
// change of subscriptions; a Will on the same topic that marks the member
// offline when the connection dies without DISCONNECT; every message marked
// with its sender (room.js) and every received message unmarked.
//
// Events: 'change' (state, version or subscriptions), 'message' (detail: a
// received message, see #deliver).
import {
  presenceTopic, presencePayload, roomPrefix, relativeTopic, readSender, senderProperties, wrapPayload, cleanName,
} from './room.js';

/** Errors before the first CONNACK after which 3.1.1 is worth a try (the broker may not speak 5.0). */
function versionProblem(err) {
  switch (err?.kind) {
    case 'connection_refused':
      // 0x84 Unsupported Protocol Version (5.0); 0x01 unacceptable protocol version (3.1.1).
      return err.reasonCode === 0x84 || err.reasonCode === 0x01;
    case 'malformed_packet': // a 3.1.1 CONNACK read as a 5.0 one
    case 'protocol_error':
    case 'transport_closed': // the socket opened, then the broker hung up on the CONNECT
      return true;
    default:
      return false;
  }
}

export class RoomClient extends EventTarget {
  /** 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed' */
  state = 'idle';
  /** Why the last problem happened, in words ('' when all is well). */
  why = '';
  /** 5 or 4 once connected. */
  version = null;
  /** Subscriptions inside the room: [{ filter, qos, state: 'pending' | 'granted' | 'refused', why }]. */
  subs = [];
  client = null;
  sent = 0;
  received = 0;
  #mqtt;
  #everConnected = false;
  #left = false;
  #lastBytes = null;

  /**
   * `mqtt`: the lib/mqtt.js module (its `connect`). `protocol`: 'auto' | 5 | 4.
   * `trace`: keep the bytes of every received PUBLISH (the teacher shows them).
   */
  constructor({ mqtt, url, code, role, name, clientId, protocol = 'auto', keepalive = 30, trace = false }) {
    super();
    this.#mqtt = mqtt;
    Object.assign(this, { url, code, role, clientId, protocol, keepalive, trace });
    this.name = cleanName(name, role === 'teacher' ? 'teacher' : 'student');
  }

  get prefix() {
    return roomPrefix(this.code);
  }

  /** The identity carried by every message this member sends. */
  get identity() {
    return { id: this.clientId, name: this.name };
  }

  start() {
    this.#left = false;
    this.#open(this.protocol === 4 ? 4 : 5);
  }

  #set(state, why = this.why) {
    this.state = state;
    this.why = why;
    this.dispatchEvent(new Event('change'));
  }

  #open(version) {
    const will = {
      topic: presenceTopic(this.code, this.clientId),
      payload: presencePayload({ name: this.name, role: this.role, state: 'offline', via: 'will' }),
      qos: 1,
      retain: true,
    };
    if (version === 5) will.properties = senderProperties(this.identity);
    this.#set('connecting', '');
    const client = this.#mqtt.connect(this.url, {
      protocolVersion: version,
      clientId: this.clientId,
      clean: true,
      keepalive: this.keepalive,
      reconnectPeriod: 2000,
      maxReconnectDelay: 10_000,
      connectTimeout: 15_000,
      will,
    });
    this.client = client;
    this.version = version;
    let connectedOnce = false;
    client.on('connect', () => {
      connectedOnce = true;
      this.#everConnected = true;
      this.#set('connected', '');
      // A clean session starts empty: lib/mqtt.js subscribes again to what it
      // subscribed before; subscriptions never sent (made while offline) go now.
      for (const s of this.subs) if (s.state === 'pending') this.#sendSubscribe(s);
      this.#announce();
    });
    client.on('reconnect', () => this.#set('reconnecting'));
    client.on('offline', () => { if (this.state !== 'closed') this.#set('reconnecting'); });
    client.on('error', (err) => {
      if (!connectedOnce && !this.#everConnected && version === 5 && this.protocol === 'auto' && versionProblem(err)) {
        // Try MQTT 3.1.1 once, on a new client.
        client.removeAllListeners();
        client.end(true).catch(() => {});
        this.#open(4);
        return;
      }
      this.#set(this.state === 'connected' ? 'connected' : this.state, humanError(err));
    });
    client.on('close', () => {
      if (this.client !== client || this.#left) return;
      if (client.disconnected) this.#set('closed', this.why || 'The connection closed.');
    });
    if (this.trace) {
      client.on('packetreceive', (packet, bytes) => {
        if (packet?.cmd === 'publish') this.#lastBytes = bytes instanceof Uint8Array ? Uint8Array.from(bytes) : null;
      });
    }
    client.on('message', (topic, payload, packet) => this.#deliver(topic, payload, packet));
  }

  #deliver(fullTopic, raw, packet) {
    const topic = relativeTopic(this.code, fullTopic);
    if (topic === null) return; // not in this room (cannot happen with room filters)
    const { sender, payload } = readSender(raw, packet?.properties);
    this.received++;
    const m = {
      topic,
      fullTopic,
      payload,
      rawPayload: raw,
      qos: packet?.qos ?? 0,
      retain: !!packet?.retain,
      dup: !!packet?.dup,
      properties: packet?.properties,
      sender,
      bytes: this.#lastBytes,
      protocolVersion: this.version,
      at: performance.now(),
      time: Date.now(),
    };
    this.#lastBytes = null;
    this.dispatchEvent(new CustomEvent('message', { detail: m }));
  }

  /** Publishes this member's presence (retained, QoS 1). */
  #announce() {
    if (!this.client || this.state !== 'connected') return;
    const payload = presencePayload({
      name: this.name,
      role: this.role,
      state: 'online',
      subs: this.subs.filter((s) => s.state === 'granted'),
      protocol: this.version,
    });
    this.#publishRaw(presenceTopic(this.code, this.clientId), payload, { qos: 1, retain: true }).catch(() => {});
  }

  #publishRaw(fullTopic, payload, { qos = 0, retain = false } = {}) {
    const opts = { qos, retain };
    if (this.version === 5) opts.properties = senderProperties(this.identity);
    return this.client.publish(fullTopic, payload, opts);
  }

  /**
   * Publishes `payload` (string or bytes) on `topic` inside the room, marked
   * with this member's id: a user property in 5.0, the envelope in 3.1.1.
   */
  publish(topic, payload, { qos = 0, retain = false } = {}) {
    if (!this.client) return Promise.reject(new Error('Not connected.'));
    const body = this.version === 5 ? payload : wrapPayload(payload, this.identity);
    this.sent++;
    this.dispatchEvent(new Event('change'));
    return this.#publishRaw(this.prefix + topic, body, { qos, retain });
  }

  /** Publishes raw bytes on a topic of the room without marking them (to clear a retained message). */
  clearRetained(topic) {
    return this.client.publish(this.prefix + topic, new Uint8Array(0), { qos: 1, retain: true });
  }

  async #sendSubscribe(s) {
    if (!this.client || this.state !== 'connected') return;
    try {
      const granted = await this.client.subscribe(this.prefix + s.filter, { qos: s.qos });
      const g = granted[0]?.qos;
      if (typeof g === 'number' && g >= 0x80) throw Object.assign(new Error('refused'), { reasonCode: g });
      s.state = 'granted';
      s.granted = g;
      s.why = '';
    } catch (e) {
      s.state = 'refused';
      s.why = `The broker refused this subscription${e.reasonCode ? ` (reason code 0x${e.reasonCode.toString(16)})` : ''}.`;
    }
    this.dispatchEvent(new Event('change'));
    this.#announce();
  }

  /** Subscribes to `filter` inside the room; resolves once the broker answered. */
  subscribe(filter, qos = 0) {
    let s = this.subs.find((x) => x.filter === filter);
    if (!s) {
      s = { filter, qos, state: 'pending', why: '' };
      this.subs.push(s);
    } else {
      Object.assign(s, { qos, state: 'pending', why: '' });
    }
    this.dispatchEvent(new Event('change'));
    return this.#sendSubscribe(s);
  }

  async unsubscribe(filter) {
    this.subs = this.subs.filter((s) => s.filter !== filter);
    this.dispatchEvent(new Event('change'));
    if (this.client && this.state === 'connected') {
      try {
        await this.client.unsubscribe(this.prefix + filter);
      } catch { /* the next presence still says it */ }
    }
    this.#announce();
  }

  /** Leaves cleanly: presence says "left" (retained), then DISCONNECT, so no Will. */
  async leave() {
    this.#left = true;
    const client = this.client;
    if (client && this.state === 'connected') {
      const payload = presencePayload({ name: this.name, role: this.role, state: 'offline', via: 'left' });
      try {
        await this.#publishRaw(presenceTopic(this.code, this.clientId), payload, { qos: 1, retain: true });
      } catch { /* leaving anyway */ }
    }
    this.#set('closed', '');
    await client?.end().catch(() => {});
  }
}

/** An error as a sentence. */
export function humanError(err) {
  const msg = err?.message || String(err);
  if (err?.reasonCode !== undefined && !/0x[0-9a-f]{2}/i.test(msg)) {
    return `${msg} (reason code 0x${Number(err.reasonCode).toString(16).padStart(2, '0')})`;
  }
  return msg;
}
