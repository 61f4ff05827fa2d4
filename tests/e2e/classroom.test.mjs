// Classroom mode end to end, against the local mosquitto (MQTT_WS_URL): a
// teacher's page opens a room, two students join from the link on that page,
// both appear on the teacher's page, a student's message reaches the other and
// appears on the teacher's page with its fan-out, a student whose page is
// closed is shown offline through its Will, and hostile strings stay text.
// Then the same room in MQTT 3.1.1 (the sender travels in a payload envelope),
// and a broker that refuses MQTT 5.0, which the room falls back from.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import jsQR from 'jsqr';
import { WebSocketServer, WebSocket } from 'ws';

import { launchBrowser, openPage } from './browser.mjs';
import { WS_URL, freePort, waitFor } from './mqtt_env.mjs';

let browser;
const pages = [];

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  for (const p of pages) await p.close().catch(() => {});
  await browser?.close();
});

async function open(path) {
  const p = await openPage(path, { browser });
  pages.push(p);
  await p.page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  return p;
}

/** Opens a room from the Classroom tab; returns the teacher's page and the join link. */
async function openRoom(url, protocol = 'auto') {
  const teacher = await open('/#classroom');
  const { page } = teacher;
  await page.waitForSelector('[data-panel="classroom"]:not([hidden]) [data-cr-form]');
  await page.selectOption('[data-cr-broker]', 'custom');
  await page.fill('[data-cr-url]', url);
  await page.selectOption('[data-cr-version]', String(protocol));
  await page.click('[data-cr-open]');
  await page.waitForSelector('[data-cr-state][data-state="connected"]', { timeout: 10_000 });
  const link = await page.getAttribute('[data-cr-link]', 'href');
  return { teacher, page, link };
}

async function joinAs(link, name) {
  const student = await open(link);
  const { page } = student;
  assert.equal(await page.evaluate(() => document.documentElement.dataset.mode), 'student');
  await page.fill('[data-st-name]', name);
  await page.click('[data-st-join-btn]');
  await page.waitForSelector('[data-st-state][data-state="connected"]', { timeout: 10_000 });
  const id = await page.evaluate(() => window.mqttlab.classroom.student.client.clientId);
  return { student, page, id };
}

async function subscribe(page, filter) {
  await page.fill('[data-st-filter]', filter);
  await page.click('[data-st-subscribe]');
  await page.waitForSelector(`[data-st-sub="${filter}"][data-state="granted"]`);
}

async function publish(page, topic, payload, qos = 1) {
  await page.fill('[data-st-topic]', topic);
  await page.fill('[data-st-payload]', payload);
  await page.selectOption('#st-pub-qos', String(qos));
  await page.click('[data-st-publish]');
  await page.waitForSelector('[data-st-pub-status]:not(:empty)');
}

/** The teacher's view of a member: its state and the filters it announced. */
function memberState(page, id) {
  return page.evaluate((mid) => {
    const li = document.querySelector(`[data-member="${mid}"]`);
    return li && { state: li.dataset.state, via: li.dataset.via, name: li.querySelector('[data-member-name]').textContent };
  }, id);
}

/** Waits until the teacher has announced subscriptions for `id` matching `filters`. */
function announced(page, id, filters) {
  return waitFor(() => page.evaluate(([mid, want]) => {
    const m = window.mqttlab.classroom.room.members.get(mid);
    return m && want.every((f) => m.subs.some((s) => s.filter === f));
  }, [id, filters]), { what: `${id}'s subscriptions ${filters}` });
}

/** The teacher's log entry for `topic` (newest), as the page shows it. */
function entry(page, topic) {
  return page.evaluate((t) => {
    const li = [...document.querySelectorAll('[data-entry][data-kind="message"]')]
      .find((x) => x.querySelector('[data-entry-topic]').textContent === t);
    return li && {
      from: li.dataset.from,
      receivers: li.dataset.receivers.split(' ').filter(Boolean).sort(),
      payload: li.querySelector('[data-entry-payload]').textContent,
      fanout: li.querySelector('[data-entry-fanout]').textContent,
      who: li.querySelector('[data-entry-from]').textContent,
    };
  }, topic);
}

