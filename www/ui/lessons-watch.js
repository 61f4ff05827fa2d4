// What happened in a lesson's lab, kept in a form the "try it" checks can ask:
// messages received, the steps a student carried out (with which clients
// were offline at that moment), Wills published, packets lost, sessions.

const decoder = new TextDecoder();
const asText = (b) => (b ? decoder.decode(b) : '');

/** Virtual milliseconds after which a lesson's exchange has surely settled (links of 300 ms, reconnects in about 1 s). */
export const SETTLE = 5000;

export class LessonWatch {
  messages = []; // { client, topic, payload, qos, retain, dup, at, correlation }
  actions = []; // { ...step, by: 'you', at, offline: Set<client> }
  wills = []; // { clientId, topic, at }
  drops = []; // { client, direction, why, cmd, at }
  closes = []; // { clientId, reason, at }
  expired = []; // { clientId, topic, at }
  cleared = []; // { topic, at }
  connects = []; // { client, sessionPresent, at }
  packets = { toBroker: 0, toClient: 0 };
  explained = []; // what the playground explained
  #cmd = new Map(); // flight id -> cmd

  constructor(lab, player) {
    this.lab = lab;
    this.player = player;
    this.onEvents = (ev) => this.#take(ev.detail);
    lab.broker.addEventListener('events', this.onEvents);
    player.addEventListener('step', (e) => {
      if (e.detail.by === 'scenario') return; // 'you' (the console) or 'student' (a phone in a room)
      const offline = new Set();
      try {
        for (const c of lab.snapshot().clients) if (c.state !== 'connected') offline.add(c.id);
      } catch { /* a lab being torn down */ }
      this.actions.push({ ...e.detail.step, at: e.detail.at, offline });
    });
  }

  destroy() {
    this.lab.broker.removeEventListener('events', this.onEvents);
  }

  now() {
    return this.lab.sim.now;
  }

  #take(events) {
    for (const e of events) {
      if (e.type === 'packetSent') {
        this.packets[e.direction]++;
        this.#cmd.set(e.id, e.packet?.cmd ?? 'bytes');
      } else if (e.type === 'packetDelivered') {
        this.#cmd.delete(e.id);
      } else if (e.type === 'packetDropped') {
        this.drops.push({ client: e.client, direction: e.direction, why: e.why, cmd: this.#cmd.get(e.id), at: e.at });
        this.#cmd.delete(e.id);
      } else if (e.type === 'client') {
        if (e.event === 'message') {
          this.messages.push({
            client: e.client, topic: e.topic, payload: asText(e.payload), qos: e.qos, retain: e.retain, dup: e.dup,
            at: e.at, correlation: e.properties?.correlationData ? asText(e.properties.correlationData) : undefined,
          });
        } else if (e.event === 'connect') {
          this.connects.push({ client: e.client, sessionPresent: e.sessionPresent, at: e.at });
        }
      } else if (e.type === 'broker') {
        if (e.event === 'willPublished') this.wills.push({ clientId: e.clientId, topic: e.topic, at: e.at });
        else if (e.event === 'connectionClosed') this.closes.push({ clientId: e.clientId, reason: e.reason, at: e.at });
        else if (e.event === 'messageDropped' && /expired/i.test(e.why)) this.expired.push({ clientId: e.clientId, topic: e.topic, at: e.at });
        else if (e.event === 'retainedCleared') this.cleared.push({ topic: e.topic, at: e.at });
      }
    }
  }

  /** The student's steps of one kind (`do`). */
  did(kind) {
    return this.actions.filter((a) => a.do === kind);
  }

  /**
   * The messages that a publish `p` produced: same topic and payload, received
   * after it and before the next publish of the same topic and payload.
   */
  deliveries(p) {
    const next = this.actions.find((a) => a.do === 'publish' && a.at > p.at && a.topic === p.topic && a.payload === p.payload);
    return this.messages.filter((m) => m.topic === p.topic && m.payload === p.payload && m.at >= p.at && (!next || m.at < next.at));
  }

  /** Whether at least `ms` of virtual time passed since `at`. */
  settled(at, ms = SETTLE) {
    return this.now() - at >= ms;
  }
}
