// The Lessons tab in headless Chromium: each of the eight lessons plays its
// demonstration on a lab of its own and the lab really does what the lesson
// says; each "try it" step is done through the lesson's console and ticks;
// the filter playground explains a non-match and an invalid filter; a
// scenario link round-trips, and a malformed or hostile link gives a clear
// message, as text, without breaking the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage } from './browser.mjs';
import { L, lessonReceived, topicCounts } from './lessons_env.mjs';
import { scenarioHash, encodeScenario } from '../../www/ui/scenario.js';

let tab;
let page;
const dialogs = [];

before(async () => {
  tab = await openPage('/');
  page = tab.page;
  page.setDefaultTimeout(30_000);
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
});

after(async () => {
  await tab?.close();
});


/** Opens a lesson by its link, starts it at 10x. */
async function start(id) {
  await page.evaluate((x) => { location.hash = `#lesson=${x}`; }, id);
  await page.waitForSelector(`${L(id)} [data-ls-start]`);
  assert.equal(await page.getAttribute('[role="tab"][data-tab="lessons"]', 'aria-selected'), 'true');
  await page.selectOption(`${L(id)} [data-ls-speed]`, '10');
  await page.click(`${L(id)} [data-ls-start]`);
  await page.waitForSelector(`${L(id)} [data-packet-log] li`);
}

/** Waits until the lesson's scenario has played every step, then `ms` more of virtual time. */
async function played(ms = 0) {
  await page.waitForFunction(() => window.mqttlab.lessons.current.player?.remaining === 0);
  if (ms) await settle(ms);
}

/** Waits for `ms` of virtual time to pass in the current lesson's lab. */
async function settle(ms) {
  const t0 = await page.evaluate(() => window.mqttlab.lessons.current.lab.sim.now);
  await page.waitForFunction((t) => window.mqttlab.lessons.current.lab.sim.now >= t, t0 + ms);
}

const received = () => lessonReceived(page);

/** Fills the lesson's console and presses a button. */
async function act(id, what, fields = {}) {
  const c = `${L(id)} [data-ls-console]`;
  if (fields.as) await page.selectOption(`${c} [data-ls-as]`, fields.as);
  for (const k of ['topic', 'payload', 'filter', 'expiry', 'responseTopic', 'correlationData']) {
    if (fields[k] !== undefined) await page.fill(`${c} [name="${k}"]`, String(fields[k]));
  }
  if (fields.qos !== undefined) await page.selectOption(`${c} [name="qos"]`, String(fields.qos));
  if (fields.retain !== undefined) await page.setChecked(`${c} [name="retain"]`, fields.retain);
  const sel = fields.direction ? `${c} [data-ls-do="${what}"][data-direction="${fields.direction}"]` : `${c} [data-ls-do="${what}"]`;
  await page.click(sel);
  assert.equal(await page.textContent(`${c} [data-ls-console-status]`), '', `the console accepted ${what}`);
}

const ticked = (id, i) => page.waitForSelector(`${L(id)} [data-try="${i}"][data-done="true"]`);
const state = (id, client) => page.waitForSelector(`${L(id)} [data-ls-client="${client}"][data-state="connected"]`);
const notTicked = async (id, i) => assert.equal(await page.getAttribute(`${L(id)} [data-try="${i}"]`, 'data-done'), 'false');

test('lesson 1: publish/subscribe goes through the broker, never from client to client', async () => {
  await start('pubsub');
  await played(1500);
  const got = await received();
  assert.deepEqual(got.display, ['home/kitchen/temperature=21.5'], 'the display left before the second reading');
  assert.deepEqual(got.phone, ['home/kitchen/temperature=21.5', 'home/kitchen/temperature=21.7']);
  assert.equal(got.sensor, undefined);
  const routes = await page.$$eval(`${L('pubsub')} [data-packet-log] li`, (lis) => lis.map((li) => [li.dataset.from, li.dataset.to]));
  assert.ok(routes.length >= 10);
  for (const [from, to] of routes) assert.ok(from === 'broker' || to === 'broker', `${from} → ${to}`);
  assert.equal(await page.textContent(`${L('pubsub')} [data-ls-count="direct"]`), '0 (there is no such link)');
  assert.ok(Number(await page.textContent(`${L('pubsub')} [data-ls-count="toBroker"]`)) > 0);

  await notTicked('pubsub', 0);
  await act('pubsub', 'publish', { as: 'sensor', topic: 'home/kitchen/temperature', payload: '22.0' });
  await ticked('pubsub', 0);
  await act('pubsub', 'connect', { as: 'display' });
  await state('pubsub', 'display');
  await settle(1000); // its subscription goes again with the new session
  await act('pubsub', 'publish', { as: 'sensor', payload: '22.1' });
  await ticked('pubsub', 1);
  await act('pubsub', 'disconnect', { as: 'phone' });
  await act('pubsub', 'publish', { as: 'sensor', payload: '22.2' });
  await ticked('pubsub', 2);
  // A packet line opens its bytes in the inspector.
  await page.click(`${L('pubsub')} [data-packet-log] li[data-cmd="publish"] button`);
  assert.equal(await page.getAttribute('[role="tab"][data-tab="inspector"]', 'aria-selected'), 'true');
  assert.match(await page.textContent('[data-summary]'), /PUBLISH/i);
});

