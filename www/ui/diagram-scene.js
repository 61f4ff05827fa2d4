// The diagram's drawing: the broker in the centre, the clients around it, one
// link from each client to the broker (clients are never linked to each
// other), and the packets on their links. Pure SVG; positions are worked out
// here from a flight's progress (0 at the sender, 1 at the receiver). Packet
// elements are pooled, so a busy link does not create and drop elements each
// frame. Every string from the network goes in as text.
import { typeName } from './packet-label.js';

const NS = 'http://www.w3.org/2000/svg';

/** An SVG element: s('circle', { r: 4 }, child...). Strings become text nodes. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v !== null && v !== undefined && v !== false) el.setAttribute(k, String(v));
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const ROLE_GLYPH = { sensor: 'S', dashboard: 'D', phone: 'P', you: 'Y', socket: 'W', sim: '•' };
const STATE_WORD = { connected: 'connected', connecting: 'connecting…', offline: 'offline' };
const fmt = (x) => Math.round(x * 10) / 10;

export class Scene {
  /** `svg`: an empty <svg> element in the page. */
  constructor(svg) {
    this.svg = svg;
    this.w = 600;
    this.h = 400;
    this.k = 1; // type scale: 1, larger in projector mode
    this.short = false; // short packet names on a narrow stage
    this.nodes = [];
    this.pos = new Map(); // node id -> { x, y }
    this.nodeEls = new Map();
    this.linkEls = new Map();
    this.packetEls = new Map(); // flight id -> <g>
    this.pool = [];
    this.badgeEls = [];
    this.ghostEls = [];
    this.pulses = new Map(); // node id -> real time the pulse ends
    svg.replaceChildren(
      (this.gLinks = s('g', { class: 'dg-links' })),
      (this.gNodes = s('g', { class: 'dg-nodes' })),
      (this.gBadges = s('g', { class: 'dg-badges', 'aria-hidden': 'true' })),
      (this.gGhosts = s('g', { class: 'dg-ghosts', 'aria-hidden': 'true' })),
      (this.gPackets = s('g', { class: 'dg-packets' })),
      (this.tip = s('g', { class: 'dg-tip', 'aria-hidden': 'true', visibility: 'hidden' },
        (this.tipRect = s('rect', { rx: 6 })), (this.tipText = s('text', { 'dominant-baseline': 'central' })))),
    );
  }

  get r() { return 22 * this.k; }
  get rb() { return 42 * this.k; }
  get fs() { return 12 * this.k; }

  /** The stage's size in CSS pixels (the viewBox follows it, so text keeps its size). */
  resize(w, h, k) {
    this.w = Math.max(200, w);
    this.h = Math.max(200, h);
    this.k = k;
    this.short = this.w < 560;
    this.svg.setAttribute('viewBox', `0 0 ${fmt(this.w)} ${fmt(this.h)}`);
    this.layout();
  }

  setNodes(nodes) {
    this.nodes = nodes;
    this.layout();
  }

  /** Places the broker in the centre and the clients on an ellipse around it, first at the top. */
  layout() {
    const { w, h } = this;
    const cx = w / 2;
    const cy = h / 2;
    this.pos.clear();
    this.pos.set('broker', { x: cx, y: cy });
    const n = this.nodes.length;
    // Room for a client's name beside it and its state under it, and, above
    // the broker, for the name under a client.
    const rx = Math.max(this.rb + this.r + 30, w / 2 - this.r - 56 * this.k);
    const ry = Math.max(this.rb + this.r + 44 * this.k, h / 2 - this.r - 36 * this.k);
    // Clients off the axes where they can be: a link to a corner is the
    // longest the stage allows. Two clients sit left and right on a wide stage.
    const tall = h > w * 1.05;
    const turn = n === 2 ? (tall ? 0 : Math.PI / 2) : Math.PI / n;
    const angles = this.nodes.map((_, i) => -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, n) + turn);
    // Stretch the ellipse so the outermost clients reach the edges of the stage.
    const fx = Math.max(0.3, ...angles.map((a) => Math.abs(Math.cos(a))));
    const fy = Math.max(0.3, ...angles.map((a) => Math.abs(Math.sin(a))));
    this.nodes.forEach((node, i) => {
      const a = angles[i];
      this.pos.set(node.id, { x: cx + (rx / fx) * Math.cos(a), y: cy + (ry / fy) * Math.sin(a) });
    });
    this.#drawNodes();
  }

  #drawNodes() {
    const b = this.pos.get('broker');
    const links = [];
    const nodes = [];
    this.linkEls.clear();
    this.nodeEls.clear();
    for (const node of this.nodes) {
      const p = this.pos.get(node.id);
      const line = s('line', {
        class: 'dg-link', 'data-link': node.id, 'data-state': node.state,
        x1: fmt(p.x), y1: fmt(p.y), x2: fmt(b.x), y2: fmt(b.y),
      });
      const mid = this.#lane(node.id, 0.5, 0);
      const note = s('text', { class: 'dg-link-note', x: fmt(mid.x), y: fmt(mid.y), 'text-anchor': 'middle', 'font-size': fmt(this.fs * 0.95) });
      const g = s('g', { class: 'dg-linkg' }, line, note);
      links.push(g);
      this.linkEls.set(node.id, { g, line, note, text: '' });
      const label = node.label.length > 22 ? `${node.label.slice(0, 21)}…` : node.label;
      const el = s('g', {
        class: 'dg-node', 'data-node': node.id, 'data-state': node.state, 'data-role': node.role,
        transform: `translate(${fmt(p.x)} ${fmt(p.y)})`,
      },
      s('circle', { class: 'dg-pulse', r: fmt(this.r + 6 * this.k), opacity: 0 }),
      s('circle', { class: 'dg-node-c', r: fmt(this.r) }),
      s('text', { class: 'dg-glyph', 'text-anchor': 'middle', 'dominant-baseline': 'central', 'font-size': fmt(15 * this.k) },
        ROLE_GLYPH[node.role] ?? (node.label[0] ?? '?').toUpperCase()),
      s('text', { class: 'dg-node-label', y: fmt(this.r + 15 * this.k), 'text-anchor': 'middle', 'font-size': fmt(13 * this.k) }, label),
      s('text', { class: 'dg-node-state', y: fmt(this.r + 30 * this.k), 'text-anchor': 'middle', 'font-size': fmt(11 * this.k) },
        STATE_WORD[node.state] ?? node.state),
      s('title', {}, `${node.label}: ${STATE_WORD[node.state] ?? node.state}`));
      nodes.push(el);
      this.nodeEls.set(node.id, el);
    }
    const broker = s('g', { class: 'dg-broker', 'data-node': 'broker', transform: `translate(${fmt(b.x)} ${fmt(b.y)})` },
      s('circle', { class: 'dg-pulse', r: fmt(this.rb + 7 * this.k), opacity: 0 }),
      s('circle', { class: 'dg-broker-c', r: fmt(this.rb) }),
      s('text', { class: 'dg-broker-label', 'text-anchor': 'middle', 'dominant-baseline': 'central', 'font-size': fmt(15 * this.k) }, 'Broker'),
      s('title', {}, 'The broker: every packet goes through it'));
    this.nodeEls.set('broker', broker);
    this.gLinks.replaceChildren(...links);
    this.gNodes.replaceChildren(broker, ...nodes);
  }

  /**
   * A point on a client's link: `p` from 0 (client's edge) to 1 (broker's edge),
   * moved sideways by `side` (+1: the lane to the broker, -1: the lane back).
   */
  #lane(id, p, side, stack = 0) {
    const c = this.pos.get(id);
    const b = this.pos.get('broker');
    if (!c || !b) return null;
    const dx = b.x - c.x;
    const dy = b.y - c.y;
    const len = Math.hypot(dx, dy) || 1;
    const ux = dx / len;
    const uy = dy / len;
    const ax = c.x + ux * (this.r + 2);
    const ay = c.y + uy * (this.r + 2);
    const bx = b.x - ux * (this.rb + 2);
    const by = b.y - uy * (this.rb + 2);
    const off = side * (10 * this.k + stack * (this.fs + 11 * this.k));
    return { x: ax + (bx - ax) * p - uy * off, y: ay + (by - ay) * p + ux * off, len: Math.hypot(bx - ax, by - ay) };
  }

  /**
   * Where a flight is at `progress` (0 at its sender, 1 at its receiver);
   * `stack` moves it off its lane, for packets side by side.
   */
  point(client, direction, progress, stack = 0) {
    return direction === 'toBroker'
      ? this.#lane(client, progress, 1, stack)
      : this.#lane(client, 1 - progress, -1, stack);
  }

  /**
   * Draws these flights ([{ rec, p }], rec.f the flight) and nothing else;
   * returns, item by item, { id, x, y } or null (its client is not on the stage).
   */
  drawFlights(items) {
    const seen = new Set();
    const out = [];
    // Packets at the same place on a lane (sent together) are stacked beside it.
    const crowd = new Map();
    const pill = 64 * this.k;
    for (const { rec, p } of items) {
      const f = rec.f;
      let at = this.point(f.client, f.direction, p);
      if (at) {
        const key = `${f.client}\u0000${f.direction}\u0000${Math.round((p * at.len) / pill)}`;
        const n = crowd.get(key) ?? 0;
        crowd.set(key, n + 1);
        if (n) at = this.point(f.client, f.direction, p, Math.min(n, 3));
      }
      if (!at) {
        out.push(null);
        continue;
      }
      let el = this.packetEls.get(f.id);
      if (!el) {
        el = this.pool.pop() ?? this.#newPacket();
        this.#fillPacket(el, rec);
        this.packetEls.set(f.id, el);
        this.gPackets.append(el);
      }
      // Moved through its SVGTransform: no string to build or parse each frame.
      el.tr.setTranslate(at.x, at.y);
      seen.add(f.id);
      out.push({ id: f.id, x: at.x, y: at.y });
    }
    for (const [id, el] of this.packetEls) {
      if (seen.has(id)) continue;
      this.packetEls.delete(id);
      el.remove();
      if (this.pool.length < 400) this.pool.push(el);
    }
    return out;
  }

  #newPacket() {
    const rect = s('rect', { class: 'dg-pill' });
    const text = s('text', { class: 'dg-pkt-t', 'text-anchor': 'middle', 'dominant-baseline': 'central' });
    const title = s('title');
    const g = s('g', { class: 'dg-pkt', tabindex: 0, role: 'button', focusable: 'true' }, rect, text, title);
    g.parts = { rect, text, title };
    g.tr = this.svg.createSVGTransform();
    g.transform.baseVal.appendItem(g.tr);
    return g;
  }

  #fillPacket(el, rec) {
    const f = rec.f;
    const name = typeName(f.cmd, this.short);
    const fs = this.fs;
    const w = name.length * fs * 0.64 + 10 * this.k;
    const hgt = fs + 8 * this.k;
    el.setAttribute('class', `dg-pkt dg-c-${f.cmd}${f.duplicate ? ' dg-dup' : ''}`);
    el.dataset.flightId = String(f.id);
    el.dataset.cmd = f.cmd;
    el.dataset.client = f.client;
    el.dataset.direction = f.direction;
    const who = f.direction === 'toBroker' ? `${f.client} to the broker` : `the broker to ${f.client}`;
    const label = rec.label ?? f.label ?? name;
    el.setAttribute('aria-label', `${label}, from ${who}. Enter opens its bytes.`);
    const { rect, text, title } = el.parts;
    rect.setAttribute('x', fmt(-w / 2));
    rect.setAttribute('y', fmt(-hgt / 2));
    rect.setAttribute('width', fmt(w));
    rect.setAttribute('height', fmt(hgt));
    rect.setAttribute('rx', fmt(hgt / 2));
    text.setAttribute('font-size', fmt(fs));
    text.textContent = name;
    title.textContent = `${label} (${who})`;
  }

  /** Forgets the packet elements (their look depends on the scale). */
  clearPackets() {
    for (const el of this.packetEls.values()) el.remove();
    this.packetEls.clear();
    this.pool = [];
  }

  /** "+N" counts for packets not drawn: [{ client, direction, n }]. */
  drawBadges(badges) {
    while (this.badgeEls.length < badges.length) {
      const g = s('g', { class: 'dg-badge' }, s('rect', { rx: 8 }), s('text', { 'text-anchor': 'middle', 'dominant-baseline': 'central' }));
      this.gBadges.append(g);
      this.badgeEls.push(g);
    }
    this.badgeEls.forEach((g, i) => {
      const b = badges[i];
      const at = b && this.point(b.client, b.direction, 0.5);
      if (!at) {
        g.setAttribute('visibility', 'hidden');
        return;
      }
      const text = `+${b.n.toLocaleString('en')}`;
      const fs = this.fs;
      const w = text.length * fs * 0.62 + 10;
      const [rect, t] = g.children;
      rect.setAttribute('x', fmt(-w / 2));
      rect.setAttribute('y', fmt(-fs));
      rect.setAttribute('width', fmt(w));
      rect.setAttribute('height', fmt(fs * 2));
      t.setAttribute('font-size', fmt(fs));
      t.textContent = text;
      // Beside the lane, so the drawn packets stay visible.
      const side = (b.direction === 'toBroker' ? 1 : -1) * 22 * this.k;
      const c = this.pos.get(b.client);
      const o = this.pos.get('broker');
      const len = Math.hypot(o.x - c.x, o.y - c.y) || 1;
      const x = at.x - ((o.y - c.y) / len) * side;
      const y = at.y + ((o.x - c.x) / len) * side;
      g.setAttribute('transform', `translate(${fmt(x)} ${fmt(y)})`);
      g.setAttribute('visibility', 'visible');
    });
  }

  /** Lost packets fading where they vanished: [{ x, y, cmd, opacity }]. */
  drawGhosts(ghosts) {
    while (this.ghostEls.length < ghosts.length) {
      const g = s('g', { class: 'dg-ghost' },
        s('rect', { class: 'dg-pill' }),
        s('path', { class: 'dg-cross' }));
      this.gGhosts.append(g);
      this.ghostEls.push(g);
    }
    this.ghostEls.forEach((g, i) => {
      const x = ghosts[i];
      if (!x) {
        g.setAttribute('visibility', 'hidden');
        return;
      }
      const fs = this.fs;
      const name = typeName(x.cmd, this.short);
      const w = name.length * fs * 0.64 + 10 * this.k;
      const hgt = fs + 8 * this.k;
      const [rect, cross] = g.children;
      g.setAttribute('class', `dg-ghost dg-c-${x.cmd}`);
      rect.setAttribute('x', fmt(-w / 2));
      rect.setAttribute('y', fmt(-hgt / 2));
      rect.setAttribute('width', fmt(w));
      rect.setAttribute('height', fmt(hgt));
      rect.setAttribute('rx', fmt(hgt / 2));
      const c = 9 * this.k;
      cross.setAttribute('d', `M${-c} ${-c}L${c} ${c}M${c} ${-c}L${-c} ${c}`);
      g.setAttribute('transform', `translate(${fmt(x.x)} ${fmt(x.y)})`);
      g.setAttribute('opacity', fmt(x.opacity));
      g.setAttribute('visibility', 'visible');
    });
  }

  /** A ring around a node that fades: something just arrived there. */
  pulse(id, until) {
    this.pulses.set(id, until);
  }

  drawPulses(real) {
    for (const [id, until] of this.pulses) {
      const el = this.nodeEls.get(id)?.firstChild;
      const left = until - real;
      if (el) el.setAttribute('opacity', left > 0 ? fmt(Math.min(1, left / 350)) : 0);
      if (left <= 0) this.pulses.delete(id);
    }
  }

  /** A link's note ("stalled 1.2 s", "drops the next ↑") and look. */
  setLinkNote(id, text, kind) {
    const l = this.linkEls.get(id);
    if (!l || (l.text === text && l.kind === kind)) return;
    l.text = text;
    l.kind = kind;
    l.note.textContent = text;
    if (kind) l.line.dataset.fault = kind;
    else delete l.line.dataset.fault;
  }

  /** A short label beside the packet `id` (hovered or focused), or none. */
  showTip(text, x, y) {
    if (text == null) {
      this.tip.setAttribute('visibility', 'hidden');
      return;
    }
    const fs = 12 * this.k;
    this.tipText.setAttribute('font-size', fmt(fs));
    if (this.tipText.textContent !== text) this.tipText.textContent = text;
    const w = text.length * fs * 0.6 + 14;
    const hgt = fs + 12;
    let tx = x - w / 2;
    tx = Math.max(2, Math.min(this.w - w - 2, tx));
    let ty = y - hgt - 14 * this.k;
    if (ty < 2) ty = y + 14 * this.k;
    this.tipRect.setAttribute('x', fmt(tx));
    this.tipRect.setAttribute('y', fmt(ty));
    this.tipRect.setAttribute('width', fmt(w));
    this.tipRect.setAttribute('height', fmt(hgt));
    this.tipText.setAttribute('x', fmt(tx + 7));
    this.tipText.setAttribute('y', fmt(ty + hgt / 2));
    this.tip.setAttribute('visibility', 'visible');
  }
}
