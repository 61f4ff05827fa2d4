// The WebSockets of a page's WorkerSockets (./ws-transport.js), in one
// dedicated Worker that the page starts once and keeps.
//
// Why: a broker that sends every MQTT packet as a WebSocket message of its own
// (mosquitto does) costs the receiving thread one task per packet, and at
// thousands of messages a second those tasks alone fill a page's main thread.
// Here they fill this worker's thread instead: the binary messages a socket
// received in one turn are joined into one ArrayBuffer and transferred to the
// page in one postMessage, so the page handles one task per batch.
//
// Messages from the page, each with the socket's `id`: { op: 'open', url,
// protocol }, { op: 'send', data } (an ArrayBuffer, transferred),
// { op: 'close', code, reason }.
// Messages to the page: { op: 'ready' } once, when this script runs; then,
// each with the socket's `id`: { op: 'open', protocol },
// { op: 'data', data } (an ArrayBuffer, transferred), { op: 'text' } (the
// server sent a text message), { op: 'close', code, reason, wasClean },
// { op: 'refused', message } (the browser would not even try the URL).

/** id -> { ws, pending: ArrayBuffer[], bytes } */
const sockets = new Map();
/** Sockets with received messages not yet posted, in the order they received them. */
const dirty = new Set();
let flushQueued = false;

function flushOne(id, s) {
  dirty.delete(id);
  if (s.pending.length === 0) return;
  let data;
  if (s.pending.length === 1) {
    data = s.pending[0];
  } else {
    const joined = new Uint8Array(s.bytes);
    let at = 0;
    for (const b of s.pending) {
      joined.set(new Uint8Array(b), at);
      at += b.byteLength;
    }
    data = joined.buffer;
  }
  s.pending = [];
  s.bytes = 0;
  postMessage({ id, op: 'data', data }, [data]);
}

function flush() {
  flushQueued = false;
  for (const id of [...dirty]) {
    const s = sockets.get(id);
    if (s) flushOne(id, s);
    else dirty.delete(id);
  }
}

function open(id, url, protocol) {
  let ws;
  try {
    ws = new WebSocket(url, protocol);
  } catch (e) {
    postMessage({ id, op: 'refused', message: String(e?.message ?? e) });
    return;
  }
  ws.binaryType = 'arraybuffer';
  const s = { ws, pending: [], bytes: 0 };
  sockets.set(id, s);
  ws.onopen = () => postMessage({ id, op: 'open', protocol: ws.protocol });
  ws.onmessage = (e) => {
    if (typeof e.data === 'string') {
      flushOne(id, s);
      postMessage({ id, op: 'text' });
      return;
    }
    s.pending.push(e.data);
    s.bytes += e.data.byteLength;
    dirty.add(id);
    // A timer task runs after the message tasks already queued, so under load
    // one batch gathers everything that arrived meanwhile; when idle it goes
    // out at once.
    if (!flushQueued) {
      flushQueued = true;
      setTimeout(flush, 0);
    }
  };
  ws.onclose = (e) => {
    flushOne(id, s);
    sockets.delete(id);
    postMessage({ id, op: 'close', code: e.code, reason: e.reason, wasClean: e.wasClean });
  };
}

onmessage = (e) => {
  const m = e.data;
  if (m.op === 'open') {
    open(m.id, m.url, m.protocol);
    return;
  }
  const ws = sockets.get(m.id)?.ws;
  if (!ws) return;
  if (m.op === 'send') {
    if (ws.readyState === WebSocket.OPEN) ws.send(m.data);
  } else if (m.op === 'close' && ws.readyState !== WebSocket.CLOSED) {
    if (m.code === undefined) ws.close();
    else ws.close(m.code, m.reason ?? '');
  }
};

postMessage({ op: 'ready' });
