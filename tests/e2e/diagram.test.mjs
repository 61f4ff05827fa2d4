// The animated diagram of the in-page broker (www/ui/diagram.js over
// www/ui/sim-source.js): clients around the broker, packets travelling on
// their links and fanning out, pause and step, faults (a cut link fires the
// Will, broker restarts with and without sessions), the inspector from a
// packet, the timeline looking back, coalescing under load and projector mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage } from './browser.mjs';

let tab;
let page;

const STATUS = 'home/livingroom/sensor/status';

before(async () => {
  tab = await openPage('/');
  page = tab.page;
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  // What the tests read back: every flight end and the simulation's client events.
  await page.evaluate(() => {
    const t = (window.__dg = { ends: [], clientEvents: [], brokerEvents: [] });
    window.mqttlab.diagram.source.addEventListener('flightEnd', (e) => t.ends.push(...e.detail));
    window.mqttlab.lab.broker.addEventListener('events', (e) => {
      for (const x of e.detail) {
        if (x.type === 'client') {
          t.clientEvents.push({
            client: x.client, event: x.event, topic: x.topic, sessionPresent: x.sessionPresent,
            payload: x.payload ? new TextDecoder().decode(x.payload) : undefined,
          });
        } else if (x.type === 'broker') {
          t.brokerEvents.push({ event: x.event, clientId: x.clientId, topic: x.topic });
        }
      }
    });
  });
});

after(async () => {
  await tab?.close();
});

const tabTo = (name) => page.click(`[role="tab"][data-tab="${name}"]`);
const frames = (n = 2) => page.evaluate((k) => new Promise((r) => {
  let i = 0;
  const f = () => (++i >= k ? r() : requestAnimationFrame(f));
  requestAnimationFrame(f);
}), n);
const state = () => page.evaluate(() => window.mqttlab.diagram.state());

/** Live, running, at `speed`, on the diagram's tab. */
async function reset(speed = 1) {
  await tabTo('diagram');
  await page.evaluate((sp) => {
    const d = window.mqttlab.diagram;
    if (d.state().mode !== 'live') document.querySelector('[data-dg-live]').click();
    const s = d.source;
    if (s.paused) s.resume();
    s.speed = sp;
  }, speed);
  await frames(2);
}

/** Paused, with nothing in flight (what was travelling is let arrive). */
async function quiet() {
  await page.evaluate(() => {
    const { diagram, lab } = window.mqttlab;
    diagram.source.pause();
    for (let i = 0; i < 20 && diagram.source.inFlight().length; i++) lab.broker.runFor(200);
  });
  await frames(2);
  assert.equal((await page.evaluate(() => window.mqttlab.diagram.source.inFlight().length)), 0, 'nothing in flight');
}

/** The packets drawn in the SVG, read from the DOM. */
const drawnInDom = () => page.$$eval('[data-diagram] .dg-packets [data-flight-id]', (els) => els.map((el) => ({
  id: Number(el.dataset.flightId), cmd: el.dataset.cmd, client: el.dataset.client,
  direction: el.dataset.direction, transform: el.getAttribute('transform'), label: el.getAttribute('aria-label'),
})));

test('the diagram shows the broker in the centre and every client linked to it only', async () => {
  await reset();
  await page.waitForSelector('[data-diagram] [data-node="broker"]');
  for (const id of ['temperature-sensor', 'dashboard', 'phone', 'you']) {
    await page.waitForSelector(`[data-diagram] .dg-node[data-node="${id}"][data-state="connected"]`);
  }
  // One link per client, each ending at the broker's centre: no client-to-client links.
  const links = await page.$$eval('[data-diagram] .dg-link', (els) => els.map((l) => ({
    id: l.dataset.link, x2: Number(l.getAttribute('x2')), y2: Number(l.getAttribute('y2')),
  })));
  const broker = await page.$eval('[data-diagram] [data-node="broker"]', (el) => el.getAttribute('transform'));
  const [, bx, by] = broker.match(/translate\(([\d.]+) ([\d.]+)\)/).map(Number);
  assert.deepEqual(links.map((l) => l.id).sort(), ['dashboard', 'phone', 'temperature-sensor', 'you']);
  for (const l of links) assert.deepEqual([l.x2, l.y2], [bx, by], `${l.id}'s link ends at the broker`);
  // The legend names the packet types; the controls are labelled buttons.
  assert.match(await page.textContent('[data-diagram] .dg-legend'), /PUBLISH.*PUBACK.*PUBREC.*PUBREL.*PUBCOMP.*SUBSCRIBE.*PINGREQ.*DISCONNECT/s);
  for (const sel of ['[data-dg-pause]', '[data-dg-step]', '[data-dg-speed="0.1"]', '[data-dg-projector]', '[data-dg-live]']) {
    assert.ok((await page.textContent(sel)).trim().length > 0, `${sel} has a label`);
  }
});