test('lesson 2: the broker filters by topic: 2, 1, 0 receivers; every client can publish and subscribe', async () => {
  await start('topics');
  await played(1500);
  const row = (topic) => topicCounts(page, 'topics', topic);
  assert.deepEqual(await row('home/kitchen/temperature'), ['1', '2']);
  assert.deepEqual(await row('home/garden/temperature'), ['1', '1']);
  assert.deepEqual(await row('home/kitchen/humidity'), ['1', '0']);
  assert.deepEqual(await row('home/kitchen/heater'), ['1', '1']);
  assert.deepEqual((await received()).heater, ['home/kitchen/heater=on']);

  await act('topics', 'publish', { as: 'garden', topic: 'home/kitchen/temperature', payload: '20' });
  await ticked('topics', 0);
  await act('topics', 'publish', { as: 'garden', topic: 'nobody/listens', payload: 'x' });
  await ticked('topics', 1);
  await notTicked('topics', 2);
  await act('topics', 'subscribe', { as: 'kitchen', filter: 'home/kitchen/orders' });
  await settle(1000);
  await act('topics', 'publish', { as: 'phone', topic: 'home/kitchen/orders', payload: 'coffee' });
  await ticked('topics', 2);
});

test('lesson 3: wildcards, and the playground explains a non-match and an invalid filter', async () => {
  await start('wildcards');
  await played(1500);
  const got = await received();
  assert.deepEqual(got.thermo, ['home/kitchen/temperature=21.5', 'home/garden/temperature=14.0']);
  assert.deepEqual(got['kitchen-panel'], ['home/kitchen/temperature=21.5', 'home/kitchen/fridge/temperature=4.0', 'home/kitchen=lights on']);
  assert.equal(got.logger.length, 4);

  const pg = `${L('wildcards')} [data-playground]`;
  await page.fill(`${pg} [data-pg-filter]`, 'home/+/temperature');
  await page.fill(`${pg} [data-pg-topic]`, 'home/kitchen/fridge/temperature');
  assert.equal(await page.getAttribute(`${pg} [data-pg-verdict]`, 'data-result'), 'nomatch');
  assert.match(await page.textContent(`${pg} [data-pg-verdict]`), /does not match/);
  assert.match(await page.textContent(`${pg} [data-pg-levels] [data-ok="false"]`), /level 3: 'temperature' is not 'fridge'/);
  await ticked('wildcards', 2);
  await page.fill(`${pg} [data-pg-filter]`, 'home/#/state');
  assert.equal(await page.getAttribute(`${pg} [data-pg-verdict]`, 'data-result'), 'invalid');
  assert.match(await page.textContent(`${pg} [data-pg-verdict]`), /'#' must be the last level/);
  assert.equal(await page.getAttribute(`${pg} [data-pg-filter]`, 'aria-invalid'), 'true');
  await ticked('wildcards', 3);
  await page.fill(`${pg} [data-pg-filter]`, '#');
  await page.fill(`${pg} [data-pg-topic]`, '$SYS/broker/uptime');
  assert.match(await page.textContent(`${pg} [data-pg-levels]`), /never matches a topic starting with '\$'/);

  await act('wildcards', 'subscribe', { as: 'thermo', filter: 'garden/+/soil' });
  await settle(1000);
  await act('wildcards', 'publish', { as: 'house', topic: 'garden/bed1/soil', payload: 'dry' });
  await ticked('wildcards', 0);
  await act('wildcards', 'subscribe', { as: 'thermo', filter: 'shed/#' });
  await settle(1000);
  await act('wildcards', 'publish', { as: 'house', topic: 'shed/door/lock', payload: 'locked' });
  await ticked('wildcards', 1);
  // An invalid filter in the console is explained and not sent.
  const c = `${L('wildcards')} [data-ls-console]`;
  await page.fill(`${c} [name="filter"]`, 'a/#/b');
  await page.click(`${c} [data-ls-do="subscribe"]`);
  assert.match(await page.textContent(`${c} [data-ls-console-status]`), /Not a valid filter: '#' must be the last level/);
});

