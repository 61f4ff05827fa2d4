// The in-page broker: a Simulation driven in real time, and WebSocket stand-ins
// that connect any WebSocket-based MQTT client in the page (MQTT.js) to it.
//
//   import { createSimulation } from './sim.js';
//   import { InPageBroker, createWebSocket } from './broker.js';
//   const broker = new InPageBroker({ simulation: await createSimulation({ seed: 1 }) });
//   broker.start();
//   const client = mqtt.connect('ws://in-page/mqtt', { createWebsocket: createWebSocket(broker) });
//
// Time. The simulation's clock is virtual. The pump (requestAnimationFrame while the
// page is visible, setTimeout otherwise) advances it by the real time elapsed × `speed`.
// `pause()` stops the clock: packets stay where they are in flight. `step()` processes
// the next thing that happens (while paused, for a lesson that goes packet by packet).
// MQTT.js keeps its own keepalive in real time: a pause longer than its keepalive, or a
// high speed that runs the broker's keepalive out first, ends its connection.
//
// Events. Every pump drains the simulation's events and dispatches them as one
// `events` CustomEvent (`event.detail` is the array), for the animations and the inspector.
// They are the objects `Simulation.drainEvents()` describes, read from one compact
// batch (./sim-events.js): `packet` is decoded when first read, `cmd` needs no
// decoding, and a client's `message` carries the bytes of its PUBLISH.
import { SimEventReader } from './sim-events.js';

/** A bare broker is a Simulation without simulated clients: this drives either. */
export class InPageBroker extends EventTarget {
  #sockets = new Map();
  #nextSocket = 1;
  #virtual;
  #lastReal = 0;
  #timer = null;
  #running = false;
  #kicked = false;
  #reader = new SimEventReader();

  /**
   * @param {object} options
   * @param {import('../pkg/mqtt_lab.js').Simulation} options.simulation
   * @param {number} [options.speed=1] virtual milliseconds per real millisecond
   * @param {{latency?: number, loss?: number, duplicate?: number}} [options.socketLink]
   *   the link given to every socket (latency in virtual ms; 20 by default)
   */
  constructor({ simulation, speed = 1, socketLink = { latency: 20 } } = {}) {
    super();
    if (!simulation) throw new TypeError('InPageBroker needs { simulation }');
    this.sim = simulation;
    this.speed = speed;
    this.socketLink = socketLink;
    this.paused = false;
    this.#virtual = simulation.now;
  }

