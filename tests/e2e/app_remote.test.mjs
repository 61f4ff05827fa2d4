// The connect panel against a real broker: the local mosquitto that
// ./scripts/test starts (MQTT_WS_URL), through www/lib/mqtt.js. The URL checks
// run without a broker; the broker tests are skipped while lib/mqtt.js is not
// in this tree.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { chooseMessage, openPage } from './browser.mjs';

const HAVE_CLIENT = existsSync(new URL('../../www/lib/mqtt.js', import.meta.url));
const WS_URL = process.env.MQTT_WS_URL ?? 'ws://127.0.0.1:19001';
const TCP_PORT = process.env.MQTT_TCP_PORT ?? '18830';
let tab;
let page;

before(async () => {
  tab = await openPage('/');
  page = tab.page;
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
});

after(async () => {
  await tab?.close();
});

async function openForm() {
  await page.click('[role="tab"][data-tab="diagram"]');
  if (!(await page.locator('[data-new-conn]').evaluate((d) => d.open))) await page.click('[data-new-conn] summary');
}

test('bad broker URLs are explained before connecting', async () => {
  await openForm();
  await page.selectOption('[data-cf-broker]', 'custom');
  await page.fill('#cf-url', 'mqtt://127.0.0.1:1883');
  assert.match(await page.textContent('[data-cf-url-error]'), /raw TCP/);
  await page.fill('#cf-url', 'http://example.com/');
  assert.match(await page.textContent('[data-cf-url-error]'), /must start with ws:\/\/ or wss:\/\//);
  const n = await page.evaluate(() => window.mqttlab.connections.list.length);
  await page.click('[data-cf-submit]');
  assert.equal(await page.evaluate(() => window.mqttlab.connections.list.length), n);
  // A page served over https may only open wss://.
  const mixed = await page.evaluate(async () => (await import('./ui/connections.js')).checkUrl('ws://broker.example:8080', 'https:').error);
  assert.match(mixed, /only lets it open wss:\/\//);
  // The presets carry their notes.
  await page.selectOption('[data-cf-broker]', 'mosquitto');
  assert.match(await page.textContent('[data-cf-note]'), /may not subscribe to "#"/);
  assert.equal(await page.inputValue('#cf-url'), 'wss://test.mosquitto.org:8081');
});

test('connects to mosquitto through the connect panel, subscribes and sees its own message', { skip: !HAVE_CLIENT && 'www/lib/mqtt.js is not merged yet' }, async () => {
  await openForm();
  await page.selectOption('[data-cf-broker]', 'custom');
  await page.fill('#cf-url', WS_URL);
  await page.selectOption('#cf-version', '5');
  await page.fill('#cf-clientid', 'app-e2e-remote');
  await page.click('[data-cf-submit]');
  const card = page.locator('[data-conn]', { hasText: 'app-e2e-remote' });
  await card.locator('[data-conn-state]', { hasText: 'connected' }).waitFor({ timeout: 10_000 });
  await card.locator('[data-act="use"]').click();
  await page.fill('#sub-filter', 'app-e2e/#');
  await page.click('[data-sub-form] button[type="submit"]');
  await page.waitForSelector('[data-sub="app-e2e/#"][data-state="granted"]');
  await page.fill('#pub-topic', 'app-e2e/hello');
  await page.fill('#pub-payload', 'over a real WebSocket');
  await page.click('[data-pub-form] button[type="submit"]');
  const row = page.locator('.mrow:not([hidden])', { hasText: 'app-e2e/hello' });
  await row.waitFor();
  await row.click();
  await page.click('[data-open-bytes]');
  await page.waitForFunction(() => /over a real WebSocket/.test(document.querySelector('[data-tree]')?.textContent));
  // The remembered settings have no password unless asked.
  const saved = await page.evaluate(() => localStorage.getItem('mqttlab.connections.v1'));
  assert.match(saved, /app-e2e-remote/);
});

test('hostile topics and payloads from mosquitto_pub render as text', { skip: !HAVE_CLIENT && 'www/lib/mqtt.js is not merged yet' }, async () => {
  // The remote connection of the test above is subscribed to app-e2e/#; a real
  // third-party client publishes through mosquitto.
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss();
  });
  const before = await page.evaluate(() => ({ img: document.querySelectorAll('img').length, script: document.querySelectorAll('script').length }));
  const evil = '<img src=x onerror=alert(1)>';
  const pub = (topic, message) => execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', TCP_PORT, '-q', '1', '-t', topic, '-m', message]);
  pub(`app-e2e/${evil}/</script>`, evil);
  pub('app-e2e/script', '</script><script>alert(2)</script>');
  pub('app-e2e/long', 'B'.repeat(20_000));
  await page.click('[role="tab"][data-tab="messages"]');
  await page.waitForFunction(() => window.mqttlab.messages.topics.has('app-e2e/long'), null, { timeout: 10_000 });
  await page.fill('[data-msg-filter]', 'app-e2e/');
  await page.waitForFunction(() => {
    const t = document.querySelector('[data-vlist]')?.textContent ?? '';
    return t.includes('<img src=x onerror=alert(1)>') && t.includes('</script><script>alert(2)</script>');
  }, null, { timeout: 10_000 });
  const topic = `app-e2e/${evil}/</script>`;
  const shown = await chooseMessage(page, topic);
  assert.equal(shown, topic);
  await page.click('[role="tab"][data-tab="topics"]');
  await page.evaluate((t) => window.mqttlab.topics.select(t), topic);
  await page.waitForSelector('[data-last-value]');
  const after = await page.evaluate(() => ({ img: document.querySelectorAll('img').length, script: document.querySelectorAll('script').length }));
  assert.deepEqual(after, before);
  assert.deepEqual(dialogs, []);
  await page.click('[role="tab"][data-tab="messages"]');
  await page.fill('[data-msg-filter]', '');
});

test('a refused connection says why next to it', { skip: !HAVE_CLIENT && 'www/lib/mqtt.js is not merged yet' }, async () => {
  await openForm();
  await page.selectOption('[data-cf-broker]', 'custom');
  await page.fill('#cf-url', 'ws://127.0.0.1:9/mqtt');
  await page.fill('#cf-clientid', 'app-e2e-nobody');
  await page.uncheck('[name="reconnect"]');
  await page.click('[data-cf-submit]');
  const card = page.locator('[data-conn]', { hasText: 'app-e2e-nobody' });
  await card.locator('[data-conn-why]').waitFor({ timeout: 15_000 });
  const why = await card.locator('[data-conn-why]').textContent();
  console.log('refused connection:', why);
  assert.ok(why.length > 10, why);
  assert.equal(await card.getAttribute('data-state'), 'closed');
});

test('the page reported no errors', () => {
  // A refused WebSocket is logged by Chromium itself; nothing else may be.
  assert.deepEqual(tab.errors.filter((e) => !/WebSocket connection to 'ws:\/\/127\.0\.0\.1:9\//.test(e)), []);
});
