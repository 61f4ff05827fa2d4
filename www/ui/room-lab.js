// A lesson's lab on a real broker, inside a classroom room: the lesson's
// clients are real MQTT connections made by this page (lib/mqtt.js), every
// topic under the room's prefix `mqttlab/<code>/`, each client id unique to
// this run. It offers the parts of an InPageLab (inpage.js) that a lesson
// uses, so the same scenario runner, watch and packet log work on it:
//
//   lab.sim      the step methods of the wasm Simulation that a real broker
//                allows (publish, subscribe, unsubscribe, connect, disconnect,
//                cutLink, and loseNext toward the client, see #loseNext) and a
//                clock; the faults that need a simulated network (loseNext
//                toward the broker, dropNext, delay, setLink, partition, heal,
//                restartBroker) throw, with the reason in words;
//   lab.broker   an EventTarget whose 'events' carry the simulation's event
//                shapes, built from what really happened: every packet each
//                client wrote or read (packetsend / packetreceive, with its
//                bytes), its connections and the messages it received;
//   lab.snapshot()  the clients' states and subscriptions, and the retained
//                messages this lesson set (as far as this page knows).
//
// The clock (`lab.now`, ms) stands still until the clients that connect at
// the start are connected (a public broker may take a second or two), then
// runs in real time: a scenario's steps keep their spacing.
//
// Besides its own clients, a lab listens to the teacher's room client (the
// observer, subscribed to the whole room): a message from a member who is not
// one of the lesson's clients (a student's phone) is reported as a 'student'
// event, `{ step, at }`, the first time this page sees it, so the lesson can
// count it as a "try it" step. Its events: 'change' (a client's state),
// 'student', 'problem' (detail: a sentence), 'ready' (the clock started).
import { readSender, senderProperties, relativeTopic, roomPrefix, presenceId } from './room.js';

const NO_NETWORK = 'needs control of the network between a client and the broker, which this page has only over its own simulated broker';
const FAULTS = {
  dropNext: `Dropping a chosen packet ${NO_NETWORK}.`,
  delay: `Stalling a link ${NO_NETWORK}.`,
  setLink: `Changing a link's latency or loss ${NO_NETWORK}.`,
  partition: `A partition ${NO_NETWORK}.`,
  heal: `A partition ${NO_NETWORK}.`,
  restartBroker: 'A real broker cannot be restarted from this page.',
};
/** How long the clock waits for the first connections before it runs anyway. */
const READY_WAIT = 10_000;
/** Two sightings of a student's message closer than this are the same message. */
const SAME_MESSAGE = 3000;
/** How long cleaning up (retained messages, sessions) may take. */
const CLEANUP_WAIT = 5000;

const text = new TextDecoder();
const enc = new TextEncoder();
const asText = (b) => (b ? text.decode(b) : '');

/** A room filter for a lesson's filter: under the prefix, shared subscriptions too. */
export function roomFilter(code, filter) {
  const prefix = roomPrefix(code);
  const m = /^\$share\/([^/]+)\/(.*)$/.exec(filter);
  return m ? `$share/${m[1]}/${prefix}${m[2]}` : prefix + filter;
}