test('a publish from "you" travels to the broker, then fans out to every subscriber; Step lets exactly one packet arrive', async () => {
  await reset();
  await quiet();
  const before = await page.evaluate(() => window.__dg.ends.length);
  await page.evaluate(() => window.mqttlab.connections.selected.publish('home/kitchen/temperature', '19.5', { qos: 1 }));
  await frames(3);
  let dom = await drawnInDom();
  assert.equal(dom.length, 1, JSON.stringify(dom));
  assert.deepEqual([dom[0].cmd, dom[0].client, dom[0].direction], ['publish', 'you', 'toBroker']);
  assert.match(dom[0].label, /PUBLISH home\/kitchen\/temperature qos1/);
  const publishId = dom[0].id;

  await page.click('[data-dg-step]');
  await page.waitForFunction(() => !window.mqttlab.diagram.source.stepping);
  await frames(3);
  const ends = await page.evaluate((n) => window.__dg.ends.slice(n), before);
  assert.deepEqual(ends.map((e) => [e.id, e.delivered]), [[publishId, true]], `Step: exactly one packet arrived ${JSON.stringify(ends)}`);
  assert.equal(await page.evaluate(() => window.mqttlab.diagram.source.paused), true, 'still paused after the step');

  // One PUBLISH in, three out (dashboard home/#, phone home/+/temperature, you home/#), and the PUBACK.
  dom = await drawnInDom();
  const out = dom.filter((f) => f.cmd === 'publish' && f.direction === 'toClient').map((f) => f.client).sort();
  assert.deepEqual(out, ['dashboard', 'phone', 'you'], JSON.stringify(dom));
  assert.ok(dom.some((f) => f.cmd === 'puback' && f.client === 'you' && f.direction === 'toClient'));
  assert.ok(!dom.some((f) => f.id === publishId), 'the PUBLISH that arrived is no longer drawn');
  const st = await state();
  assert.deepEqual(st.drawn.map((d) => d.id).sort(), dom.map((d) => d.id).sort(), 'the DOM and the state agree');

  // A second step: again exactly one arrival (the nearest: the dashboard's, 25 ms away).
  await page.click('[data-dg-step]');
  await page.waitForFunction(() => !window.mqttlab.diagram.source.stepping);
  const ends2 = await page.evaluate((n) => window.__dg.ends.slice(n), before + 1);
  assert.equal(ends2.length, 1, JSON.stringify(ends2));
  assert.equal(ends2[0].delivered, true);
  await tab.screenshot('diagram-fanout');
});

test('while paused nothing moves; running again, the packets move on', async () => {
  await reset(0.1);
  await quiet();
  await page.evaluate(() => {
    window.mqttlab.connections.selected.publish('home/kitchen/temperature', '20', { qos: 0 });
    window.mqttlab.lab.broker.runFor(15); // half way along "you"'s 30 ms link
  });
  await frames(3);
  const a = await drawnInDom();
  assert.equal(a.length, 1);
  const s1 = await state();
  assert.equal(s1.drawn[0].p, 0.5);
  await frames(10);
  const b = await drawnInDom();
  assert.deepEqual(b, a, 'positions unchanged across frames while paused');
  assert.equal((await state()).time, s1.time, 'the clock stands still');

  await page.click('[data-dg-pause]'); // Resume, at 0.1x
  assert.equal(await page.getAttribute('[data-dg-pause]', 'aria-pressed'), 'false');
  await frames(6);
  const c = await drawnInDom();
  const moved = c.find((x) => x.id === a[0].id);
  assert.ok(!moved || moved.transform !== a[0].transform, 'it moved once time ran again');
  assert.ok((await state()).time > s1.time);
});

