// An MQTT 3.1.1 / 5.0 client for the browser, shaped like MQTT.js:
//
//   import { connect } from './lib/mqtt.js';
//   const client = connect('ws://localhost:8080/mqtt', { protocolVersion: 5 });
//   client.on('connect', (connack) => ...);
//   client.on('message', (topic, payload, packet) => ...);
//   client.on('error', (err) => console.log(err.message, err.reasonCode));
//   await client.subscribe('sensors/#', { qos: 1 });   // [{ topic, qos }]
//   await client.publish('sensors/t1', '21.5', { qos: 1 });
//   await client.end();
//
// The protocol (packets, sessions, QoS flows, keepalive, reconnection) is the
// Rust client core compiled to WebAssembly (src/client, driven by
// src/web/client.rs). This module only turns its events into MQTT.js-style
// events and promises. Types: ./mqtt.d.ts. By default the WebSocket lives in a
// Worker (./ws-transport.js), which hands the page the messages of each turn as
// one buffer; `transport: 'main'` keeps it on the page's thread.

import init, { WasmClient, checkBrokerUrl } from '../pkg/mqtt_lab.js';
import { WorkerSocket, openDefaultSocket, workerTransportAvailable } from './ws-transport.js';

await init();

// Event kinds from the wasm side (src/web/client.rs, K_*).
const K_CONNECT = 1;
const K_PUBLISHED = 3;
const K_SUBSCRIBED = 4;
const K_UNSUBSCRIBED = 5;
const K_LOST = 6;
const K_OFFLINE = 7;
const K_RECONNECTING = 8;
const K_CLOSED = 9;
const K_ERROR = 10;
const K_SENT = 11;
const K_RECEIVED = 12;
const K_OPENING = 13;
const K_MESSAGES = 14;
const K_PUBLISHED_MANY = 15;
// A K_MESSAGES batch (src/web/client_batch.rs): per message, 6 numbers.
const M_STRIDE = 6;
const M_WHOLE_PACKET = 1 << 4;
const NO_PROPERTIES = 0xffffffff;

// Clients that have not ended stay referenced here, as a socket keeps an
// MQTT.js client alive: a connected client must not vanish with the garbage
// collector just because the application kept no reference to it.
const live = new Set();

function report(err) {
  // A listener threw: report it like an uncaught error, without stopping the others.
  if (typeof globalThis.reportError === 'function') globalThis.reportError(err);
  else setTimeout(() => { throw err; });
}

function mqttError(message, kind, reasonCode) {
  const e = new Error(message);
  e.kind = kind;
  if (reasonCode !== undefined) {
    e.reasonCode = reasonCode;
    e.code = reasonCode;
  }
  return e;
}

const TRACE_EVENTS = new Set(['packetsend', 'packetreceive']);

const openWorkerSocket = (url, protocol) => new WorkerSocket(url, protocol);

/**
 * The function that opens each connection's transport, for the `transport`
 * option: undefined for a WebSocket of the page's own ('main').
 */
function transportOpener(transport) {
  if (transport === undefined) return workerTransportAvailable ? openDefaultSocket : undefined;
  switch (transport) {
    case 'main':
      return undefined;
    case 'worker':
      if (!workerTransportAvailable) {
        throw mqttError('transport: this browser cannot start a Worker; use transport: \'main\'', 'invalid_option');
      }
      return openWorkerSocket;
    default:
      throw mqttError(`transport must be 'worker' or 'main', not ${JSON.stringify(transport)}`, 'invalid_option');
  }
}

/**
 * A small event emitter with Node's names (on, once, off, removeListener,
 * removeAllListeners, emit, listenerCount). An 'error' without listeners is
 * dropped, not thrown: in a page there is no process to crash.
 */
class Emitter {
  #listeners = new Map();

  on(event, listener) {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    let list = this.#listeners.get(event);
    if (!list) this.#listeners.set(event, (list = []));
    list.push(listener);
    this._listenersChanged(event);
    return this;
  }

  addListener(event, listener) { return this.on(event, listener); }

