// The diagram's timeline, drawn from its history of flights (records
// `{ f: flight, end, delivered }`, oldest first): a strip of ticks, one per
// packet around the cursor, and the list of the last packets up to it, each a
// button that opens its bytes. `ci` is the cursor's index in the history.
import { h, replace } from './dom.js';
import { s } from './diagram-scene.js';

const TICKS = 60;

/** Ticks coloured by type; the cursor's is outlined, a lost packet's faded. */
export function drawStrip(strip, history, ci, lookingBack, labelOf, timeText) {
  const n = history.length;
  // Live, the cursor is the newest packet, at the right; looking back, packets after it show too.
  const from = Math.max(0, ci - (lookingBack ? 44 : TICKS - 1));
  const to = Math.min(n, from + TICKS);
  const cell = 600 / TICKS;
  const ticks = [];
  for (let i = from; i < to; i++) {
    const rec = history[i];
    const lost = rec.delivered === false;
    ticks.push(s('rect', {
      class: `dg-tick dg-c-${rec.f.cmd}${lost ? ' dg-tick-lost' : ''}${i === ci ? ' dg-tick-cur' : ''}`,
      x: (i - from) * cell + 1, y: 3, width: cell - 2, height: 18, rx: 2, 'data-flight-id': rec.f.id,
    }, s('title', {}, `${timeText(rec.f.sentAt)} ${labelOf(rec)}${lost ? ' (lost)' : ''}`)));
  }
  strip.replaceChildren(...ticks);
}

/** The last six packets up to the cursor: when, which way, what, and whether it arrived. */
export function drawLog(log, history, ci, lookingBack, labelOf, timeText, nameOf = (id) => id) {
  const rows = [];
  for (let i = Math.max(0, ci - 5); i <= ci && i < history.length; i++) {
    const rec = history[i];
    const f = rec.f;
    const who = nameOf(f.client);
    const route = f.direction === 'toBroker' ? `${who} → broker` : `broker → ${who}`;
    const fate = rec.delivered === false ? ' ✕ lost' : rec.end === null ? ' (in flight)' : '';
    rows.push(h('li', { class: i === ci && lookingBack ? 'dg-log-cur' : null },
      h('button', { type: 'button', class: 'dg-log-b', 'data-flight-id': f.id, title: 'Open its bytes in the Inspector' },
        h('span', { class: `dg-sw dg-c-${f.cmd}`, 'aria-hidden': 'true' }),
        h('span', { class: 'dg-log-t' }, timeText(f.sentAt)),
        h('span', { class: 'dg-log-r' }, route),
        h('span', { class: 'dg-log-l' }, labelOf(rec), fate))));
  }
  replace(log, rows);
}