test('clicking a packet, or Enter on it, opens its bytes in the inspector', async () => {
  await reset();
  await quiet();
  await page.evaluate(() => {
    window.mqttlab.connections.selected.publish('class/inspect', 'look at me', { qos: 1 });
    window.mqttlab.lab.broker.runFor(10);
  });
  await frames(3);
  const [f] = await drawnInDom();
  const hex = await page.evaluate((id) => [...window.mqttlab.diagram.flight(id).bytes].map((b) => b.toString(16).padStart(2, '0')).join(' '), f.id);
  await page.click(`[data-diagram] [data-flight-id="${f.id}"]`);
  await page.waitForSelector('#panel-inspector:not([hidden])');
  const shown = (await page.inputValue('[data-hex-input]')).replace(/\s+/g, ' ').trim().toLowerCase();
  assert.equal(shown, hex);
  assert.match(await page.textContent('[data-tree]'), /class\/inspect/);

  await tabTo('diagram');
  await frames(3);
  await page.focus(`[data-diagram] [data-flight-id="${f.id}"]`);
  await frames(2);
  assert.equal(await page.getAttribute('[data-diagram] .dg-tip', 'visibility'), 'visible', 'a focused packet shows its label');
  assert.match(await page.textContent('[data-diagram] .dg-tip'), /PUBLISH class\/inspect qos1/);
  await page.evaluate(() => { document.querySelector('[data-hex-input]').value = ''; });
  await page.keyboard.press('Enter');
  await page.waitForSelector('#panel-inspector:not([hidden])');
  assert.equal((await page.inputValue('[data-hex-input]')).replace(/\s+/g, ' ').trim().toLowerCase(), hex);
});

test('a dropped packet stops on its link and vanishes with a mark; a delay stalls the link', async () => {
  await reset(1);
  await quiet();
  await page.click('[data-fault="drop-up"][data-client="you"]');
  await frames(2);
  const link = '[data-diagram] .dg-link[data-link="you"]';
  assert.equal(await page.$eval(link, (el) => el.dataset.fault), 'drop');
  assert.match(await page.$eval(link, (el) => el.parentNode.textContent), /drops next to broker/);
  await page.evaluate(() => window.mqttlab.connections.selected.publish('class/lost', 'never', { qos: 0 }));
  await frames(3);
  let st = await state();
  assert.equal(st.drawn.length, 1);
  assert.equal(st.drawn[0].lost, true, 'the simulation decided its fate when it left');
  assert.equal(await page.$eval(link, (el) => el.dataset.fault ?? null), null, 'the fault is used up');
  const lostId = st.drawn[0].id;
  const n = await page.evaluate(() => window.__dg.ends.length);
  await page.click('[data-dg-step]');
  await page.waitForFunction(() => !window.mqttlab.diagram.source.stepping);
  await frames(2);
  assert.deepEqual(await page.evaluate((k) => window.__dg.ends.slice(k).map((e) => [e.id, e.delivered]), n), [[lostId, false]]);
  st = await state();
  assert.ok(!st.drawn.some((d) => d.id === lostId), 'it is gone');
  assert.ok(await page.$$eval('[data-diagram] .dg-ghost', (els) => els.some((g) => g.getAttribute('visibility') === 'visible' && Number(g.getAttribute('opacity')) > 0)),
    'a fading mark shows where it vanished');

  await page.evaluate(() => window.mqttlab.connections.selected.publish('class/slow', 'later', { qos: 0 }));
  await frames(3);
  const [f] = await drawnInDom();
  const due = await page.evaluate((id) => window.mqttlab.diagram.flight(id).arrivesAt, f.id);
  await page.click('[data-fault="delay"][data-client="you"]');
  await frames(2);
  assert.equal(await page.evaluate((id) => window.mqttlab.diagram.flight(id).arrivesAt, f.id), due + 2000, 'what is on the link arrives 2 s later');
  assert.equal(await page.$eval(link, (el) => el.dataset.fault), 'stalled');
  assert.match(await page.$eval(link, (el) => el.parentNode.textContent), /stalled 2\.0 s/);
  await quiet();
});

