// The animated diagram: a traffic source's clients around the broker, every
// packet travelling along its link, coloured by type. Positions follow the
// source's clock between a flight's `sentAt` and `arrivesAt`, so slow motion,
// pause and step need nothing special here. Around it: the controls the
// source has (pause, step, speed), a timeline that replays the last flights,
// fault buttons, a legend and projector mode.
//
//   const d = mountDiagram(element, { source: simSource(lab), showPacket });
//   d.setSource(other); d.destroy();
//
// The source's shape is in the comment at the top of ui/sim-source.js.
import { h } from './dom.js';
import { Scene, s } from './diagram-scene.js';
import { LEGEND, cmdOf, describe, typeName } from './packet-label.js';
import { faultPanel } from './diagram-faults.js';
import { drawStrip, drawLog } from './diagram-timeline.js';

const SPEEDS = [0.1, 0.25, 1, 4];
/** A lost packet stops here on its link before it vanishes. */
const LOST_STOP = 0.85;
/** Virtual ms after `arrivesAt` when a flight whose end was never reported is let go. */
const STALE_MS = 3000;
const GHOST_MS = 1400;
const PULSE_MS = 350;
const PROJECTOR_SCALE = 1.7;
let mounts = 0;

const has = (src, name) => !!src && typeof src[name] === 'function';

function progress(f, t) {
  const span = f.arrivesAt - f.sentAt;
  let p = span > 0 ? (t - f.sentAt) / span : 1;
  p = p < 0 ? 0 : p > 1 ? 1 : p;
  return f.lost ? Math.min(p, LOST_STOP) : p;
}

const endOf = (rec) => rec.end ?? rec.f.arrivesAt;
const midOf = (rec) => rec.f.sentAt + (endOf(rec) - rec.f.sentAt) / 2;
const speedText = (x) => `${x}×`;

/**
 * Mounts the diagram in `container`.
 * @param {HTMLElement} container
 * @param {object} options
 * @param {EventTarget} options.source a traffic source (see ui/sim-source.js)
 * @param {(bytes: Uint8Array, protocolVersion: number) => void} [options.showPacket] opens the byte inspector
 * @param {boolean} [options.controls=true] pause/step/speed, the timeline and the fault buttons
 * @param {boolean} [options.projector=false] start in projector mode
 * @param {(on: boolean) => void} [options.onProjector] told when projector mode changes
 * @param {number} [options.historySize=2000] flights kept for the timeline
 * @param {number} [options.maxDrawn=150] packets drawn at most; more are counted per link (each moving
 *   SVG packet costs style, layout and paint every frame)
 */
