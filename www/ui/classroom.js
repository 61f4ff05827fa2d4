// Classroom mode. The teacher's side (the Classroom tab): pick a broker, open
// a room, show its link and QR code, and watch the room: every member from its
// presence, every message with its fan-out. The student's side (a join link:
// `#join=<code>&broker=<url>`) is in classroom-student.js.
//
// The room's traffic also feeds a traffic source (room-source.js) for the
// diagram: `onRoom(cb)` hands it over whenever a room opens.
import { h, replace } from './dom.js';
import { PRESETS, checkUrl } from './connections.js';
import { clock, plural, preview } from './format.js';
import { encodeQr, qrSvg } from '../lib/qr.js';
import { newRoomCode, normaliseCode, memberId, joinLink, parseJoin } from './room.js';
import { RoomClient } from './room-client.js';
import { Room, OUTSIDE } from './room-state.js';
import { roomSource } from './room-source.js';
import { mountStudent } from './classroom-student.js';

const SAVED = 'mqttlab.classroom.v1';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const SHOWN = 60; // log entries drawn

export const STATE_WORDS = {
  idle: 'not connected', connecting: 'connecting…', connected: 'connected', reconnecting: 'reconnecting…', closed: 'closed',
};

function saved() {
  try {
    const s = JSON.parse(localStorage.getItem(SAVED) ?? 'null');
    return s && normaliseCode(s.code) && typeof s.url === 'string' ? s : null;
  } catch {
    return null;
  }
}

/**
 * Mounts classroom mode. On a join link, the page becomes the student page
 * (returns `{ mode: 'student', student }`); otherwise the Classroom tab gets
 * the teacher's panel (returns `{ mode: 'teacher', ... }`).
 * `deps`: `{ topic: { topicMatches, checkTopicFilter, checkTopicName }, encode, showPacket }`.
 */
export function mountClassroom(deps, { doc = document } = {}) {
  const join = parseJoin(doc.location?.hash ?? location.hash);
  // A join link pasted into a page already open reloads it as a student page.
  window.addEventListener('hashchange', () => {
    const now = parseJoin(location.hash);
    if (!!now !== !!join || (now && join && (now.code !== join.code || now.broker !== join.broker))) location.reload();
  });
  if (join) {
    doc.documentElement.dataset.mode = 'student';
    const main = doc.querySelector('main');
    const student = mountStudent(main, { join, topic: deps.topic });
    return { mode: 'student', student };
  }
  const panel = doc.querySelector('[data-panel="classroom"]');
  return Object.assign(mountTeacher(panel, deps), { mode: 'teacher' });
}

