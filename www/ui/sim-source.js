// A traffic source for the diagram over an in-page lab (ui/inpage.js): the
// wasm Simulation's packets as flights on its virtual clock, its clients as
// nodes, and its controls (pause, step, speed) and faults.
//
// What the diagram reads from any traffic source (an EventTarget):
//   kind                'sim' | 'room'
//   now()               the source's clock in ms
//   nodes()             [{ id, label, role, state: 'connected' | 'connecting' | 'offline' }]; 'nodes' event on change
//   'flights' event     detail [{ id, client, direction: 'toBroker' | 'toClient', cmd, sentAt, arrivesAt,
//                       lost, bytes, protocolVersion, label }] (cmd and label are worked out from
//                       the bytes when missing)
//   'flightEnd' event   detail [{ id, at, delivered }]
// and, each only if present: paused, pause(), resume(), step(), speed, cutLink(client),
// dropNext(client, direction, n), delay(client, ms), restartBroker(keepSessions).
// This one also has: stepping, inFlight(), reconnect(client), canReconnect(client),
// linkState(client), dispose(), and the events 'control' (paused, speed or
// stepping changed) and 'brokerRestart'.
//
//   const source = simSource(lab);
//   source.addEventListener('flights', (e) => e.detail);
//
// Flights are built from the simulation's `packetSent` events. Only the fields
// named in the shared contract are read, and `cmd` comes from the first byte,
// so a faster event shape (packets decoded lazily, or not at all) keeps working.
import { cmdOf, describe } from './packet-label.js';

/** Simulation peer states as the diagram's three. */
const NODE_STATE = {
  connected: 'connected',
  open: 'connected',
  opening: 'connecting',
  connecting: 'connecting',
  // Waiting to try again: no transport now.
  reconnecting: 'offline',
  idle: 'offline',
  closed: 'offline',
};

/** One packet on its link. `label` is worked out when first read. */
class SimFlight {
  #label = null;
  #event;

  constructor(e) {
    this.id = e.id;
    this.client = e.client;
    this.direction = e.direction;
    this.sentAt = e.sentAt;
    this.arrivesAt = e.arrivesAt;
    this.lost = !!e.lost;
    this.lossReason = e.lossReason ?? null;
    this.duplicate = !!e.duplicate;
    this.bytes = e.bytes ?? null;
    this.protocolVersion = e.protocolVersion ?? 4;
    this.cmd = this.bytes ? cmdOf(this.bytes) : (e.packet?.cmd ?? 'unknown');
    this.#event = e;
  }

  get label() {
    this.#label ??= this.bytes ? describe(this.bytes, this.protocolVersion) : this.cmd.toUpperCase();
    return this.#label;
  }

  /** The decoded packet, if the simulation gave one (read only on demand). */
  get packet() {
    return this.#event.packet ?? null;
  }
}

/** Steps through a glide before it gives up (a deadline that never moves). */
const MAX_STEPS = 10_000;

export class SimSource extends EventTarget {
  kind = 'sim';
  #lab;
  #nodes = []; // [{ id, label, role, state, kind }]
  #byLabel = new Map();
  #inFlight = new Map(); // id -> SimFlight
  #links = new Map(); // client -> { dropNext: { toBroker, toClient }, heldUntil }
  #sent = 0;
  #ended = 0;
  #lastSim = 0;
  #lastReal = 0;
  #frac = 0;
  #glide = null;
  #onEvents;
  #onLabChange;

