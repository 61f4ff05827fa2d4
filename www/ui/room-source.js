// roomSource(room): a traffic source (the diagram's input, see the shared
// contract) for a room on a real broker, seen from the teacher's page.
//
// The page does not see the other members' sockets, so each message it
// observes is replayed from the moment it arrives: a PUBLISH from its sender
// to the broker (none for a Will, which the broker itself publishes, nor for a
// retained message handed to the teacher on subscribing), then a PUBLISH to
// every member whose announced filters match, each with the acknowledgements
// its QoS requires. The times are illustrative (`latency` per hop); the
// packets and who gets them are the broker's rules applied to what the members
// announced. The teacher's own delivery carries the bytes it really received;
// the others are encoded again from the same message (the packet identifiers
// are made up), marked `reconstructed: true`.
import { OUTSIDE } from './room-state.js';

const ACKS = {
  1: [['puback', 'back']],
  2: [['pubrec', 'back'], ['pubrel', 'forth'], ['pubcomp', 'back']],
};

class RoomSource extends EventTarget {
  kind = 'room';
  #room;
  #encode;
  #latency;
  #nextId = 1;
  #messageIds = new Map();
  #timers = new Set();
  #nodeKey = '';
  #onChange = () => this.#nodesMaybeChanged();
  #onMessage = (e) => this.#flightsFor(e.detail);

  constructor(room, { encode = null, latency = 300 } = {}) {
    super();
    this.#room = room;
    this.#encode = encode;
    this.#latency = latency;
    this.#nodeKey = this.#key();
    room.addEventListener('change', this.#onChange);
    room.addEventListener('message', this.#onMessage);
  }

  now() {
    return performance.now();
  }

  nodes() {
    return this.#room.nodes();
  }

  /** Stops listening to the room and cancels pending flightEnd events. */
  dispose() {
    this.destroy();
  }

  /** Same as dispose(). */
  destroy() {
    this.#room.removeEventListener('change', this.#onChange);
    this.#room.removeEventListener('message', this.#onMessage);
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #key() {
    return this.#room.nodes().map((n) => `${n.id}\u0000${n.label}\u0000${n.role}\u0000${n.state}`).join('\u0001');
  }

  #nodesMaybeChanged() {
    const key = this.#key();
    if (key === this.#nodeKey) return;
    this.#nodeKey = key;
    this.dispatchEvent(new Event('nodes'));
  }

  #messageId(client) {
    const n = (this.#messageIds.get(client) ?? 0) % 65535 + 1;
    this.#messageIds.set(client, n);
    return n;
  }

  #bytes(packet, version) {
    if (!this.#encode) return null;
    try {
      return this.#encode(packet, { protocolVersion: version });
    } catch {
      return null;
    }
  }

  /** One exchange on a client's link: the packet and the acknowledgements its QoS needs. */
  #exchange(out, { client, direction, start, qos, entry, version, realBytes = null }) {
    const L = this.#latency;
    const back = direction === 'toBroker' ? 'toClient' : 'toBroker';
    const messageId = qos > 0 ? this.#messageId(client) : undefined;
    const publish = { cmd: 'publish', topic: entry.fullTopic, payload: entry.rawPayload, qos, retain: entry.stored, dup: false };
    if (messageId) publish.messageId = messageId;
    if (version === 5 && entry.properties) {
      const { topicAlias: _alias, subscriptionIdentifier: _sid, ...props } = entry.properties;
      if (Object.keys(props).length) publish.properties = props;
    }
    out.push({
      client,
      direction,
      cmd: 'publish',
      sentAt: start,
      arrivesAt: start + L,
      bytes: realBytes ?? this.#bytes(publish, version),
      reconstructed: !realBytes,
      protocolVersion: version,
      label: `PUBLISH ${entry.topic} qos${qos}`,
    });
    let t = start + L;
    for (const [cmd, way] of ACKS[qos] ?? []) {
      out.push({
        client,
        direction: way === 'back' ? back : direction,
        cmd,
        sentAt: t,
        arrivesAt: t + L,
        bytes: this.#bytes({ cmd, messageId }, version),
        reconstructed: true,
        protocolVersion: version,
        label: `${cmd.toUpperCase()} ${messageId}`,
      });
      t += L;
    }
  }

  #flightsFor(entry) {
    const room = this.#room;
    const start = Math.max(entry.at, this.now());
    const version = entry.protocolVersion ?? 5;
    const out = [];
    const L = this.#latency;
    let deliverAt = start;
    if (entry.kind !== 'will' && !entry.stored && room.members.has(entry.from)) {
      const v = room.members.get(entry.from).protocol ?? version;
      this.#exchange(out, { client: entry.from, direction: 'toBroker', start, qos: entry.qos, entry, version: v });
      deliverAt = start + L;
    }
    for (const r of entry.receivers) {
      if (r.id === OUTSIDE) continue;
      const self = r.id === room.selfId;
      const v = self ? version : room.members.get(r.id)?.protocol ?? version;
      this.#exchange(out, {
        client: r.id,
        direction: 'toClient',
        start: deliverAt,
        qos: r.qos,
        entry,
        version: v,
        realBytes: self ? entry.bytes : null,
      });
    }
    const flights = out.map((f) => ({ id: this.#nextId++, lost: false, ...f }));
    if (!flights.length) return;
    this.dispatchEvent(new CustomEvent('flights', { detail: flights }));
    // Each hop ends when it arrives; hops ending together are reported together.
    const byEnd = new Map();
    for (const f of flights) {
      if (!byEnd.has(f.arrivesAt)) byEnd.set(f.arrivesAt, []);
      byEnd.get(f.arrivesAt).push({ id: f.id, at: f.arrivesAt, delivered: true });
    }
    for (const [at, ends] of byEnd) {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        this.dispatchEvent(new CustomEvent('flightEnd', { detail: ends }));
      }, Math.max(0, at - this.now()));
      this.#timers.add(t);
    }
  }
}

/**
 * A traffic source for a room (`Room` from room-state.js) on a real broker.
 * `encode`: the codec's encode, to give the reconstructed packets their bytes.
 */
export function roomSource(room, options) {
  return new RoomSource(room, options);
}