test('a room on mosquitto: join by link, presence, fan-out, Will, text only', async () => {
  const { page: tp, link } = await openRoom(WS_URL);
  const code = await tp.textContent('[data-cr-code]');
  assert.match(code, /^[a-z2-9]{6}$/);
  assert.ok(link.startsWith(process.env.WWW_URL ?? 'http://127.0.0.1'), link);
  assert.match(link, new RegExp(`#join=${code}&broker=${encodeURIComponent(WS_URL).replace(/[.]/g, '\\.')}`));

  // The QR code on the page reads back (with jsQR) as the link.
  const { d, box } = await tp.evaluate(() => {
    const svg = document.querySelector('[data-cr-qr] svg');
    return { d: svg.querySelector('path').getAttribute('d'), box: svg.getAttribute('viewBox') };
  });
  const n = Number(box.split(' ')[2]);
  const scale = 4;
  const px = new Uint8ClampedArray(n * scale * n * scale * 4).fill(255);
  for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)/g)) {
    const [x0, y, w] = m.slice(1).map(Number);
    for (let x = x0; x < x0 + w; x++) {
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const i = ((y * scale + dy) * n * scale + x * scale + dx) * 4;
          px[i] = px[i + 1] = px[i + 2] = 0;
        }
      }
    }
  }
  assert.equal(jsQR(px, n * scale, n * scale)?.data, link);

  // Flights of the traffic source, recorded in the teacher's page.
  await tp.evaluate(() => {
    window.flights = [];
    window.mqttlab.classroom.onRoom((source) => {
      source?.addEventListener('flights', (e) => window.flights.push(...e.detail.map((f) => ({
        client: f.client, direction: f.direction, cmd: f.cmd, label: f.label, real: !f.reconstructed, bytes: f.bytes?.length ?? 0,
      }))));
    });
  });

  const hostileName = '<img src=x onerror=pwn()>';
  const ann = await joinAs(link, 'Ann');
  const bob = await joinAs(link, hostileName);
  const teacherId = await tp.evaluate(() => window.mqttlab.classroom.client.clientId);

  // Both appear on the teacher's page, online, by name (the hostile one as text).
  await tp.waitForSelector(`[data-member="${ann.id}"][data-state="connected"]`);
  await tp.waitForSelector(`[data-member="${bob.id}"][data-state="connected"]`);
  assert.equal((await memberState(tp, ann.id)).name, 'Ann');
  assert.equal((await memberState(tp, bob.id)).name, hostileName);

  await subscribe(ann.page, '+/kitchen');
  await subscribe(bob.page, 'lights/#');
  await announced(tp, ann.id, ['+/kitchen']);
  await announced(tp, bob.id, ['lights/#']);
  await tp.evaluate(() => { window.flights.length = 0; });

  // Ann's message reaches Bob (lights/#) and Ann herself (+/kitchen), without the room prefix.
  await publish(ann.page, 'lights/kitchen', 'on');
  const got = await bob.page.waitForSelector('[data-st-msg][data-topic="lights/kitchen"]');
  assert.equal(await got.$eval('[data-st-msg-payload]', (e) => e.textContent), 'on');
  assert.equal(await got.$eval('[data-st-msg-from]', (e) => e.textContent), 'from Ann');
  await ann.page.waitForSelector('[data-st-msg][data-topic="lights/kitchen"]');

  // The teacher's page: the message, its sender, and the fan-out the broker made.
  await tp.waitForSelector('[data-entry][data-kind="message"]');
  const e1 = await entry(tp, 'lights/kitchen');
  assert.equal(e1.from, ann.id);
  assert.equal(e1.payload, 'on');
  assert.equal(e1.who, 'from Ann');
  assert.deepEqual(e1.receivers, [ann.id, bob.id, teacherId].sort());
  assert.match(e1.fanout, /\(3\)/);

  // The traffic source for the diagram: PUBLISH Ann -> broker, PUBACK back,
  // PUBLISH broker -> each receiver and each one's PUBACK (QoS 1).
  await waitFor(() => tp.evaluate(() => window.flights.some((f) => f.label === 'PUBLISH lights/kitchen qos1')));
  const flights = (await tp.evaluate(() => window.flights)).filter((f) => f.label.includes('lights/kitchen') || f.cmd === 'puback');
  const pubs = flights.filter((f) => f.cmd === 'publish');
  assert.deepEqual(pubs.filter((f) => f.direction === 'toBroker').map((f) => f.client), [ann.id]);
  assert.deepEqual(pubs.filter((f) => f.direction === 'toClient').map((f) => f.client).sort(), [ann.id, bob.id, teacherId].sort());
  assert.equal(flights.filter((f) => f.cmd === 'puback').length, 4);
  assert.ok(pubs.every((f) => f.bytes > 0), 'every PUBLISH flight has bytes');
  assert.ok(pubs.find((f) => f.client === teacherId && f.direction === 'toClient').real, 'the teacher\'s copy is the bytes it received');

  // The room's diagram: both students as clients of the broker, and the same flights.
  for (const id of [ann.id, bob.id]) await tp.waitForSelector(`[data-cr-diagram] .dg-node[data-node="${id}"][data-state="connected"]`);
  const drawn = await tp.evaluate(() => window.mqttlab.classroom.stage.flights()
    .filter((f) => f.label === 'PUBLISH lights/kitchen qos1').map((f) => `${f.direction} ${f.client}`));
  assert.deepEqual(drawn.sort(), [`toBroker ${ann.id}`, ...[ann.id, bob.id, teacherId].map((id) => `toClient ${id}`)].sort());

  // A topic only Bob's filter matches.
  await publish(ann.page, 'lights/hall', 'dim', 0);
  await bob.page.waitForSelector('[data-st-msg][data-topic="lights/hall"]');
  await waitFor(() => entry(tp, 'lights/hall'), { what: 'lights/hall on the teacher\'s page' });
  assert.deepEqual((await entry(tp, 'lights/hall')).receivers, [bob.id, teacherId].sort());

  // Hostile strings from a student: a topic and a payload full of markup, shown as text.
  const hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
  await publish(bob.page, '<img src=x onerror=pwn()>/kitchen', hostile);
  const hostileMsg = await ann.page.waitForSelector('[data-st-msg][data-topic="<img src=x onerror=pwn()>/kitchen"]');
  assert.equal(await hostileMsg.$eval('[data-st-msg-payload]', (e) => e.textContent), hostile);
  assert.equal(await hostileMsg.$eval('[data-st-msg-from]', (e) => e.textContent), `from ${hostileName}`);
  // lights/hall was routed before Bob published this: Ann's filter did not match it.
  assert.equal(await ann.page.locator('[data-st-msg][data-topic="lights/hall"]').count(), 0);
  await waitFor(() => entry(tp, '<img src=x onerror=pwn()>/kitchen'), { what: 'the hostile message on the teacher\'s page' });
  const e3 = await entry(tp, '<img src=x onerror=pwn()>/kitchen');
  assert.equal(e3.payload, hostile);
  assert.equal(e3.who, `from ${hostileName}`);
  for (const p of [tp, ann.page]) {
    assert.equal(await p.evaluate(() => window.pwned), undefined);
    assert.equal(await p.locator('main img, main script, main b').count(), 0);
  }

  const shot = await pages[0].screenshot('classroom-teacher');
  console.log('teacher page:', shot);

  // Bob's page goes away without DISCONNECT: the broker publishes his Will.
  await bob.student.close();
  await tp.waitForSelector(`[data-member="${bob.id}"][data-state="offline"][data-via="will"]`, { timeout: 15_000 });
  assert.match(await tp.textContent(`[data-member="${bob.id}"] [data-member-state]`), /Will/);
  await tp.waitForSelector('[data-entry][data-kind="will"]');
  await tp.waitForSelector(`[data-cr-diagram] .dg-node[data-node="${bob.id}"][data-state="offline"]`);
  // Ann leaves with DISCONNECT: "left", no Will.
  await ann.page.click('[data-st-leave]');
  await tp.waitForSelector(`[data-member="${ann.id}"][data-state="offline"][data-via="left"]`);

  // The teacher forgets the offline members: empty retained messages clear their presence.
  await tp.click('[data-cr-clear]');
  await waitFor(async () => (await tp.locator('[data-member]').count()) === 0, { what: 'the roster to empty' });

  for (const p of pages) assert.deepEqual(p.errors, []);
});