test('lesson 4: a late subscriber gets the retained message, not the earlier ones', async () => {
  await start('retained');
  await played(1500);
  const got = await received();
  assert.deepEqual(got.newcomer, ['home/garden/temperature=14.5 (retained)']);
  assert.deepEqual(got.display, ['home/garden/temperature=14.0', 'home/garden/temperature=14.5']);
  assert.match(await page.textContent(`${L('retained')} [data-ls-retained]`), /home\/garden\/temperature = "14.5"/);

  await act('retained', 'publish', { as: 'sensor', topic: 'home/door', payload: 'closed', retain: true });
  await settle(1000);
  await act('retained', 'subscribe', { as: 'newcomer', filter: 'home/door' });
  await ticked('retained', 0);
  await act('retained', 'publish', { as: 'sensor', topic: 'fresh/news', payload: 'not kept', retain: false });
  await settle(1000);
  await act('retained', 'subscribe', { as: 'display', filter: 'fresh/#' });
  await ticked('retained', 1);
  await act('retained', 'publish', { as: 'sensor', topic: 'home/door', payload: '', retain: true });
  await ticked('retained', 2);
  await page.waitForFunction(() => !/home\/door/.test(document.querySelector('[data-lesson="retained"] .ls-retained').textContent));
});

test('lesson 5: under loss QoS 0 is lost, QoS 1 arrives twice, QoS 2 exactly once', async () => {
  await start('qos');
  await played(5000);
  const row = (topic) => topicCounts(page, 'qos', topic);
  assert.deepEqual(await row('lab/qos0'), ['1', '0']);
  assert.deepEqual(await row('lab/qos1'), ['1', '2']);
  assert.deepEqual(await row('lab/qos2'), ['1', '1']);
  const lost = await page.evaluate(() => window.mqttlab.lessons.current.watch.drops.filter((d) => d.why === 'lost').map((d) => d.cmd));
  assert.deepEqual(lost, ['publish', 'puback', 'pubrec']);
  assert.ok(await page.locator(`${L('qos')} [data-packet-log] li[data-fate="lost"]`).count() >= 3);

  for (const [i, qos, direction] of [[0, 0, 'toBroker'], [1, 1, 'toClient'], [2, 2, 'toClient']]) {
    await state('qos', 'sender');
    await act('qos', 'loseNext', { as: 'sender', direction });
    await act('qos', 'publish', { as: 'sender', topic: `lab/try${qos}`, payload: `try ${qos}`, qos });
    await ticked('qos', i);
    const n = await page.evaluate((t) => window.mqttlab.lessons.current.watch.messages.filter((m) => m.topic === t).length, `lab/try${qos}`);
    assert.equal(n, [0, 2, 1][i], `QoS ${qos} under loss`);
  }
});

test('lesson 6: the subscriber receives the Will after the cut, and none after a DISCONNECT', async () => {
  await start('will');
  await played();
  await page.waitForFunction(() => window.mqttlab.lessons.current.watch.messages.some((m) => m.client === 'display' && m.payload === 'offline'));
  const got = await received();
  assert.deepEqual(got.display, ['home/sensor/status=online', 'home/sensor/temperature=20.5', 'home/sensor/status=offline']);
  const wills = await page.evaluate(() => window.mqttlab.lessons.current.watch.wills);
  assert.equal(wills.length, 1);
  assert.equal(wills[0].clientId, 'sensor');

  await act('will', 'connect', { as: 'sensor' });
  await state('will', 'sensor');
  await act('will', 'cutLink', { as: 'sensor' });
  await ticked('will', 0);
  await act('will', 'connect', { as: 'sensor' });
  await state('will', 'sensor');
  await act('will', 'disconnect', { as: 'sensor' });
  await ticked('will', 1);
  assert.equal(await page.evaluate(() => window.mqttlab.lessons.current.watch.wills.length), 2, 'no Will after DISCONNECT');
});

