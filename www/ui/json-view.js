// A foldable JSON tree: objects and arrays are <details> (keyboard and screen
// reader friendly for free), values are text nodes. Big values are cut.
import { h } from './dom.js';

const MAX_CHILDREN = 500;

export function jsonView(value, depth = 0) {
  if (value === null || typeof value !== 'object') return scalar(value);
  const isArray = Array.isArray(value);
  const entries = isArray ? value.map((v, i) => [i, v]) : Object.entries(value);
  const summary = h('summary', {}, isArray ? `[ ${entries.length} ]` : `{ ${entries.length} }`);
  const box = h('details', { class: 'json-node', open: depth < 2 }, summary);
  const list = h('ul', { class: 'json-list' });
  for (const [k, v] of entries.slice(0, MAX_CHILDREN)) {
    list.append(h('li', {}, h('span', { class: 'json-key' }, isArray ? `${k}` : JSON.stringify(k)), ': ', jsonView(v, depth + 1)));
  }
  if (entries.length > MAX_CHILDREN) list.append(h('li', { class: 'muted' }, `… ${entries.length - MAX_CHILDREN} more`));
  box.append(list);
  return box;
}

function scalar(v) {
  const type = v === null ? 'null' : typeof v;
  return h('span', { class: `json-${type}` }, type === 'string' ? JSON.stringify(v) : String(v));
}
