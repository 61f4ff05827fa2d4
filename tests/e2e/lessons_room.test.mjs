// The lessons on a classroom room, against the local mosquitto (MQTT_WS_URL):
// the teacher's page opens a room, then each lesson that can runs there with
// real connections from the page, and what the lesson claims is checked on the
// real broker: lesson 1's messages and one student's phone ticking a "try it"
// step, lesson 2's 2/1/0 receivers, lesson 3's wildcards, lesson 4's retained
// message for a late subscriber (and nothing left retained in the room
// afterwards, seen by an MQTT.js client of our own), lesson 6's Will after a
// cut, lesson 7's queued messages after reconnecting, lesson 8's shared
// subscription split between two workers, message expiry and request/response.
// Lesson 5 on a real broker cuts the connection right after a PUBLISH is
// written: QoS 1 arrives twice (resent with DUP), QoS 2 exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';

import { launchBrowser, openPage } from './browser.mjs';
import { WS_URL, TCP_PORT, sleep, unexpectedErrors } from './mqtt_env.mjs';
import { L, lessonReceived, topicCounts } from './lessons_env.mjs';

let browser;
let teacher;
let page;
let code;
const pages = [];

before(async () => {
  browser = await launchBrowser();
  teacher = await openPage('/#classroom', { browser, timeout: 30_000 });
  pages.push(teacher);
  page = teacher.page;
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  await page.selectOption('[data-cr-broker]', 'custom');
  await page.fill('[data-cr-url]', WS_URL);
  await page.click('[data-cr-open]');
  await page.waitForSelector('[data-cr-state][data-state="connected"]', { timeout: 10_000 });
  code = await page.textContent('[data-cr-code]');
});

after(async () => {
  for (const p of pages) await p.close().catch(() => {});
  await browser?.close();
});


/** Opens a lesson, chooses the room, starts it; resolves once the clock runs (every client connected). */
async function startOnRoom(id) {
  await page.evaluate((x) => { location.hash = `#lesson=${x}`; }, id);
  await page.waitForSelector(`${L(id)} [data-ls-start]`);
  const label = await page.textContent(`${L(id)} [data-ls-room-label]`);
  assert.ok(label.includes(code) && label.includes(WS_URL), label);
  await page.check(`${L(id)} [data-ls-where="room"]`);
  await page.click(`${L(id)} [data-ls-start]`);
  await page.waitForFunction(() => window.mqttlab.lessons.current.lab?.ready === true);
  assert.equal(await page.getAttribute(`${L(id)} [data-ls-pause]`, 'disabled'), '', 'no pause on a real broker');
}

/** Waits until every step of the scenario was carried out, then `ms` more. */
async function played(ms = 0) {
  await page.waitForFunction(() => window.mqttlab.lessons.current.player?.remaining === 0, null, { timeout: 30_000 });
  if (ms) await sleep(ms);
}

const received = () => lessonReceived(page);

/** Stops the current lesson's run and waits for its clean-up on the broker. */
function stopAndClean() {
  return page.evaluate(async () => {
    const run = window.mqttlab.lessons.current.run;
    run.stop();
    await run.cleaned;
  });
}

/** The retained messages under the room's prefix, as a fresh MQTT.js client over TCP sees them. */
async function retainedInRoom() {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${TCP_PORT}`, { protocolVersion: 5, clientId: `check-${Date.now()}`, reconnectPeriod: 0 });
  const got = [];
  c.on('message', (topic, payload, packet) => { if (packet.retain && !topic.includes('/presence/')) got.push(`${topic}=${payload}`); });
  await c.subscribeAsync(`mqttlab/${code}/#`, { qos: 1 });
  await sleep(500);
  await c.endAsync();
  return got;
}

