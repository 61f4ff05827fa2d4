// The packet inspector view: hex input and examples, the byte grid, the
// field list, the decoded tree and the error explanation. State lives in an
// InspectorStore; this module renders it and turns DOM events into store calls.
import { h, replace } from './dom.js';
import { hex2 } from './hex.js';
import { InspectorStore } from './inspector-store.js';
import { colourGroups } from './fieldcolors.js';
import { renderTree } from './tree.js';
import { ruleText, consequence, missingBytes } from './explain.js';

const VERSION_NAMES = { 3: 'MQTT 3.1', 4: 'MQTT 3.1.1', 5: 'MQTT 5.0' };
const NARROW = '(max-width: 640px)';
const MAX_FIELD_HEX = 6;

let current = null; // the mounted inspector
let pending = null; // a showPacket() call made before mounting

/**
 * Opens a packet in the inspector and brings the Inspector tab forward.
 * For the message list and the diagram. `protocolVersion`: 3, 4 or 5.
 */
export function showPacket(bytes, protocolVersion = 5) {
  if (!current) {
    pending = [bytes, protocolVersion];
    return;
  }
  current.store.setBytes(bytes, protocolVersion, 'external');
  document.dispatchEvent(new CustomEvent('mqttlab:show', { detail: { tab: 'inspector' } }));
}

/**
 * Mounts the inspector on `root` (the [data-panel="inspector"] section).
 * @param {{ annotate: Function, reasonCodeName: Function }} codec
 * @param {{ id, group, label, version, bytes }[]} examples
 */
