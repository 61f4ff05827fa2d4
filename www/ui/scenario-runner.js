// Plays a validated scenario (see scenario.js) on an InPageLab (or on a
// RoomLab, room-lab.js, whose `sim` offers the same step methods over real
// connections and a real-time clock): adds its
// clients, connects them, subscribes them, and carries out each step at its
// time on the simulation's virtual clock, so pausing, slow motion and
// stepping apply to the scenario too. The same `act(step)` carries out what
// a student does by hand, and records it, so "copy link to this setup" can
// hand the whole thing on.

/**
 * Callbacks at exact virtual times. InPageBroker moves the clock with
 * `sim.runUntil` (and `step`, `runFor`); these are wrapped once per
 * simulation so that a callback due at `t` runs when the clock is at `t`,
 * between the simulation's own events, whatever the frame rate or speed.
 */
export function virtualTimers(sim) {
  if (sim.__timers) return sim.__timers;
  const queue = []; // { at, fn }, sorted by at, in the order added
  const runUntil = sim.runUntil.bind(sim);
  const step = sim.step.bind(sim);
  const fire = () => {
    const t = queue.shift();
    runUntil(t.at);
    t.fn();
  };
  sim.runUntil = (ms) => {
    while (queue.length && queue[0].at <= ms) fire();
    runUntil(ms);
  };
  sim.runFor = (ms) => sim.runUntil(sim.now + ms);
  sim.step = () => {
    const next = sim.nextEventTime();
    if (queue.length && (next === undefined || queue[0].at <= next)) {
      fire();
      return sim.now;
    }
    return step();
  };
  const timers = {
    at(at, fn) {
      let i = queue.length;
      while (i > 0 && queue[i - 1].at > at) i--;
      queue.splice(i, 0, { at, fn });
    },
    clear() {
      queue.length = 0;
    },
    get pending() {
      return queue.length;
    },
  };
  sim.__timers = timers;
  return timers;
}

/** The simulation's client options (MQTT.js names) for a scenario client. */
export function simClientOptions(c) {
  const o = {
    clientId: c.id,
    protocolVersion: c.version,
    clean: c.clean,
    keepalive: c.keepalive,
    reconnectPeriod: c.reconnect ? 1000 : 0,
  };
  if (c.will) o.will = { ...c.will };
  if (c.version === 5 && c.sessionExpiry) o.properties = { sessionExpiryInterval: c.sessionExpiry };
  return o;
}

const text = new TextEncoder();

/** One sentence saying what a step does, for the caption and the log. */
export function describeStep(s) {
  const who = s.client ? `${s.client} ` : '';
  switch (s.do) {
    case 'publish': {
      const extra = [
        `QoS ${s.qos}`,
        s.retain && 'retained',
        s.expiry !== undefined && `expires after ${s.expiry} s`,
        s.responseTopic && `answer to ${s.responseTopic}`,
        s.correlationData && `correlation "${s.correlationData}"`,
      ].filter(Boolean).join(', ');
      return `${who}publishes "${s.payload}" to ${s.topic} (${extra})`;
    }
    case 'subscribe': return `${who}subscribes to ${s.filter} (QoS ${s.qos})`;
    case 'unsubscribe': return `${who}unsubscribes from ${s.filter}`;
    case 'connect': return `${who}connects`;
    case 'disconnect': return `${who}disconnects (sends DISCONNECT)`;
    case 'cutLink': return `${who}loses its connection without DISCONNECT (link cut)`;
    case 'loseNext': return `the next ${s.count === 1 ? 'packet' : `${s.count} packets`} ${s.direction === 'toBroker' ? `from ${s.client} to the broker` : `from the broker to ${s.client}`} will be lost (the connection breaks)`;
    case 'dropNext': return `the next ${s.count === 1 ? 'packet' : `${s.count} packets`} ${s.direction === 'toBroker' ? `from ${s.client} to the broker` : `from the broker to ${s.client}`} will vanish silently`;
    case 'delay': return `${who}'s link stalls for ${s.ms} ms`;
    case 'setLink': return `${who}'s link changes: ${Object.entries(s).filter(([k]) => ['latency', 'loss', 'duplicate', 'up'].includes(k)).map(([k, v]) => `${k} ${v}`).join(', ')}`;
    case 'partition': return `${who}is cut off silently (partition)`;
    case 'heal': return `${who}'s partition ends`;
    case 'restartBroker': return `the broker restarts${s.keepSessions ? ', keeping sessions' : ', losing sessions'}`;
    case 'note': return s.note;
    default: return s.do;
  }
}

/**
 * Plays `scenario` on `lab`. Dispatches:
 * - `step`  (detail `{ step, by, at }`) when a step is carried out (`by` is 'scenario' or 'you');
 * - `error` (detail `{ step, message }`) when the simulation refused a step;
 * - `done` when the last scheduled step has run.
 */
export class ScenarioPlayer extends EventTarget {
  /** Steps carried out by hand, with their times from the start. */
  manual = [];
  #subscribed = new Set();
  #t0 = 0;
  #left = 0;
  #stopped = false;

  constructor(lab, scenario) {
    super();
    this.lab = lab;
    this.scenario = scenario;
    this.clients = new Map(scenario.clients.map((c) => [c.id, c]));
    this.timers = virtualTimers(lab.sim);
  }