test('any traffic source can be drawn: one with no controls (a room seen from the page), and a second stage on the lab', async () => {
  await reset(1);
  const room = await page.evaluate(async () => {
    const { mountDiagram } = await import('./ui/diagram.js');
    const host = document.createElement('div');
    document.querySelector('[data-diagram-mount]').append(host);
    const src = new EventTarget();
    src.kind = 'room';
    const t0 = performance.now();
    src.now = () => performance.now() - t0;
    src.nodes = () => [{ id: 'alice', label: 'alice', role: 'sim', state: 'connected' }, { id: 'bob', label: 'bob', role: 'sim', state: 'offline' }];
    let opened = null;
    const d = mountDiagram(host, { source: src, showPacket: (b, v) => { opened = [[...b], v]; } });
    // PUBLISH a/b "hi", without `cmd` nor `label`: both come from the bytes.
    const bytes = new Uint8Array([0x30, 0x07, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x68, 0x69]);
    const now = src.now();
    src.dispatchEvent(new CustomEvent('flights', { detail: [{ id: 'r1', client: 'alice', direction: 'toBroker', sentAt: now, arrivesAt: now + 60_000, lost: false, bytes, protocolVersion: 4 }] }));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(r))));
    const st = d.state();
    host.querySelector('[data-flight-id="r1"]').dispatchEvent(new MouseEvent('click', { bubbles: true }));
    const hidden = ['[data-dg-pause]', '[data-dg-step]', '.dg-speed', '.dg-faults'].map((sel) => host.querySelector(sel).hidden);
    const nodes = [...host.querySelectorAll('.dg-node')].map((n) => `${n.dataset.node}:${n.dataset.state}`);
    d.destroy();
    host.remove();
    return { drawn: st.drawn, hidden, nodes, opened };
  });
  assert.deepEqual(room.nodes, ['alice:connected', 'bob:offline']);
  assert.equal(room.drawn.length, 1);
  assert.equal(room.drawn[0].cmd, 'publish');
  assert.equal(room.drawn[0].label, 'PUBLISH a/b qos0');
  assert.ok(room.drawn[0].p > 0 && room.drawn[0].p < 0.1);
  assert.deepEqual(room.hidden, [true, true, true, true], 'no pause, step, speed or faults for a source without them');
  assert.deepEqual(room.opened, [[0x30, 0x07, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x68, 0x69], 4]);

  // The stage a lesson mounts on a lab (here the page's own): a second diagram, its own source.
  const second = await page.evaluate(async () => {
    const host = document.createElement('div');
    document.querySelector('[data-diagram-mount]').append(host);
    const d = window.mqttlab.mountStage(host, window.mqttlab.lab, { controls: false });
    window.mqttlab.diagram.source.pause();
    window.mqttlab.connections.selected.publish('class/second', 'both', { qos: 0 });
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(r))));
    const mine = d.state().drawn.filter((x) => x.label.includes('class/second')).length;
    const main = window.mqttlab.diagram.state().drawn.filter((x) => x.label.includes('class/second')).length;
    const bar = host.querySelector('.dg-bar').hidden;
    d.destroy();
    host.remove();
    return { mine, main, bar };
  });
  assert.deepEqual(second, { mine: 1, main: 1, bar: true });
  await quiet();
});

test('cutting the sensor\'s link without DISCONNECT makes its Will reach the dashboard; it reconnects', async () => {
  await reset(1);
  const n = await page.evaluate(() => window.__dg.clientEvents.length);
  await page.click('[data-fault="cut"][data-client="temperature-sensor"]');
  assert.match(await page.textContent('[data-dg-say]'), /Will/);
  await page.waitForFunction((k) => window.__dg.clientEvents.slice(k).some((e) => e.client === 'dashboard' && e.event === 'message'
    && e.topic === 'home/livingroom/sensor/status' && e.payload === 'offline'), n, { timeout: 15_000 });
  const will = await page.evaluate(() => window.__dg.brokerEvents.filter((e) => e.event === 'willPublished').pop());
  assert.deepEqual(will, { event: 'willPublished', clientId: 'temperature-sensor', topic: STATUS });
  // No DISCONNECT left the sensor: the broker learned of the cut from the transport.
  const disc = await page.evaluate(() => window.mqttlab.diagram.state().drawn.filter((d) => d.cmd === 'disconnect').length);
  assert.equal(disc, 0);
  // The sensor's client connects again by itself.
  await page.waitForSelector('[data-diagram] .dg-node[data-node="temperature-sensor"][data-state="connected"]', { timeout: 15_000 });
});

