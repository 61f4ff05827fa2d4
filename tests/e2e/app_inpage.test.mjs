// The app on its first screen, with no network: the in-page broker and its
// simulated clients, the user's client subscribing and publishing, topics
// explained before sending, hostile text rendered as text, and a flood that
// leaves the message list bounded and the page responsive.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chooseMessage, openPage } from './browser.mjs';

let tab;
let page;
const dialogs = [];
const offsite = [];

before(async () => {
  tab = await openPage('/');
  page = tab.page;
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  page.on('request', (r) => { if (!r.url().startsWith(process.env.WWW_URL ?? 'http://127.0.0.1:18080')) offsite.push(r.url()); });
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
});

after(async () => {
  await tab?.close();
});

const tabTo = (name) => page.click(`[role="tab"][data-tab="${name}"]`);

test('the first screen shows the simulated clients connected and messages arriving', async () => {
  assert.equal(await page.locator('[role="tab"][aria-selected="true"]').textContent(), 'Broker & clients');
  for (const id of ['temperature-sensor', 'dashboard', 'phone', 'you']) {
    await page.waitForSelector(`[data-sim-client="${id}"][data-state="connected"]`);
  }
  // The dashboard (home/#) and the phone (home/+/temperature) receive the sensor's readings.
  await page.waitForFunction(() => /received [1-9]/.test(document.querySelector('[data-sim-client="phone"] [data-received]')?.textContent));
  await page.waitForFunction(() => /received [2-9]/.test(document.querySelector('[data-sim-client="dashboard"] [data-received]')?.textContent));
  assert.match(await page.textContent('[data-sim-client="phone"]'), /home\/\+\/temperature/);
  assert.match(await page.textContent('[data-conn-summary]'), /1 connected/);
  await tab.screenshot('app-broker-clients');

  await tabTo('messages');
  await page.waitForSelector('[data-vlist] .mrow:not([hidden])');
  assert.match(await page.textContent('[data-vlist]'), /home\/livingroom\/temperature/);
  assert.deepEqual(offsite, [], 'the in-page broker needs no network');
});

test('an invalid filter and an invalid topic are explained before anything is sent', async () => {
  await tabTo('messages');
  const subsBefore = await page.evaluate(() => window.mqttlab.connections.selected.subscriptions.length);
  await page.fill('#sub-filter', 'a/#/b');
  assert.match(await page.textContent('[data-sub-error]'), /'#' must be the last level/);
  assert.equal(await page.getAttribute('#sub-filter', 'aria-invalid'), 'true');
  await page.click('[data-sub-form] button[type="submit"]');
  assert.equal(await page.evaluate(() => window.mqttlab.connections.selected.subscriptions.length), subsBefore);

  await page.fill('#pub-topic', 'home/+/x');
  assert.match(await page.textContent('[data-pub-error]'), /must not contain the wildcard '\+'/);
  await page.fill('#pub-topic', 'home/ok');
  assert.equal(await page.textContent('[data-pub-error]'), '');
});

test('the user subscribes and publishes; the message shows in the list, the topic tree and the inspector', async () => {
  await tabTo('messages');
  await page.fill('#sub-filter', 'class/#');
  await page.click('[data-sub-form] button[type="submit"]');
  await page.waitForSelector('[data-sub="class/#"][data-state="granted"]');
  await page.fill('#pub-topic', 'class/room1/greeting');
  await page.fill('#pub-payload', '{"hello":"class","n":[1,2,3]}');
  await page.click('[data-pub-form] button[type="submit"]');
  const row = page.locator('.mrow:not([hidden])', { hasText: 'class/room1/greeting' });
  await row.waitFor();
  // Its colour is the class/# subscription's.
  const colour = await page.evaluate(() => window.mqttlab.connections.selected.subscriptions.find((s) => s.filter === 'class/#').colour);
  assert.equal(await row.locator('.m-sub').getAttribute('data-c'), String(colour));
  await row.click();
  await page.waitForSelector('[data-msg-detail] .json-node');
  assert.match(await page.textContent('[data-msg-detail]'), /"hello"/);
  await page.click('[data-mode="hex"]');
  assert.match(await page.textContent('[data-msg-detail] .payload-box'), /7b 22 68 65/);
  await tab.screenshot('app-messages');

  await tabTo('topics');
  await page.evaluate(() => window.mqttlab.topics.select('class/room1/greeting'));
  await page.waitForSelector('.tname[data-topic="class/room1/greeting"]');
  assert.match(await page.textContent('[data-topic-detail]'), /1 message seen/);

  // The sensor's readings draw a chart once two have arrived.
  await page.evaluate(() => window.mqttlab.topics.select('home/livingroom/temperature'));
  await page.waitForSelector('[data-topic-detail] canvas.chart');
  await tab.screenshot('app-topics');

  await tabTo('messages');
  await row.click();
  await page.click('[data-open-bytes]');
  await page.waitForSelector('#panel-inspector:not([hidden])');
  await page.waitForFunction(() => /class\/room1\/greeting/.test(document.querySelector('[data-tree]')?.textContent));
});

