// "Messages": subscribe and publish forms for the selected connection, and
// the message list. The list is virtualised: whatever the number of messages
// kept, only the rows in view (plus a few) exist in the DOM, and it re-renders
// at most once per animation frame, so a flood on `#` keeps the page smooth.
import { h, replace } from './dom.js';
import { STATE_TEXT } from './connections.js';
import {
  clock, fromBase64, isUtf8, parseJson, plural, preview, toBase64, toBytes, toHex, toText,
} from './format.js';
import { jsonView } from './json-view.js';

const ROW_H = 30;
const OVERSCAN = 6;

export function mountMessagesView(root, { store, connections, topic, showBytes }) {
  const $ = (s) => root.querySelector(s);

  // ---- the active connection ----
  const active = $('[data-active-conn]');
  const activeState = $('[data-active-state]');
  active.addEventListener('change', () => connections.select(connections.get(active.value)));
  function renderActive() {
    const c = connections.selected;
    replace(active, connections.list.map((x) => h('option', { value: x.id, selected: x === c }, `${x.name} (${x.where})`)));
    activeState.dataset.state = c?.state ?? 'none';
    activeState.textContent = c ? `${STATE_TEXT[c.state] ?? c.state}${c.why ? ` — ${c.why}` : ''}` : 'No connection: open one in Broker & clients.';
    for (const el of root.querySelectorAll('[data-v5-only]')) el.hidden = !!c && !c.v5;
    renderSubs();
  }
  connections.addEventListener('change', renderActive);

  // ---- subscribe ----
  const subForm = $('[data-sub-form]');
  const subError = $('[data-sub-error]');
  const checkFilter = () => {
    const f = subForm.elements.filter.value;
    const why = f === '' ? 'Type a topic filter, e.g. home/# or home/+/temperature.' : topic.checkTopicFilter(f);
    subError.textContent = why ?? '';
    subForm.elements.filter.setAttribute('aria-invalid', String(!!why));
    return !why;
  };
  subForm.elements.filter.addEventListener('input', checkFilter);
  subForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const c = connections.selected;
    if (!checkFilter()) return;
    if (!c) { subError.textContent = 'Open a connection first (Broker & clients).'; return; }
    const el = subForm.elements;
    try {
      await c.subscribe({ filter: el.filter.value, qos: Number(el.qos.value), nl: el.nl.checked, rap: el.rap.checked, rh: Number(el.rh.value) });
    } catch (err) {
      subError.textContent = err.message;
    }
  });
  const subList = $('[data-sub-list]');
  function renderSubs() {
    const c = connections.selected;
    replace(subList, (c?.subscriptions ?? []).map((s) => h('li', { class: 'sub', 'data-sub': s.filter, 'data-state': s.state },
      h('span', { class: 'chip', 'data-c': s.colour }, s.filter),
      h('span', { class: 'muted' }, s.state === 'granted' ? ` QoS ${s.grantedQos ?? s.qos}` : s.state === 'pending' ? ' waiting for SUBACK…' : ''),
      s.state === 'refused' ? h('span', { class: 'conn-why' }, ` ${s.why}`) : null,
      h('button', { type: 'button', class: 'small', 'data-unsub': s.filter, 'aria-label': `Unsubscribe from ${s.filter}` }, 'Unsubscribe'))));
  }
  subList.addEventListener('click', (e) => {
    const b = e.target.closest('[data-unsub]');
    if (b) connections.selected?.unsubscribe(b.dataset.unsub);
  });

  // ---- publish ----
  const pubForm = $('[data-pub-form]');
  const pubError = $('[data-pub-error]');
  const pubStatus = $('[data-pub-status]');
  const checkName = () => {
    const t = pubForm.elements.topic.value;
    const why = t === '' ? 'Type a topic name, e.g. home/kitchen/light.' : topic.checkTopicName(t);
    pubError.textContent = why ?? '';
    pubForm.elements.topic.setAttribute('aria-invalid', String(!!why));
    return !why;
  };
  pubForm.elements.topic.addEventListener('input', checkName);
  pubForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    pubStatus.textContent = '';
    const c = connections.selected;
    if (!checkName()) return;
    if (!c) { pubError.textContent = 'Open a connection first (Broker & clients).'; return; }
    const el = pubForm.elements;
    const opts = { qos: Number(el.qos.value), retain: el.retain.checked };
    if (c.v5) {
      const props = {};
      if (el.contentType.value) props.contentType = el.contentType.value;
      if (el.messageExpiry.value) props.messageExpiryInterval = Number(el.messageExpiry.value);
      if (el.responseTopic.value) {
        const why = topic.checkTopicName(el.responseTopic.value);
        if (why) { pubError.textContent = `Response topic: ${why}`; return; }
        props.responseTopic = el.responseTopic.value;
      }
      const lines = el.userProperties.value.split('\n').map((l) => l.trim()).filter(Boolean);
      if (lines.length) {
        props.userProperties = {};
        for (const line of lines) {
          const i = line.indexOf('=');
          if (i < 1) { pubError.textContent = `User property "${line}" needs the form key=value.`; return; }
          props.userProperties[line.slice(0, i)] = line.slice(i + 1);
        }
      }
      if (Object.keys(props).length) opts.properties = props;
    }
    try {
      await c.publish(el.topic.value, el.payload.value, opts);
      pubStatus.textContent = `Published to ${el.topic.value} at ${clock(Date.now())}.`;
    } catch (err) {
      pubError.textContent = `Not published: ${err.message}`;
    }
  });

  // ---- the list toolbar ----
  const pauseBtn = $('[data-msg-pause]');
  pauseBtn.addEventListener('click', () => {
    store.setPaused(!store.paused);
    pauseBtn.setAttribute('aria-pressed', String(store.paused));
    pauseBtn.textContent = store.paused ? 'Resume' : 'Pause';
  });
  const filterIn = $('[data-msg-filter]');
  const searchIn = $('[data-msg-search]');
  const onFilter = () => store.setFilter(filterIn.value, searchIn.value);
  filterIn.addEventListener('input', onFilter);
  searchIn.addEventListener('input', onFilter);
  $('[data-msg-keep]').addEventListener('change', (e) => {
    const n = Number(e.target.value);
    if (n >= 1) store.setPerTopic(n);
  });
  $('[data-msg-clear]').addEventListener('click', () => { selected = null; store.clear(); renderDetail(); });
  const note = $('[data-msg-note]');
  $('[data-msg-export]').addEventListener('click', () => exportMessages(store, note));
  $('[data-msg-import]').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    e.target.value = '';
    if (file) note.dataset.sticky = note.textContent = await importMessages(store, file);
  });

  // ---- the virtual list ----
  const vlist = $('[data-vlist]');
  const spacer = $('[data-vspacer]');
  const count = $('[data-msg-count]');
  const rows = []; // pooled row elements
  let selected = null; // the selected message
  let stick = true; // follow new messages while scrolled to the bottom
  let queued = false;

  function rowEl() {
    const r = h('div', { class: 'mrow', role: 'option', 'aria-selected': 'false' },
      h('span', { class: 'm-time' }), h('span', { class: 'chip m-sub' }), h('span', { class: 'm-topic' }),
      h('span', { class: 'm-flags' }), h('span', { class: 'm-payload' }));
    vlist.append(r);
    return r;
  }

  // Geometry is read before anything is written, so a render forces no extra
  // layout; our own scrolling is told apart from the user's.
  let viewportH = 0;
  let ownScrollTop = -1;
  let lastRender = 0;
  const setText = (el, text) => { if (el.textContent !== text) el.textContent = text; };

  function render() {
    queued = false;
    if (root.hidden) return;
    lastRender = performance.now();
    viewportH = vlist.clientHeight;
    let top = vlist.scrollTop;
    const view = store.view();
    const total = view.length;
    const height = `${total * ROW_H}px`;
    if (spacer.style.height !== height) spacer.style.height = height;
    if (stick) {
      const bottom = Math.max(0, total * ROW_H - viewportH);
      if (top !== bottom) {
        vlist.scrollTop = bottom;
        top = vlist.scrollTop;
        ownScrollTop = top;
      }
    }
    const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const last = Math.min(total, Math.ceil((top + viewportH) / ROW_H) + OVERSCAN);
    const n = Math.max(0, last - first);
    while (rows.length < n) rows.push(rowEl());
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const m = view[first + i];
      if (i >= n || !m) { if (!r.hidden) r.hidden = true; continue; }
      if (r.hidden) r.hidden = false;
      const y = (first + i) * ROW_H;
      if (r.y !== y) {
        r.y = y;
        r.style.transform = `translateY(${y}px)`;
      }
      if (r.m !== m) {
        r.m = m;
        r.dataset.seq = m.seq;
        r.id = `msg-${m.seq}`;
        const [t, chip, tp, flags, pl] = r.children;
        t.textContent = clock(m.time);
        chip.dataset.c = m.colour ?? -1;
        chip.textContent = m.connName ?? '';
        tp.textContent = m.topic;
        flags.textContent = `Q${m.qos}${m.retain ? ' R' : ''}`;
        pl.textContent = preview(m.payload);
      }
      const sel = m === selected ? 'true' : 'false';
      if (r.getAttribute('aria-selected') !== sel) r.setAttribute('aria-selected', sel);
    }
    const kept = store.live;
    setText(count, `${plural(total, 'message')}${total !== kept ? ` of ${kept.toLocaleString('en')}` : ''}`);
    setText(note, store.paused
      ? `Paused: ${plural(store.skipped, 'message')} arrived since (the topic tree still counts them).`
      : note.dataset.sticky ?? '');
    if (selected && selected.dropped) { selected = null; renderDetail(); }
  }
  const queue = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(render);
  };
  // New messages redraw the list at most every 50 ms: under a flood the rows
  // would change faster than anyone reads them, and each redraw lays out every row.
  let later = 0;
  store.addEventListener('change', () => {
    if (queued || later) return;
    const wait = lastRender + 50 - performance.now();
    if (wait <= 0) queue();
    else later = setTimeout(() => { later = 0; queue(); }, wait);
  });
  vlist.addEventListener('scroll', () => {
    if (vlist.scrollTop === ownScrollTop) return;
    ownScrollTop = -1;
    stick = vlist.scrollTop + vlist.clientHeight >= vlist.scrollHeight - ROW_H;
    queue();
  });
  document.addEventListener('mqttlab:show', () => requestAnimationFrame(render));
  document.querySelector('[data-tabs]').addEventListener('click', () => requestAnimationFrame(render));
  addEventListener('resize', queue);

  function select(m, scroll) {
    selected = m;
    if (m) vlist.setAttribute('aria-activedescendant', `msg-${m.seq}`);
    else vlist.removeAttribute('aria-activedescendant');
    if (scroll && m) {
      const i = store.view().indexOf(m);
      const top = i * ROW_H;
      if (top < vlist.scrollTop) vlist.scrollTop = top;
      else if (top + ROW_H > vlist.scrollTop + vlist.clientHeight) vlist.scrollTop = top + ROW_H - vlist.clientHeight;
      stick = false;
    }
    render();
    renderDetail();
  }
  vlist.addEventListener('click', (e) => {
    const r = e.target.closest('[data-seq]');
    if (!r) return;
    const m = store.view().find((x) => String(x.seq) === r.dataset.seq);
    if (m) {
      stick = false;
      select(m);
    }
  });
  vlist.addEventListener('keydown', (e) => {
    const view = store.view();
    if (!view.length) return;
    let i = selected ? view.indexOf(selected) : view.length;
    const page = Math.max(1, Math.floor(vlist.clientHeight / ROW_H) - 1);
    const moves = { ArrowDown: i + 1, ArrowUp: i - 1, PageDown: i + page, PageUp: i - page, Home: 0, End: view.length - 1 };
    if (e.key in moves) {
      e.preventDefault();
      i = Math.max(0, Math.min(view.length - 1, moves[e.key]));
      select(view[i], true);
      if (e.key === 'End') stick = true;
    } else if (e.key === 'Enter' && selected) {
      e.preventDefault();
      showBytes(selected);
    }
  });

  // ---- the selected message ----
  const detail = $('[data-msg-detail]');
  let mode = 'auto';
  function renderDetail() {
    const m = selected;
    if (!m) {
      replace(detail, h('p', { class: 'help' }, 'Choose a message to see its payload as text, JSON, hex or base64, and its bytes in the Inspector.'));
      return;
    }
    const json = parseJson(m.payload);
    const view = mode === 'auto' ? (json !== undefined ? 'json' : isUtf8(m.payload) ? 'text' : 'hex') : mode;
    const body = {
      text: () => h('pre', { class: 'payload-box' }, toText(m.payload)),
      json: () => (json !== undefined ? h('div', { class: 'payload-box json' }, jsonView(json)) : h('p', { class: 'note' }, 'This payload is not JSON.')),
      hex: () => h('pre', { class: 'payload-box' }, toHex(m.payload)),
      base64: () => h('pre', { class: 'payload-box' }, toBase64(m.payload)),
    }[view]();
    const props = m.properties && Object.keys(m.properties).length ? JSON.stringify(m.properties) : null;
    replace(detail,
      h('div', { class: 'detail-head' },
        h('span', { class: 'chip', 'data-c': m.colour ?? -1 }, m.connName ?? ''),
        h('strong', { class: 'd-topic', 'data-detail-topic': '' }, m.topic)),
      h('p', { class: 'muted' }, `${clock(m.time)} · QoS ${m.qos}${m.retain ? ' · retained' : ''}${m.dup ? ' · duplicate' : ''} · ${plural(m.payload.length, 'byte')}`),
      props ? h('p', { class: 'props' }, 'Properties: ', h('code', {}, props)) : null,
      h('div', { class: 'seg', role: 'group', 'aria-label': 'Show the payload as' },
        ['text', 'json', 'hex', 'base64'].map((v) => h('button', { type: 'button', 'data-mode': v, 'aria-pressed': String(v === view) }, v === 'json' ? 'JSON' : v[0].toUpperCase() + v.slice(1))),
        h('button', { type: 'button', class: 'primary', 'data-open-bytes': '' }, 'Open bytes in Inspector')),
      body);
  }
  detail.addEventListener('click', (e) => {
    const b = e.target.closest('[data-mode]');
    if (b) { mode = b.dataset.mode; renderDetail(); }
    if (e.target.closest('[data-open-bytes]') && selected) showBytes(selected);
  });

  renderActive();
  renderDetail();
  return { render };
}