test('lesson 7: a persistent session gets what was queued, a clean one gets nothing', async () => {
  await start('sessions');
  await played(3000);
  const got = await received();
  assert.deepEqual(got.keeper, ['home/hall/light=on', 'home/hall/light=off', 'home/hall/door=open']);
  assert.deepEqual(got.forgetter, ['home/hall/light=on']);
  const connects = await page.evaluate(() => window.mqttlab.lessons.current.watch.connects.filter((c) => c.client !== 'sensor'));
  assert.deepEqual(connects.slice(-2).map((c) => [c.client, c.sessionPresent]), [['keeper', true], ['forgetter', false]]);

  await state('sessions', 'keeper');
  await act('sessions', 'disconnect', { as: 'keeper' });
  await act('sessions', 'publish', { as: 'sensor', topic: 'home/hall/window', payload: 'shut' });
  await settle(1000);
  await act('sessions', 'connect', { as: 'keeper' });
  await ticked('sessions', 0);
  await state('sessions', 'forgetter');
  await act('sessions', 'disconnect', { as: 'forgetter' });
  await act('sessions', 'publish', { as: 'sensor', topic: 'home/hall/window', payload: 'open' });
  await settle(1000);
  await act('sessions', 'connect', { as: 'forgetter' });
  await ticked('sessions', 1);
});

test('lesson 8: shared subscriptions, message expiry and request/response', async () => {
  await start('mqtt5');
  await played(2000);
  const got = await received();
  assert.equal(got['worker-1'].length + got['worker-2'].length, 4, 'four jobs, each to one worker');
  assert.ok(got['worker-1'].length >= 1 && got['worker-2'].length >= 1, 'both workers got work');
  assert.equal(new Set([...got['worker-1'], ...got['worker-2']]).size, 4);
  assert.deepEqual(got.phone, ['news/daily=sunny'], 'the 2 s message expired while the phone was away');
  const expired = await page.evaluate(() => window.mqttlab.lessons.current.watch.expired.map((x) => x.topic));
  assert.deepEqual(expired, ['news/flash']);
  const answer = await page.evaluate(() => window.mqttlab.lessons.current.watch.messages.find((m) => m.client === 'asker'));
  assert.equal(answer.topic, 'reply/asker');
  assert.equal(answer.payload, '10:42');
  assert.equal(answer.correlation, 'question-1');

  await act('mqtt5', 'publish', { as: 'dispatcher', topic: 'jobs/5', payload: 'job 5', qos: 1 });
  await act('mqtt5', 'publish', { as: 'dispatcher', topic: 'jobs/6', payload: 'job 6', qos: 1 });
  await ticked('mqtt5', 0);
  await act('mqtt5', 'disconnect', { as: 'phone' });
  await act('mqtt5', 'publish', { as: 'dispatcher', topic: 'news/quick', payload: 'soon stale', qos: 1, expiry: 2 });
  await settle(3000);
  await act('mqtt5', 'connect', { as: 'phone' });
  await ticked('mqtt5', 1);
  await act('mqtt5', 'publish', {
    as: 'asker', topic: 'service/time', payload: 'and now?', qos: 1, expiry: '', responseTopic: 'reply/asker', correlationData: 'question-2',
  });
  await ticked('mqtt5', 2);
  await tab.screenshot('lesson-mqtt5');
});

test('a lesson resets to a fresh lab that replays the same way', async () => {
  await start('pubsub');
  await played(1000);
  const first = await page.evaluate(() => window.mqttlab.lessons.current.watch.messages.map((m) => [m.client, m.payload, m.at]));
  await act('pubsub', 'publish', { as: 'sensor', payload: 'extra' });
  await ticked('pubsub', 0);
  await page.click(`${L('pubsub')} [data-ls-reset]`);
  await page.waitForSelector(`${L('pubsub')} [data-try="0"][data-done="false"]`);
  await played(1000);
  const again = await page.evaluate(() => window.mqttlab.lessons.current.watch.messages.map((m) => [m.client, m.payload, m.at]));
  assert.deepEqual(again, first, 'same seed, same events at the same virtual times');
});