test('hostile topics and payloads render as text and the page stays usable', async () => {
  await tabTo('messages');
  const before = await page.evaluate(() => ({ img: document.querySelectorAll('img').length, script: document.querySelectorAll('script').length }));
  await page.evaluate(async () => {
    const { connections, lab } = window.mqttlab;
    const you = connections.selected;
    await you.subscribe({ filter: '#', qos: 0, nl: false, rap: false, rh: 0 });
    const evil = '<img src=x onerror=alert(1)>';
    lab.sim.publish(you.label, `x/${evil}/</script>`, evil, { qos: 0 });
    lab.sim.publish(you.label, 'x/script', '</script><script>alert(2)</script>', { qos: 1 });
    lab.sim.publish(you.label, 'x/long', 'A'.repeat(10_000), { qos: 0 });
    lab.sim.publish(you.label, 'x/bad-utf8', new Uint8Array([0xff, 0xfe, 0xc3, 0x28, 0x00, 0x41]), { qos: 0 });
  });
  await page.waitForFunction(() => window.mqttlab.messages.topics.has('x/bad-utf8'));
  await page.fill('[data-msg-filter]', 'x/');
  await page.waitForFunction(() => document.querySelectorAll('.mrow:not([hidden])').length >= 4);
  // The list redraws once per frame: wait for the filtered rows to be drawn, then
  // check that the hostile strings are there as text.
  await page.waitForFunction(() => {
    const t = document.querySelector('[data-vlist]')?.textContent ?? '';
    return t.includes('<img src=x onerror=alert(1)>') && t.includes('</script><script>alert(2)</script>');
  }, null, { timeout: 10_000 }).catch(() => {});
  const text = await page.textContent('[data-vlist]');
  assert.ok(text.includes('<img src=x onerror=alert(1)>'), text.slice(0, 500));
  assert.ok(text.includes('</script><script>alert(2)</script>'), text.slice(0, 500));
  // Each hostile message opens in the detail pane as text.
  for (const t of ['x/long', 'x/<img src=x onerror=alert(1)>/</script>', 'x/bad-utf8']) {
    assert.equal(await chooseMessage(page, t), t);
  }
  await page.click('[data-mode="text"]');
  assert.ok((await page.textContent('[data-msg-detail] .payload-box')).includes('\ufffd'));
  await tabTo('topics');
  await page.evaluate(() => window.mqttlab.topics.select('x/<img src=x onerror=alert(1)>/</script>'));
  await page.waitForSelector('[data-last-value]');
  const after = await page.evaluate(() => ({ img: document.querySelectorAll('img').length, script: document.querySelectorAll('script').length }));
  assert.deepEqual(after, before);
  assert.deepEqual(dialogs, []);
  await tabTo('messages');
  await page.fill('[data-msg-filter]', '');
  // Still usable: a publish goes through.
  await page.fill('#pub-topic', 'class/after');
  await page.fill('#pub-payload', 'still fine');
  await page.click('[data-pub-form] button[type="submit"]');
  await page.waitForFunction(() => window.mqttlab.messages.topics.has('class/after'));
});

