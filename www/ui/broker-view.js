// "Broker & clients": your connections (state, why they failed, buttons) with
// the new-connection form, and the in-page broker's simulated clients with
// their state and subscriptions. The animated diagram (ui/diagram.js) is
// mounted above them by app.js, in [data-diagram-mount].
import { h, replace } from './dom.js';
import {
  PRESETS, STATE_TEXT, SimConnection, RemoteConnection, checkUrl, randomClientId, rememberForm, rememberedForm,
} from './connections.js';
import { preview, toBytes, plural } from './format.js';

const ROLE_ICON = { sensor: 'S', dashboard: 'D', phone: 'P', you: 'Y', sim: '•' };

export function mountBrokerView(root, { lab, connections, topic, onConnect }) {
  const $ = (s) => root.querySelector(s);
  const form = $('[data-conn-form]');
  const brokerSel = $('[data-cf-broker]');
  const urlInput = form.elements.url;

  // ---- the form ----
  for (const p of PRESETS) brokerSel.append(h('option', { value: p.id }, p.label));
  const last = rememberedForm();
  if (last) fillForm(last);
  form.elements.clientId.value = randomClientId();
  syncForm();

  function fillForm(s) {
    const el = form.elements;
    brokerSel.value = PRESETS.some((p) => p.id === s.broker) ? s.broker : 'inpage';
    urlInput.value = s.url ?? '';
    el.protocolVersion.value = String(s.protocolVersion ?? 5);
    el.keepalive.value = s.keepalive ?? 60;
    el.sessionExpiry.value = s.sessionExpiry ?? 0;
    el.clean.checked = s.clean ?? true;
    el.reconnect.checked = s.reconnect ?? true;
    el.username.value = s.username ?? '';
    el.password.value = s.password ?? '';
    el.rememberPassword.checked = !!s.rememberPassword;
    el.willTopic.value = s.will?.topic ?? '';
    el.willPayload.value = s.will?.payload ?? '';
    el.willQos.value = String(s.will?.qos ?? 0);
    el.willRetain.checked = !!s.will?.retain;
  }

  function readForm() {
    const el = form.elements;
    const s = {
      broker: brokerSel.value,
      url: urlInput.value.trim(),
      protocolVersion: Number(el.protocolVersion.value),
      clientId: el.clientId.value.trim(),
      keepalive: Number(el.keepalive.value || 0),
      sessionExpiry: Number(el.sessionExpiry.value || 0),
      clean: el.clean.checked,
      reconnect: el.reconnect.checked,
      username: el.username.value,
      password: el.password.value,
      rememberPassword: el.rememberPassword.checked,
    };
    if (el.willTopic.value) {
      s.will = { topic: el.willTopic.value, payload: el.willPayload.value, qos: Number(el.willQos.value), retain: el.willRetain.checked };
    }
    return s;
  }

  function syncForm() {
    const preset = PRESETS.find((p) => p.id === brokerSel.value) ?? PRESETS[0];
    $('[data-cf-note]').textContent = preset.note;
    $('[data-cf-url-row]').hidden = preset.id === 'inpage';
    const v5 = form.elements.protocolVersion.value === '5';
    for (const el of form.querySelectorAll('[data-v5-only]')) el.hidden = !v5;
    validate(false);
  }

  function validate(strict) {
    const s = readForm();
    let urlErr = '';
    if (s.broker !== 'inpage') {
      if (!s.url) urlErr = strict ? 'Type the broker\'s WebSocket URL.' : '';
      else urlErr = checkUrl(s.url).error ?? '';
    }
    $('[data-cf-url-error]').textContent = urlErr;
    const willErr = s.will ? topic.checkTopicName(s.will.topic) ?? '' : '';
    $('[data-cf-will-error]').textContent = willErr ? `Will topic: ${willErr}` : '';
    let err = '';
    if (!s.clientId && !s.clean) err = 'An empty client id needs Clean start (the broker makes one up for this connection only).';
    if (s.password && !s.username && s.protocolVersion === 4) err = 'MQTT 3.1.1 does not allow a password without a user name.';
    $('[data-cf-error]').textContent = err;
    return !(urlErr || willErr || err);
  }

  brokerSel.addEventListener('change', () => {
    const preset = PRESETS.find((p) => p.id === brokerSel.value);
    if (preset?.url) urlInput.value = preset.url;
    syncForm();
  });
  form.addEventListener('input', (e) => {
    if (e.target === brokerSel) return;
    if (e.target.name === 'protocolVersion') syncForm();
    else validate(false);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!validate(true)) return;
    const s = readForm();
    rememberForm(s);
    const preset = PRESETS.find((p) => p.id === s.broker);
    s.name = s.clientId || '(id from the broker)';
    if (s.broker !== 'inpage') s.name += ` @ ${preset.id === 'custom' ? new URL(s.url).host : preset.label}`;
    onConnect(s);
    form.elements.clientId.value = randomClientId();
    $('[data-new-conn]').open = false;
  });

  // ---- the connection cards ----
  const list = $('[data-conn-list]');
  function renderConnections() {
    replace(list, connections.list.map((c) => h('li', { class: 'conn-card', 'data-conn': c.id, 'data-state': c.state },
      h('div', { class: 'conn-title' },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        h('strong', {}, c.name),
        h('span', { class: 'badge' }, c.v5 ? 'MQTT 5.0' : 'MQTT 3.1.1'),
        h('span', { class: 'state', 'data-conn-state': '' }, STATE_TEXT[c.state] ?? c.state)),
      h('div', { class: 'conn-where' }, c.where),
      c.why ? h('p', { class: c.state === 'connected' ? 'note' : 'conn-why', 'data-conn-why': '' }, c.why) : null,
      h('div', { class: 'conn-subs' }, c.subscriptions.length
        ? c.subscriptions.map((s) => h('span', { class: 'chip', 'data-c': s.colour, title: s.why || null }, s.filter, s.state === 'refused' ? ' (refused)' : ''))
        : h('span', { class: 'muted' }, 'no subscriptions')),
      h('div', { class: 'conn-actions' },
        h('button', { type: 'button', 'data-act': 'use' }, connections.selected === c ? 'In use by the forms' : 'Use in Messages'),
        c.state === 'closed' || c.state === 'idle'
          ? h('button', { type: 'button', 'data-act': 'connect' }, 'Connect')
          : h('button', { type: 'button', 'data-act': 'end' }, 'Disconnect'),
        h('button', { type: 'button', 'data-act': 'remove' }, 'Remove')))));
  }
  list.addEventListener('click', (e) => {
    const btn = e.target.closest('[data-act]');
    const c = btn && connections.get(btn.closest('[data-conn]').dataset.conn);
    if (!c) return;
    if (btn.dataset.act === 'use') {
      connections.select(c);
      document.dispatchEvent(new CustomEvent('mqttlab:show', { detail: { tab: 'messages' } }));
    } else if (btn.dataset.act === 'connect') {
      c.connect();
    } else if (btn.dataset.act === 'end') {
      c.end();
    } else if (btn.dataset.act === 'remove') {
      connections.remove(c);
    }
  });
  connections.addEventListener('change', renderConnections);
  renderConnections();

  // ---- the in-page broker (its clock's controls are the diagram's) ----
  const simList = $('[data-sim-clients]');
  const simBroker = $('[data-sim-broker]');
  function renderSim() {
    if (root.hidden) return;
    const snap = lab.snapshot();
    const b = snap.broker;
    replace(simBroker,
      h('div', { class: 'stat' }, h('span', { class: 'stat-n' }, String(b.sessions.filter((s) => s.online).length)), ' online'),
      h('div', { class: 'stat' }, h('span', { class: 'stat-n' }, String(b.subscriptions.length)), ' subscriptions'),
      h('div', { class: 'stat' }, h('span', { class: 'stat-n' }, String(b.retained.length)), ' retained'),
      b.retained.length ? h('div', { class: 'retained' }, 'Retained: ',
        b.retained.slice(0, 6).map((r) => h('span', { class: 'chip plain' }, `${r.topic} = ${preview(toBytes(r.payload), 24)}`))) : null);
    replace(simList, snap.clients.map((c) => {
      const info = lab.clients.get(c.id) ?? {};
      return h('li', { class: 'sim-client', 'data-sim-client': c.id, 'data-state': c.state, 'data-role': info.role },
        h('div', { class: 'conn-title' },
          h('span', { class: 'icon', 'aria-hidden': 'true' }, ROLE_ICON[info.role] ?? '•'),
          h('strong', {}, c.clientId || c.id),
          h('span', { class: 'state' }, STATE_TEXT[c.state] ?? c.state)),
        info.description ? h('div', { class: 'muted' }, info.description) : null,
        h('div', { class: 'conn-subs' }, c.subscriptions.length
          ? ['subscribed to ', c.subscriptions.map((f) => h('code', { class: 'chip plain' }, f))]
          : h('span', { class: 'muted' }, 'no subscriptions')),
        h('div', { class: 'counts' },
          h('span', { 'data-sent': '' }, `sent ${plural(info.sent ?? 0, 'message')}`), ' · ',
          h('span', { 'data-received': '' }, `received ${plural(info.received ?? 0, 'message')}`)),
        info.last ? h('div', { class: 'last' }, 'last: ', h('code', {}, info.last.topic), ' = ',
          h('span', { class: 'payload' }, preview(toBytes(info.last.payload), 60))) : null);
    }));
  }
  lab.addEventListener('change', renderSim);
  document.addEventListener('mqttlab:show', () => setTimeout(renderSim, 0));
  root.closest('body').querySelector('[data-tabs]').addEventListener('click', () => setTimeout(renderSim, 0));
  renderSim();

  // ---- the header badge ----
  const badge = document.querySelector('[data-conn-summary]');
  const badgeBox = document.querySelector('[data-conn-badge]');
  function renderBadge() {
    const up = connections.list.filter((c) => c.state === 'connected').length;
    badge.textContent = `${plural(connections.list.length, 'connection')}, ${up} connected`;
    badgeBox.dataset.state = up ? 'connected' : 'closed';
  }
  connections.addEventListener('change', renderBadge);
  renderBadge();
}

export { SimConnection, RemoteConnection };
