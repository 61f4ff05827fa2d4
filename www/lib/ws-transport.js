// WorkerSocket: the part of the WebSocket interface that the client uses
// (src/web/client.rs: readyState, binaryType, onopen, onmessage, onclose,
// send, close), with the socket itself in a dedicated Worker (./ws-worker.js).
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

export class WorkerSocket {
  static CONNECTING = CONNECTING;
  static OPEN = OPEN;
  static CLOSING = CLOSING;
  static CLOSED = CLOSED;

  #worker;
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
    this.#worker = new Worker(WORKER_URL, { type: 'module', name: 'mqtt-websocket' });
    this.#worker.onmessage = (e) => this.#onWorker(e.data);
    // The worker's script could not run (e.g. blocked): a socket that never opened.
    this.#worker.onerror = (e) => {
      e.preventDefault?.();
      this.#closed({ code: 1006, reason: `the WebSocket worker failed: ${e.message ?? 'no reason given'}`, wasClean: false });
    };
    this.#worker.postMessage({ op: 'open', url, protocol });
  }

  get readyState() { return this.#state; }

  /** Sends bytes (a Uint8Array, copied: it may be a view of wasm memory). */
  send(bytes) {
    if (this.#state !== OPEN) return;
    const data = bytes.slice().buffer;
    this.#worker.postMessage({ op: 'send', data }, [data]);
  }

  close(code, reason) {
    if (this.#state === CLOSING || this.#state === CLOSED) return;
    this.#state = CLOSING;
    this.#worker.postMessage({ op: 'close', code, reason });
  }

  #onWorker(m) {
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
    this.#worker.terminate();
    this.onclose?.({ code, reason, wasClean });
  }
}

/** Whether this browser can run the worker transport. */
export const workerTransportAvailable = typeof Worker === 'function';