  once(event, listener) {
    const wrapper = (...args) => {
      this.off(event, wrapper);
      listener.apply(this, args);
    };
    wrapper.listener = listener;
    return this.on(event, wrapper);
  }

  off(event, listener) {
    const list = this.#listeners.get(event);
    if (!list) return this;
    const i = list.findIndex((l) => l === listener || l.listener === listener);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#listeners.delete(event);
    this._listenersChanged(event);
    return this;
  }

  removeListener(event, listener) { return this.off(event, listener); }

  removeAllListeners(event) {
    if (event === undefined) {
      const events = [...this.#listeners.keys()];
      this.#listeners.clear();
      events.forEach((e) => this._listenersChanged(e));
    } else {
      this.#listeners.delete(event);
      this._listenersChanged(event);
    }
    return this;
  }

  listenerCount(event) {
    return this.#listeners.get(event)?.length ?? 0;
  }

  emit(event, ...args) {
    const list = this.#listeners.get(event);
    if (!list) return false;
    if (list.length === 1) {
      try { list[0].apply(this, args); } catch (e) { report(e); }
      return true;
    }
    for (const l of [...list]) {
      try { l.apply(this, args); } catch (e) { report(e); }
    }
    return true;
  }

  _listenersChanged(_event) {}
}

function normaliseSubscriptions(filters, opts = {}) {
  const one = (topic, o) => ({
    topic,
    qos: o.qos ?? 0,
    nl: o.nl ?? false,
    rap: o.rap ?? false,
    rh: o.rh ?? 0,
  });
  if (typeof filters === 'string') return [one(filters, opts)];
  if (Array.isArray(filters)) {
    return filters.map((f) => {
      if (typeof f === 'string') return one(f, opts);
      if (f && typeof f.topic === 'string') return one(f.topic, { ...opts, ...f });
      throw mqttError('subscribe: each filter must be a string or { topic, qos }', 'invalid_filter');
    });
  }
  if (filters && typeof filters === 'object') {
    return Object.entries(filters).map(([topic, o]) =>
      one(topic, typeof o === 'number' ? { ...opts, qos: o } : { ...opts, ...o }));
  }
  throw mqttError('subscribe: pass a filter, an array of filters or { filter: { qos } }', 'invalid_filter');
}

function settle(promise, callback) {
  if (typeof callback === 'function') {
    promise.then((r) => callback(null, r), (e) => callback(e));
  }
  return promise;
}

/** An MQTT connection over a WebSocket. Create it with `connect()`. */
export class MqttClient extends Emitter {
  #wasm = null;
  #url;
  #version;
  #failed = null;
  #stopError = null;
  #connected = false;
  #reconnecting = false;
  #transportUp = false;
  #ended = false;
  #trace;
  #pending = new Map(); // token -> { resolve, reject, topics?, publish? }
  #publishes = 0; // publishes not yet settled
  #drainWaiters = [];
  #endWaiters = [];
  #topics = []; // the topic table of K_MESSAGES batches
  #sink = (k, a, b, c, d, e) => this.#onEvent(k, a, b, c, d, e);

  /** Options as given to `connect`. */
  options;

  /**
   * @param {string} url ws:// or wss://
   * @param {object} [options] see mqtt.d.ts
   */
  constructor(url, options = {}) {
    super();
    this.options = options;
    this.#url = url;
    this.#version = options?.protocolVersion ?? 4;
    this.#trace = Boolean(options?.trace);
    try {
      this.#wasm = new WasmClient(url, options, this.#sink, transportOpener(options?.transport));
    } catch (e) {
      if (e?.kind !== 'invalid_url' && e?.kind !== 'mixed_content') throw e;
      // A bad URL is reported as MQTT.js users look for problems: an 'error' event
      // (after the caller has had the chance to add listeners).
      this.#failed = e;
      queueMicrotask(() => {
        this.emit('error', e);
        this.emit('close');
      });
      return;
    }
    live.add(this);
    this.#wasm.start();
  }

