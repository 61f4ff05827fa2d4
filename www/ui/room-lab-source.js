// roomLabSource(lab): a traffic source (the diagram's input, see the shared
// contract) for a lesson running on a real broker (room-lab.js). Its flights
// are the packets the lesson's clients really wrote and read, with their
// bytes, observed from this page: a packet written by a client leaves it when
// it was written; a packet read by a client arrives when it was read.
//
// What the page cannot see is the broker's side: when a packet reached the
// broker, when the broker sent one. On a nearby broker that is a millisecond
// or less, too quick to watch, so each hop is drawn over at least `hop` ms,
// and the broker's moments are kept in the order the page observed them:
// a packet out of the broker never leaves before the packets the page saw go
// in before it have arrived, and a client never answers before what it
// answers has reached it (see `ObservedTimeline`). The picture therefore runs
// a little behind real time during a burst and catches up when it is over.
import { cmdOf, describe } from './packet-label.js';

/**
 * Display times for observed packets, in the order observed (pure: the Node
 * tests check it). `place({ client, direction, at })` returns `{ sentAt, arrivesAt }`:
 * - toBroker: leaves at max(at, when the client's last packet reached it),
 *   arrives `hop` later, not before the broker's last moment;
 * - toClient: leaves the broker at max(at, the broker's last moment), arrives
 *   `hop` later, not before the client's last packet arrived.
 */
export class ObservedTimeline {
  #broker = -Infinity;
  #client = new Map();

  constructor(hop = 350) {
    this.hop = hop;
  }

  place({ client, direction, at }) {
    const last = this.#client.get(client) ?? -Infinity;
    if (direction === 'toBroker') {
      const sentAt = Math.max(at, last);
      const arrivesAt = Math.max(sentAt + this.hop, this.#broker);
      this.#broker = arrivesAt;
      this.#client.set(client, sentAt);
      return { sentAt, arrivesAt };
    }
    const sentAt = Math.max(at, this.#broker);
    const arrivesAt = Math.max(sentAt + this.hop, last);
    this.#broker = sentAt;
    this.#client.set(client, arrivesAt);
    return { sentAt, arrivesAt };
  }
}

const NODE_STATE = { connected: 'connected', connecting: 'connecting' };

class RoomLabSource extends EventTarget {
  kind = 'room';
  #lab;
  #timeline;
  #timers = new Set();
  #onEvents = (e) => this.#take(e.detail);
  #onChange = () => this.dispatchEvent(new Event('nodes'));

  constructor(lab, { hop = 350 } = {}) {
    super();
    this.#lab = lab;
    this.#timeline = new ObservedTimeline(hop);
    lab.broker.addEventListener('events', this.#onEvents);
    lab.addEventListener('change', this.#onChange);
  }

  now() {
    return performance.now();
  }

  nodes() {
    return this.#lab.snapshot().clients.map((c) => ({
      id: c.id,
      label: c.id,
      role: this.#lab.clients.get(c.id)?.meta?.role || 'client',
      state: NODE_STATE[c.state] ?? 'offline',
    }));
  }

  dispose() {
    this.#lab.broker.removeEventListener('events', this.#onEvents);
    this.#lab.removeEventListener('change', this.#onChange);
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  destroy() {
    this.dispose();
  }

  #later(at, fn) {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, Math.max(0, at - performance.now()));
    this.#timers.add(t);
  }

  #take(events) {
    for (const e of events) {
      if (e.type !== 'packetSent') continue;
      const { sentAt, arrivesAt } = this.#timeline.place({ client: e.client, direction: e.direction, at: e.realAt });
      const bytes = e.bytes;
      const f = {
        id: e.id,
        client: e.client,
        direction: e.direction,
        cmd: bytes ? cmdOf(bytes) : (e.packet?.cmd ?? 'unknown'),
        sentAt,
        arrivesAt,
        lost: false,
        bytes,
        protocolVersion: e.protocolVersion,
        // The room's prefix is the same on every topic: the label leaves it out.
        label: (bytes ? describe(bytes, e.protocolVersion) : String(e.packet?.cmd ?? '').toUpperCase()).split(this.#lab.prefix).join(''),
      };
      // Handed over when it leaves, so the diagram gets them in the order they start.
      this.#later(sentAt, () => this.dispatchEvent(new CustomEvent('flights', { detail: [f] })));
      this.#later(arrivesAt, () => this.dispatchEvent(new CustomEvent('flightEnd', { detail: [{ id: f.id, at: arrivesAt, delivered: true }] })));
    }
  }
}

/** The traffic source of a RoomLab. */
export function roomLabSource(lab, options) {
  return new RoomLabSource(lab, options);
}