  constructor(lab) {
    super();
    this.#lab = lab;
    this.#onEvents = (e) => this.#route(e.detail);
    this.#onLabChange = () => {
      // A fresh look at every client (the events keep the states between two).
      // The snapshot lists every packet in flight too, so skip it under a flood.
      if (this.#inFlight.size < 300 || this.#lab.clients.size !== this.#nodes.filter((n) => n.kind === 'client').length) {
        this.#resync();
      }
    };
    lab.broker.addEventListener('events', this.#onEvents);
    lab.addEventListener('change', this.#onLabChange);
    this.#resync();
  }

  /** Stops listening to the lab. */
  dispose() {
    this.#lab.broker.removeEventListener('events', this.#onEvents);
    this.#lab.removeEventListener('change', this.#onLabChange);
    this.#glide?.cancel();
  }

  /** The virtual clock in ms, with the fraction of a millisecond the pump has not run yet. */
  now() {
    if (this.#glide) return this.#glide.t;
    const broker = this.#lab.broker;
    const s = this.#lab.sim.now;
    const real = performance.now();
    if (broker.paused) {
      this.#frac = 0;
      this.#lastSim = s;
    } else if (s !== this.#lastSim) {
      this.#lastSim = s;
      this.#frac = 0;
    } else {
      this.#frac = Math.min(0.999, this.#frac + (real - this.#lastReal) * broker.speed);
    }
    this.#lastReal = real;
    return s + this.#frac;
  }

  nodes() {
    return this.#nodes.map(({ id, label, role, state }) => ({ id, label, role, state }));
  }

  /** Packets in flight now (the diagram asks when it is mounted on a running lab). */
  inFlight() {
    return [...this.#inFlight.values()];
  }

  // ---- controls ---------------------------------------------------------------

  get paused() {
    return this.#lab.broker.paused;
  }

  pause() {
    this.#lab.broker.pause();
    this.#control();
  }

  resume() {
    this.#glide?.cancel();
    this.#lab.broker.resume();
    this.#control();
  }

  get speed() {
    return this.#lab.broker.speed;
  }

  set speed(v) {
    const x = Number(v);
    if (!(x > 0) || !Number.isFinite(x)) throw new RangeError('speed must be a number above 0');
    this.#lab.broker.speed = x;
    this.#control();
  }

  /** True while `step()` moves the clock to the next arrival. */
  get stepping() {
    return !!this.#glide;
  }

  /**
   * Pauses, then lets exactly one packet reach the end of its link (or vanish,
   * if it is lost): the clock glides to that moment so the packet is seen
   * travelling, and stays paused after it. What the arrival makes the receiver
   * send leaves then. With nothing in flight, it runs to the next packet sent.
   * Resolves when done.
   */
  step() {
    if (this.#glide) return this.#glide.done;
    const broker = this.#lab.broker;
    if (!broker.paused) this.pause();
    let target = Infinity;
    for (const f of this.#inFlight.values()) target = Math.min(target, f.arrivesAt);
    if (target === Infinity) {
      const sent = this.#sent;
      const ended = this.#ended;
      for (let i = 0; i < MAX_STEPS && this.#sent === sent && this.#ended === ended; i++) {
        if (broker.step() === undefined) break;
      }
      return Promise.resolve();
    }
    return this.#startGlide(target);
  }

  #startGlide(target) {
    const sim = this.#lab.sim;
    const broker = this.#lab.broker;
    const from = sim.now;
    const span = Math.max(0, target - from);
    // Seen at the chosen speed, but never quicker than a quarter of a second
    // nor slower than a second and a half.
    const realMs = Math.min(1500, Math.max(250, span / broker.speed));
    const ended = this.#ended;
    const t0 = performance.now();
    let handle = 0;
    let resolve;
    const glide = {
      t: from,
      done: new Promise((r) => { resolve = r; }),
      cancel: () => {
        cancelAnimationFrame(handle);
        clearTimeout(handle);
        finish();
      },
    };
    const finish = () => {
      if (this.#glide !== glide) return;
      this.#glide = null;
      resolve();
      this.#control();
    };
    const frame = () => {
      const want = Math.min(target, from + ((performance.now() - t0) / realMs) * span);
      for (let i = 0; i < MAX_STEPS; i++) {
        const next = sim.nextEventTime();
        if (next === undefined || next > want) break;
        broker.step();
        if (this.#ended !== ended) return finish();
      }
      const ms = Math.floor(want) - sim.now;
      if (ms > 0) broker.runFor(ms);
      glide.t = Math.max(glide.t, want);
      if (want >= target) {
        // The target arrived during another step's bookkeeping, or was cut short.
        return finish();
      }
      schedule();
    };
    const schedule = () => {
      handle = document.visibilityState === 'visible' ? requestAnimationFrame(frame) : setTimeout(frame, 16);
    };
    this.#glide = glide;
    this.#control();
    schedule();
    return glide.done;
  }

  // ---- faults -----------------------------------------------------------------

  /** The transport dies without DISCONNECT: the broker notices, and publishes the Will. */
  cutLink(client) {
    this.#lab.sim.cutLink(client);
    this.#setState(client, 'offline');
  }

  /** Silently drops the next `n` packets going `direction` ('toBroker' | 'toClient'). */
  dropNext(client, direction, n = 1) {
    this.#lab.sim.dropNext(client, direction, n);
    this.#link(client).dropNext[direction] += n;
    this.#nodesChanged();
  }

  /** Stalls the link for `ms`: what is in flight arrives that much later. */
  delay(client, ms) {
    this.#lab.sim.delay(client, ms);
    // The simulation moves the arrival of every packet in flight on that link.
    for (const f of this.#inFlight.values()) if (f.client === client) f.arrivesAt += ms;
    const link = this.#link(client);
    link.heldUntil = Math.max(link.heldUntil, this.#lab.sim.now + ms);
    this.#nodesChanged();
  }

  /** Restarts the broker: connections drop without Wills; sessions and retained messages stay only if `keepSessions`. */
  restartBroker(keepSessions) {
    this.#lab.sim.restartBroker(!!keepSessions);
    this.dispatchEvent(new CustomEvent('brokerRestart', { detail: { keepSessions: !!keepSessions, at: this.#lab.sim.now } }));
  }

  /** Connects a client that is not connected now (or not trying again soon). */
  reconnect(client) {
    this.#lab.sim.connect(client);
    this.#resync();
  }

  /** Whether `reconnect(client)` means anything for it now. */
  canReconnect(client) {
    const n = this.#byLabel.get(client);
    return !!n && n.kind === 'client' && (n.raw === 'idle' || n.raw === 'reconnecting');
  }

  /** The faults set on a link: `{ dropNext: { toBroker, toClient }, heldUntil }`. */
  linkState(client) {
    return this.#link(client);
  }

  // ---- from the simulation ----------------------------------------------------

  #link(client) {
    let l = this.#links.get(client);
    if (!l) this.#links.set(client, (l = { dropNext: { toBroker: 0, toClient: 0 }, heldUntil: 0 }));
    return l;
  }

  #route(events) {
    const flights = [];
    const ends = [];
    let nodes = false;
    for (const e of events) {
      switch (e.type) {
        case 'packetSent': {
          const f = new SimFlight(e);
          this.#inFlight.set(f.id, f);
          flights.push(f);
          this.#sent++;
          if (f.lossReason === 'dropped') {
            const d = this.#link(f.client).dropNext;
            if (d[f.direction] > 0) d[f.direction]--;
            nodes = true;
          }
          break;
        }
        case 'packetDelivered':
        case 'packetDropped':
          this.#inFlight.delete(e.id);
          this.#ended++;
          ends.push({ id: e.id, at: e.at, delivered: e.type === 'packetDelivered', why: e.why ?? null });
          break;
        case 'client': {
          const to = { connect: 'connected', connectionLost: 'reconnecting', reconnecting: 'reconnecting', offline: 'idle', close: 'idle' }[e.event];
          if (to) nodes = this.#setRaw(e.client, to) || nodes;
          break;
        }
        case 'transportOpened': {
          const n = this.#byLabel.get(e.client);
          if (!n) nodes = this.#resync(false) || nodes;
          else nodes = this.#setRaw(e.client, n.kind === 'client' ? 'connecting' : 'open') || nodes;
          break;
        }
        case 'transportClosed':
          if (e.noticedBy === 'client' && this.#byLabel.get(e.client)?.kind !== 'client') {
            nodes = this.#setRaw(e.client, 'closed') || nodes;
          }
          break;
        default:
      }
    }
    if (flights.length) this.dispatchEvent(new CustomEvent('flights', { detail: flights }));
    if (ends.length) this.dispatchEvent(new CustomEvent('flightEnd', { detail: ends }));
    if (nodes) this.#nodesChanged();
  }

  #setRaw(label, raw) {
    const n = this.#byLabel.get(label);
    if (!n) return this.#resync(false);
    if (n.raw === raw) return false;
    n.raw = raw;
    n.state = NODE_STATE[raw] ?? 'offline';
    return true;
  }

  #setState(label, state) {
    const n = this.#byLabel.get(label);
    if (n && n.state !== state) {
      n.state = state;
      this.#nodesChanged();
    }
  }

  /** Reads every client from a snapshot; dispatches 'nodes' if anything changed (unless `notify` is false). */
  #resync(notify = true) {
    const snap = this.#lab.sim.snapshot();
    const next = [];
    for (const c of snap.clients) {
      // A page socket that closed is gone for good (a client that reconnects opens another).
      if (c.kind === 'external' && c.state === 'closed') continue;
      const info = this.#lab.clients.get(c.id);
      next.push({
        id: c.id,
        label: c.kind === 'client' || !c.clientId ? c.id : c.clientId,
        role: info?.role ?? (c.kind === 'external' ? 'socket' : 'sim'),
        state: NODE_STATE[c.state] ?? 'offline',
        raw: c.state,
        kind: c.kind,
      });
    }
    const key = (list) => list.map((n) => `${n.id}|${n.label}|${n.role}|${n.raw}`).join('\n');
    const changed = key(next) !== key(this.#nodes);
    this.#nodes = next;
    this.#byLabel = new Map(next.map((n) => [n.id, n]));
    if (changed && notify) this.#nodesChanged();
    return changed;
  }

  #nodesChanged() {
    this.dispatchEvent(new Event('nodes'));
  }

  #control() {
    this.dispatchEvent(new Event('control'));
  }
}

/** The traffic source of an in-page lab (`InPageLab` from ui/inpage.js). */
export function simSource(lab) {
  return new SimSource(lab);
}
