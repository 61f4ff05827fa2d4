// The decoded packet as a readable tree: keys, strings, numbers, byte arrays
// as hex, the payload as text when it is UTF-8, reason codes with their names.
import { h } from './dom.js';
import { formatHex, utf8OrNull } from './hex.js';

const MAX_HEX = 64;

/**
 * @param {object} packet mqtt-packet-shaped object from the codec
 * @param {(code: number, cmd: string) => string} reasonName
 */
export function renderTree(packet, reasonName) {
  return h('ul', { class: 'tree-root' }, entries(packet, { cmd: packet.cmd, reasonName }));
}

function entries(obj, ctx) {
  return Object.keys(obj).map((k) => node(k, obj[k], ctx));
}

function node(key, value, ctx) {
  return h('li', null, h('span', { class: 't-key' }, key), h('span', { class: 't-punct' }, ': '), render(key, value, ctx));
}

function bytesView(key, bytes) {
  const n = `${bytes.length} byte${bytes.length === 1 ? '' : 's'}`;
  if (key === 'payload') {
    const text = bytes.length ? utf8OrNull(bytes) : '';
    if (text !== null) return [h('span', { class: 't-str' }, JSON.stringify(text)), h('span', { class: 't-note' }, ` ${n}, UTF-8 text`)];
  }
  const shown = formatHex(bytes.subarray(0, MAX_HEX), 0);
  const more = bytes.length > MAX_HEX ? ' …' : '';
  return [h('span', { class: 't-bytes' }, shown + more || '(empty)'), h('span', { class: 't-note' }, ` ${n}${key === 'payload' ? ', not UTF-8 — shown as hex' : ''}`)];
}

function codeNote(key, value, ctx) {
  if (!/^(reasonCode|returnCode)$/.test(key) || typeof value !== 'number') return null;
  return h('span', { class: 't-note' }, ` ${hexCode(value)} ${ctx.reasonName(value, ctx.cmd)}`);
}

const hexCode = (n) => `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;

function render(key, value, ctx) {
  if (value instanceof Uint8Array) return bytesView(key, value);
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== 'object')) {
      const named = key === 'granted';
      return h('span', { class: 't-arr' }, '[',
        value.map((v, i) => [i ? ', ' : '', h('span', { class: typeof v === 'string' ? 't-str' : 't-num' }, typeof v === 'string' ? JSON.stringify(v) : String(v)),
          named ? h('span', { class: 't-note' }, ` ${ctx.reasonName(v, ctx.cmd)}`) : null]),
        ']');
    }
    return h('ul', null, value.map((v, i) => node(String(i), v, ctx)));
  }
  if (value && typeof value === 'object') return h('ul', null, entries(value, ctx));
  if (typeof value === 'string') return h('span', { class: 't-str' }, JSON.stringify(value));
  return [h('span', { class: typeof value === 'boolean' ? 't-bool' : 't-num' }, String(value)), codeNote(key, value, ctx)];
}