export function mountDiagram(container, {
  source, showPacket, controls = true, projector = false, onProjector, historySize = 2000, maxDrawn = 150,
} = {}) {
  const uid = ++mounts;
  let src = null;
  let nodes = [];
  /** A client's name as the diagram shows it (its label), else its id. */
  const nameOf = (id) => nodes.find((n) => n.id === id)?.label || id;
  const live = new Map(); // flight id -> rec, in sending order
  const recs = new Map(); // flight id -> rec, for the history and what is live
  let history = []; // recs in sending order, the last `historySize` or a little more
  let ghosts = [];
  let mode = 'live';
  let cursor = null; // the rec the timeline points at when looking back
  let viewTime = 0;
  let replaying = false;
  let pausedByScrub = false;
  let hoverId = null;
  let focusId = null;
  let lastReal = performance.now();
  let prevFrame = performance.now(); // when the last frame was drawn
  let lastT = 0;
  let drawn = [];
  let badges = [];
  let inFlightCount = 0;
  let frameMs = 0; // the script time of a frame, averaged
  let staleAt = 0;
  let sawEnd = false; // the source reports when flights end
  let noticeAt = 0;
  let timelineAt = 0;
  let timelineDirty = true;
  let controlKey = '';
  let raf = 0;
  let big = false;

  // ---- the page ------------------------------------------------------------------
  const svg = s('svg', { class: 'dg-svg', role: 'group', 'aria-label': 'The clients and the broker. Each packet is a button that opens its bytes.' });
  const scene = new Scene(svg);
  const stage = h('div', { class: 'dg-stage' });
  stage.append(svg);
  const notice = h('p', { class: 'dg-notice', 'data-dg-notice': '', hidden: true });
  const say = h('p', { class: 'dg-say', 'data-dg-say': '', role: 'status' });

  const pauseBtn = h('button', { type: 'button', 'data-dg-pause': '', 'aria-pressed': 'false' }, 'Pause');
  const stepBtn = h('button', { type: 'button', 'data-dg-step': '' }, 'Step');
  const speedBtns = SPEEDS.map((x) => h('button', { type: 'button', 'data-dg-speed': x, 'aria-pressed': 'false', 'aria-label': `Speed ${x} times` }, speedText(x)));
  const speedGroup = h('div', { class: 'dg-speed', role: 'group', 'aria-label': 'Speed' }, h('span', { class: 'dg-speed-l', 'aria-hidden': 'true' }, 'Speed'), speedBtns);
  const clock = h('span', { class: 'dg-clock', 'data-dg-clock': '' });
  const projBtn = h('button', { type: 'button', 'data-dg-projector': '', 'aria-pressed': 'false', title: 'Large type and the diagram filling the screen (Esc leaves). Link: add ?projector to the address.' }, 'Projector');
  const bar = h('div', { class: 'dg-bar', role: 'toolbar', 'aria-label': 'Diagram controls' }, pauseBtn, stepBtn, speedGroup, clock, projBtn);

  const legend = h('ul', { class: 'dg-legend', 'aria-label': 'Packet colours' },
    LEGEND.map(([cmd, what]) => h('li', { title: what }, h('span', { class: `dg-sw dg-c-${cmd}`, 'aria-hidden': 'true' }), typeName(cmd))),
    h('li', { title: 'lost on the way' }, h('span', { class: 'dg-sw dg-sw-lost', 'aria-hidden': 'true' }, '✕'), 'lost'));

  const rangeId = `dg-range-${uid}`;
  const range = h('input', { type: 'range', id: rangeId, min: 0, max: 0, value: 0, step: 1, 'data-dg-range': '', disabled: true });
  const liveBtn = h('button', { type: 'button', 'data-dg-live': '', 'aria-pressed': 'true' }, 'Live');
  const tlText = h('span', { class: 'dg-tl-text', 'data-dg-tl-text': '' });
  const strip = s('svg', { class: 'dg-strip', viewBox: '0 0 600 24', preserveAspectRatio: 'none', 'aria-hidden': 'true' });
  const log = h('ol', { class: 'dg-log', 'data-dg-log': '', 'aria-label': 'Packets up to this moment, newest last' });
  const tlHelp = h('p', { class: 'help dg-tl-help' });
  const timeline = h('section', { class: 'dg-timeline', 'aria-label': 'Timeline' },
    h('div', { class: 'dg-tl-row' }, h('label', { for: rangeId }, 'Timeline'), range, liveBtn), tlText, strip, log, tlHelp);

  const faultsPanel = faultPanel(say);
  const faults = faultsPanel.element;

  const root = h('div', { class: 'dg', 'data-diagram': '', tabindex: '-1' }, bar, stage, notice, legend, say, timeline, faults);
  if (!controls) {
    bar.hidden = true;
    timeline.hidden = true;
    faults.hidden = true;
  }
  container.append(root);

  // ---- the source --------------------------------------------------------------
  const onFlights = (e) => {
    for (const f of e.detail) {
      if (!f.cmd) f.cmd = cmdOf(f.bytes);
      const rec = { f, end: null, delivered: null, why: null };
      live.set(f.id, rec);
      recs.set(f.id, rec);
      history.push(rec);
    }
    if (history.length > historySize + 256) {
      const gone = history.splice(0, history.length - historySize);
      // A packet still in flight stays in `recs` until it ends, then goes too.
      for (const r of gone) {
        if (live.has(r.f.id)) r.gone = true;
        else recs.delete(r.f.id);
      }
      if (cursor && !recs.has(cursor.f.id)) cursor = history[0] ?? null;
    }
    // The slider reaches the newest packet at once (the rest of the timeline is redrawn a few times a second).
    range.max = String(Math.max(0, history.length - 1));
    if (mode === 'live') range.value = range.max;
    timelineDirty = true;
  };
  const onEnd = (e) => {
    sawEnd = true;
    const real = performance.now();
    for (const x of e.detail) {
      const rec = recs.get(x.id);
      if (!rec) continue;
      rec.end = x.at;
      rec.delivered = x.delivered;
      rec.why = x.why ?? null;
      live.delete(x.id);
      if (rec.gone) recs.delete(x.id);
      if (mode !== 'live') continue;
      const f = rec.f;
      if (!x.delivered) {
        const at = scene.point(f.client, f.direction, progress(f, x.at));
        if (at) ghosts.push({ x: at.x, y: at.y, cmd: f.cmd, age: 0 });
        if (ghosts.length > 40) ghosts.splice(0, ghosts.length - 40);
      } else {
        scene.pulse(f.direction === 'toBroker' ? 'broker' : f.client, real + PULSE_MS);
      }
    }
    timelineDirty = true;
  };
  const onNodes = () => {
    nodes = src.nodes();
    scene.setNodes(nodes);
    faultsPanel.render(src, nodes, controls);
  };
  const onControl = () => syncControls(true);
  const onRestart = () => scene.pulse('broker', performance.now() + 1200);

  function setSource(next) {
    if (src) {
      src.removeEventListener('flights', onFlights);
      src.removeEventListener('flightEnd', onEnd);
      src.removeEventListener('nodes', onNodes);
      src.removeEventListener('control', onControl);
      src.removeEventListener('brokerRestart', onRestart);
      if (pausedByScrub && has(src, 'resume')) src.resume();
    }
    live.clear();
    recs.clear();
    sawEnd = false;
    history = [];
    ghosts = [];
    mode = 'live';
    cursor = null;
    replaying = false;
    pausedByScrub = false;
    scene.clearPackets();
    src = next ?? null;
    if (!src) return;
    src.addEventListener('flights', onFlights);
    src.addEventListener('flightEnd', onEnd);
    src.addEventListener('nodes', onNodes);
    src.addEventListener('control', onControl);
    src.addEventListener('brokerRestart', onRestart);
    if (has(src, 'inFlight')) onFlights({ detail: src.inFlight() });
    tlHelp.textContent = has(src, 'pause')
      ? 'Drag the timeline back to see where each packet was; Replay plays it again. Looking back pauses the simulation, Live resumes it. Click a packet (or press Enter on it) to see its bytes.'
      : 'Drag the timeline back to see where each packet was; Replay plays it again. The room keeps going meanwhile; Live shows it. Click a packet (or press Enter on it) to see its bytes.';
    onNodes();
    syncControls(true);
    timelineDirty = true;
  }

  // ---- drawing -------------------------------------------------------------------
  /**
   * Lets go of flights whose end was not reported: when due, for a source that
   * never reports ends; a while after, for one that does (it may be late).
   */
  function dropStale(t) {
    const grace = sawEnd ? STALE_MS : 0;
    for (const rec of live.values()) {
      const f = rec.f;
      if (t > f.arrivesAt + grace) {
        rec.end = f.arrivesAt;
        rec.delivered = !f.lost;
        live.delete(f.id);
      }
    }
  }

  /** The recorded flights in flight at `t` (looking back), and the lost ones that just vanished. */
  function scrubItems(t) {
    const out = [];
    const marks = [];
    for (const rec of history) {
      const f = rec.f;
      if (f.sentAt > t) break;
      const end = endOf(rec);
      if (t < end) out.push(rec);
      else if (rec.delivered === false && t - end < 250) {
        const at = scene.point(f.client, f.direction, progress(f, end));
        if (at) marks.push({ x: at.x, y: at.y, cmd: f.cmd, opacity: 1 - (t - end) / 250 });
      }
    }
    return { out, marks };
  }

  /**
   * What to draw of `count` flights (`list()` iterates them, oldest first).
   * Above `maxDrawn`, each link keeps its oldest packets (the nearest to
   * arriving) and a badge counts the rest; that takes two passes and no
   * allocation per flight, so thousands in flight cost little.
   */
  function select(list, count, t) {
    const draw = [];
    if (count <= maxDrawn) {
      for (const rec of list()) draw.push({ rec, p: progress(rec.f, t) });
      return { draw, badges: [] };
    }
    const lanes = new Map(); // client -> [to the broker, to the client]
    let laneCount = 0;
    for (const rec of list()) {
      let l = lanes.get(rec.f.client);
      if (!l) lanes.set(rec.f.client, (l = [0, 0, 0, 0]));
      if (l[rec.f.direction === 'toBroker' ? 0 : 1]++ === 0) laneCount++;
    }
    const per = Math.max(1, Math.floor(maxDrawn / laneCount));
    for (const rec of list()) {
      const l = lanes.get(rec.f.client);
      const d = rec.f.direction === 'toBroker' ? 2 : 3;
      if (l[d] < per) {
        l[d]++;
        draw.push({ rec, p: progress(rec.f, t) });
      }
    }
    const counts = [];
    for (const [client, l] of lanes) {
      if (l[0] > per) counts.push({ client, direction: 'toBroker', n: l[0] - per });
      if (l[1] > per) counts.push({ client, direction: 'toClient', n: l[1] - per });
    }
    return { draw, badges: counts };
  }

  function frame() {
    raf = requestAnimationFrame(frame);
    if (!src || !stage.getClientRects().length) return;
    const real = performance.now();
    let t;
    if (mode === 'scrub') {
      if (replaying) {
        viewTime += (real - lastReal) * speedValue();
        const now = src.now();
        if (viewTime >= now) goLive();
        else followReplay();
      }
      t = mode === 'scrub' ? viewTime : src.now();
    } else {
      t = src.now();
    }
    lastReal = real;
    lastT = t;
    const lastFrame = prevFrame;
    prevFrame = real;

    let c;
    let marks = [];
    if (mode === 'live') {
      if (!sawEnd || real - staleAt > 500) {
        staleAt = real;
        dropStale(t);
      }
      inFlightCount = live.size;
      c = select(() => live.values(), live.size, t);
      // A lost packet's mark fades while time runs, and stays while it is paused.
      const dt = src.paused ? 0 : real - lastFrame;
      for (const g of ghosts) g.age += dt;
      ghosts = ghosts.filter((g) => g.age < GHOST_MS);
      marks = ghosts.map((g) => ({ ...g, opacity: 1 - g.age / GHOST_MS }));
    } else {
      const x = scrubItems(t);
      marks = x.marks;
      inFlightCount = x.out.length;
      c = select(() => x.out, x.out.length, t);
    }
    badges = c.badges;
    const at = scene.drawFlights(c.draw);
    drawn = c.draw.map((it, i) => ({ it, at: at[i] })).filter((d) => d.at);
    scene.drawBadges(badges);
    scene.drawGhosts(marks);
    scene.drawPulses(real);
    drawLinkNotes(t);
    drawTip();
    if (real - noticeAt > 300) {
      noticeAt = real;
      updateNotice(c.draw.length);
    }
    syncControls(false);
    clock.textContent = `t = ${timeText(t)}`;
    if (timelineDirty && (mode === 'scrub' || real - timelineAt > 300)) {
      timelineAt = real;
      timelineDirty = false;
      renderTimeline();
    }
    frameMs = frameMs * 0.9 + (performance.now() - real) * 0.1;
  }

  function updateNotice(n) {
    if (inFlightCount > maxDrawn) {
      notice.hidden = false;
      notice.textContent = `${inFlightCount.toLocaleString('en')} packets in flight: ${n} are drawn (the next to arrive on each link) and the badges count the rest, so the animation stays smooth.`;
    } else if (!notice.hidden) {
      notice.hidden = true;
    }
  }

  function drawLinkNotes(t) {
    if (!has(src, 'linkState')) return;
    for (const n of nodes) {
      const l = src.linkState(n.id);
      const parts = [];
      let kind = '';
      if (l.heldUntil > t && mode === 'live') {
        parts.push(`stalled ${((l.heldUntil - t) / 1000).toFixed(1)} s`);
        kind = 'stalled';
      }
      const up = l.dropNext.toBroker;
      const down = l.dropNext.toClient;
      if (up || down) {
        kind ||= 'drop';
        if (up) parts.push(`drops next${up > 1 ? ` ${up}` : ''} to broker`);
        if (down) parts.push(`drops next${down > 1 ? ` ${down}` : ''} to client`);
      }
      scene.setLinkNote(n.id, parts.join(' · '), kind);
    }
  }

  function drawTip() {
    const id = focusId ?? hoverId;
    const d = id == null ? null : drawn.find((x) => String(x.it.rec.f.id) === id);
    if (!d || !d.at) {
      scene.showTip(null);
      return;
    }
    const f = d.it.rec.f;
    const route = f.direction === 'toBroker' ? `${nameOf(f.client)} → broker` : `broker → ${nameOf(f.client)}`;
    scene.showTip(`${labelOf(d.it.rec)} · ${route}`, d.at.x, d.at.y);
  }

  function labelOf(rec) {
    const f = rec.f;
    rec.label ??= f.label ?? (f.bytes ? describe(f.bytes, f.protocolVersion) : typeName(f.cmd));
    return rec.label;
  }

  const timeText = (t) => {
    if (src?.kind === 'room') return `${(t / 1000).toFixed(1)} s`;
    return `${(t / 1000).toFixed(3)} s`;
  };

  // ---- controls -----------------------------------------------------------------
  const speedValue = () => ('speed' in src ? Number(src.speed) || 1 : 1);

  function syncControls(force) {
    if (!src) return;
    const key = [mode, replaying, src.paused, src.stepping, speedValue(), history.length > 0].join('|');
    if (!force && key === controlKey) return;
    controlKey = key;
    if (mode === 'scrub') {
      pauseBtn.hidden = false;
      pauseBtn.textContent = replaying ? 'Stop replay' : 'Replay';
      pauseBtn.setAttribute('aria-pressed', String(replaying));
      stepBtn.hidden = false;
      stepBtn.disabled = false;
      stepBtn.textContent = 'Next packet';
    } else {
      pauseBtn.hidden = !has(src, 'pause');
      pauseBtn.textContent = src.paused ? 'Resume' : 'Pause';
      pauseBtn.setAttribute('aria-pressed', String(!!src.paused));
      stepBtn.hidden = !has(src, 'step');
      stepBtn.disabled = !!src.stepping;
      stepBtn.textContent = 'Step';
    }
    stepBtn.title = mode === 'scrub' ? 'Move the timeline to the next packet sent' : 'Pause, then let the next packet arrive';
    root.dataset.paused = String(mode === 'scrub' || !!src.paused);
    root.dataset.mode = mode;
    speedGroup.hidden = !('speed' in src);
    const sp = speedValue();
    for (const b of speedBtns) b.setAttribute('aria-pressed', String(Number(b.dataset.dgSpeed) === sp));
    liveBtn.setAttribute('aria-pressed', String(mode === 'live'));
    range.disabled = history.length === 0;
  }

  pauseBtn.addEventListener('click', () => {
    if (mode === 'scrub') {
      replaying = !replaying;
      lastReal = performance.now();
    } else if (src.paused) {
      src.resume();
    } else {
      src.pause();
    }
    syncControls(true);
  });
  stepBtn.addEventListener('click', () => {
    if (mode === 'scrub') {
      replaying = false;
      const i = history.indexOf(cursor);
      if (i < 0 || i + 1 >= history.length) goLive();
      else scrubTo(i + 1);
    } else {
      src.step();
    }
    syncControls(true);
  });
  speedGroup.addEventListener('click', (e) => {
    const b = e.target.closest('[data-dg-speed]');
    if (!b) return;
    src.speed = Number(b.dataset.dgSpeed);
    syncControls(true);
  });

  // ---- timeline -----------------------------------------------------------------
  function enterScrub() {
    if (mode === 'scrub') return;
    mode = 'scrub';
    hoverId = null;
    ghosts = [];
    if (has(src, 'pause') && !src.paused) {
      src.pause();
      pausedByScrub = true;
    }
    syncControls(true);
  }

  function scrubTo(i) {
    enterScrub();
    cursor = history[Math.max(0, Math.min(history.length - 1, i))] ?? null;
    if (cursor) viewTime = Math.min(midOf(cursor), src.now());
    timelineDirty = true;
  }

  function goLive() {
    mode = 'live';
    replaying = false;
    cursor = null;
    if (pausedByScrub) {
      pausedByScrub = false;
      if (has(src, 'resume')) src.resume();
    }
    timelineDirty = true;
    syncControls(true);
  }

  /** During a replay the cursor is the last packet sent by the replayed time. */
  function followReplay() {
    let i = cursor ? history.indexOf(cursor) : 0;
    while (i + 1 < history.length && history[i + 1].f.sentAt <= viewTime) i++;
    if (history[i] !== cursor) {
      cursor = history[i];
      timelineDirty = true;
    }
  }

  range.addEventListener('input', () => {
    replaying = false;
    scrubTo(Number(range.value));
  });
  liveBtn.addEventListener('click', goLive);

  function renderTimeline() {
    const n = history.length;
    const ci = mode === 'scrub' && cursor ? history.indexOf(cursor) : n - 1;
    range.max = String(Math.max(0, n - 1));
    range.value = String(Math.max(0, ci));
    range.setAttribute('aria-valuetext', n
      ? `packet ${ci + 1} of ${n}${mode === 'live' ? ', live' : ''}`
      : 'no packets yet');
    if (mode === 'scrub') {
      tlText.textContent = `Looking back at t = ${timeText(viewTime)}, packet ${(ci + 1).toLocaleString('en')} of ${n.toLocaleString('en')}`;
    } else {
      tlText.textContent = `Live · ${n.toLocaleString('en')} packets recorded (the last ${historySize.toLocaleString('en')} are kept)`;
    }
    drawStrip(strip, history, ci, mode === 'scrub', labelOf, timeText);
    drawLog(log, history, ci, mode === 'scrub', labelOf, timeText, nameOf);
  }

  // ---- packets: hover, focus, open ------------------------------------------------
  function openFlight(id) {
    const rec = recs.get(Number(id)) ?? recs.get(id);
    if (!rec) return;
    const { bytes, protocolVersion } = rec.f;
    if (!bytes || !bytes.length) {
      say.textContent = 'This packet has no bytes to show.';
      return;
    }
    showPacket?.(bytes, protocolVersion ?? 4);
  }
  const flightIdOf = (e) => e.target.closest?.('[data-flight-id]')?.dataset.flightId ?? null;
  svg.addEventListener('click', (e) => {
    const id = flightIdOf(e);
    if (id != null) openFlight(id);
  });
  svg.addEventListener('keydown', (e) => {
    const id = flightIdOf(e);
    if (id != null && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      openFlight(id);
    }
  });
  svg.addEventListener('pointerover', (e) => { hoverId = flightIdOf(e); });
  svg.addEventListener('pointerleave', () => { hoverId = null; });
  svg.addEventListener('focusin', (e) => { focusId = flightIdOf(e); });
  svg.addEventListener('focusout', () => { focusId = null; });
  strip.addEventListener('click', (e) => {
    const id = flightIdOf(e);
    if (id != null) openFlight(id);
  });
  log.addEventListener('click', (e) => {
    const id = flightIdOf(e);
    if (id != null) openFlight(id);
  });

  // ---- projector mode -------------------------------------------------------------
  function setProjector(on) {
    big = !!on;
    root.classList.toggle('dg-projector', big);
    projBtn.setAttribute('aria-pressed', String(big));
    projBtn.textContent = big ? 'Leave projector' : 'Projector';
    relayout();
    onProjector?.(big);
  }
  projBtn.addEventListener('click', () => setProjector(!big));
  const onKey = (e) => {
    if (e.key === 'Escape' && big) setProjector(false);
  };
  document.addEventListener('keydown', onKey);

  function relayout() {
    scene.clearPackets();
    const w = stage.clientWidth;
    scene.resize(w, stage.clientHeight, big ? PROJECTOR_SCALE : w < 500 ? 0.85 : 1);
    drawLinkNotes(lastT);
  }
  const resizer = new ResizeObserver(relayout);
  resizer.observe(stage);

  setSource(source);
  if (projector) setProjector(true);
  raf = requestAnimationFrame(frame);

  return {
    setSource,
    destroy() {
      cancelAnimationFrame(raf);
      resizer.disconnect();
      document.removeEventListener('keydown', onKey);
      setSource(null);
      root.remove();
    },
    /** Turns projector mode on or off. */
    projector: setProjector,
    /** The root element (for tests and the page). */
    element: root,
    /** The source drawn now. */
    get source() {
      return src;
    },
    /** The flights in the history, oldest first (for tests and the console). */
    flights() {
      return history.map((r) => r.f);
    },
    /** A flight still in the history, by id (for tests and the console). */
    flight(id) {
      return (recs.get(Number(id)) ?? recs.get(id))?.f ?? null;
    },
    /** What is drawn at the last frame: for the tests and the console. */
    state() {
      return {
        mode,
        time: lastT,
        paused: mode === 'scrub' || !!src?.paused,
        inFlight: inFlightCount,
        maxDrawn,
        frameMs,
        history: history.length,
        cursor: cursor?.f.id ?? null,
        badges: badges.map((b) => ({ ...b })),
        drawn: drawn.map(({ it, at }) => ({
          id: it.rec.f.id, cmd: it.rec.f.cmd, client: it.rec.f.client, direction: it.rec.f.direction,
          lost: !!it.rec.f.lost, p: it.p, x: at?.x, y: at?.y, label: labelOf(it.rec),
        })),
      };
    },
  };
}