function mountTeacher(root, { topic, encode, showPacket }) {
  const listeners = new Set();
  const api = {
    room: null,
    client: null,
    source: null,
    link: '',
    /** Where app.js mounts the diagram of the open room's traffic source (set below). */
    diagramElement: null,
    /** Calls `cb(source, room)` now if a room is open, and whenever one opens (null when it closes). */
    onRoom(cb) {
      listeners.add(cb);
      if (api.source) cb(api.source, api.room);
      return () => listeners.delete(cb);
    },
    open: (opts) => openRoom(opts),
    close: () => closeRoom(),
  };

  // ---- the static frame ----
  const brokerSel = h('select', { id: 'cr-broker', 'data-cr-broker': '' },
    PRESETS.filter((p) => p.id !== 'inpage').map((p) => h('option', { value: p.id }, p.label)));
  const urlInput = h('input', {
    id: 'cr-url', type: 'url', inputmode: 'url', spellcheck: 'false', autocomplete: 'url',
    placeholder: 'wss://broker.example.com:8084/mqtt', 'data-cr-url': '',
  });
  const versionSel = h('select', { id: 'cr-version', 'data-cr-version': '' },
    h('option', { value: 'auto' }, 'MQTT 5.0, else 3.1.1'),
    h('option', { value: '5' }, 'MQTT 5.0 only'),
    h('option', { value: '4' }, 'MQTT 3.1.1 only'));
  const note = h('p', { class: 'note', 'data-cr-note': '' });
  const urlError = h('p', { class: 'field-error', role: 'status', 'data-cr-url-error': '' });
  const formError = h('p', { class: 'field-error', role: 'alert', 'data-cr-error': '' });
  const reopenBox = h('p', { class: 'cr-reopen' });
  const form = h('form', { class: 'cr-form', 'data-cr-form': '', novalidate: true },
    h('div', { class: 'ctl' }, h('label', { for: 'cr-broker' }, 'Broker'), brokerSel, note),
    h('div', { class: 'ctl' }, h('label', { for: 'cr-url' }, 'WebSocket URL'), urlInput, urlError),
    h('div', { class: 'ctl' }, h('label', { for: 'cr-version' }, 'Protocol'), versionSel),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary', 'data-cr-open': '' }, 'Open a room'), formError),
    reopenBox);
  const setup = h('section', { class: 'card cr-setup', 'aria-labelledby': 'cr-h-setup', 'data-cr-setup': '' },
    h('h3', { id: 'cr-h-setup' }, 'Open a room'),
    h('p', { class: 'help' },
      'A room is a topic prefix on a real broker, mqttlab/<code>/. Students open its link (or scan its QR code) on their phones, ',
      'join with a name, then subscribe and publish inside the room; this page shows who is there and where each message goes.'),
    form);

  const codeEl = h('strong', { class: 'cr-code', 'data-cr-code': '' });
  const stateEl = h('p', { class: 'cr-state', role: 'status', 'data-cr-state': '' });
  const qrBox = h('div', { class: 'cr-qr', 'data-cr-qr': '' });
  const linkEl = h('a', { class: 'cr-link', 'data-cr-link': '', target: '_blank', rel: 'noopener' });
  const linkNote = h('p', { class: 'note', 'data-cr-link-note': '' });
  const howEl = h('p', { class: 'help', 'data-cr-how': '' });
  const copyBtn = h('button', { type: 'button', 'data-cr-copy': '' }, 'Copy the link');
  const showBtn = h('button', { type: 'button', 'data-cr-show': '' }, 'Show to the class');
  const clearBtn = h('button', { type: 'button', 'data-cr-clear': '' }, 'Forget offline members');
  const closeBtn = h('button', { type: 'button', 'data-cr-close': '' }, 'Close the room');
  const roomCard = h('section', { class: 'card cr-room', 'aria-labelledby': 'cr-h-room', 'data-cr-room': '', hidden: true },
    h('div', { class: 'card-head' }, h('h3', { id: 'cr-h-room' }, 'Room'), codeEl),
    stateEl,
    h('div', { class: 'cr-join' }, qrBox,
      h('div', { class: 'cr-join-text' },
        h('p', { class: 'cr-join-say' }, 'Students: scan the code or open'),
        linkEl, linkNote,
        h('div', { class: 'cr-actions' }, copyBtn, showBtn))),
    howEl,
    h('div', { class: 'cr-actions' }, clearBtn, closeBtn));

  const memberCount = h('span', { class: 'count', 'data-cr-member-count': '' });
  const memberList = h('ul', { class: 'cr-members', 'data-cr-members': '', 'aria-live': 'polite' });
  const members = h('section', { class: 'card', 'aria-labelledby': 'cr-h-members', 'data-cr-members-card': '', hidden: true },
    h('h3', { id: 'cr-h-members' }, 'In the room', memberCount), memberList);

  const counts = h('p', { class: 'cr-counts', 'data-cr-counts': '' });
  const showPresence = h('input', { type: 'checkbox', id: 'cr-show-presence', checked: true, 'data-cr-show-presence': '' });
  const logList = h('ol', { class: 'cr-log', 'data-cr-log': '', reversed: true });
  const traffic = h('section', { class: 'card', 'aria-labelledby': 'cr-h-traffic', 'data-cr-traffic': '', hidden: true },
    h('h3', { id: 'cr-h-traffic' }, 'Traffic in the room'),
    counts,
    h('p', { class: 'help' }, 'Newest first. "→" lists who the broker sent each message to: the members whose subscriptions match its topic, as they announced them.'),
    h('label', { class: 'cr-check', for: 'cr-show-presence' }, showPresence, ' Show presence messages and Wills'),
    logList);

  const diagramMount = h('div', { class: 'cr-diagram', 'data-cr-diagram': '' });
  const diagramCard = h('section', { class: 'card cr-diagram-card', 'aria-labelledby': 'cr-h-diagram', hidden: true },
    h('h3', { id: 'cr-h-diagram' }, 'The room on the diagram'),
    h('p', { class: 'help' },
      'Each message this page sees is replayed here: from its sender to the broker, then to every member whose filters match, ',
      'with the acknowledgements of its QoS. The packets and who gets them follow the broker\'s rules; their timing is illustrative.'),
    diagramMount);
  api.diagramElement = diagramMount;

  const bigCode = h('p', { class: 'cr-big-code', 'data-cr-big-code': '' });
  const bigQr = h('div', { class: 'cr-big-qr' });
  const bigLink = h('p', { class: 'cr-big-link' });
  const dialog = h('dialog', { class: 'cr-dialog', 'aria-labelledby': 'cr-h-dialog', 'data-cr-dialog': '' },
    h('h2', { id: 'cr-h-dialog', class: 'sr-only' }, 'Join the room'),
    bigQr, h('div', {}, h('p', { class: 'cr-join-say' }, 'Room code'), bigCode, bigLink,
      h('form', { method: 'dialog' }, h('button', { class: 'primary', 'data-cr-dialog-close': '' }, 'Close'))));

  replace(root,
    h('h2', { class: 'sr-only' }, 'Classroom'),
    h('div', { class: 'cr-layout' },
      h('div', { class: 'cr-col' }, setup, roomCard),
      h('div', { class: 'cr-col' }, members, traffic)),
    diagramCard,
    dialog);

  // ---- the form ----
  const last = saved();
  brokerSel.value = last?.broker && PRESETS.some((p) => p.id === last.broker) ? last.broker : 'custom';
  urlInput.value = last?.url ?? '';
  versionSel.value = String(last?.protocol ?? 'auto');
  syncForm(false);
  renderReopen();

  function syncForm(fromPreset) {
    const preset = PRESETS.find((p) => p.id === brokerSel.value) ?? PRESETS[PRESETS.length - 1];
    if (fromPreset && preset.url) urlInput.value = preset.url;
    note.textContent = preset.note;
    validate(false);
  }

  function validate(strict) {
    const url = urlInput.value.trim();
    let err = '';
    if (!url) err = strict ? 'Type the broker\'s WebSocket URL (ws:// or wss://).' : '';
    else err = checkUrl(url).error ?? '';
    urlError.textContent = err;
    urlInput.setAttribute('aria-invalid', String(!!err));
    return !err && !!url;
  }

  function renderReopen() {
    const s = saved();
    if (!s || api.room) {
      replace(reopenBox);
      return;
    }
    replace(reopenBox,
      h('button', { type: 'button', 'data-cr-reopen': '' }, `Reopen room ${s.code}`),
      h('span', { class: 'hint' }, ` on ${s.url}`));
  }

  brokerSel.addEventListener('change', () => syncForm(true));
  urlInput.addEventListener('input', () => validate(false));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!validate(true)) return;
    const protocol = versionSel.value === 'auto' ? 'auto' : Number(versionSel.value);
    openRoom({ url: urlInput.value.trim(), broker: brokerSel.value, protocol });
  });
  reopenBox.addEventListener('click', (e) => {
    if (!e.target.closest('[data-cr-reopen]')) return;
    const s = saved();
    if (s) openRoom(s);
  });

  // ---- a room ----
  async function openRoom({ url, broker = 'custom', protocol = 'auto', code, teacherId }) {
    if (api.room) await closeRoom();
    const problem = checkUrl(url).error;
    if (problem) {
      formError.textContent = problem;
      return null;
    }
    formError.textContent = '';
    code = normaliseCode(code) ?? newRoomCode();
    teacherId ??= memberId('teacher');
    let mqtt;
    try {
      mqtt = await import('../lib/mqtt.js');
    } catch (e) {
      formError.textContent = `The MQTT client (lib/mqtt.js) could not be loaded: ${e.message}`;
      return null;
    }
    try {
      localStorage.setItem(SAVED, JSON.stringify({ code, url, broker, protocol, teacherId }));
    } catch { /* not remembered */ }

    const client = new RoomClient({ mqtt, url, code, role: 'teacher', name: 'teacher', clientId: teacherId, protocol, trace: true });
    const room = new Room({ code, selfId: teacherId, topicMatches: topic.topicMatches });
    client.addEventListener('message', (e) => room.observe(e.detail));
    client.addEventListener('change', renderState);
    room.addEventListener('change', scheduleRender);
    client.start();
    // QoS 2: every message reaches this page at the QoS it was published with.
    client.subscribe('#', 2);
    const source = roomSource(room, { encode });
    Object.assign(api, { room, client, source, link: joinLink(location.href, { code, broker: url, protocol }) });

    codeEl.textContent = code;
    bigCode.textContent = code;
    linkEl.href = api.link;
    linkEl.textContent = api.link;
    bigLink.textContent = api.link;
    drawQr(api.link);
    const host = location.hostname;
    linkNote.textContent = LOOPBACK.has(host)
      ? `This page is served from ${host}, which only this computer can open: for phones, serve it on an address they reach (over https for wss:// brokers).`
      : '';
    setup.hidden = true;
    roomCard.hidden = false;
    members.hidden = false;
    traffic.hidden = false;
    diagramCard.hidden = false;
    renderState();
    render();
    renderLog(room, true);
    for (const cb of listeners) cb(source, room);
    return api;
  }

  async function closeRoom() {
    const { client, source } = api;
    if (!client) return;
    Object.assign(api, { room: null, client: null, source: null, link: '' });
    source.destroy();
    await client.leave();
    setup.hidden = false;
    roomCard.hidden = true;
    members.hidden = true;
    traffic.hidden = true;
    diagramCard.hidden = true;
    renderReopen();
    for (const cb of listeners) cb(null, null);
  }

  function drawQr(link) {
    try {
      const qr = encodeQr(link, { ecl: 'M' });
      const label = `QR code of the room's link (version ${qr.version}, level ${qr.ecl})`;
      replace(qrBox, qrSvg(qr, { label }));
      replace(bigQr, qrSvg(qr, { label }));
      qrBox.dataset.version = String(qr.version);
    } catch (e) {
      replace(qrBox, h('p', { class: 'field-error' }, `No QR code: ${e.message}. Share the link instead.`));
      replace(bigQr);
    }
  }

  copyBtn.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(api.link);
      copyBtn.textContent = 'Copied';
    } catch {
      // No clipboard (or no permission): select the link for Ctrl-C.
      const range = document.createRange();
      range.selectNodeContents(linkEl);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      copyBtn.textContent = 'Press Ctrl-C to copy';
    }
    setTimeout(() => { copyBtn.textContent = 'Copy the link'; }, 2500);
  });
  showBtn.addEventListener('click', () => dialog.showModal());
  closeBtn.addEventListener('click', () => closeRoom());
  clearBtn.addEventListener('click', () => {
    // An empty retained message removes a retained one: the broker forgets them.
    for (const m of api.room?.offline() ?? []) api.client.clearRetained(`presence/${m.id}`).catch(() => {});
  });

  // ---- rendering ----
  function renderState() {
    const c = api.client;
    if (!c) return;
    stateEl.dataset.state = c.state;
    const v = c.version === 5 ? 'MQTT 5.0' : 'MQTT 3.1.1';
    stateEl.textContent = `${STATE_WORDS[c.state] ?? c.state} to ${c.url}${c.state === 'connected' ? ` with ${v}` : ''}${c.why ? ` — ${c.why}` : ''}`;
    howEl.textContent = c.version === 5
      ? 'MQTT 5.0: each message names its sender in a user property (mqttlab-sender). Presence is a retained message on presence/<id>; the Will on the same topic marks a member offline when its connection dies without DISCONNECT.'
      : 'MQTT 3.1.1 has no user properties: each message names its sender in a first line of its payload (mqttlab-from:<id>:<name>). Presence is a retained message on presence/<id>; the Will on the same topic marks a member offline when its connection dies without DISCONNECT.';
  }

  let queued = false;
  function scheduleRender() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      render();
    });
  }

  function render() {
    const room = api.room;
    if (!room) return;
    const all = [...room.members.values()].filter((m) => m.id !== room.selfId);
    const online = all.filter((m) => m.state === 'online' && m.id !== OUTSIDE).length;
    memberCount.textContent = `${online} online`;
    replace(memberList, all.length
      ? all.sort(byName).map((m) => memberRow(m, room))
      : h('li', { class: 'empty' }, 'Nobody yet: students appear here as they join.'));
    counts.textContent = `${plural(room.counts.messages, 'message')}, ${plural(room.counts.presence, 'presence message')}, ${plural(room.counts.deliveries, 'delivery', 'deliveries')}`;
    renderLog(room);
  }

  // The log grows at its top: rows already drawn stay (and keep the focus of
  // their buttons); the whole list is drawn again only when the filter changes.
  let drawnSeq = 0;
  function renderLog(room, full = false) {
    const keep = (e) => showPresence.checked || e.kind === 'message';
    if (full) {
      drawnSeq = 0;
      replace(logList);
    }
    const fresh = room.log.filter((e) => e.seq > drawnSeq && keep(e)).slice(-SHOWN);
    if (room.log.length) drawnSeq = room.log[room.log.length - 1].seq;
    if (fresh.length) {
      logList.querySelector('.empty')?.remove();
      logList.prepend(...fresh.reverse().map((e) => logRow(e, room)));
      while (logList.children.length > SHOWN) logList.lastElementChild.remove();
    }
    if (!logList.children.length) replace(logList, h('li', { class: 'empty' }, 'No message yet.'));
  }

  function memberRow(m, room) {
    const stateText = m.state === 'online' ? 'online' : m.via === 'will' ? 'offline (its Will was published)' : 'left';
    return h('li', { class: 'cr-member', 'data-member': m.id, 'data-state': m.state === 'online' ? 'connected' : 'offline', 'data-via': m.via ?? '' },
      h('div', { class: 'conn-title' },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        h('strong', { 'data-member-name': '' }, m.name),
        m.role === 'teacher' ? h('span', { class: 'badge' }, 'teacher') : null,
        m.id === OUTSIDE ? h('span', { class: 'badge' }, 'no sender mark') : null,
        h('span', { class: 'state', 'data-member-state': '' }, stateText)),
      m.subs.length
        ? h('div', { class: 'conn-subs' }, h('span', { class: 'muted' }, 'subscribes to'),
          m.subs.map((s) => h('span', { class: 'chip plain', title: `QoS ${s.qos}` }, s.filter)))
        : m.id === OUTSIDE ? null : h('div', { class: 'conn-subs muted' }, 'no subscription'),
      h('div', { class: 'counts', 'data-member-counts': '' }, `sent ${m.sent} · received ${m.delivered}`),
      m.last ? h('div', { class: 'last' }, h('span', { class: 'payload' }, m.last.topic), ': ',
        h('span', { class: 'payload' }, preview(m.last.payload, 80))) : null);
  }

  function logRow(e, room) {
    const names = e.receivers.map((r) => (r.id === room.selfId ? 'this page' : room.members.get(r.id)?.name ?? r.id));
    let what;
    if (e.stored) what = 'retained: handed to this page when it subscribed';
    else if (e.kind === 'will') what = `${e.fromName}'s Will, published by the broker`;
    else what = `from ${e.fromName}`;
    const row = h('li', {
      class: 'cr-entry',
      'data-entry': e.seq,
      'data-kind': e.kind,
      'data-from': e.from,
      'data-receivers': e.receivers.map((r) => r.id).join(' '),
    },
    h('div', { class: 'cr-entry-head' },
      h('span', { class: 'm-time' }, clock(e.time)),
      h('span', { class: 'cr-topic', 'data-entry-topic': '' }, e.topic),
      h('span', { class: 'badge' }, `QoS ${e.qos}`),
      e.kind !== 'message' ? h('span', { class: 'badge' }, e.kind) : null,
      h('span', { class: 'muted', 'data-entry-from': '' }, what)),
    h('div', { class: 'cr-payload', 'data-entry-payload': '' }, preview(e.payload, 200)),
    h('div', { class: 'cr-fanout', 'data-entry-fanout': '' },
      `→ ${names.length ? names.join(', ') : 'nobody'} (${e.receivers.length})`,
      e.bytes && showPacket ? h('button', { type: 'button', class: 'small', 'data-entry-bytes': '' }, 'Bytes') : null));
    return row;
  }

  showPresence.addEventListener('change', () => api.room && renderLog(api.room, true));
  logList.addEventListener('click', (ev) => {
    const btn = ev.target.closest('[data-entry-bytes]');
    if (!btn || !api.room) return;
    const seq = Number(btn.closest('[data-entry]').dataset.entry);
    const e = api.room.log.find((x) => x.seq === seq);
    if (e?.bytes) showPacket(e.bytes, e.protocolVersion);
  });

  return api;
}

function byName(a, b) {
  if (a.id === OUTSIDE) return 1;
  if (b.id === OUTSIDE) return -1;
  return a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
}