test('a client that disconnected comes back with the Reconnect button', async () => {
  await reset(1);
  await page.evaluate(() => window.mqttlab.connections.selected.end());
  await page.waitForSelector('[data-diagram] .dg-node[data-node="you"][data-state="offline"]');
  await page.click('[data-fault="reconnect"][data-client="you"]');
  await page.waitForSelector('[data-diagram] .dg-node[data-node="you"][data-state="connected"]');
  await page.waitForSelector('[data-fault="reconnect"][data-client="you"]', { state: 'detached' });
  assert.equal(await page.evaluate(() => window.mqttlab.connections.selected.state), 'connected');
});

test('restarting the broker keeps a persistent session, or loses it', async () => {
  await reset(4);
  await page.evaluate(() => {
    const { lab } = window.mqttlab;
    lab.addClient('keeper', { clientId: 'keeper', protocolVersion: 5, clean: false, keepalive: 60, properties: { sessionExpiryInterval: 3600 } },
      { latency: 20 }, { role: 'sim', description: 'keeps its session' });
    lab.sim.connect('keeper');
    lab.sim.subscribe('keeper', { 'class/#': { qos: 1 } });
  });
  await page.waitForSelector('[data-diagram] .dg-node[data-node="keeper"][data-state="connected"]');
  const connects = (k) => page.evaluate((i) => window.__dg.clientEvents.slice(i).filter((e) => e.client === 'keeper' && e.event === 'connect'), k);

  let n = await page.evaluate(() => window.__dg.clientEvents.length);
  await page.click('[data-fault="restart-keep"]');
  await page.waitForFunction((k) => window.__dg.clientEvents.slice(k).some((e) => e.client === 'keeper' && e.event === 'connect'), n, { timeout: 20_000 });
  assert.deepEqual((await connects(n)).map((e) => e.sessionPresent), [true], 'the session survived the restart');
  assert.match(await page.textContent('[data-dg-say]'), /kept its sessions/);

  n = await page.evaluate(() => window.__dg.clientEvents.length);
  await page.click('[data-fault="restart-lose"]');
  await page.waitForFunction((k) => window.__dg.clientEvents.slice(k).some((e) => e.client === 'keeper' && e.event === 'connect'), n, { timeout: 20_000 });
  assert.deepEqual((await connects(n)).map((e) => e.sessionPresent), [false], 'the session was lost');
  // Every client is back.
  for (const id of ['temperature-sensor', 'dashboard', 'phone', 'you', 'keeper']) {
    await page.waitForSelector(`[data-diagram] .dg-node[data-node="${id}"][data-state="connected"]`, { timeout: 20_000 });
  }
});