test('a room in MQTT 3.1.1: the sender travels in a payload envelope', async () => {
  const { page: tp, link } = await openRoom(WS_URL, 4);
  assert.match(link, /&v=4$/);
  assert.match(await tp.textContent('[data-cr-how]'), /3\.1\.1/);
  const cy = await joinAs(link, 'Cy');
  assert.match(await cy.page.textContent('[data-st-state]'), /MQTT 3\.1\.1/);
  await subscribe(cy.page, 'echo');
  await announced(tp, cy.id, ['echo']);
  await publish(cy.page, 'echo', 'über 3.1.1');
  const msg = await cy.page.waitForSelector('[data-st-msg][data-topic="echo"]');
  assert.equal(await msg.$eval('[data-st-msg-payload]', (e) => e.textContent), 'über 3.1.1');
  assert.equal(await msg.$eval('[data-st-msg-from]', (e) => e.textContent), 'from you');
  await waitFor(() => entry(tp, 'echo'), { what: 'the 3.1.1 message on the teacher\'s page' });
  const e = await entry(tp, 'echo');
  assert.equal(e.from, cy.id);
  assert.equal(e.payload, 'über 3.1.1');
  const how = await tp.evaluate(() => window.mqttlab.classroom.room.log.find((x) => x.topic === 'echo').how);
  assert.equal(how, 'envelope');
});