  /** Adds the clients, connects those that start connected, and schedules the steps. */
  start() {
    const { lab, scenario } = this;
    this.#t0 = lab.sim.now;
    for (const c of scenario.clients) {
      lab.addClient(c.id, simClientOptions(c), { ...c.link }, {
        role: c.role || 'sim',
        description: c.role,
        handler: c.reply === undefined ? undefined : (e) => this.#reply(c, e),
      });
    }
    for (const c of scenario.clients) if (c.connect) this.#run({ at: 0, do: 'connect', client: c.id }, 'scenario');
    this.#left = scenario.steps.length;
    for (const s of scenario.steps) {
      this.timers.at(this.#t0 + s.at, () => {
        if (this.#stopped) return;
        this.#run(s, 'scenario');
        if (--this.#left === 0) this.dispatchEvent(new Event('done'));
      });
    }
    if (this.#left === 0) queueMicrotask(() => this.dispatchEvent(new Event('done')));
    return this;
  }

  /** Virtual milliseconds since the start. */
  get elapsed() {
    return this.lab.sim.now - this.#t0;
  }

  /** Scheduled steps not carried out yet. */
  get remaining() {
    return this.#left;
  }

  /** Carries out a (validated) step now, by hand; returns an error message or null. */
  act(step) {
    const s = { ...step, at: Math.round(this.elapsed) };
    const error = this.#run(s, 'you');
    if (!error) this.manual.push(s);
    return error;
  }

  /**
   * Reports a step that happened without this player (a student's publish
   * seen in a classroom room), so the lesson counts it like one done by hand.
   */
  observed(step, by, at = this.lab.sim.now) {
    if (this.#stopped) return;
    this.dispatchEvent(new CustomEvent('step', { detail: { step: { ...step, at: Math.round(at - this.#t0) }, by, at } }));
  }

  /** The scenario with the steps done by hand added at their times: what "copy link" shares. */
  withManualSteps() {
    const steps = [...this.scenario.steps, ...this.manual].sort((a, b) => a.at - b.at);
    return { ...this.scenario, steps };
  }

  /** Stops carrying out scheduled steps (the lab itself is the caller's). */
  stop() {
    this.#stopped = true;
    this.timers.clear();
  }

  #run(s, by) {
    const sim = this.lab.sim;
    try {
      switch (s.do) {
        case 'publish': {
          const properties = {};
          if (s.expiry !== undefined) properties.messageExpiryInterval = s.expiry;
          if (s.responseTopic !== undefined) properties.responseTopic = s.responseTopic;
          if (s.correlationData !== undefined) properties.correlationData = text.encode(s.correlationData);
          if (s.contentType !== undefined) properties.contentType = s.contentType;
          const o = { qos: s.qos ?? 0, retain: !!s.retain };
          if (Object.keys(properties).length) o.properties = properties;
          sim.publish(s.client, s.topic, s.payload ?? '', o);
          break;
        }
        case 'subscribe': {
          const o = { qos: s.qos ?? 0 };
          for (const k of ['nl', 'rap', 'rh']) if (s[k] !== undefined) o[k] = s[k];
          sim.subscribe(s.client, { [s.filter]: o });
          break;
        }
        case 'unsubscribe': sim.unsubscribe(s.client, s.filter); break;
        case 'connect': {
          sim.connect(s.client);
          // A client's own subscriptions go with its first connection.
          const c = this.clients.get(s.client);
          if (c?.subscribe.length && !this.#subscribed.has(c.id)) {
            this.#subscribed.add(c.id);
            sim.subscribe(c.id, Object.fromEntries(c.subscribe.map((x) => [x.filter, { ...x, filter: undefined }])));
          }
          break;
        }
        case 'disconnect': sim.disconnect(s.client); break;
        case 'cutLink': sim.cutLink(s.client); break;
        case 'loseNext': sim.loseNext(s.client, s.direction, s.count ?? 1); break;
        case 'dropNext': sim.dropNext(s.client, s.direction, s.count ?? 1); break;
        case 'delay': sim.delay(s.client, s.ms); break;
        case 'setLink': {
          const l = {};
          for (const k of ['latency', 'loss', 'duplicate', 'up']) if (s[k] !== undefined) l[k] = s[k];
          sim.setLink(s.client, l);
          break;
        }
        case 'partition': sim.partition(s.client); break;
        case 'heal': sim.heal(s.client); break;
        case 'restartBroker': sim.restartBroker(s.keepSessions !== false); break;
        case 'note': break;
        default: throw new Error(`unknown step "${s.do}"`);
      }
    } catch (e) {
      const message = e?.message ?? String(e);
      this.dispatchEvent(new CustomEvent('error', { detail: { step: s, message } }));
      return message;
    }
    this.dispatchEvent(new CustomEvent('step', { detail: { step: s, by, at: sim.now } }));
    return null;
  }

  /** A client with `reply` answers each request (a message with a Response Topic). */
  #reply(c, e) {
    if (this.#stopped || e.event !== 'message') return;
    const rt = e.properties?.responseTopic;
    if (!rt) return;
    const properties = {};
    if (e.properties.correlationData !== undefined) properties.correlationData = e.properties.correlationData;
    this.#run({
      at: Math.round(this.elapsed), do: 'publish', client: c.id, topic: rt, payload: c.reply,
      qos: Math.min(e.qos ?? 0, 1), retain: false, ...(properties.correlationData
        ? { correlationData: new TextDecoder().decode(properties.correlationData) } : {}),
    }, 'scenario');
  }
}