/** A client id unique to a lesson run in a room: `mqttlab-<code>-<run>-<label>`. */
export function lessonClientId(code, run, label) {
  return `mqttlab-${code}-${run}-${String(label).replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 64);
}

/** A short random tag for one run (4 hex digits). */
export function runTag(random = (n) => crypto.getRandomValues(new Uint8Array(n))) {
  return [...random(2)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Keeps the first sighting of each message from a student: `seen(key, at)`
 * is true when the same key was seen less than `window` ms before.
 */
export class Sightings {
  #last = new Map();

  constructor(window = SAME_MESSAGE) {
    this.window = window;
  }

  seen(key, at) {
    const before = this.#last.get(key);
    this.#last.set(key, at);
    if (this.#last.size > 500) this.#last.delete(this.#last.keys().next().value);
    return before !== undefined && at - before < this.window;
  }
}

export class RoomLab extends EventTarget {
  kind = 'room';
  /** label -> { label, clientId, options, meta, client, state, subs: Map(filter -> qos), version, cutAt, willSeen } */
  clients = new Map();
  /** Retained messages this lesson set: relative topic -> payload text. */
  retained = new Map();
  broker = new EventTarget();
  destroyed = false;
  #mqtt;
  #observer;
  #t0 = null;
  #created = performance.now();
  #readyTimer = 0;
  #pump = 0;
  #nextId = 1;
  #retainedTopics = new Set(); // every topic to clear at the end
  #sightings = new Sightings();
  #onObserved = (e) => this.#observed(e.detail);

  /**
   * `mqtt`: the lib/mqtt.js module. `url`, `code`: the room. `observer`: the
   * teacher's RoomClient (optional). `run`: this run's tag.
   */
  constructor({ mqtt, url, code, observer = null, run = runTag() }) {
    super();
    this.#mqtt = mqtt;
    this.url = url;
    this.code = code;
    this.run = run;
    this.prefix = roomPrefix(code);
    this.#observer = observer;
    observer?.addEventListener('message', this.#onObserved);
    const lab = this;
    // The Simulation's step methods and clock, over real connections.
    this.sim = {
      get now() { return lab.now; },
      runUntil() {},
      step() { return lab.now; },
      nextEventTime() { return undefined; },
      publish: (c, t, p, o) => this.#publish(c, t, p, o),
      subscribe: (c, subs) => this.#subscribe(c, subs),
      unsubscribe: (c, f) => this.#unsubscribe(c, f),
      connect: (c) => this.#connect(c),
      disconnect: (c) => this.#client(c, true).end(true).catch(() => {}),
      cutLink: (c) => this.#cut(c),
      loseNext: (c, direction, n) => this.#loseNext(c, direction, n),
    };
    for (const [k, why] of Object.entries(FAULTS)) this.sim[k] = () => { throw new Error(why); };
    // The scenario runner's timers fire when the clock is asked to run up to now.
    this.#pump = setInterval(() => this.sim.runUntil(this.now), 20);
  }

  /** Milliseconds since the clock started (0 until the first clients are connected). */
  get now() {
    return this.#t0 === null ? 0 : performance.now() - this.#t0;
  }

  /** Whether the clock runs. */
  get ready() {
    return this.#t0 !== null;
  }

  /** Adds a client (not connected): `options` as simClientOptions() gives them. */
  addClient(label, options, _link, meta = {}) {
    if (this.clients.has(label)) throw new Error(`there is already a client "${label}"`);
    this.clients.set(label, {
      label,
      clientId: lessonClientId(this.code, this.run, label),
      options,
      meta,
      client: null,
      state: 'idle',
      subs: new Map(),
      version: options.protocolVersion ?? 5,
      cutAt: null,
      willSeen: true,
      cutAfterPublish: 0,
      aliases: { toBroker: new Map(), toClient: new Map() }, // topic alias -> topic, per direction
    });
    this.#changed();
  }

  snapshot() {
    return {
      clients: [...this.clients.values()].map((c) => ({
        id: c.label, clientId: c.clientId, state: c.state, subscriptions: [...c.subs.keys()],
      })),
      broker: {
        sessions: [],
        retained: [...this.retained].map(([topic, payload]) => ({ topic, payload: enc.encode(payload) })),
      },
    };
  }

  // ---- the steps -----------------------------------------------------------------

  #client(label, mustExist = false) {
    const c = this.clients.get(label);
    if (!c) throw new Error(`there is no client "${label}"`);
    if (!c.client && mustExist) throw new Error(`${label} has not connected yet`);
    return mustExist ? c.client : c;
  }

  #connect(label) {
    const c = this.#client(label);
    if (c.state === 'connected' || c.state === 'connecting') throw new Error(`${label} is already connected`);
    c.cutAt = null;
    c.state = 'connecting';
    this.#changed();
    if (c.client) {
      c.client.reconnect();
      return;
    }
    const o = c.options;
    const opts = {
      clientId: c.clientId,
      protocolVersion: c.version,
      clean: o.clean,
      keepalive: o.keepalive,
      reconnectPeriod: o.reconnectPeriod,
      connectTimeout: 15_000,
      trace: true,
    };
    if (o.properties) opts.properties = { ...o.properties };
    if (o.will) {
      opts.will = { ...o.will, topic: this.prefix + o.will.topic };
      if (c.version === 5) opts.will.properties = senderProperties({ id: c.clientId, name: label });
      if (o.will.retain) this.#retainedTopics.add(o.will.topic);
    }
    const client = this.#mqtt.connect(this.url, opts);
    c.client = client;
    client.on('packetsend', (packet, bytes) => this.#packet(c, 'toBroker', packet, bytes));
    client.on('packetreceive', (packet, bytes) => this.#packet(c, 'toClient', packet, bytes));
    client.on('connect', (connack) => {
      c.state = 'connected';
      this.#emit({ type: 'client', client: label, event: 'connect', sessionPresent: !!connack?.sessionPresent, at: this.now });
      this.#changed();
      this.#maybeReady();
    });
    client.on('reconnect', () => this.#setState(c, 'connecting'));
    client.on('close', () => this.#setState(c, client.reconnecting ? 'connecting' : 'idle'));
    client.on('offline', () => this.#setState(c, 'idle'));
    client.on('end', () => this.#setState(c, 'idle'));
    client.on('error', (err) => this.#problem(`${label}: ${err?.message ?? err}`));
    client.on('message', (topic, payload, packet) => this.#message(c, topic, payload, packet));
  }

  #setState(c, state) {
    if (this.destroyed || c.state === state) return;
    c.state = state;
    this.#changed();
  }

  #cut(label) {
    const client = this.#client(label, true);
    const c = this.clients.get(label);
    c.cutAt = this.now;
    c.willSeen = false;
    client.dropTransport();
  }

  /**
   * "Lose the next packet from the broker", as a real connection can: the
   * next QoS 1 or 2 PUBLISH this client writes is followed at once by the
   * socket closing without DISCONNECT, before its acknowledgement can come
   * back (the close happens in the same turn of the page's event loop, so no
   * answer is read). To the client, as under TCP, that acknowledgement was
   * lost with the connection. A packet the page has written cannot be made to
   * vanish, so losing one toward the broker is refused.
   */
  #loseNext(label, direction, n = 1) {
    const c = this.#client(label);
    if (direction === 'toBroker') {
      throw new Error('On a real broker this page cannot lose a packet it has written: the PUBLISH would still arrive. Losing one on its way to the broker needs this page\'s simulated broker.');
    }
    c.cutAfterPublish += n;
  }

  #publish(label, topic, payload, o = {}) {
    const client = this.#client(label, true);
    const c = this.clients.get(label);
    const opts = { qos: o.qos ?? 0, retain: !!o.retain };
    const props = { ...(o.properties ?? {}) };
    if (props.responseTopic !== undefined) props.responseTopic = this.prefix + props.responseTopic;
    if (c.version === 5) Object.assign(props, senderProperties({ id: c.clientId, name: label }));
    if (Object.keys(props).length && c.version === 5) opts.properties = props;
    const body = typeof payload === 'string' ? payload : payload ?? '';
    const empty = (typeof body === 'string' ? body.length : body.byteLength) === 0;
    if (opts.retain) this.#retainedTopics.add(topic);
    client.publish(this.prefix + topic, body, opts).then(() => {
      if (!opts.retain || this.destroyed) return;
      // The broker has it (acknowledged, or written at QoS 0).
      if (empty) {
        this.retained.delete(topic);
        this.#emit({ type: 'broker', event: 'retainedCleared', topic, at: this.now });
      } else {
        this.retained.set(topic, typeof body === 'string' ? body : asText(body));
      }
      this.#changed();
    }, (e) => this.#problem(`${label} could not publish to ${topic}: ${e.message}`));
  }

  #subscribe(label, subs) {
    const client = this.#client(label, true);
    const c = this.clients.get(label);
    for (const [filter, o] of Object.entries(subs)) {
      const so = { qos: o.qos ?? 0 };
      for (const k of ['nl', 'rap', 'rh']) if (o[k] !== undefined) so[k] = o[k];
      c.subs.set(filter, so.qos);
      client.subscribe({ [roomFilter(this.code, filter)]: so }).catch((e) => {
        c.subs.delete(filter);
        this.#problem(`${label} could not subscribe to ${filter}: ${e.message}`);
        this.#changed();
      });
    }
    this.#changed();
  }

  #unsubscribe(label, filter) {
    const client = this.#client(label, true);
    this.clients.get(label).subs.delete(filter);
    client.unsubscribe(roomFilter(this.code, filter)).catch((e) => this.#problem(`${label} could not unsubscribe: ${e.message}`));
    this.#changed();
  }

  // ---- what happened -----------------------------------------------------------------

  #emit(e) {
    if (this.destroyed) return;
    this.broker.dispatchEvent(new CustomEvent('events', { detail: [e] }));
  }

  #changed() {
    if (!this.destroyed) this.dispatchEvent(new Event('change'));
  }

  #problem(message) {
    if (!this.destroyed) this.dispatchEvent(new CustomEvent('problem', { detail: message }));
  }

  #maybeReady() {
    if (this.#t0 !== null) return;
    const waiting = [...this.clients.values()].some((c) => c.state === 'connecting');
    if (!waiting) this.#start();
    else if (!this.#readyTimer) this.#readyTimer = setTimeout(() => this.#start(), READY_WAIT);
  }

  #start() {
    if (this.#t0 !== null || this.destroyed) return;
    clearTimeout(this.#readyTimer);
    this.#t0 = performance.now();
    this.dispatchEvent(new Event('ready'));
  }

  /** A packet a client wrote (toBroker) or read (toClient), as the simulation reports one. */
  #packet(c, direction, packet, bytes) {
    if (this.destroyed) return;
    const id = this.#nextId++;
    const at = this.now;
    const copy = bytes instanceof Uint8Array ? Uint8Array.from(bytes) : null;
    this.#emit({
      type: 'packetSent',
      id,
      client: c.label,
      direction,
      from: direction === 'toBroker' ? c.label : 'broker',
      to: direction === 'toBroker' ? 'broker' : c.label,
      sentAt: at,
      arrivesAt: at,
      realAt: performance.now(),
      lost: false,
      bytes: copy,
      protocolVersion: c.version,
      packet: this.#relative(this.#unalias(c, direction, packet)),
    });
    // A packet written is handed to TCP, which delivers it or breaks the connection;
    // a packet read has arrived. The page sees no more than that.
    this.#emit({ type: 'packetDelivered', id, at, text: direction === 'toBroker' ? 'written to the socket' : 'received' });
    if (direction === 'toBroker' && packet?.cmd === 'publish' && packet.qos > 0 && c.cutAfterPublish > 0) {
      c.cutAfterPublish--;
      // After the write completes (the bytes are on the socket), before any answer is read.
      queueMicrotask(() => {
        c.client.dropTransport();
        this.#emit({ type: 'packetDropped', id: 0, client: c.label, direction: 'toClient', why: 'lost', at: this.now, cut: true });
      });
    }
    if (direction === 'toBroker' && packet?.cmd === 'disconnect') {
      this.#emit({ type: 'broker', event: 'connectionClosed', clientId: c.label, reason: 'DISCONNECT from the client', at });
    }
  }

  /**
   * MQTT 5.0 topic aliases: a PUBLISH may carry an alias instead of its topic
   * (lib/mqtt.js uses them); the log shows the topic the alias stands for.
   */
  #unalias(c, direction, packet) {
    const alias = packet?.cmd === 'publish' ? packet.properties?.topicAlias : undefined;
    if (!alias) return packet;
    const map = c.aliases[direction];
    if (packet.topic) {
      map.set(alias, packet.topic);
      return packet;
    }
    return map.has(alias) ? { ...packet, topic: map.get(alias) } : packet;
  }

  /** A packet as the lesson shows it: topics without the room's prefix. */
  #relative(packet) {
    if (!packet || typeof packet !== 'object') return packet;
    const p = { ...packet };
    if (typeof p.topic === 'string') p.topic = relativeTopic(this.code, p.topic) ?? p.topic;
    if (Array.isArray(p.subscriptions)) {
      p.subscriptions = p.subscriptions.map((s) => ({ ...s, topic: this.#relFilter(s.topic) }));
    }
    if (Array.isArray(p.unsubscriptions)) p.unsubscriptions = p.unsubscriptions.map((f) => this.#relFilter(f));
    return p;
  }

  #relFilter(f) {
    const m = /^\$share\/([^/]+)\/(.*)$/.exec(f);
    if (m) return `$share/${m[1]}/${relativeTopic(this.code, m[2]) ?? m[2]}`;
    return relativeTopic(this.code, f) ?? f;
  }

  #ours(id) {
    for (const c of this.clients.values()) if (c.clientId === id) return true;
    return false;
  }

  #message(c, fullTopic, raw, packet) {
    if (this.destroyed) return;
    const topic = relativeTopic(this.code, fullTopic);
    // Presence messages are the room's bookkeeping, not the lesson's.
    if (topic === null || presenceId(topic)) return;
    const { sender, payload } = readSender(raw, packet?.properties);
    if (sender && !this.#ours(sender.id)) this.#foreign(sender, topic, payload, packet);
    const properties = packet?.properties ? { ...packet.properties } : undefined;
    if (properties?.responseTopic) properties.responseTopic = relativeTopic(this.code, properties.responseTopic) ?? properties.responseTopic;
    const at = this.now;
    const e = {
      type: 'client', client: c.label, event: 'message', topic, payload, qos: packet?.qos ?? 0,
      retain: !!packet?.retain, dup: !!packet?.dup, properties, at,
    };
    // A Will this page can recognise: the topic and payload of the Will of a
    // client whose link was cut, arriving after the cut.
    const textPayload = asText(payload);
    for (const o of this.clients.values()) {
      const w = o.options.will;
      if (w && o.cutAt !== null && !o.willSeen && w.topic === topic && String(w.payload) === textPayload) {
        o.willSeen = true;
        this.#emit({ type: 'broker', event: 'willPublished', clientId: o.label, topic, at, observed: true });
      }
    }
    if (packet?.retain && payload.length) this.retained.set(topic, textPayload);
    this.#emit(e);
    c.meta.handler?.(e);
  }

  /** The teacher's room client received a message (see RoomClient#deliver). */
  #observed(m) {
    if (this.destroyed || !m.sender || this.#ours(m.sender.id) || m.sender.id === this.#observer?.clientId) return;
    if (presenceId(m.topic)) return;
    this.#foreign(m.sender, m.topic, m.payload, m);
  }

  /** A message from a room member who is not one of the lesson's clients: a student's step. */
  #foreign(sender, topic, payload, packet) {
    const body = asText(payload);
    const at = this.now;
    if (this.#sightings.seen(`${sender.id}\n${topic}\n${body}`, at)) return;
    const step = { do: 'publish', client: sender.name, topic, payload: body, qos: packet?.qos ?? 0, retain: false, student: sender.id };
    this.dispatchEvent(new CustomEvent('student', { detail: { step, at } }));
  }

  // ---- the end ---------------------------------------------------------------------

  /**
   * Ends every connection with DISCONNECT (so no Will), clears the retained
   * messages the lesson set (and its clients' retained Wills), and ends the
   * persistent sessions it left on the broker. Resolves when done or after a
   * few seconds.
   */
  async destroy() {
    if (this.destroyed) return this.done;
    this.destroyed = true;
    clearInterval(this.#pump);
    clearTimeout(this.#readyTimer);
    this.#observer?.removeEventListener('message', this.#onObserved);
    this.done = this.#cleanUp();
    return this.done;
  }

  async #cleanUp() {
    const all = [...this.clients.values()];
    await Promise.all(all.map((c) => c.client?.end(true).catch(() => {})));
    const persistent = all.filter((c) => c.client && (c.options.clean === false || c.options.properties?.sessionExpiryInterval));
    if (!this.#retainedTopics.size && !persistent.length) return;
    const version = all.some((c) => c.version === 4) && !all.some((c) => c.version === 5) ? 4 : 5;
    const tasks = [];
    if (this.#retainedTopics.size) {
      tasks.push(this.#withClient(lessonClientId(this.code, this.run, 'cleanup'), version, (client) => Promise.all(
        [...this.#retainedTopics].map((t) => client.publish(this.prefix + t, new Uint8Array(0), { qos: 1, retain: true })),
      )));
    }
    // Connecting again with a clean start, session expiry 0, ends the session the broker kept.
    for (const c of persistent) tasks.push(this.#withClient(c.clientId, c.version, () => {}));
    await Promise.race([Promise.allSettled(tasks), new Promise((r) => setTimeout(r, CLEANUP_WAIT))]);
  }

  async #withClient(clientId, version, fn) {
    const client = this.#mqtt.connect(this.url, { clientId, protocolVersion: version, clean: true, reconnectPeriod: 0, connectTimeout: CLEANUP_WAIT });
    try {
      await new Promise((resolve, reject) => {
        client.once('connect', resolve);
        client.once('error', reject);
      });
      await fn(client);
    } finally {
      await client.end().catch(() => {});
    }
  }
}
