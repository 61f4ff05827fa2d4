// WorkerSocket: the part of the WebSocket interface that the client uses
// (src/web/client.rs: readyState, binaryType, onopen, onmessage, onclose,
// send, close), with the socket itself in a dedicated Worker (./ws-worker.js),
// one for all of a page's sockets.
//
// The worker joins the binary messages that arrive in one turn into one
// ArrayBuffer, so the page's thread handles one task per batch instead of one
// per WebSocket message; the client takes any number of MQTT packets per chunk.
// Closing codes and reasons are passed on as they are, so the client's
// errors read the same as over a WebSocket of the page's own.

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
const WORKER_URL = new URL('./ws-worker.js', import.meta.url);

// One worker for all the page's sockets, started with the first and kept, so
// a reconnection does not wait for a new thread and a fresh load of its script.
let worker = null;
const open = new Map(); // id -> WorkerSocket
let nextId = 1;
// Set when a worker failed before its script ran (a Content-Security-Policy
// without worker-src for this origin, the script not found): the default
// transport then uses WebSockets of the page's own.
let workersBlocked = false;

function theWorker() {
  if (worker) return worker;
  const w = new Worker(WORKER_URL, { type: 'module', name: 'mqtt-websockets' });
  let ready = false;
  w.onmessage = (e) => {
    if (e.data.op === 'ready') ready = true;
    else open.get(e.data.id)?._onWorker(e.data);
  };
  // The worker's script could not run (e.g. blocked), or failed later: its
  // sockets are closed (or, for the default transport, opened on the page's
  // thread instead), and the next socket tries a new worker.
  w.onerror = (e) => {
    e.preventDefault?.();
    if (worker === w) worker = null;
    w.terminate();
    if (!ready) workersBlocked = true;
    const reason = `the WebSocket worker failed: ${e.message || 'no reason given'}`;
    for (const s of [...open.values()]) s._workerFailed(reason, !ready);
  };
  worker = w;
  return w;
}

export class WorkerSocket {
  static CONNECTING = CONNECTING;
  static OPEN = OPEN;
  static CLOSING = CLOSING;
  static CLOSED = CLOSED;

  #worker;
  #id = nextId++;
  #state = CONNECTING;
  #protocolAsked;
  #fallback;
  /** The page's own WebSocket, once this socket fell back to one. */
  #main = null;
  /** Always 'arraybuffer' (what the client asks for). */
  binaryType = 'arraybuffer';
  /** The subprotocol the server chose, once open. */
  protocol = '';
  onopen = null;
  onmessage = null;
  onclose = null;

  /**
   * @param {string} url ws:// or wss://
   * @param {string} protocol the WebSocket subprotocol ("mqtt")
   * @param {{ fallback?: boolean }} [options] fallback: if the worker cannot
   *   start, open the WebSocket on the page's thread instead of failing
   */
  constructor(url, protocol, { fallback = false } = {}) {
    this.url = url;
    this.#protocolAsked = protocol;
    this.#fallback = fallback;
    this.#worker = theWorker();
    open.set(this.#id, this);
    this.#worker.postMessage({ id: this.#id, op: 'open', url, protocol });
  }

  get readyState() { return this.#state; }

  /** Sends bytes (a Uint8Array, copied: it may be a view of wasm memory). */
  send(bytes) {
    if (this.#state !== OPEN) return;
    if (this.#main) {
      this.#main.send(bytes);
      return;
    }
    const data = bytes.slice().buffer;
    this.#worker.postMessage({ id: this.#id, op: 'send', data }, [data]);
  }

  close(code, reason) {
    if (this.#state === CLOSING || this.#state === CLOSED) return;
    this.#state = CLOSING;
    if (this.#main) this.#main.close(code, reason);
    else this.#worker.postMessage({ id: this.#id, op: 'close', code, reason });
  }

  /** The worker failed; `beforeReady`: its script never ran. */
  _workerFailed(reason, beforeReady) {
    if (!(this.#fallback && beforeReady && this.#state === CONNECTING)) {
      this.#closed({ code: 1006, reason, wasClean: false, workerFailed: beforeReady });
      return;
    }
    open.delete(this.#id);
    let ws;
    try {
      ws = new WebSocket(this.url, this.#protocolAsked);
    } catch (e) {
      this.#closed({ code: 1006, reason: String(e?.message ?? e), wasClean: false });
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.#main = ws;
    ws.onopen = (e) => {
      if (this.#state !== CONNECTING) return;
      this.#state = OPEN;
      this.protocol = ws.protocol;
      this.onopen?.(e);
    };
    ws.onmessage = (e) => {
      if (this.#state === OPEN) this.onmessage?.(e);
    };
    ws.onclose = (e) => this.#closed(e);
  }

  /** A message from the worker about this socket. */
  _onWorker(m) {
    switch (m.op) {
      case 'data':
        if (this.#state === OPEN) this.onmessage?.({ data: m.data });
        return;
      case 'text':
        if (this.#state === OPEN) this.onmessage?.({ data: '' });
        return;
      case 'open':
        if (this.#state !== CONNECTING) return;
        this.#state = OPEN;
        this.protocol = m.protocol;
        this.onopen?.({});
        return;
      case 'close':
        this.#closed(m);
        return;
      case 'refused':
        this.#closed({ code: 1006, reason: m.message, wasClean: false });
        return;
      default:
    }
  }

  #closed({ code, reason, wasClean, workerFailed = false }) {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    open.delete(this.#id);
    this.onclose?.({ code, reason, wasClean, workerFailed });
  }
}

/** Whether this browser can run the worker transport. */
export const workerTransportAvailable = typeof Worker === 'function';

/**
 * A socket for the default transport: in the worker, unless a worker already
 * failed to start on this page; then, or if this one fails to start, a
 * WebSocket of the page's own.
 */
export function openDefaultSocket(url, protocol) {
  if (workersBlocked) return new WebSocket(url, protocol);
  try {
    return new WorkerSocket(url, protocol, { fallback: true });
  } catch {
    workersBlocked = true;
    return new WebSocket(url, protocol);
  }
}