function exportMessages(store, note) {
  const messages = store.list.filter((m) => !m.dropped).map((m) => {
    const o = { time: new Date(m.time).toISOString(), connection: m.connName, topic: m.topic, qos: m.qos, retain: !!m.retain };
    if (isUtf8(m.payload)) o.payload = toText(m.payload);
    else o.payloadBase64 = toBase64(m.payload);
    if (m.properties && Object.keys(m.properties).length) o.properties = m.properties;
    return o;
  });
  const blob = new Blob([JSON.stringify({ format: 'mqtt-lab-messages', version: 1, exportedAt: new Date().toISOString(), messages }, null, 1)],
    { type: 'application/json' });
  const a = h('a', { href: URL.createObjectURL(blob), download: `mqtt-lab-messages-${Date.now()}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  note.dataset.sticky = note.textContent = `Exported ${plural(messages.length, 'message')}.`;
}

/** Adds the messages of an exported file; returns a sentence for the page. */
export async function importMessages(store, file) {
  let data;
  try {
    data = JSON.parse(await file.text());
  } catch (e) {
    return `"${file.name}" is not JSON: ${e.message}`;
  }
  const list = Array.isArray(data) ? data : data?.messages;
  if (!Array.isArray(list)) return `"${file.name}" has no "messages" list: it was not exported by MQTT Lab.`;
  let n = 0;
  let bad = 0;
  for (const o of list) {
    if (!o || typeof o.topic !== 'string') { bad++; continue; }
    let payload;
    try {
      payload = typeof o.payloadBase64 === 'string' ? fromBase64(o.payloadBase64) : toBytes(String(o.payload ?? ''));
    } catch {
      bad++;
      continue;
    }
    const t = Date.parse(o.time);
    store.add({
      conn: 'import', connName: 'imported', colour: -1, topic: o.topic, payload,
      qos: [0, 1, 2].includes(o.qos) ? o.qos : 0, retain: !!o.retain, properties: typeof o.properties === 'object' ? o.properties : undefined,
      protocolVersion: 5, time: Number.isFinite(t) ? t : Date.now(),
    });
    n++;
  }
  return `Imported ${plural(n, 'message')} from "${file.name}"${bad ? ` (${bad} skipped: no topic or a bad payload)` : ''}.`;
}