  /** Whether CONNACK accepted the connection and it is still up. */
  get connected() { return this.#connected; }
  /** Whether the client is waiting to reconnect or reconnecting. */
  get reconnecting() { return this.#reconnecting; }
  /** Whether `end()` was called (or the client stopped for good). */
  get disconnected() { return this.#ended || this.#failed !== null; }
  /** The client identifier (the server's, if it assigned one). */
  get clientId() { return this.#wasm?.clientId ?? this.options?.clientId ?? ''; }
  /** The normalised WebSocket URL. */
  get url() { return this.#wasm?.url ?? this.#url; }
  /** 3, 4 or 5. */
  get protocolVersion() { return this.#version; }
  /** QoS 1/2 messages awaiting their acknowledgement. */
  get inflight() { return this.#wasm?.inflight ?? 0; }
  /** Messages waiting for the connection or for room in the server's window. */
  get queued() { return this.#wasm?.queued ?? 0; }

  /**
   * Publishes `payload` (string or Uint8Array) to `topic`. Resolves when done:
   * QoS 0 once written, QoS 1 on PUBACK, QoS 2 on PUBCOMP, with the server's
   * reason code (0 in 3.1.1). Rejects with an Error (`reasonCode` when the server
   * refused it). An optional MQTT.js-style callback(err, reasonCode) is called too.
   */
  publish(topic, payload, opts, callback) {
    if (typeof opts === 'function') [opts, callback] = [undefined, opts];
    return settle(this.#publish(topic, payload, opts), callback);
  }

  #publish(topic, payload, opts) {
    const stop = this.#stopped('publish');
    if (stop) return Promise.reject(stop);
    const qos = opts?.qos ?? 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) {
      return Promise.reject(mqttError(`qos must be 0, 1 or 2, not ${qos}`, 'invalid_option'));
    }
    if (typeof topic !== 'string') {
      return Promise.reject(mqttError('topic must be a string', 'invalid_topic'));
    }
    let token;
    try {
      token = this.#wasm.publish(topic, payload, qos, Boolean(opts?.retain),
        opts?.properties === undefined ? undefined : opts);
    } catch (e) {
      return Promise.reject(e);
    }
    this.#publishes++;
    return new Promise((resolve, reject) => {
      this.#pending.set(token, { resolve, reject, publish: true });
    });
  }

  /**
   * Subscribes. `filters`: a filter, an array of filters (strings or
   * `{ topic, qos, nl, rap, rh }`), or `{ [filter]: { qos, nl, rap, rh } | qos }`;
   * `opts`: `{ qos, nl, rap, rh, properties }` for the filters that give none.
   * Resolves with `[{ topic, qos }]` (the granted QoS); rejects with an Error
   * carrying `reasonCode` and `granted` if the server refused any filter.
   */
  subscribe(filters, opts, callback) {
    if (typeof opts === 'function') [opts, callback] = [undefined, opts];
    return settle(this.#subscribe(filters, opts ?? {}), callback);
  }

  #subscribe(filters, opts) {
    const stop = this.#stopped('subscribe');
    if (stop) return Promise.reject(stop);
    let list;
    let token;
    try {
      list = normaliseSubscriptions(filters, opts);
      token = this.#wasm.subscribe(list, opts.properties === undefined ? undefined : opts);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this.#pending.set(token, { resolve, reject, topics: list.map((s) => s.topic) });
    });
  }

  /**
   * Unsubscribes from a filter or an array of filters. Resolves with the reason
   * codes (5.0; all 0 in 3.1.1); rejects if the server refused any.
   */
  unsubscribe(filters, opts, callback) {
    if (typeof opts === 'function') [opts, callback] = [undefined, opts];
    return settle(this.#unsubscribe(filters, opts ?? {}), callback);
  }

  #unsubscribe(filters, opts) {
    const stop = this.#stopped('unsubscribe');
    if (stop) return Promise.reject(stop);
    const list = typeof filters === 'string' ? [filters] : filters;
    let token;
    try {
      if (!Array.isArray(list) || !list.every((f) => typeof f === 'string')) {
        throw mqttError('unsubscribe: pass a filter or an array of filters', 'invalid_filter');
      }
      token = this.#wasm.unsubscribe(list, opts.properties === undefined ? undefined : opts);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this.#pending.set(token, { resolve, reject, topics: list, unsubscribe: true });
    });
  }

  /**
   * Closes the connection with DISCONNECT. Without `force`, first waits for the
   * messages in flight to complete (while the connection lasts). `opts.reasonCode`
   * (5.0): e.g. 0x04 to have the server publish the Will anyway. Resolves after 'end'.
   */
  end(force, opts, callback) {
    if (typeof force === 'function') [force, opts, callback] = [false, undefined, force];
    if (typeof opts === 'function') [opts, callback] = [undefined, opts];
    return settle(this.#end(Boolean(force), opts ?? {}), callback);
  }

  async #end(force, opts) {
    if (!this.#wasm || this.#ended) return;
    if (!force && this.#connected && this.#publishes > 0) {
      await new Promise((resolve) => this.#drainWaiters.push(resolve));
    }
    if (this.#ended) return;
    const done = new Promise((resolve) => this.#endWaiters.push(resolve));
    this.#wasm.end(opts.reasonCode ?? 0);
    await done;
  }

  /** Connects again after `end()`, or reconnects now while waiting to reconnect. */
  reconnect() {
    if (!this.#wasm) return this;
    this.#ended = false;
    this.#stopError = null;
    live.add(this);
    this.#wasm.start();
    return this;
  }

  /**
   * Closes the WebSocket without DISCONNECT, as a network failure would: the
   * server publishes the Will, and the client reconnects as after any loss.
   */
  dropTransport() {
    this.#wasm?.dropTransport();
  }

  _listenersChanged(event) {
    if (TRACE_EVENTS.has(event) && this.#wasm) {
      const on = this.#trace || this.listenerCount('packetsend') + this.listenerCount('packetreceive') > 0;
      this.#wasm.setTrace(on);
    }
  }

  #stopped(what) {
    if (this.#failed) return this.#failed;
    if (this.#stopError) return this.#stopError;
    if (this.#ended) return mqttError(`cannot ${what}: the client was ended`, 'ended');
    return null;
  }

  #take(token) {
    const p = this.#pending.get(token);
    if (p) this.#pending.delete(token);
    return p;
  }

  #publishSettled() {
    if (--this.#publishes === 0 && this.#drainWaiters.length) {
      const waiters = this.#drainWaiters.splice(0);
      waiters.forEach((w) => w());
    }
  }

  #rejectAll(err) {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#publishes = 0;
    for (const p of pending) p.reject(err);
    this.#drainWaiters.splice(0).forEach((w) => w());
  }

  #closeTransport() {
    if (this.#transportUp) {
      this.#transportUp = false;
      this.emit('close');
    }
  }

  /**
   * One batch of messages: `index` (6 numbers each), `data` (their bytes),
   * the topics not seen before, where they start in the table, and properties.
   */
  #onMessages(index, data, fresh, topicBase, properties) {
    const topics = this.#topics;
    if (fresh.length || topicBase < topics.length) {
      topics.length = topicBase;
      for (const t of fresh) topics.push(t);
    }
    if (this.listenerCount('message') === 0) return;
    for (let i = 0; i < index.length; i += M_STRIDE) {
      const start = index[i + 1];
      const end = start + index[i + 2];
      const flags = index[i + 4];
      const topic = topics[index[i]];
      const payload = data.subarray(end - index[i + 3], end);
      const packet = { cmd: 'publish', topic, payload, qos: flags & 3, retain: (flags & 4) !== 0, dup: (flags & 8) !== 0 };
      if (index[i + 5] !== NO_PROPERTIES) packet.properties = properties[index[i + 5]];
      if (flags & M_WHOLE_PACKET) this.emit('message', topic, payload, packet, data.subarray(start, end));
      else this.emit('message', topic, payload, packet);
    }
  }

  #onEvent(k, a, b, c, d, e) {
    switch (k) {
      case K_MESSAGES:
        this.#onMessages(a, b, c, d, e);
        return;
      case K_PUBLISHED_MANY:
        for (let i = 0; i < a.length; i += 2) {
          const p = this.#take(a[i]);
          if (!p) continue;
          this.#publishSettled();
          p.resolve(a[i + 1]);
        }
        return;
      case K_PUBLISHED: {
        const p = this.#take(a);
        if (!p) return;
        this.#publishSettled();
        if (typeof b === 'number') p.resolve(b);
        else p.reject(b);
        return;
      }
      case K_SUBSCRIBED:
      case K_UNSUBSCRIBED: {
        const p = this.#take(a);
        if (!p) return;
        const codes = [...b];
        const result = p.unsubscribe ? codes : p.topics.map((topic, i) => ({ topic, qos: codes[i] }));
        if (c === undefined) {
          p.resolve(result);
          return;
        }
        const refused = p.topics
          .map((t, i) => (codes[i] >= 0x80 ? `${JSON.stringify(t)} (${c[i]})` : null))
          .filter(Boolean);
        const what = p.unsubscribe ? 'unsubscribe from' : 'subscribe to';
        const err = mqttError(`the server refused to ${what} ${refused.join(', ')}`,
          p.unsubscribe ? 'unsubscribe_refused' : 'subscribe_refused',
          codes.find((x) => x >= 0x80));
        err.granted = result;
        p.reject(err);
        return;
      }
      case K_CONNECT: {
        this.#connected = true;
        this.#reconnecting = false;
        const packet = { cmd: 'connack', sessionPresent: a };
        if (this.#version === 5) packet.reasonCode = 0;
        else packet.returnCode = 0;
        if (b !== undefined) packet.properties = b;
        this.emit('connect', packet);
        return;
      }
      case K_OPENING:
        this.#transportUp = true;
        if (a > 0) this.emit('reconnect');
        return;
      case K_LOST: {
        const wasConnected = this.#connected;
        this.#connected = false;
        // A connection that simply dropped after working is not an error in
        // MQTT.js terms ('close' and 'offline' say it); everything else is.
        if (!(wasConnected && a.kind === 'transport_closed')) this.emit('error', a);
        this.#closeTransport();
        return;
      }
      case K_OFFLINE:
        this.emit('offline');
        return;
      case K_RECONNECTING:
        this.#reconnecting = true;
        return;
      case K_CLOSED: {
        this.#connected = false;
        this.#reconnecting = false;
        this.#closeTransport();
        live.delete(this);
        if (a === 'end') {
          this.#ended = true;
          this.#rejectAll(mqttError('the client was ended before this completed', 'ended'));
          this.emit('end');
          this.#endWaiters.splice(0).forEach((w) => w());
          return;
        }
        // The client stopped on its own: it will not reconnect.
        this.#ended = true;
        if (a === 'gaveup') this.emit('error', b);
        this.#stopError = b ?? mqttError('the connection was lost', 'transport_closed');
        this.#rejectAll(this.#stopError);
        return;
      }
      case K_ERROR:
        this.emit('error', a);
        return;
      case K_SENT:
        this.emit('packetsend', a, b);
        return;
      case K_RECEIVED:
        this.emit('packetreceive', a, b);
        return;
      default:
    }
  }
}

/**
 * Connects to an MQTT broker's WebSocket endpoint (ws:// or wss://). Returns the
 * client at once; listen for 'connect' and 'error'. Throws for invalid options;
 * an invalid URL is reported as an 'error' event.
 */
export function connect(url, options) {
  if (typeof url === 'object' && url !== null && options === undefined) {
    // connect({ href, ...options }), as MQTT.js accepts.
    options = url;
    url = options.href ?? options.url;
  }
  return new MqttClient(url, options ?? {});
}

/**
 * Like `connect`, but resolves with the client once CONNACK accepted it, or
 * rejects with the first error (and ends the client).
 */
export function connectAsync(url, options) {
  const client = connect(url, options);
  return new Promise((resolve, reject) => {
    const ok = () => { client.off('error', fail); resolve(client); };
    const fail = (err) => {
      client.off('connect', ok);
      client.end(true).catch(() => {});
      reject(err);
    };
    client.once('connect', ok);
    client.once('error', fail);
  });
}

export { checkBrokerUrl };

export default { connect, connectAsync, MqttClient, checkBrokerUrl };
