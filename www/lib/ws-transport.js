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

function theWorker() {
  if (worker) return worker;
  const w = new Worker(WORKER_URL, { type: 'module', name: 'mqtt-websockets' });
  w.onmessage = (e) => open.get(e.data.id)?._onWorker(e.data);
  // The worker's script could not run (e.g. blocked): its sockets never opened,
  // and the next socket tries a new worker.
  w.onerror = (e) => {
    e.preventDefault?.();
    if (worker === w) worker = null;
    w.terminate();
    const reason = `the WebSocket worker failed: ${e.message || 'no reason given'}`;
    for (const s of [...open.values()]) s._onWorker({ op: 'close', code: 1006, reason, wasClean: false });
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
   */
  constructor(url, protocol) {
    this.url = url;
    this.#worker = theWorker();
    open.set(this.#id, this);
    this.#worker.postMessage({ id: this.#id, op: 'open', url, protocol });
  }

  get readyState() { return this.#state; }

  /** Sends bytes (a Uint8Array, copied: it may be a view of wasm memory). */
  send(bytes) {
    if (this.#state !== OPEN) return;
    const data = bytes.slice().buffer;
    this.#worker.postMessage({ id: this.#id, op: 'send', data }, [data]);
  }

  close(code, reason) {
    if (this.#state === CLOSING || this.#state === CLOSED) return;
    this.#state = CLOSING;
    this.#worker.postMessage({ id: this.#id, op: 'close', code, reason });
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

  #closed({ code, reason, wasClean }) {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    open.delete(this.#id);
    this.onclose?.({ code, reason, wasClean });
  }
}

/** Whether this browser can run the worker transport. */
export const workerTransportAvailable = typeof Worker === 'function';
