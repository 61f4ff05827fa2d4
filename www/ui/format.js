// Payload and time formatting shared by the message list, the topic tree and
// export. Everything returns plain strings for textContent.

const utf8 = new TextDecoder('utf-8', { fatal: false });
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes from a Uint8Array, an ArrayBuffer, a plain index object or a string. */
export function toBytes(p) {
  if (p instanceof Uint8Array) return p;
  if (p instanceof ArrayBuffer) return new Uint8Array(p);
  if (ArrayBuffer.isView(p)) return new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
  if (typeof p === 'string') return new TextEncoder().encode(p);
  if (p && typeof p === 'object') return Uint8Array.from(Object.values(p));
  return new Uint8Array();
}

/** The payload as text; invalid UTF-8 becomes U+FFFD. */
export function toText(bytes) {
  return utf8.decode(bytes);
}

/** True when the bytes are well-formed UTF-8. */
export function isUtf8(bytes) {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export function toHex(bytes, max = 64 * 1024) {
  const n = Math.min(bytes.length, max);
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = bytes[i].toString(16).padStart(2, '0');
  const lines = [];
  for (let i = 0; i < n; i += 16) lines.push(`${i.toString(16).padStart(6, '0')}  ${out.slice(i, i + 16).join(' ')}`);
  if (bytes.length > n) lines.push(`… ${bytes.length - n} more bytes`);
  return lines.join('\n');
}

export function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** One line for the list: control characters shown as spaces, cut to `max`. */
export function preview(bytes, max = 160) {
  if (!bytes.length) return '(empty)';
  const text = utf8.decode(bytes.subarray(0, max * 4));
  const one = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

/** A parsed JSON value, or undefined when the payload is not JSON. */
export function parseJson(bytes) {
  if (!bytes.length || bytes.length > 512 * 1024) return undefined;
  const first = bytes[0];
  // Only objects, arrays and strings are worth a tree; numbers stay text.
  if (first !== 0x7b && first !== 0x5b && first !== 0x20 && first !== 0x0a) return undefined;
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch {
    return undefined;
  }
}

/** A number when the whole payload is one (for charts). */
export function numeric(bytes) {
  if (!bytes.length || bytes.length > 32) return undefined;
  const t = utf8.decode(bytes).trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

export function clock(ms) {
  const d = new Date(ms);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export function plural(n, one, many = `${one}s`) {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/** Colours for subscriptions: dark enough for white text, distinct enough side by side. */
export const SUB_COLOURS = ['#1d4ed8', '#b45309', '#047857', '#be185d', '#6d28d9', '#0e7490', '#b91c1c', '#4d7c0f'];