/**
 * A WebSocket proxy to mosquitto that answers an MQTT 5.0 CONNECT as a
 * 3.1.1-only broker does ([MQTT-3.1.2-2]: CONNACK return code 0x01, then close).
 */
async function v311OnlyProxy() {
  const port = await freePort();
  const wss = new WebSocketServer({ host: '127.0.0.1', port, handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
  let refused = 0;
  wss.on('connection', (client) => {
    let upstream = null;
    const queue = [];
    client.on('message', (data) => {
      const bytes = new Uint8Array(data);
      if (!upstream) {
        // The first frame starts with CONNECT: type, remaining length, "MQTT", level.
        let i = 1;
        while (bytes[i] & 0x80) i++;
        const level = bytes[i + 1 + 2 + 4];
        if (level === 5) {
          refused++;
          client.send(Uint8Array.of(0x20, 0x02, 0x00, 0x01));
          client.close();
          return;
        }
        upstream = new WebSocket(WS_URL, 'mqtt');
        upstream.on('open', () => queue.splice(0).forEach((q) => upstream.send(q)));
        upstream.on('message', (d) => client.send(d));
        upstream.on('close', () => client.close());
        upstream.on('error', () => client.close());
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(bytes);
      else queue.push(bytes);
    });
    client.on('close', () => upstream?.close());
  });
  await new Promise((r) => wss.on('listening', r));
  const close = () => new Promise((r) => {
    // The server's close waits for its connections: end them (and their upstreams) first.
    for (const c of wss.clients) c.terminate();
    wss.close(r);
  });
  return { url: `ws://127.0.0.1:${port}`, refused: () => refused, close };
}

test('a broker that refuses MQTT 5.0: teacher and student fall back to 3.1.1', async () => {
  const proxy = await v311OnlyProxy();
  try {
    const { page: tp, link } = await openRoom(proxy.url, 'auto');
    assert.match(await tp.textContent('[data-cr-state]'), /MQTT 3\.1\.1/);
    const dee = await joinAs(link, 'Dee');
    assert.match(await dee.page.textContent('[data-st-state]'), /MQTT 3\.1\.1/);
    assert.equal(proxy.refused(), 2, 'each page tried 5.0 first');
    await subscribe(dee.page, 'x/#');
    await announced(tp, dee.id, ['x/#']);
    await publish(dee.page, 'x/y', 'fallback');
    await waitFor(() => entry(tp, 'x/y'), { what: 'x/y on the teacher\'s page' });
    const e = await entry(tp, 'x/y');
    assert.equal(e.from, dee.id);
    assert.deepEqual(e.receivers, [dee.id, await tp.evaluate(() => window.mqttlab.classroom.client.clientId)].sort());
  } finally {
    await proxy.close();
  }
});

test('a join link with no usable broker says so', async () => {
  const bad = await open('/#join=abcdef&broker=http%3A%2F%2Fexample.org');
  assert.match(await bad.page.textContent('[data-st-error]'), /must start with ws:\/\/ or wss:\/\//);
  const nocode = await open('/#join=%3C%3E&broker=ws%3A%2F%2F127.0.0.1%3A1');
  assert.match(await nocode.page.textContent('[data-st-error]'), /no valid room code/);
});
