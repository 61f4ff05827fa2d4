// The student's page, opened from the teacher's link (`#join=<code>&broker=<url>`):
// phone first. Join with a name, then subscribe and publish inside the room
// and see what arrives. Topics are shown without the room's prefix, and every
// string from the network is shown as text.
import { h, replace } from './dom.js';
import { checkUrl } from './connections.js';
import { clock, preview } from './format.js';
import { memberId, roomTopicProblem, cleanName } from './room.js';
import { RoomClient } from './room-client.js';

const KEEP = 100;
const STATE_WORDS = {
  idle: 'not connected', connecting: 'connecting…', connected: 'connected', reconnecting: 'connection lost, reconnecting…', closed: 'not connected',
};
const ANIMALS = ['Otter', 'Heron', 'Lynx', 'Puffin', 'Gecko', 'Badger', 'Koala', 'Marten', 'Ibis', 'Orca', 'Tapir', 'Wren'];

function remembered(code) {
  try {
    const s = JSON.parse(sessionStorage.getItem(`mqttlab.student.${code}`) ?? 'null');
    return s && typeof s.id === 'string' && typeof s.name === 'string' ? s : null;
  } catch {
    return null;
  }
}

function remember(code, value) {
  try {
    if (value) sessionStorage.setItem(`mqttlab.student.${code}`, JSON.stringify(value));
    else sessionStorage.removeItem(`mqttlab.student.${code}`);
  } catch { /* not remembered */ }
}

/**
 * Builds the student page into `main` (the rest of the app is hidden by
 * classroom.css under html[data-mode="student"]). Returns
 * `{ client (once joined), join(name), leave() }` for the tests and the console.
 */