test('"copy link to this setup" round-trips, with the steps done by hand', async () => {
  await start('retained');
  await played();
  await act('retained', 'publish', { as: 'sensor', topic: 'home/shared', payload: 'by hand', retain: true });
  await page.click(`${L('retained')} [data-ls-copy]`);
  const link = await page.inputValue(`${L('retained')} [data-ls-link]`);
  assert.match(link, /#scenario=[A-Za-z0-9_-]+$/);
  await page.evaluate((h) => { location.hash = h; }, new URL(link).hash);
  await page.waitForSelector('.ls-lesson[data-lesson="scenario"]:not([hidden]) [data-sc-check][data-ok="true"]');
  const json = JSON.parse(await page.inputValue('[data-sc-json]'));
  assert.equal(json.title, 'Retained messages');
  assert.equal(json.seed, 14);
  assert.deepEqual(json.clients.map((c) => c.id), ['sensor', 'display', 'newcomer']);
  const byHand = json.steps.find((s) => s.payload === 'by hand');
  assert.deepEqual({ ...byHand, at: undefined }, { at: undefined, do: 'publish', client: 'sensor', topic: 'home/shared', payload: 'by hand', retain: true });
  // Opening the link plays it: the step done by hand happens again and leaves its retained message.
  await page.selectOption('[data-lesson="scenario"] [data-ls-speed]', '10');
  await page.waitForFunction(() => window.mqttlab.lessons.current.player?.remaining === 0);
  await page.waitForFunction(() => window.mqttlab.lessons.current.lab.snapshot().broker.retained.some((r) => r.topic === 'home/shared'));
});

test('a scenario link made elsewhere opens and plays', async () => {
  const scenario = {
    title: 'Made by hand: ünïcødé',
    seed: 3,
    clients: [{ id: 'a' }, { id: 'b', subscribe: ['x/#'] }],
    steps: [{ at: 1000, do: 'publish', client: 'a', topic: 'x/1', payload: 'héllo ✓' }],
  };
  await page.evaluate((h) => { location.hash = h; }, scenarioHash(scenario));
  await page.waitForSelector('[data-sc-check][data-ok="true"]');
  await page.selectOption('[data-lesson="scenario"] [data-ls-speed]', '10');
  await page.waitForFunction(() => window.mqttlab.lessons.current.watch?.messages.some((m) => m.client === 'b' && m.payload === 'héllo ✓'));
  assert.equal(await page.isHidden('[data-sc-error]'), true);
});

test('a malformed or hostile scenario link gives a clear message, as text', async () => {
  const open = async (hash) => {
    const before = await page.textContent('[data-sc-error]');
    await page.evaluate((h) => { location.hash = h; }, hash);
    await page.waitForFunction((old) => {
      const e = document.querySelector('[data-sc-error]');
      return !e.hidden && e.textContent !== old;
    }, before);
    return page.textContent('[data-sc-error]');
  };
  assert.match(await open('#scenario=%%%not-base64'), /cannot be opened.*damaged/s);
  assert.match(await open(`#scenario=${Buffer.from('{"clients": [').toString('base64url')}`), /not valid JSON/);
  assert.match(await open(`#scenario=${encodeScenario({ clients: [] })}`), /at least one client/);
  assert.match(await open(`#scenario=${encodeScenario({ clients: [{ id: 'a' }], steps: [{ do: 'publish', client: 'a', topic: 'a/+' }] })}`),
    /steps\[0\]\.topic "a\/\+" is not a valid topic name: .*wildcard '\+'/);
  const hostile = '<img src=x onerror="window.__owned=1">';
  const text = await open(`#scenario=${encodeScenario({ title: hostile, clients: [{ id: 'a', role: hostile }], steps: [{ do: 'explode', client: 'a' }] })}`);
  assert.match(text, /steps\[0\]\.do must be one of/);
  const text2 = await open(`#scenario=${encodeScenario({ clients: [{ id: '<img src=x onerror=alert(1)>' }] })}`);
  assert.ok(text2.includes('"<img src=x onerror=alert(1)>" must start with a letter or digit'), 'the id is shown as text');
  assert.equal(await page.locator('main img').count(), 0);
  assert.equal(await page.evaluate(() => window.__owned), undefined);
  await page.waitForSelector('[data-ls-open="pubsub"]');
  assert.deepEqual(tab.errors, []);
  assert.deepEqual(dialogs, []);
});
