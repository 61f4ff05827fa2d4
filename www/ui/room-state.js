// What the teacher's page knows about a room: its members (from their
// presence messages) and every message seen on mqttlab/<code>/#, each with the
// fan-out the broker gave it: which members' announced filters match its topic.
//
// The teacher's page sees one copy of each message (its own subscription's);
// the deliveries to the other members are computed, the way the broker decides
// them, from what each member announced. Messages the broker handed over
// because of the teacher's own new subscription (retain flag set) were sent to
// the teacher alone.
//
// Events: 'change' (members or counts), 'message' (detail: a log entry).
import { presenceId, parsePresence, roomPrefix } from './room.js';

/** A stand-in member for messages whose sender says nothing of itself (e.g. mosquitto_pub). */
export const OUTSIDE = 'outside';

export class Room extends EventTarget {
  /** id -> { id, name, role, state: 'online' | 'offline', via, subs, protocol, sent, delivered, last } */
  members = new Map();
  /** The latest entries, oldest first. */
  log = [];
  counts = { messages: 0, presence: 0, deliveries: 0 };
  #seq = 0;

  /**
   * `selfId`: the teacher's client id (its own deliveries carry real bytes).
   * `topicMatches(filter, topic)`: the codec's matcher. `keep`: log length.
   */
  constructor({ code, selfId, topicMatches, keep = 200 }) {
    super();
    this.code = code;
    this.selfId = selfId;
    this.topicMatches = topicMatches;
    this.keep = keep;
  }

  get prefix() {
    return roomPrefix(this.code);
  }

  /** The members as traffic-source nodes (see contract: { id, label, role, state }). */
  nodes() {
    return [...this.members.values()].map((m) => ({
      id: m.id,
      label: m.name,
      role: m.role,
      state: m.state === 'online' ? 'connected' : 'offline',
    }));
  }

  online() {
    return [...this.members.values()].filter((m) => m.state === 'online');
  }

  #member(id, name = id) {
    let m = this.members.get(id);
    if (!m) {
      m = { id, name, role: 'student', state: 'online', via: null, subs: [], protocol: null, sent: 0, delivered: 0, last: null };
      this.members.set(id, m);
    }
    return m;
  }

  /** Who gets a message on `relTopic` (and at which QoS), by the filters the members announced. */
  fanOut(relTopic, qos, { except = null } = {}) {
    const full = this.prefix + relTopic;
    const out = [];
    for (const m of this.members.values()) {
      if (m.state !== 'online' || m.id === except || m.id === OUTSIDE) continue;
      let best = -1;
      for (const s of m.subs) {
        if (s.qos > best && this.topicMatches(this.prefix + s.filter, full)) best = s.qos;
      }
      if (best >= 0) out.push({ id: m.id, qos: Math.min(qos, best) });
    }
    return out;
  }

  /**
   * Takes a message the teacher's RoomClient received (see RoomClient#deliver)
   * and returns the log entry it makes.
   */
  observe(msg) {
    const pid = presenceId(msg.topic);
    const presence = pid ? (msg.payload.length ? parsePresence(msg.payload) : 'cleared') : null;
    const stored = msg.retain; // sent because of the teacher's subscription, not forwarded live
    let kind = pid ? 'presence' : 'message';
    let from = pid ?? msg.sender?.id ?? OUTSIDE;
    let receivers;

    if (pid && presence && presence !== 'cleared' && presence.state === 'offline' && presence.via === 'will' && !stored) {
      // The broker published the member's Will: nobody sent this PUBLISH to it.
      kind = 'will';
    }

    if (presence === 'cleared') {
      this.members.delete(pid);
    } else if (presence) {
      const m = this.#member(pid, presence.name);
      Object.assign(m, {
        name: presence.name,
        role: presence.role,
        state: presence.state,
        via: presence.via,
        subs: presence.subs,
        protocol: presence.protocol ?? m.protocol,
      });
    }

    if (stored) {
      receivers = this.selfId ? [{ id: this.selfId, qos: msg.qos }] : [];
    } else {
      // A member's presence lists the subscriptions it holds when it publishes
      // it, so it is applied before the fan-out; a Will's member is gone.
      receivers = this.fanOut(msg.topic, msg.qos, { except: kind === 'will' ? pid : null });
      // The teacher's page received it: it is a receiver whatever the roster says.
      if (this.selfId && !receivers.some((r) => r.id === this.selfId)) receivers.push({ id: this.selfId, qos: msg.qos });
    }

    if (!stored && kind !== 'will') {
      if (from === OUTSIDE && !this.members.has(OUTSIDE)) {
        Object.assign(this.#member(OUTSIDE, 'not in the room'), { role: 'outside' });
      }
      const sender = this.members.get(from) ?? (msg.sender ? this.#member(from, msg.sender.name) : null);
      if (sender) {
        sender.sent++;
        if (kind === 'message') sender.last = { topic: msg.topic, payload: msg.payload, time: msg.time };
      }
    }
    if (kind === 'will') from = pid;
    for (const r of receivers) {
      const m = this.members.get(r.id);
      if (m) m.delivered++;
    }

    if (kind === 'message') this.counts.messages++;
    else this.counts.presence++;
    if (!stored) this.counts.deliveries += receivers.length;

    const fromMember = this.members.get(from);
    const entry = {
      seq: ++this.#seq,
      kind,
      stored,
      topic: msg.topic,
      fullTopic: msg.fullTopic,
      payload: msg.payload,
      rawPayload: msg.rawPayload ?? msg.payload,
      qos: msg.qos,
      properties: msg.properties,
      from,
      fromName: fromMember?.name ?? msg.sender?.name ?? from,
      how: msg.sender?.how ?? (pid ? 'topic' : null),
      receivers,
      bytes: msg.bytes ?? null,
      protocolVersion: msg.protocolVersion,
      at: msg.at,
      time: msg.time,
    };
    this.log.push(entry);
    if (this.log.length > this.keep) this.log.splice(0, this.log.length - this.keep);
    this.dispatchEvent(new CustomEvent('message', { detail: entry }));
    this.dispatchEvent(new Event('change'));
    return entry;
  }

  /** Members shown offline, whose retained presence a teacher may clear. */
  offline() {
    return [...this.members.values()].filter((m) => m.state === 'offline' && m.id !== OUTSIDE);
  }
}