test('the timeline goes back to earlier flights, pauses the simulation meanwhile, and opens their bytes', async () => {
  await reset(1);
  await page.evaluate(() => window.mqttlab.connections.selected.publish('home/timeline/temperature', 'then', { qos: 2 }));
  // The QoS 2 exchange ends with the broker's PUBCOMP to "you".
  await page.waitForFunction(() => window.mqttlab.diagram.flights().some((f) => f.cmd === 'pubcomp' && f.client === 'you'));
  await frames(3);
  // Back to the PUBREC of that exchange.
  const index = await page.evaluate(() => window.mqttlab.diagram.flights().findIndex((f) => f.cmd === 'pubrec'));
  assert.ok(index >= 0, 'a PUBREC was recorded');
  const recId = await page.evaluate((i) => window.mqttlab.diagram.flights()[i].id, index);
  await page.$eval('[data-dg-range]', (el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', { bubbles: true })); }, index);
  await frames(3);
  const st = await state();
  assert.equal(st.mode, 'scrub');
  assert.equal(st.cursor, recId);
  assert.equal(await page.evaluate(() => window.mqttlab.diagram.source.paused), true, 'looking back pauses the simulation');
  assert.ok(st.drawn.some((d) => d.id === recId && d.cmd === 'pubrec'), 'the PUBREC is drawn where it was');
  // Everything drawn was in flight at that moment.
  const times = await page.evaluate((ids) => ids.map((id) => window.mqttlab.diagram.flight(id)).map((f) => [f.sentAt, f.arrivesAt]), st.drawn.map((d) => d.id));
  for (const [sent, arrives] of times) assert.ok(sent <= st.time && st.time <= arrives, `${sent} <= ${st.time} <= ${arrives}`);
  assert.match(await page.textContent('[data-dg-tl-text]'), /Looking back at t = /);
  assert.match(await page.textContent('[data-diagram] [data-dg-log]'), /PUBREC/);

  // "Next packet" moves the cursor one packet on.
  await page.click('[data-dg-step]');
  await frames(2);
  assert.notEqual((await state()).cursor, recId);

  // A packet in the timeline's list opens in the inspector.
  const row = page.locator('[data-diagram] .dg-log-b').last();
  const rowId = Number(await row.getAttribute('data-flight-id'));
  const hex = await page.evaluate((id) => [...window.mqttlab.diagram.flight(id).bytes].map((b) => b.toString(16).padStart(2, '0')).join(' '), rowId);
  await row.click();
  await page.waitForSelector('#panel-inspector:not([hidden])');
  assert.equal((await page.inputValue('[data-hex-input]')).replace(/\s+/g, ' ').trim().toLowerCase(), hex);

  await tabTo('diagram');
  await page.click('[data-dg-live]');
  await frames(2);
  assert.equal((await state()).mode, 'live');
  assert.equal(await page.evaluate(() => window.mqttlab.diagram.source.paused), false, 'Live resumes the simulation');
});

test('hundreds of packets in flight are coalesced, and the page says so', async () => {
  await reset(1);
  await quiet();
  await page.evaluate(() => {
    const you = window.mqttlab.connections.selected;
    for (let i = 0; i < 500; i++) you.publish(`load/${i % 10}`, `n${i}`, { qos: 0 });
  });
  await frames(4);
  const st = await state();
  assert.equal(st.inFlight, 500);
  assert.ok(st.drawn.length <= st.maxDrawn && st.drawn.length >= st.maxDrawn / 2, `at most ${st.maxDrawn} drawn (${st.drawn.length})`);
  assert.equal(st.drawn.length + st.badges.reduce((a, b) => a + b.n, 0), 500, 'the badges count the rest');
  assert.equal(await page.$$eval('[data-diagram] .dg-packets [data-flight-id]', (els) => els.length), st.drawn.length);
  await page.waitForSelector('[data-dg-notice]:not([hidden])');
  assert.match(await page.textContent('[data-dg-notice]'), /500 packets in flight/);
  await page.evaluate(() => window.mqttlab.lab.broker.runFor(500));
  await page.waitForSelector('[data-dg-notice][hidden]', { state: 'attached' });
});

test('projector mode fills the screen with large type, from the button or from the link', async () => {
  await reset();
  const normal = await page.$eval('[data-diagram] .dg-node-label', (el) => Number(el.getAttribute('font-size')));
  await page.click('[data-dg-projector]');
  await frames(3);
  assert.ok(await page.$eval('[data-diagram]', (el) => el.classList.contains('dg-projector')));
  const box = await page.$eval('[data-diagram] .dg-stage', (el) => el.getBoundingClientRect().toJSON());
  assert.ok(box.width >= 1200 && box.height >= 500, JSON.stringify(box));
  const big = await page.$eval('[data-diagram] .dg-node-label', (el) => Number(el.getAttribute('font-size')));
  assert.ok(big > normal * 1.5, `${big} vs ${normal}`);
  assert.match(page.url(), /[?&]projector/);
  await tab.screenshot('diagram-projector');
  await page.keyboard.press('Escape');
  await frames(2);
  assert.ok(!(await page.$eval('[data-diagram]', (el) => el.classList.contains('dg-projector'))));
  assert.doesNotMatch(page.url(), /projector/);

  const other = await openPage('/?projector');
  try {
    await other.page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
    assert.ok(await other.page.$eval('[data-diagram]', (el) => el.classList.contains('dg-projector')));
    assert.deepEqual(other.errors, []);
  } finally {
    await other.close();
  }
});

test('the diagram fits a phone screen', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await reset();
  await frames(3);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `no sideways scrolling (${overflow}px)`);
  const nodes = await page.$$eval('[data-diagram] .dg-node', (els) => els.map((el) => el.getBoundingClientRect().toJSON()));
  const stage = await page.$eval('[data-diagram] .dg-stage', (el) => el.getBoundingClientRect().toJSON());
  for (const n of nodes) assert.ok(n.left >= stage.left - 1 && n.right <= stage.right + 1, 'every client is on the stage');
  await tab.screenshot('diagram-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('the page reported no errors', () => {
  assert.deepEqual(tab.errors, []);
});
