// The packet log of a lab: one line per packet, in the order sent, with its
// virtual time, who sent it to whom, its type, its topic or a short summary,
// and what became of it (on its way, delivered, lost). It is the text
// alternative to the animated diagram, and the lessons' stage until one is
// mounted. Every string from a packet enters the page as text.
import { h } from './dom.js';

const MAX_LINES = 300;

/** A short summary of a packet in the codec's mqtt-packet shape. */
export function packetSummary(p) {
  if (!p) return 'bytes that are not one valid packet';
  const qos = p.qos ? ` QoS ${p.qos}` : '';
  switch (p.cmd) {
    case 'connect': return `client id "${p.clientId}"${p.clean === false ? ', persistent session' : ''}${p.will ? ', with a Will' : ''}`;
    case 'connack': return `${p.sessionPresent ? 'session present' : 'new session'}${p.reasonCode ? `, code ${p.reasonCode}` : p.returnCode ? `, code ${p.returnCode}` : ''}`;
    case 'publish': {
      let payload = '';
      try {
        payload = new TextDecoder('utf-8', { fatal: true }).decode(p.payload ?? new Uint8Array());
      } catch {
        payload = `${p.payload?.length ?? 0} bytes`;
      }
      if (payload.length > 40) payload = `${payload.slice(0, 40)}…`;
      const flags = [qos.trim(), p.retain && 'retained', p.dup && 'DUP'].filter(Boolean).join(', ');
      const id = p.messageId ? ` #${p.messageId}` : '';
      return `${p.topic} = "${payload}"${flags ? ` (${flags})` : ''}${id}`;
    }
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      return `for #${p.messageId}`;
    case 'subscribe':
      return (p.subscriptions ?? []).map((s) => `${s.topic} (QoS ${s.qos})`).join(', ');
    case 'suback':
      return `granted ${(p.granted ?? p.reasonCodes ?? []).join(', ')}`;
    case 'unsubscribe':
      return (p.unsubscriptions ?? []).join(', ');
    default:
      return '';
  }
}

function fate(e) {
  // A real broker's packets (room-lab.js) say what the page saw: written, or received.
  if (e.type === 'packetDelivered') return { state: 'delivered', text: e.text ?? 'delivered' };
  const why = {
    lost: 'lost: the connection broke',
    partitioned: 'lost in the partition',
    dropped: 'dropped on purpose',
    connectionBroken: 'lost with its connection',
    transportClosed: 'arrived after the connection closed',
  }[e.why] ?? `lost (${e.why})`;
  return { state: 'lost', text: why };
}

/** Seconds of virtual time, as "12.345 s". */
export function seconds(ms) {
  return `${(ms / 1000).toFixed(3)} s`;
}

/**
 * Mounts the log of `lab`'s packets in `el`. `showPacket(bytes, version)`, if
 * given, makes each line open the packet in the inspector.
 * Returns `{ destroy() }`.
 */
export function mountPacketLog(el, lab, { showPacket } = {}) {
  const list = h('ol', { class: 'plog-list', 'data-packet-log': '' });
  const empty = h('p', { class: 'plog-empty' }, 'No packets yet.');
  const wrap = h('section', { class: 'plog', 'aria-label': 'Packet log' },
    h('div', { class: 'plog-head' },
      h('h4', {}, 'Packet log'),
      h('span', { class: 'plog-legend' }, 'time · from → to · packet · what it carries · what became of it')),
    h('div', { class: 'plog-scroll', role: 'log', 'aria-live': 'off', tabindex: '0' }, empty, list));
  el.append(wrap);
  const scroller = wrap.querySelector('.plog-scroll');
  const lines = new Map(); // flight id -> li
  // Follows the newest line unless the reader scrolled up to read.
  let follow = true;
  scroller.addEventListener('scroll', () => {
    follow = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  });

  function add(e) {
    const cmd = e.packet?.cmd ?? 'bytes';
    const status = h('span', { class: 'plog-fate', 'data-fate': e.lost ? 'lost' : 'flying' }, e.lost ? 'will be lost' : 'on its way');
    const body = [
      h('span', { class: 'plog-time' }, seconds(e.sentAt)),
      h('span', { class: 'plog-route' }, `${e.from} → ${e.to}`),
      h('span', { class: 'plog-cmd', 'data-cmd': cmd }, cmd.toUpperCase()),
      h('span', { class: 'plog-what' }, packetSummary(e.packet)),
      status,
    ];
    const li = h('li', {
      class: 'plog-line', 'data-flight': e.id, 'data-cmd': cmd, 'data-from': e.from, 'data-to': e.to,
      'data-fate': 'flying',
    });
    if (showPacket && e.bytes) {
      const b = h('button', { type: 'button', class: 'plog-open', title: 'Open its bytes in the inspector' }, body);
      b.addEventListener('click', () => showPacket(e.bytes, e.protocolVersion));
      li.append(b);
    } else {
      li.append(...body);
    }
    lines.set(e.id, li);
    list.append(li);
    empty.hidden = true;
    while (list.childElementCount > MAX_LINES) {
      const first = list.firstElementChild;
      lines.delete(Number(first.dataset.flight));
      first.remove();
    }
    if (follow) scroller.scrollTop = scroller.scrollHeight;
  }

  function settle(e) {
    const li = lines.get(e.id);
    if (!li) return;
    const f = fate(e);
    li.dataset.fate = f.state;
    const s = li.querySelector('.plog-fate');
    s.dataset.fate = f.state;
    s.textContent = `${f.text} at ${seconds(e.at)}`;
    lines.delete(e.id);
    if (follow) scroller.scrollTop = scroller.scrollHeight;
  }

  const onEvents = (ev) => {
    for (const e of ev.detail) {
      if (e.type === 'packetSent') add(e);
      else if (e.type === 'packetDelivered' || e.type === 'packetDropped') settle(e);
    }
  };
  lab.broker.addEventListener('events', onEvents);
  return {
    destroy() {
      lab.broker.removeEventListener('events', onEvents);
      wrap.remove();
    },
  };
}
