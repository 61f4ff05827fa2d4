// The diagram's fault buttons: for each client, cut its link without
// DISCONNECT, drop the next packet either way, stall the link, connect it
// again; for the broker, restart keeping or losing its sessions. Only the
// faults the traffic source offers are shown; what each one does is said in
// words in `say` (a role="status" element).
import { h, replace } from './dom.js';

const STATE_WORD = { connected: 'connected', connecting: 'connecting…', offline: 'offline' };
const has = (src, name) => !!src && typeof src[name] === 'function';

/** The faults panel (a <details>); `render(source, nodes)` after every change of the clients. */
export function faultPanel(say) {
  let src = null;
  let nodes = [];
  const list = h('ul', { class: 'dg-fault-list', 'data-dg-faults': '' });
  // Open, unless the screen is a phone's (the list of buttons is long there).
  const element = h('details', { class: 'dg-faults', open: !matchMedia('(max-width: 640px)').matches },
    h('summary', {}, 'Faults'),
    h('p', { class: 'help' }, 'Break things on purpose and watch MQTT cope: a cut link fires the client\'s Will, a dropped packet is what QoS 1 and 2 are for, a broker restart shows which sessions survive.'),
    list);

  function button(kind, node, text, label, disabled = false) {
    return h('button', { type: 'button', 'data-fault': kind, 'data-client': node?.id ?? null, 'aria-label': label, title: label, disabled }, text);
  }

  /** Draws a row per client and one for the broker; hidden when the source has no faults. */
  function render(source, clients, enabled = true) {
    src = source;
    nodes = clients;
    const any = ['cutLink', 'dropNext', 'delay', 'restartBroker', 'reconnect'].some((m) => has(src, m));
    element.hidden = !enabled || !any;
    if (element.hidden) return;
    // The list is drawn again: keep the focus on the button the user pressed.
    const active = document.activeElement;
    const again = active && list.contains(active) ? [active.dataset.fault, active.dataset.client] : null;
    const rows = nodes.map((n) => {
      const canReconnect = has(src, 'canReconnect') ? src.canReconnect(n.id) : n.state === 'offline';
      return h('li', { class: 'dg-fault', 'data-fault-client': n.id, 'data-state': n.state },
        h('span', { class: 'dg-fault-name' }, h('strong', {}, n.label), ' ', h('span', { class: 'muted' }, STATE_WORD[n.state] ?? n.state)),
        h('span', { class: 'dg-fault-acts' },
          has(src, 'cutLink') && button('cut', n, 'Cut link', `Cut ${n.label}'s link without DISCONNECT (its Will fires)`, n.state === 'offline'),
          has(src, 'dropNext') && button('drop-up', n, 'Drop next → broker', `Drop the next packet from ${n.label} to the broker`),
          has(src, 'dropNext') && button('drop-down', n, 'Drop next → client', `Drop the next packet from the broker to ${n.label}`),
          has(src, 'delay') && button('delay', n, 'Delay 2 s', `Stall ${n.label}'s link for 2 seconds`),
          has(src, 'reconnect') && canReconnect && button('reconnect', n, 'Reconnect', `Connect ${n.label} again now`)));
    });
    if (has(src, 'restartBroker')) {
      rows.push(h('li', { class: 'dg-fault dg-fault-broker', 'data-fault-client': 'broker' },
        h('span', { class: 'dg-fault-name' }, h('strong', {}, 'Broker')),
        h('span', { class: 'dg-fault-acts' },
          button('restart-keep', null, 'Restart, keep sessions', 'Restart the broker keeping sessions and retained messages'),
          button('restart-lose', null, 'Restart, lose sessions', 'Restart the broker losing every session and retained message'))));
    }
    replace(list, rows);
    if (again) {
      const sel = `[data-fault="${CSS.escape(again[0] ?? '')}"]${again[1] ? `[data-client="${CSS.escape(again[1])}"]` : ''}`;
      const b = list.querySelector(sel);
      if (b && !b.disabled) b.focus();
      else element.querySelector('summary')?.focus();
    }
  }

  list.addEventListener('click', (e) => {
    const b = e.target.closest('[data-fault]');
    if (!b || !src) return;
    const id = b.dataset.client;
    const name = nodes.find((n) => n.id === id)?.label ?? id;
    try {
      switch (b.dataset.fault) {
        case 'cut':
          src.cutLink(id);
          say.textContent = `${name}'s link is cut, without DISCONNECT. The broker notices after the link's delay, ends the connection and publishes ${name}'s Will, if it left one. ${name} then tries to connect again by itself.`;
          break;
        case 'drop-up':
          src.dropNext(id, 'toBroker', 1);
          say.textContent = `The next packet from ${name} to the broker will vanish on the way, and nobody is told.`;
          break;
        case 'drop-down':
          src.dropNext(id, 'toClient', 1);
          say.textContent = `The next packet from the broker to ${name} will vanish on the way, and nobody is told.`;
          break;
        case 'delay':
          src.delay(id, 2000);
          say.textContent = `${name}'s link stalls for 2 s: what is on it waits, then arrives in order.`;
          break;
        case 'reconnect':
          src.reconnect(id);
          say.textContent = `${name} connects again.`;
          break;
        case 'restart-keep':
          src.restartBroker(true);
          say.textContent = 'The broker restarted and kept its sessions and retained messages. Every connection dropped (no Wills are sent for a restart); the clients connect again and a persistent session finds its subscriptions and queued messages.';
          break;
        case 'restart-lose':
          src.restartBroker(false);
          say.textContent = 'The broker restarted and lost every session, subscription and retained message. The clients connect again; only those that subscribe again get messages.';
          break;
        default:
      }
    } catch (err) {
      say.textContent = `That did not work: ${err.message}`;
    }
  });

  return { element, render };
}