test('a flood of 10,000 messages keeps the list and the memory bounded and the page responsive', async () => {
  await tabTo('messages');
  await page.fill('[data-msg-keep]', '50');
  await page.dispatchEvent('[data-msg-keep]', 'change');
  const flood = (first) => page.evaluate(async (first) => {
    const { connections, lab, messages } = window.mqttlab;
    const you = connections.selected;
    const start = messages.received;
    let frames = 0;
    let longest = 0;
    let last = performance.now();
    let counting = true;
    const frame = (t) => { frames++; longest = Math.max(longest, t - last); last = t; if (counting) requestAnimationFrame(frame); };
    requestAnimationFrame(frame);
    const t0 = performance.now();
    // As fast as the page lets a client publish: 200 messages per task, 10,000 in all.
    for (let i = first; i < first + 10_000; i++) {
      lab.sim.publish(you.label, `flood/${i % 20}`, `reading ${i}`, { qos: 0 });
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 0));
    }
    while (messages.received - start < 10_000 && performance.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    counting = false;
    return {
      got: messages.received - start,
      ms: performance.now() - t0,
      frames,
      longest,
      rows: document.querySelectorAll('[data-vlist] .mrow').length,
      kept: messages.live,
      perTopic: Math.max(...[...messages.topics.values()].map((t) => t.history.length)),
    };
  }, first);
  // The JS heap after a full garbage collection.
  const cdp = await page.context().newCDPSession(page);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  const result = await flood(0);
  const heap1 = await heap();
  const again = await flood(10_000);
  const heap2 = await heap();
  await cdp.detach();
  console.log('flood:', JSON.stringify(result), 'then', JSON.stringify(again), `heap after GC: ${heap1} then ${heap2} bytes`);
  for (const r of [result, again]) {
    assert.ok(r.got >= 10_000, `all 10,000 arrived (${r.got})`);
    assert.ok(r.rows < 80, `only the visible rows exist (${r.rows})`);
    assert.ok(r.perTopic <= 50, `keep the last 50 per topic (${r.perTopic})`);
    assert.ok(r.kept <= 5000);
  }
  // Bounded: 10,000 more messages leave the heap where the first 10,000 left it
  // (a leak of 150 bytes per message would add 1.5 MB).
  assert.ok(heap2 < heap1 + 1_500_000, `the heap stays flat: ${heap1} then ${heap2} bytes`);
  // Responsive: the page answers a click and a form right after.
  await page.click('[data-msg-pause]');
  assert.equal(await page.getAttribute('[data-msg-pause]', 'aria-pressed'), 'true');
  await page.click('[data-msg-pause]');
  await page.fill('[data-msg-filter]', 'flood/7');
  await page.waitForFunction(() => /^50 messages/.test(document.querySelector('[data-msg-count]').textContent));
  await page.fill('[data-msg-filter]', '');
  await tab.screenshot('app-flood');
});

test('messages export as JSON and import back', async () => {
  await tabTo('messages');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-msg-export]')]);
  const file = await download.path();
  const { readFileSync } = await import('node:fs');
  const data = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(data.format, 'mqtt-lab-messages');
  assert.ok(data.messages.length > 0);
  assert.ok(data.messages.some((m) => m.payloadBase64) || data.messages.every((m) => typeof m.payload === 'string'));
  await page.click('[data-msg-clear]');
  await page.setInputFiles('[data-msg-import]', { name: 'back.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({
    messages: [{ topic: 'imported/one', payload: 'hi', qos: 1 }, { topic: 'imported/two', payloadBase64: '/w==' }, { nope: 1 }],
  })) });
  await page.waitForFunction(() => /Imported 2 messages/.test(document.querySelector('[data-msg-note]').textContent));
  assert.ok(await page.evaluate(() => window.mqttlab.messages.topics.has('imported/two')));
});

test('the layout works at phone size', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await tabTo('diagram');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `no sideways scrolling (${overflow}px)`);
  await tab.screenshot('app-phone-broker');
  await tabTo('messages');
  const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow2 <= 1, `no sideways scrolling in Messages (${overflow2}px)`);
  await tab.screenshot('app-phone-messages');
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('the page reported no errors', () => {
  assert.deepEqual(tab.errors, []);
  assert.deepEqual(dialogs, []);
});

test('a #tab link opens that tab, also when the hash changes after loading', async () => {
  const tab = await openPage('/');
  try {
    await tab.page.waitForSelector('[data-tab="topics"]');
    await tab.page.evaluate(() => { location.hash = '#topics'; });
    await tab.page.waitForFunction(
      () => document.querySelector('[data-tab="topics"]')?.getAttribute('aria-selected') === 'true');
    await tab.page.evaluate(() => { location.hash = '#inspector'; });
    await tab.page.waitForFunction(
      () => document.querySelector('[data-tab="inspector"]')?.getAttribute('aria-selected') === 'true');
    assert.deepEqual(tab.errors, []);
  } finally {
    await tab.close();
  }
});
