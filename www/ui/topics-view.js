// "Topics": the tree of every topic seen, with message counts, the last value
// and a retained marker; the selected topic's recent history and, when its
// values are numbers, a line chart on a <canvas>. Children render only when
// their parent is open, and at most MAX_CHILDREN of them, so a flood of
// distinct topics stays cheap.
import { h, replace } from './dom.js';
import { clock, numeric, plural, preview } from './format.js';

const MAX_CHILDREN = 200;

export function mountTopicsView(root, { store }) {
  const tree = root.querySelector('[data-ttree]');
  const detail = root.querySelector('[data-topic-detail]');
  const count = root.querySelector('[data-topic-count]');
  const open = new Set(['']); // paths of the open nodes
  let selected = null; // selected topic
  let queued = false;

  function nodeEl(n) {
    const kids = n.children.size;
    const isOpen = open.has(n.path);
    const s = n.stats;
    const li = h('li', { class: 'tnode', 'data-path': n.path },
      h('div', { class: 'trow' },
        kids
          ? h('button', { type: 'button', class: 'twisty', 'data-toggle': n.path, 'aria-expanded': String(isOpen), 'aria-label': `${isOpen ? 'Close' : 'Open'} ${n.path}` }, isOpen ? '▾' : '▸')
          : h('span', { class: 'twisty', 'aria-hidden': 'true' }),
        h('button', { type: 'button', class: 'tname', 'data-topic': s ? n.path : null, 'data-toggle': s ? null : n.path, 'aria-current': s && selected === n.path ? 'true' : null },
          n.name === '' ? '(empty level)' : n.name),
        h('span', { class: 'tcount', title: 'messages seen under this level' }, String(n.total)),
        s?.retained ? h('span', { class: 'badge retained-mark', title: 'a retained message was received' }, 'retained') : null,
        s?.last ? h('span', { class: 'tlast' }, preview(s.last.payload, 40)) : null));
    if (kids && isOpen) li.append(childrenEl(n));
    return li;
  }

  function childrenEl(n) {
    const ul = h('ul', { class: 'tchildren' });
    let i = 0;
    for (const c of n.children.values()) {
      if (i++ >= MAX_CHILDREN) {
        ul.append(h('li', { class: 'muted' }, `… and ${n.children.size - MAX_CHILDREN} more levels`));
        break;
      }
      ul.append(nodeEl(c));
    }
    return ul;
  }

  function render() {
    queued = false;
    if (root.hidden) return;
    count.textContent = plural(store.topics.size, 'topic');
    if (!store.topics.size) {
      replace(tree, h('p', { class: 'help' }, 'No messages yet: subscribe to something in Messages.'));
    } else {
      const focused = document.activeElement?.closest?.('[data-path]')?.dataset.path;
      replace(tree, childrenEl(store.root));
      if (focused !== undefined) tree.querySelector(`[data-path="${CSS.escape(focused)}"] .tname`)?.focus();
    }
    renderDetail();
  }

  function renderDetail() {
    const t = selected !== null && store.topics.get(selected);
    if (!t) return;
    const hist = t.history.slice(-50).reverse();
    const values = t.history.map((m) => [m.time, numeric(m.payload)]).filter(([, v]) => v !== undefined);
    const canvas = values.length >= 2 ? h('canvas', { class: 'chart', width: 600, height: 180, role: 'img',
      'aria-label': `Line chart of the last ${values.length} values of ${t.topic}, from ${Math.min(...values.map((v) => v[1]))} to ${Math.max(...values.map((v) => v[1]))}` }) : null;
    replace(detail,
      h('p', {}, h('strong', { class: 'd-topic', 'data-detail-topic': '' }, t.topic)),
      h('p', { class: 'muted' }, `${plural(t.count, 'message')} seen${t.retained ? ' · a retained message was received' : ''} · ${plural(t.history.length, 'message')} kept`),
      t.last ? h('p', {}, 'Last value: ', h('code', { 'data-last-value': '' }, preview(t.last.payload, 200))) : null,
      canvas,
      h('ol', { class: 'history', reversed: true }, hist.map((m) => h('li', {},
        h('span', { class: 'm-time' }, clock(m.time)), ' ', h('span', { class: 'payload' }, preview(m.payload, 120))))));
    if (canvas) drawChart(canvas, values);
  }

  tree.addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (!b) return;
    if (b.dataset.toggle !== undefined) {
      const p = b.dataset.toggle;
      if (open.has(p)) open.delete(p);
      else open.add(p);
      render();
    } else if (b.dataset.topic !== undefined) {
      selected = b.dataset.topic;
      // Opening a topic that has children shows them too.
      open.add(selected);
      render();
    }
  });

  const queue = () => {
    if (queued) return;
    queued = true;
    setTimeout(() => requestAnimationFrame(render), 250); // counts refresh 4 times a second at most
  };
  store.addEventListener('change', queue);
  store.addEventListener('topics', queue);
  document.addEventListener('mqttlab:show', () => requestAnimationFrame(render));
  document.querySelector('[data-tabs]').addEventListener('click', () => requestAnimationFrame(render));

  /** Opens every level of `topic` and selects it (tests and links). */
  return {
    select(topic) {
      let p = '';
      for (const level of topic.split('/')) { p = p ? `${p}/${level}` : level; open.add(p); }
      selected = topic;
      render();
    },
  };
}

/** A line chart with min/max labels; colours from the stylesheet. */
function drawChart(canvas, points) {
  const dpr = devicePixelRatio || 1;
  const cssW = canvas.clientWidth || 600;
  const cssH = canvas.clientHeight || 180;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  const ctx = canvas.getContext('2d');
  ctx.scale(dpr, dpr);
  const style = getComputedStyle(canvas);
  const ink = style.getPropertyValue('--ink').trim() || '#111827';
  const accent = style.getPropertyValue('--accent').trim() || '#1d4ed8';
  const line = style.getPropertyValue('--line').trim() || '#d5dae1';
  const pad = { l: 48, r: 10, t: 10, b: 22 };
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) { y0 -= 1; y1 += 1; }
  const [x0, x1] = [xs[0], xs[xs.length - 1] === xs[0] ? xs[0] + 1 : xs[xs.length - 1]];
  const X = (x) => pad.l + ((x - x0) / (x1 - x0)) * (cssW - pad.l - pad.r);
  const Y = (y) => pad.t + (1 - (y - y0) / (y1 - y0)) * (cssH - pad.t - pad.b);
  ctx.clearRect(0, 0, cssW, cssH);
  ctx.strokeStyle = line;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(pad.l, pad.t);
  ctx.lineTo(pad.l, cssH - pad.b);
  ctx.lineTo(cssW - pad.r, cssH - pad.b);
  ctx.stroke();
  ctx.fillStyle = ink;
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'right';
  ctx.fillText(String(+y1.toPrecision(6)), pad.l - 6, pad.t + 10);
  ctx.fillText(String(+y0.toPrecision(6)), pad.l - 6, cssH - pad.b);
  ctx.textAlign = 'left';
  ctx.fillText(clock(x0).slice(0, 8), pad.l, cssH - 6);
  ctx.textAlign = 'right';
  ctx.fillText(clock(x1).slice(0, 8), cssW - pad.r, cssH - 6);
  ctx.strokeStyle = accent;
  ctx.lineWidth = 2;
  ctx.beginPath();
  points.forEach(([x, y], i) => (i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
  ctx.stroke();
  ctx.fillStyle = accent;
  for (const [x, y] of points.slice(-1)) {
    ctx.beginPath();
    ctx.arc(X(x), Y(y), 3.5, 0, Math.PI * 2);
    ctx.fill();
  }
}