test('lesson 1 on the room: real packets on the diagram and the log; a student\'s phone ticks a "try it" step', async () => {
  const student = await openPage(`/#join=${code}&broker=${encodeURIComponent(WS_URL)}`, { browser, timeout: 30_000 });
  pages.push(student);
  const sp = student.page;
  await sp.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  await sp.fill('[data-st-name]', 'Otter 12');
  await sp.click('[data-st-join-btn]');
  await sp.waitForSelector('[data-st-state][data-state="connected"]');
  await sp.fill('[data-st-filter]', 'home/#');
  await sp.click('[data-st-subscribe]');
  await sp.waitForSelector('[data-st-sub="home/#"][data-state="granted"]');

  await startOnRoom('pubsub');
  // The diagram's source: flights carry the real bytes, and the clients are the lesson's.
  assert.equal(await page.evaluate(() => window.mqttlab.lessons.current.lab.kind), 'room');
  await page.waitForSelector(`${L('pubsub')} .lesson-diagram svg`);
  await played(1500);
  const got = await received();
  assert.deepEqual(got.display, ['home/kitchen/temperature=21.5'], 'the display left before the second reading');
  assert.deepEqual(got.phone, ['home/kitchen/temperature=21.5', 'home/kitchen/temperature=21.7']);

  // The packet log: real packets, topics without the room's prefix, what the page saw of each.
  const lines = await page.$$eval(`${L('pubsub')} [data-packet-log] li`, (lis) => lis.map((li) => ({
    cmd: li.dataset.cmd, from: li.dataset.from, to: li.dataset.to, text: li.textContent,
  })));
  assert.ok(lines.some((l) => l.cmd === 'connect' && l.from === 'sensor' && /mqttlab-/.test(l.text)), 'CONNECT with the room client id');
  const pub = lines.find((l) => l.cmd === 'publish' && l.from === 'sensor');
  assert.match(pub.text, /home\/kitchen\/temperature = "21\.5"/);
  assert.doesNotMatch(pub.text, /mqttlab\//);
  assert.match(pub.text, /written to the socket/);
  // The second reading goes with a topic alias (MQTT 5.0): the log shows the topic it stands for.
  assert.ok(lines.some((l) => l.cmd === 'publish' && l.from === 'sensor' && /home\/kitchen\/temperature = "21\.7"/.test(l.text)),
    lines.filter((l) => l.cmd === 'publish').map((l) => l.text).join('\n'));
  assert.ok(lines.some((l) => l.cmd === 'publish' && l.to === 'phone' && /received/.test(l.text)));
  for (const l of lines) assert.ok(l.from === 'broker' || l.to === 'broker');
  // The diagram draws the lesson's three clients.
  const nodes = await page.$$eval(`${L('pubsub')} .lesson-diagram [data-node]`, (els) => els.map((e) => e.getAttribute('data-node')));
  for (const n of ['sensor', 'display', 'phone']) assert.ok(nodes.includes(n), `${n} on the diagram (${nodes})`);

  // The student's phone saw the lesson's traffic, named by its sender.
  await sp.waitForFunction(() => [...document.querySelectorAll('[data-st-msg]')].some((m) => m.textContent.includes('21.7')));
  const from = await sp.$$eval('[data-st-msg-from]', (els) => els.map((e) => e.textContent));
  assert.ok(from.includes('from sensor'), from.join());

  // The student publishes from the phone: the lesson's subscribers really receive it, the step ticks.
  assert.equal(await page.getAttribute(`${L('pubsub')} [data-try="0"]`, 'data-done'), 'false');
  await sp.fill('[data-st-topic]', 'home/kitchen/temperature');
  await sp.fill('[data-st-payload]', '19.5');
  await sp.click('[data-st-publish]');
  // Its packets on the lesson's diagram: the PUBLISH to each subscriber, drawn as it is observed.
  await page.waitForSelector(`${L('pubsub')} .lesson-diagram .dg-pkt`, { timeout: 10_000 });
  await page.locator(L('pubsub')).screenshot({ path: new URL('../../test-results/lesson-room.png', import.meta.url).pathname });
  await page.waitForSelector(`${L('pubsub')} [data-try="0"][data-done="true"]`, { timeout: 10_000 });
  assert.ok((await received()).phone.includes('home/kitchen/temperature=19.5'));
  assert.match(await page.textContent(`${L('pubsub')} [data-ls-caption]`), /From a phone in the room: Otter 12 publishes "19\.5"/);
  // The teacher's console acts on the real clients too.
  const c = `${L('pubsub')} [data-ls-console]`;
  await page.selectOption(`${c} [data-ls-as]`, 'display');
  await page.click(`${c} [data-ls-do="connect"]`);
  await page.waitForSelector(`${L('pubsub')} [data-ls-client="display"][data-state="connected"]`);
  await sleep(500);
  await page.selectOption(`${c} [data-ls-as]`, 'sensor');
  await page.fill(`${c} [name="payload"]`, '22.1');
  await page.click(`${c} [data-ls-do="publish"]`);
  await page.waitForSelector(`${L('pubsub')} [data-try="1"][data-done="true"]`, { timeout: 10_000 });
  await stopAndClean();
  assert.deepEqual(unexpectedErrors(teacher.errors), []);
  assert.deepEqual(unexpectedErrors(student.errors), []);
});

test('lesson 2 on the room: the real broker filters, 2, 1 and 0 receivers', async () => {
  await startOnRoom('topics');
  await played(1500);
  const row = (topic) => topicCounts(page, 'topics', topic);
  assert.deepEqual(await row('home/kitchen/temperature'), ['1', '2']);
  assert.deepEqual(await row('home/garden/temperature'), ['1', '1']);
  assert.deepEqual(await row('home/kitchen/humidity'), ['1', '0']);
  assert.deepEqual((await received()).heater, ['home/kitchen/heater=on']);
  await stopAndClean();
});

test('lesson 3 on the room: + and # on the real broker; a room-wide # does not hand presence to the lesson', async () => {
  await startOnRoom('wildcards');
  await played(1500);
  const got = await received();
  assert.deepEqual(got.thermo, ['home/kitchen/temperature=21.5', 'home/garden/temperature=14.0']);
  assert.deepEqual(got['kitchen-panel'], ['home/kitchen/temperature=21.5', 'home/kitchen/fridge/temperature=4.0', 'home/kitchen=lights on']);
  assert.equal(got.logger.length, 4, got.logger.join());
  await stopAndClean();
});

test('lesson 4 on the room: a late subscriber gets the retained message, and the lesson clears it afterwards', async () => {
  await startOnRoom('retained');
  await played(1500);
  const got = await received();
  assert.deepEqual(got.newcomer, ['home/garden/temperature=14.5 (retained)']);
  assert.deepEqual(got.display, ['home/garden/temperature=14.0', 'home/garden/temperature=14.5']);
  assert.match(await page.textContent(`${L('retained')} [data-ls-retained]`), /home\/garden\/temperature = "14.5"/);
  assert.deepEqual(await retainedInRoom(), [`mqttlab/${code}/home/garden/temperature=14.5`], 'the broker really keeps it');
  await stopAndClean();
  assert.deepEqual(await retainedInRoom(), [], 'nothing the lesson retained is left in the room');
});

test('lesson 5 on the room: the connection cut after a PUBLISH is written: QoS 1 arrives twice, QoS 2 exactly once', async () => {
  await startOnRoom('qos');
  assert.match(await page.textContent(`${L('qos')} [data-ls-where-note]`), /cannot lose a packet it has written/);
  await played(3000);
  const row = (topic) => topicCounts(page, 'qos', topic);
  assert.deepEqual(await row('lab/qos1'), ['1', '2'], 'QoS 1: the real broker passed it on twice');
  assert.deepEqual(await row('lab/qos2'), ['1', '1'], 'QoS 2: exactly once');
  // What the receiver got: the second QoS 1 copy is the sender's DUP resent after reconnecting.
  const sent = await page.$$eval(`${L('qos')} [data-packet-log] li[data-cmd="publish"][data-from="sender"]`, (lis) => lis.map((li) => li.textContent));
  assert.equal(sent.filter((t) => /lab\/qos1/.test(t)).length, 2);
  assert.ok(sent.some((t) => /lab\/qos1.*DUP/.test(t)), sent.join('\n'));
  assert.ok(sent.some((t) => /lab\/qos2.*DUP/.test(t)), sent.join('\n'));
  const connects = await page.evaluate(() => window.mqttlab.lessons.current.watch.connects.filter((c) => c.client === 'sender').map((c) => c.sessionPresent));
  assert.deepEqual(connects, [false, true, true], 'the sender came back twice to its session');
  // The try steps by hand: QoS 0 loss is refused in words; QoS 1 twice ticks.
  const c = `${L('qos')} [data-ls-console]`;
  await page.selectOption(`${c} [data-ls-as]`, 'sender');
  await page.click(`${c} [data-ls-do="loseNext"][data-direction="toBroker"]`);
  assert.match(await page.textContent(`${c} [data-ls-console-status]`), /cannot lose a packet it has written/);
  await page.click(`${c} [data-ls-do="loseNext"][data-direction="toClient"]`);
  await page.fill(`${c} [name="topic"]`, 'lab/again');
  await page.fill(`${c} [name="payload"]`, 'by hand');
  await page.selectOption(`${c} [name="qos"]`, '1');
  await page.click(`${c} [data-ls-do="publish"]`);
  await page.waitForSelector(`${L('qos')} [data-try="1"][data-done="true"]`, { timeout: 15_000 });
  await stopAndClean();
});

test('lesson 6 on the room: cut without DISCONNECT, the real broker publishes the Will', async () => {
  await startOnRoom('will');
  await played(2500);
  const got = await received();
  assert.ok(got.display.includes('home/sensor/status=offline'), got.display.join());
  const wills = await page.evaluate(() => window.mqttlab.lessons.current.watch.wills.map((w) => [w.clientId, w.topic]));
  assert.deepEqual(wills, [['sensor', 'home/sensor/status']]);
  // The lesson's try: connect again and leave with DISCONNECT: no Will this time.
  const c = `${L('will')} [data-ls-console]`;
  await page.selectOption(`${c} [data-ls-as]`, 'sensor');
  await page.click(`${c} [data-ls-do="connect"]`);
  await page.waitForSelector(`${L('will')} [data-ls-client="sensor"][data-state="connected"]`);
  await page.click(`${c} [data-ls-do="disconnect"]`);
  await page.waitForSelector(`${L('will')} [data-try="1"][data-done="true"]`, { timeout: 10_000 });
  const after = await received();
  assert.equal(after.display.filter((m) => m === 'home/sensor/status=offline').length, 1, 'no second Will');
  await stopAndClean();
  assert.deepEqual(await retainedInRoom(), [], 'the retained status and Will are cleared');
});

test('lesson 7 on the room: the persistent session gets the queued messages after reconnecting, the clean one does not', async () => {
  await startOnRoom('sessions');
  await played(2500);
  const got = await received();
  assert.deepEqual(got.keeper, ['home/hall/light=on', 'home/hall/light=off', 'home/hall/door=open']);
  assert.deepEqual(got.forgetter, ['home/hall/light=on']);
  const connects = await page.evaluate(() => window.mqttlab.lessons.current.watch.connects.map((c) => [c.client, c.sessionPresent]));
  assert.deepEqual(connects.filter(([c]) => c === 'keeper'), [['keeper', false], ['keeper', true]]);
  await stopAndClean();
});

test('lesson 8 on the room: a shared subscription splits the jobs, expiry drops a late message, request/response', async () => {
  await startOnRoom('mqtt5');
  await played(2500);
  const got = await received();
  const jobs = [...(got['worker-1'] ?? []), ...(got['worker-2'] ?? [])].sort();
  assert.deepEqual(jobs, ['jobs/1=job 1', 'jobs/2=job 2', 'jobs/3=job 3', 'jobs/4=job 4'], 'each job to one worker only');
  assert.ok(got['worker-1']?.length >= 1 && got['worker-2']?.length >= 1, 'both members of the group got work');
  assert.deepEqual(got.phone, ['news/daily=sunny'], 'the expired message is not delivered');
  const answer = await page.evaluate(() => window.mqttlab.lessons.current.watch.messages.find((m) => m.client === 'asker'));
  assert.equal(answer.topic, 'reply/asker');
  assert.equal(answer.payload, '10:42');
  assert.equal(answer.correlation, 'question-1');
  // The expiry try on a room: the phone away longer than the expiry, back, and nothing came.
  const c = `${L('mqtt5')} [data-ls-console]`;
  await page.selectOption(`${c} [data-ls-as]`, 'phone');
  await page.click(`${c} [data-ls-do="disconnect"]`);
  await page.waitForSelector(`${L('mqtt5')} [data-ls-client="phone"][data-state="offline"]`);
  await page.selectOption(`${c} [data-ls-as]`, 'dispatcher');
  await page.fill(`${c} [name="topic"]`, 'news/late');
  await page.fill(`${c} [name="payload"]`, 'too late');
  await page.fill(`${c} [name="expiry"]`, '1');
  await page.click(`${c} [data-ls-do="publish"]`);
  await sleep(2000);
  await page.selectOption(`${c} [data-ls-as]`, 'phone');
  await page.click(`${c} [data-ls-do="connect"]`);
  await page.waitForSelector(`${L('mqtt5')} [data-try="1"][data-done="true"]`, { timeout: 10_000 });
  assert.ok(!(await received()).phone.includes('news/late=too late'));
  await teacher.screenshot('lesson-room-mqtt5');
  await stopAndClean();
  assert.deepEqual(unexpectedErrors(teacher.errors), []);
});
