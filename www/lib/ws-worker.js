// A WebSocket that lives in a dedicated Worker (started by ./ws-transport.js).
//
// Why: a broker that sends every MQTT packet as a WebSocket message of its own
// (mosquitto does) costs the receiving thread one task per packet, and at
// thousands of messages a second those tasks alone fill a page's main thread.
// Here they fill this worker's thread instead: the binary messages received
// in one turn are joined into one ArrayBuffer and transferred to the page in
// one postMessage, so the page handles one task per batch, whatever the rate.
//
// Messages from the page: { op: 'open', url, protocol }, { op: 'send', data }
// (an ArrayBuffer, transferred), { op: 'close', code, reason }.
// Messages to the page: { op: 'open', protocol }, { op: 'data', data } (an
// ArrayBuffer, transferred), { op: 'text' } (the server sent a text message),
// { op: 'close', code, reason, wasClean }, { op: 'refused', message } (the
// browser would not even try the URL).

let ws = null;
let pending = [];
let pendingBytes = 0;
let flushQueued = false;

function flush() {
  flushQueued = false;
  if (pending.length === 0) return;
  let data;
  if (pending.length === 1) {
    data = pending[0];
  } else {
    const joined = new Uint8Array(pendingBytes);
    let at = 0;
    for (const b of pending) {
      joined.set(new Uint8Array(b), at);
      at += b.byteLength;
    }
    data = joined.buffer;
  }
  pending = [];
  pendingBytes = 0;
  postMessage({ op: 'data', data }, [data]);
}

function onMessage(e) {
  if (typeof e.data === 'string') {
    flush();
    postMessage({ op: 'text' });
    return;
  }
  pending.push(e.data);
  pendingBytes += e.data.byteLength;
  // A timer task runs after the message tasks already queued, so under load
  // one batch gathers everything that arrived meanwhile; when idle it goes
  // out at once.
  if (!flushQueued) {
    flushQueued = true;
    setTimeout(flush, 0);
  }
}

function open(url, protocol) {
  try {
    ws = new WebSocket(url, protocol);
  } catch (e) {
    postMessage({ op: 'refused', message: String(e?.message ?? e) });
    return;
  }
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => postMessage({ op: 'open', protocol: ws.protocol });
  ws.onmessage = onMessage;
  ws.onclose = (e) => {
    flush();
    postMessage({ op: 'close', code: e.code, reason: e.reason, wasClean: e.wasClean });
    ws = null;
  };
}

onmessage = (e) => {
  const m = e.data;
  switch (m.op) {
    case 'open':
      open(m.url, m.protocol);
      break;
    case 'send':
      if (ws?.readyState === WebSocket.OPEN) ws.send(m.data);
      break;
    case 'close':
      if (ws && ws.readyState !== WebSocket.CLOSED) {
        if (m.code === undefined) ws.close();
        else ws.close(m.code, m.reason ?? '');
      }
      break;
    default:
  }
};