  /** Starts the real-time pump. */
  start() {
    if (this.#running) return;
    this.#running = true;
    this.#lastReal = performance.now();
    this.#schedule();
  }

  /** Stops the pump (the simulation keeps its state). */
  stop() {
    this.#running = false;
    if (this.#timer) this.#timer.cancel();
    this.#timer = null;
  }

  /** Freezes virtual time. */
  pause() {
    this.paused = true;
  }

  /** Lets virtual time run again from where it stopped. */
  resume() {
    this.paused = false;
    this.#lastReal = performance.now();
  }

  /** Processes the next thing that happens; returns the new virtual time or undefined. */
  step() {
    const t = this.sim.step();
    if (t !== undefined) this.#virtual = t;
    this.#flush();
    return t;
  }

  /** Advances virtual time by `ms` now (whatever the pump does). */
  runFor(ms) {
    this.sim.runFor(ms);
    this.#virtual = this.sim.now;
    this.#flush();
  }

  /** A WebSocket-shaped object connected to this broker. */
  socket(url, protocols, { id, link } = {}) {
    const name = id ?? `socket-${this.#nextSocket++}`;
    return new SimWebSocket(this, name, url, protocols, link ?? this.socketLink);
  }

  // ---- used by SimWebSocket -------------------------------------------------

  _open(ws, link) {
    this.#sockets.set(ws.id, ws);
    this.sim.openSocket(ws.id, link);
    this.#kick();
  }

  _send(ws, bytes) {
    this.sim.socketSend(ws.id, bytes);
    this.#kick();
  }

  _close(ws) {
    this.sim.disconnect(ws.id);
    this.#kick();
  }

  // ---- the pump ---------------------------------------------------------------

  #schedule() {
    if (!this.#running || this.#timer) return;
    const visible = typeof document === 'undefined' || document.visibilityState === 'visible';
    if (visible && typeof requestAnimationFrame === 'function') {
      const h = requestAnimationFrame(() => this.#tick());
      this.#timer = { cancel: () => cancelAnimationFrame(h) };
    } else {
      const h = setTimeout(() => this.#tick(), 50);
      this.#timer = { cancel: () => clearTimeout(h) };
    }
  }

  #tick() {
    this.#timer = null;
    const real = performance.now();
    if (!this.paused) {
      this.#virtual = Math.max(this.#virtual, this.sim.now) + (real - this.#lastReal) * this.speed;
      this.sim.runUntil(Math.floor(this.#virtual));
    }
    this.#lastReal = real;
    this.#flush();
    this.#schedule();
  }

  /** Runs what is due now soon after a socket acted, without waiting for a frame. */
  #kick() {
    if (this.#kicked) return;
    this.#kicked = true;
    setTimeout(() => {
      this.#kicked = false;
      if (!this.paused) this.sim.runUntil(this.sim.now);
      this.#flush();
    }, 0);
  }

  /** Hands arrived bytes and closes to the sockets, and dispatches the events. */
  #flush() {
    for (const out of this.sim.takeSocketOutput()) {
      const ws = this.#sockets.get(out.id);
      if (!ws) continue;
      if (out.closed) {
        this.#sockets.delete(out.id);
        ws._remoteClose();
      } else {
        ws._receive(out.data);
      }
    }
    const events = this.#reader.read(this.sim.drainEventBatch());
    if (events.length) this.dispatchEvent(new CustomEvent('events', { detail: events }));
  }
}

/**
 * A factory in the shape MQTT.js's `createWebsocket` option expects:
 * `(url, websocketSubProtocols, options) => WebSocket`.
 */
export function createWebSocket(broker, options) {
  return (url, protocols) => broker.socket(url, protocols, options);
}

const STATES = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 };

/** The browser WebSocket interface over an in-page broker connection. */
export class SimWebSocket extends EventTarget {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  CONNECTING = 0;
  OPEN = 1;
  CLOSING = 2;
  CLOSED = 3;

  #broker;

  constructor(broker, id, url, protocols = [], link) {
    super();
    this.#broker = broker;
    this.id = id;
    this.url = String(url);
    const asked = typeof protocols === 'string' ? [protocols] : [...(protocols ?? [])];
    this.protocol = asked.find((p) => p === 'mqtt' || p === 'mqttv3.1') ?? '';
    this.extensions = '';
    this.binaryType = 'blob';
    this.bufferedAmount = 0;
    this.readyState = STATES.CONNECTING;
    this.onopen = null;
    this.onmessage = null;
    this.onclose = null;
    this.onerror = null;
    // Like a real socket, it opens in a later task.
    setTimeout(() => {
      if (this.readyState !== STATES.CONNECTING) return;
      this.readyState = STATES.OPEN;
      broker._open(this, link);
      if (this.readyState === STATES.OPEN) this.#fire(new Event('open'));
    }, 0);
  }

  /** Sends an ArrayBuffer, a typed array, a DataView, a Blob or a string (UTF-8). */
  send(data) {
    if (this.readyState === STATES.CONNECTING) {
      throw new DOMException("Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.", 'InvalidStateError');
    }
    if (this.readyState !== STATES.OPEN) return;
    if (typeof Blob !== 'undefined' && data instanceof Blob) {
      this.bufferedAmount += data.size;
      data.arrayBuffer().then((buf) => {
        this.bufferedAmount -= data.size;
        if (this.readyState === STATES.OPEN) this.#broker._send(this, new Uint8Array(buf));
      });
      return;
    }
    let bytes;
    if (typeof data === 'string') bytes = new TextEncoder().encode(data);
    else if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
    else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    else throw new TypeError('send() takes an ArrayBuffer, a typed array, a DataView, a Blob or a string');
    this.#broker._send(this, bytes);
  }

  /** Closes the connection (the broker sees the transport close, without DISCONNECT). */
  close(code, reason = '') {
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
      throw new DOMException(`The close code must be 1000 or from 3000 to 4999; got ${code}`, 'InvalidAccessError');
    }
    if (this.readyState === STATES.CLOSING || this.readyState === STATES.CLOSED) return;
    const wasOpen = this.readyState === STATES.OPEN;
    this.readyState = STATES.CLOSING;
    if (wasOpen) this.#broker._close(this);
    setTimeout(() => {
      this.readyState = STATES.CLOSED;
      this.#fire(new CloseEvent('close', { code: code ?? 1005, reason: String(reason), wasClean: true }));
    }, 0);
  }

  // ---- used by InPageBroker ---------------------------------------------------

  _receive(bytes) {
    if (this.readyState !== STATES.OPEN) return;
    const data = this.binaryType === 'arraybuffer'
      ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
      : new Blob([bytes]);
    this.#fire(new MessageEvent('message', { data, origin: new URL(this.url).origin }));
  }

  _remoteClose() {
    if (this.readyState === STATES.CLOSED) return;
    const neverOpened = this.readyState === STATES.CONNECTING;
    this.readyState = STATES.CLOSED;
    if (neverOpened) this.#fire(new Event('error'));
    this.#fire(new CloseEvent('close', { code: 1006, reason: '', wasClean: false }));
  }

  #fire(event) {
    const handler = this[`on${event.type}`];
    if (typeof handler === 'function') handler.call(this, event);
    this.dispatchEvent(event);
  }
}