export function mountInspector(root, codec, examples, { initial } = {}) {
  const $ = (sel) => root.querySelector(sel);
  const ui = {
    example: $('[data-example]'),
    version: $('[data-version-select]'),
    input: $('[data-hex-input]'),
    inputError: $('[data-input-error]'),
    summary: $('[data-summary]'),
    error: $('[data-error]'),
    grid: $('[data-hexgrid]'),
    byteCount: $('[data-byte-count]'),
    fields: $('[data-fields]'),
    fieldCount: $('[data-field-count]'),
    tree: $('[data-tree]'),
  };
  const store = new InspectorStore(codec);
  const narrow = matchMedia(NARROW);
  // Per render: which field owns each byte, and the elements to highlight.
  let view = { byteField: new Int32Array(), cells: [], rows: [], lit: [] };
  let activeByte = -1;

  // ---- examples and controls ----
  const groups = new Map();
  for (const ex of examples) {
    if (!groups.has(ex.group)) groups.set(ex.group, h('optgroup', { label: ex.group }));
    groups.get(ex.group).append(h('option', { value: ex.id }, ex.label));
  }
  ui.example.append(...groups.values());

  ui.example.addEventListener('change', () => {
    const ex = examples.find((e) => e.id === ui.example.value);
    if (ex) store.setBytes(ex.bytes, ex.version, ex.id);
  });
  ui.version.addEventListener('change', () => store.setVersion(Number(ui.version.value)));
  let typing = 0;
  ui.input.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => store.setText(ui.input.value), 120);
  });
  root.querySelector('[data-controls]').addEventListener('submit', (e) => e.preventDefault());

  // ---- byte grid: pointer and keyboard ----
  const fieldOfByte = (i) => (i >= 0 && i < view.byteField.length ? view.byteField[i] : -1);
  ui.grid.addEventListener('pointerover', (e) => {
    const cell = e.target.closest('[data-i]');
    store.setHover(cell ? fieldOfByte(Number(cell.dataset.i)) : -1);
  });
  ui.grid.addEventListener('pointerleave', () => store.setHover(-1));
  ui.grid.addEventListener('click', (e) => {
    const cell = e.target.closest('[data-i]');
    if (cell) moveByte(Number(cell.dataset.i));
  });
  ui.grid.addEventListener('focus', () => {
    if (activeByte < 0 && store.bytes.length) moveByte(0);
  });
  ui.grid.addEventListener('keydown', (e) => {
    const cols = narrow.matches ? 8 : 16;
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: cols, ArrowUp: -cols }[e.key];
    let to;
    if (step) to = activeByte + step;
    else if (e.key === 'Home') to = 0;
    else if (e.key === 'End') to = store.bytes.length - 1;
    else return;
    e.preventDefault();
    moveByte(Math.max(0, Math.min(store.bytes.length - 1, to)));
  });

  function moveByte(i) {
    if (!view.cells[i]) return;
    view.cells[activeByte]?.classList.remove('cursor');
    activeByte = i;
    view.cells[i].classList.add('cursor');
    ui.grid.setAttribute('aria-activedescendant', view.cells[i].id);
    store.setSelected(fieldOfByte(i));
    scrollRow(fieldOfByte(i));
  }

  // ---- field list: pointer and keyboard (one tab stop, arrows move) ----
  ui.fields.addEventListener('pointerover', (e) => {
    const row = e.target.closest('[data-field]');
    store.setHover(row ? Number(row.dataset.field) : -1);
  });
  ui.fields.addEventListener('pointerleave', () => store.setHover(-1));
  ui.fields.addEventListener('focusin', (e) => {
    const row = e.target.closest('[data-field]');
    if (!row) return;
    for (const r of view.rows) r.tabIndex = r === row ? 0 : -1;
    store.setSelected(Number(row.dataset.field));
  });
  ui.fields.addEventListener('keydown', (e) => {
    const row = e.target.closest('[data-field]');
    if (!row) return;
    const i = view.rows.indexOf(row);
    const to = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: view.rows.length - 1 }[e.key];
    if (to === undefined || !view.rows[to]) return;
    e.preventDefault();
    view.rows[to].focus();
  });

  function scrollRow(f) {
    view.rows[f]?.scrollIntoView({ block: 'nearest' });
  }

  // ---- rendering ----
  store.addEventListener('change', render);
  store.addEventListener('highlight', highlight);
  narrow.addEventListener('change', () => renderGrid(colourGroups(store.annotation?.fields || [])));

  function render() {
    if (store.source !== 'pasted') ui.input.value = store.text;
    ui.example.value = examples.some((e) => e.id === store.source) ? store.source : '';
    ui.version.value = String(store.version);
    ui.inputError.hidden = !store.inputError;
    ui.inputError.textContent = store.inputError || '';
    activeByte = -1;
    ui.grid.removeAttribute('aria-activedescendant');
    const groups = colourGroups(store.annotation?.fields || []);
    renderSummary();
    renderError();
    renderGrid(groups);
    renderFields(groups);
    renderTreeView();
  }

  function renderSummary() {
    const a = store.annotation;
    const n = store.bytes.length;
    ui.summary.dataset.state = !a ? 'empty' : a.error ? 'error' : 'ok';
    if (!a) {
      replace(ui.summary, store.inputError ? 'Fix the hex above to see the packet.' : 'Paste bytes in hex or choose an example packet.');
      return;
    }
    const typeField = a.fields[0]?.value.match(/type \d+ (\w+)/);
    const name = a.packet ? a.packet.cmd.toUpperCase() : typeField ? typeField[1] : 'Unknown';
    const version = a.packet?.cmd === 'connect' ? a.packet.protocolVersion : store.version;
    replace(ui.summary,
      h('span', { class: 'pill', 'data-packet-type': '' }, name),
      h('span', null, `${n} byte${n === 1 ? '' : 's'}`),
      h('span', null, VERSION_NAMES[version] || `level ${version}`),
      a.error
        ? h('span', { class: 'state bad' }, `Malformed: decoding stopped at byte ${a.error.offset}`)
        : h('span', { class: 'state good' }, `Valid — ${a.fields.length} fields decoded`));
  }

  function renderError() {
    const a = store.annotation;
    const err = a?.error;
    ui.error.hidden = !err;
    if (!err) return replace(ui.error);
    const code = `0x${hex2(err.reasonCode)} ${err.reasonName}`;
    const c = store.culprit;
    const rule = ruleText(err.specRef);
    const msg = err.message.charAt(0).toUpperCase() + err.message.slice(1) + '.';
    replace(ui.error,
      h('div', { class: 'err-head' },
        h('span', { class: 'err-icon', 'aria-hidden': 'true' }, '!'),
        h('strong', null, 'This is not a valid packet'),
        h('span', { class: 'code', 'data-reason-code': '' }, code),
        err.specRef ? h('span', { class: 'spec', 'data-spec-ref': '' }, `[${err.specRef}]`) : null),
      h('p', { class: 'err-msg', 'data-error-message': '' }, msg),
      h('dl', null,
        rule ? [h('dt', null, 'The rule'), h('dd', null, rule, ' ', h('span', { class: 'spec-inline' }, `[${err.specRef}]`))] : null,
        c ? [h('dt', null, 'Where'), h('dd', null, where(c, a, err))] : null,
        h('dt', null, 'What happens'), h('dd', null, consequence(err.reasonCode, store.version))));
  }

  function where(c, a, err) {
    if (c.truncated) {
      const missing = missingBytes(err.message);
      return `The packet says it is longer than the bytes given: ${missing} more byte${missing === 1 ? ' is' : 's are'} missing at the end (shown as dashed cells).`;
    }
    const f = a.fields.find((x) => x.start <= c.start && c.start < x.end && x.end >= c.end);
    const range = c.end - c.start > 1 ? `bytes ${c.start}–${c.end - 1}` : `byte ${c.start}`;
    return `${range}${f ? ` (${f.name})` : ''}, outlined in red below.`;
  }

  function renderGrid(groups) {
    const a = store.annotation;
    const bytes = store.bytes;
    const cols = narrow.matches ? 8 : 16;
    const byteField = new Int32Array(bytes.length).fill(-1);
    for (const [i, f] of (a?.fields || []).entries()) for (let b = f.start; b < f.end && b < bytes.length; b++) byteField[b] = i;
    const c = store.culprit;
    const missing = c?.truncated ? Math.min(missingBytes(a.error.message), 64) : 0;
    const cells = [];
    const rows = [];
    const total = bytes.length + missing;
    ui.grid.style.setProperty('--cols', cols);
    for (let r = 0; r * cols < total; r++) {
      const row = h('div', { role: 'row', class: 'hrow' }, h('span', { class: 'off', 'aria-hidden': 'true' }, (r * cols).toString(16).toUpperCase().padStart(4, '0')));
      for (let i = r * cols; i < Math.min(total, (r + 1) * cols); i++) {
        if (i >= bytes.length) {
          row.append(h('span', { role: 'gridcell', class: 'byte missing', 'aria-label': `missing byte ${i}` }, '··'));
          continue;
        }
        const f = byteField[i];
        const field = a?.fields[f];
        const cls = ['byte'];
        if (f >= 0) cls.push(`c${groups[f].group}`, groups[f].meta ? 'meta' : '');
        else cls.push('unread');
        if (c && !c.truncated && i >= c.start && i < c.end) cls.push('bad');
        const cell = h('span', {
          role: 'gridcell', id: `b-${i}`, class: cls.join(' ').trim(), 'data-i': i,
          'aria-label': `byte ${i}: ${hex2(bytes[i])}, ${field ? field.name : 'not decoded'}`,
        }, hex2(bytes[i]));
        cells.push(cell);
        row.append(cell);
      }
      rows.push(row);
    }
    replace(ui.grid, rows.length ? rows : h('p', { class: 'empty' }, 'No bytes yet.'));
    ui.byteCount.textContent = bytes.length ? `${bytes.length}` : '';
    view.byteField = byteField;
    view.cells = cells;
    view.lit = [];
  }

  function renderFields(groups) {
    const a = store.annotation;
    const fields = a?.fields || [];
    const bytes = store.bytes;
    view.rows = fields.map((f, i) => {
      const len = f.end - f.start;
      const range = len <= 0 ? '—' : len === 1 ? `${f.start}` : `${f.start}–${f.end - 1}`;
      const slice = bytes.subarray(f.start, Math.min(f.end, f.start + MAX_FIELD_HEX));
      const hexText = [...slice].map(hex2).join(' ') + (len > MAX_FIELD_HEX ? ` … +${len - MAX_FIELD_HEX}` : '');
      return h('li', { class: `frow d${Math.min(f.depth, 3)}`, 'data-field': i, tabindex: i === 0 ? 0 : -1 },
        h('span', { class: `sw c${groups[i].group}${groups[i].meta ? ' meta' : ''}`, 'aria-hidden': 'true' }),
        h('span', { class: 'fname', 'data-field-name': '' }, f.name),
        h('span', { class: 'frange' }, h('span', { class: 'sr-only' }, 'bytes '), range),
        h('span', { class: 'fhex' }, hexText || '(none)'),
        h('span', { class: 'fval', 'data-field-value': '' }, f.value));
    });
    const tail = [];
    if (a?.error) {
      tail.push(h('li', { class: 'frow stop' },
        h('span', { class: 'sw bad', 'aria-hidden': 'true' }),
        h('span', { class: 'fname' }, 'Decoding stopped'),
        h('span', { class: 'frange' }, `${a.error.offset}`),
        h('span', { class: 'fhex' }, ''),
        h('span', { class: 'fval' }, a.error.message)));
    }
    replace(ui.fields, view.rows, tail, !a ? h('li', { class: 'empty' }, 'No fields yet.') : null);
    ui.fieldCount.textContent = fields.length ? `${fields.length}` : '';
  }

  function renderTreeView() {
    const a = store.annotation;
    if (a?.packet) replace(ui.tree, renderTree(a.packet, codec.reasonCodeName));
    else replace(ui.tree, h('p', { class: 'empty' }, a ? 'Nothing decoded: the bytes are not a valid packet (see the explanation above).' : 'No packet yet.'));
  }

  function highlight() {
    for (const el of view.lit) el.classList.remove('hl');
    view.lit = [];
    ui.grid.classList.remove('has-hl');
    const f = store.active;
    const field = store.annotation?.fields[f];
    if (!field) return;
    for (let b = field.start; b < field.end; b++) if (view.cells[b]) view.lit.push(view.cells[b]);
    if (view.rows[f]) view.lit.push(view.rows[f]);
    for (const el of view.lit) el.classList.add('hl');
    ui.grid.classList.toggle('has-hl', view.lit.length > 0);
  }

  current = { store };
  if (pending) {
    const [b, v] = pending;
    pending = null;
    showPacket(b, v);
  } else if (initial) {
    const ex = examples.find((e) => e.id === initial);
    if (ex) {
      ui.example.value = ex.id;
      store.setBytes(ex.bytes, ex.version, ex.id);
    }
  }
  return store;
}