export function mountStudent(main, { join, topic }) {
  const api = { client: null, messages: [], join: (name) => doJoin(name), leave: () => doLeave() };
  const section = h('section', { class: 'student', 'aria-labelledby': 'st-h', 'data-student': '' });
  main.prepend(section);

  if (join.error) {
    replace(section, h('h2', { id: 'st-h' }, 'Join a room'), h('p', { class: 'error-card', role: 'alert', 'data-st-error': '' }, join.error));
    return api;
  }
  const urlProblem = checkUrl(join.broker).error;
  const { code } = join;
  const host = (() => {
    try { return new URL(join.broker).host; } catch { return join.broker; }
  })();

  // ---- the frame ----
  const stateEl = h('p', { class: 'st-state', role: 'status', 'data-st-state': '' });
  const head = h('div', { class: 'st-head' },
    h('h2', { id: 'st-h' }, 'Room ', h('span', { class: 'cr-code' }, code)),
    h('p', { class: 'muted st-where' }, `on ${host}`),
    stateEl);

  const nameInput = h('input', { id: 'st-name', name: 'name', autocomplete: 'nickname', maxlength: '32', spellcheck: 'false', 'data-st-name': '' });
  const joinForm = h('form', { class: 'card st-join', 'data-st-join': '', novalidate: true },
    h('div', { class: 'ctl' }, h('label', { for: 'st-name' }, 'Your name'), nameInput),
    h('button', { type: 'submit', class: 'primary', 'data-st-join-btn': '' }, 'Join the room'),
    h('p', { class: 'help' },
      'When you join, your phone announces you to the room with a retained message, and leaves a "last Will" with the broker: ',
      'if your connection dies without saying goodbye, the broker publishes it and the class sees you go offline.'),
    urlProblem ? h('p', { class: 'field-error', role: 'alert' }, urlProblem) : null);

  const subFilter = h('input', { id: 'st-filter', name: 'filter', spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off', value: '#', 'data-st-filter': '' });
  const subQos = h('select', { id: 'st-sub-qos', name: 'qos' }, h('option', {}, '0'), h('option', { selected: true }, '1'), h('option', {}, '2'));
  const subError = h('p', { class: 'field-error', role: 'status', 'data-st-sub-error': '' });
  const subList = h('ul', { class: 'sub-list', 'aria-label': 'Your subscriptions', 'data-st-subs': '' });
  const subForm = h('form', { class: 'card st-sub', 'data-st-sub-form': '', novalidate: true },
    h('h3', {}, 'Subscribe'),
    h('div', { class: 'st-row' },
      h('div', { class: 'ctl st-grow' }, h('label', { for: 'st-filter' }, 'Topic filter ', h('span', { class: 'hint' }, '+ one level, # everything')), subFilter),
      h('div', { class: 'ctl' }, h('label', { for: 'st-sub-qos' }, 'QoS'), subQos)),
    subError,
    h('button', { type: 'submit', class: 'primary', 'data-st-subscribe': '' }, 'Subscribe'),
    subList);

  const pubTopic = h('input', { id: 'st-topic', name: 'topic', spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off', value: 'hello', 'data-st-topic': '' });
  const pubPayload = h('textarea', { id: 'st-payload', name: 'payload', rows: '2', spellcheck: 'false', 'data-st-payload': '' });
  pubPayload.value = 'Hello, class!';
  const pubQos = h('select', { id: 'st-pub-qos', name: 'qos' }, h('option', {}, '0'), h('option', { selected: true }, '1'), h('option', {}, '2'));
  const pubRetain = h('input', { type: 'checkbox', name: 'retain', id: 'st-retain' });
  const pubError = h('p', { class: 'field-error', role: 'status', 'data-st-pub-error': '' });
  const pubStatus = h('p', { class: 'field-status', role: 'status', 'data-st-pub-status': '' });
  const pubForm = h('form', { class: 'card st-pub', 'data-st-pub-form': '', novalidate: true },
    h('h3', {}, 'Publish'),
    h('div', { class: 'ctl' }, h('label', { for: 'st-topic' }, 'Topic'), pubTopic),
    h('div', { class: 'ctl' }, h('label', { for: 'st-payload' }, 'Message'), pubPayload),
    h('div', { class: 'st-row' },
      h('div', { class: 'ctl' }, h('label', { for: 'st-pub-qos' }, 'QoS'), pubQos),
      h('label', { class: 'st-check', for: 'st-retain' }, pubRetain, ' Retain')),
    pubError,
    h('button', { type: 'submit', class: 'primary', 'data-st-publish': '' }, 'Publish'),
    pubStatus);

  const countEl = h('span', { class: 'count', 'data-st-count': '' });
  const inbox = h('ol', { class: 'st-inbox', 'data-st-inbox': '', reversed: true, 'aria-live': 'polite' });
  const inboxCard = h('section', { class: 'card st-received', 'aria-labelledby': 'st-h-in' },
    h('h3', { id: 'st-h-in' }, 'Received', countEl),
    inbox);

  const leaveBtn = h('button', { type: 'button', 'data-st-leave': '' }, 'Leave the room');
  const room = h('div', { class: 'st-room', 'data-st-room': '', hidden: true },
    subForm, pubForm, inboxCard,
    h('p', { class: 'st-foot' }, leaveBtn,
      h('span', { class: 'help' }, ' Leaving says goodbye (DISCONNECT): no Will. Closing the page does not: the broker publishes your Will.')));

  replace(section, head, joinForm, room);

  // ---- joining ----
  const again = remembered(code);
  nameInput.value = again?.name ?? `${ANIMALS[Math.floor(Math.random() * ANIMALS.length)]} ${10 + Math.floor(Math.random() * 90)}`;
  renderState();
  // A reload of a page that had joined joins again, as the same member.
  if (again && !urlProblem) queueMicrotask(() => doJoin(again.name));

  joinForm.addEventListener('submit', (e) => {
    e.preventDefault();
    doJoin(nameInput.value);
  });

  async function doJoin(name) {
    if (urlProblem || api.client) return;
    const me = { id: remembered(code)?.id ?? memberId('student'), name: cleanName(name, 'student') };
    remember(code, me);
    let mqtt;
    try {
      mqtt = await import('../lib/mqtt.js');
    } catch (e) {
      stateEl.textContent = `The MQTT client could not be loaded: ${e.message}`;
      return;
    }
    const client = new RoomClient({ mqtt, url: join.broker, code, role: 'student', name: me.name, clientId: me.id, protocol: join.protocol });
    api.client = client;
    client.addEventListener('change', () => {
      renderState();
      renderSubs();
    });
    client.addEventListener('message', (ev) => receive(ev.detail));
    client.start();
    joinForm.hidden = true;
    room.hidden = false;
    subFilter.focus();
  }

  async function doLeave() {
    const client = api.client;
    if (!client) return;
    api.client = null;
    await client.leave();
    remember(code, null);
    joinForm.hidden = false;
    room.hidden = true;
    stateEl.dataset.state = 'closed';
    stateEl.textContent = 'You left the room.';
  }
  leaveBtn.addEventListener('click', () => doLeave());

  function renderState() {
    const c = api.client;
    if (!c) {
      stateEl.dataset.state = 'idle';
      stateEl.textContent = urlProblem ? '' : 'Type your name and join.';
      return;
    }
    stateEl.dataset.state = c.state;
    const v = c.version === 5 ? 'MQTT 5.0' : 'MQTT 3.1.1';
    stateEl.textContent = `${c.name}: ${STATE_WORDS[c.state] ?? c.state}${c.state === 'connected' ? ` (${v})` : ''}${c.why ? ` — ${c.why}` : ''}`;
  }

  // ---- subscribe ----
  const check = (text, kind) => roomTopicProblem(code, text, kind,
    kind === 'filter' ? topic.checkTopicFilter : topic.checkTopicName);
  subFilter.addEventListener('input', () => { subError.textContent = subFilter.value ? check(subFilter.value, 'filter') : ''; });
  subForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = subFilter.value;
    const why = check(f, 'filter');
    subError.textContent = why;
    subFilter.setAttribute('aria-invalid', String(!!why));
    if (why || !api.client) return;
    api.client.subscribe(f, Number(subQos.value));
  });

  function renderSubs() {
    const c = api.client;
    if (!c) return;
    replace(subList, c.subs.map((s) => h('li', { class: 'sub', 'data-st-sub': s.filter, 'data-state': s.state },
      h('span', { class: 'chip plain' }, s.filter),
      h('span', { class: 'muted' }, s.state === 'granted' ? `QoS ${s.granted ?? s.qos}` : s.state === 'pending' ? 'waiting for the broker…' : s.why),
      h('button', { type: 'button', class: 'small', 'data-st-unsub': s.filter, 'aria-label': `Unsubscribe from ${s.filter}` }, 'Unsubscribe'))));
  }
  subList.addEventListener('click', (e) => {
    const b = e.target.closest('[data-st-unsub]');
    if (b && api.client) api.client.unsubscribe(b.getAttribute('data-st-unsub'));
  });

  // ---- publish ----
  pubTopic.addEventListener('input', () => { pubError.textContent = pubTopic.value ? check(pubTopic.value, 'name') : ''; });
  pubForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const t = pubTopic.value;
    const why = check(t, 'name');
    pubError.textContent = why;
    pubTopic.setAttribute('aria-invalid', String(!!why));
    if (why || !api.client) return;
    pubStatus.textContent = '';
    try {
      await api.client.publish(t, pubPayload.value, { qos: Number(pubQos.value), retain: pubRetain.checked });
      pubStatus.textContent = `Sent to ${t}.`;
    } catch (err) {
      pubError.textContent = `Not sent: ${err.message}`;
    }
  });

  // ---- received ----
  function receive(m) {
    api.messages.push(m);
    if (api.messages.length > KEEP) api.messages.shift();
    countEl.textContent = String(api.client?.received ?? api.messages.length);
    const from = m.sender ? (m.sender.id === api.client?.clientId ? 'you' : m.sender.name) : null;
    inbox.prepend(h('li', { class: 'st-msg', 'data-st-msg': '', 'data-topic': m.topic },
      h('div', { class: 'st-msg-head' },
        h('span', { class: 'cr-topic', 'data-st-msg-topic': '' }, m.topic),
        m.retain ? h('span', { class: 'badge retained-mark' }, 'retained') : null,
        h('span', { class: 'badge' }, `QoS ${m.qos}`),
        from ? h('span', { class: 'muted', 'data-st-msg-from': '' }, `from ${from}`) : null,
        h('span', { class: 'm-time' }, clock(m.time))),
      h('div', { class: 'cr-payload', 'data-st-msg-payload': '' }, preview(m.payload, 500))));
    while (inbox.children.length > KEEP) inbox.lastElementChild.remove();
  }

  return api;
}
