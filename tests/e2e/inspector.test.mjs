// End-to-end test of the packet inspector in Chromium.
// Run: WWW_URL=http://127.0.0.1:8099 node --test tests/e2e/inspector.test.mjs
// (with www/pkg built and www/ served; playwright-core resolvable).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.WWW_URL || 'http://127.0.0.1:18080';
const SHOTS = path.resolve('test-results');
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let ctx, page, userDir;
const problems = [];
const dialogs = [];

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqttlab-e2e-'));
  ctx = await chromium.launchPersistentContext(userDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ARGS,
    viewport: { width: 1280, height: 800 },
  });
  page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  await page.goto(`${BASE}/#inspector`);
  await page.waitForSelector('[data-fields] [data-field]');
});

after(async () => {
  await ctx?.close();
  if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
});

/** Types hex into the input and waits for the inspector to show it. */
async function paste(hex, version) {
  if (version) await page.selectOption('[data-version-select]', String(version));
  await page.fill('[data-hex-input]', hex);
  const n = hex.replace(/0x/gi, '').split(/[\s,]+/).filter(Boolean).length;
  await page.waitForFunction((n) => document.querySelector('[data-byte-count]')?.textContent === String(n), n);
}

const fieldValue = (name) => page.locator('[data-field]', { has: page.locator(`[data-field-name]:text-is("${name}")`) })
  .first().locator('[data-field-value]').textContent();

test('the page loads the codec and shows its version', async () => {
  await page.waitForFunction(() => /^v\d/.test(document.querySelector('[data-version]').textContent));
  assert.equal(await page.locator('[role="tab"][aria-selected="true"]').textContent(), 'Inspector');
});

test('an example PUBLISH QoS 1 (MQTT 5.0) is dissected field by field', async () => {
  await page.selectOption('[data-example]', 'publish1-v5');
  await page.waitForSelector('[data-summary][data-state="ok"]');
  assert.equal(await fieldValue('Topic Name'), '"sensors/room1/temp"');
  assert.equal(await fieldValue('Packet Identifier'), '10');
  assert.equal(await page.locator('[data-hexgrid] [data-i]').count(), 57);
  assert.equal(await page.textContent('[data-byte-count]'), '57');
  assert.match(await page.textContent('[data-tree]'), /"21\.5"/);
  // Pointing at a byte of the topic highlights the Topic Name row.
  await page.hover('[data-hexgrid] [data-i="6"]');
  assert.equal(await page.locator('[data-field].hl [data-field-name]').textContent(), 'Topic Name');
  await page.screenshot({ path: path.join(SHOTS, 'inspector-publish-v5.png') });
});

test('a wildcard in a PUBLISH topic is explained with its reason code and rule', async () => {
  await paste('32 03 00 01 2b', 4);
  const err = page.locator('[data-error]');
  await err.waitFor({ state: 'visible' });
  assert.equal(await err.locator('[data-reason-code]').textContent(), '0x90 Topic Name invalid');
  assert.equal(await err.locator('[data-spec-ref]').textContent(), '[MQTT-3.3.2-2]');
  assert.match(await err.textContent(), /wildcard/);
  assert.equal(await page.locator('[data-hexgrid] .byte.bad').count(), 1);
  await page.screenshot({ path: path.join(SHOTS, 'inspector-wildcard.png') });
});

test('QoS 3 is reported as a Malformed Packet and byte 0 is marked', async () => {
  await paste('0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01', 4);
  const err = page.locator('[data-error]');
  await err.waitFor({ state: 'visible' });
  assert.equal(await err.locator('[data-reason-code]').textContent(), '0x81 Malformed Packet');
  assert.equal(await err.locator('[data-spec-ref]').textContent(), '[MQTT-3.3.1-4]');
  assert.ok(await page.locator('[data-hexgrid] [data-i="0"].bad').count());
  assert.equal(await page.locator('[data-hexgrid] .bad').count(), 1, 'only byte 0 is at fault');
  // The decoder stops on the first byte: the first field is still listed.
  assert.match(await fieldValue('Packet type and flags'), /QoS 3/);
});

test('hostile topic and payload are shown as text, never as markup', async () => {
  const hostile = '<img src=x onerror=alert(1)>';
  const t = Buffer.from(hostile);
  const body = Buffer.concat([Buffer.from([0, t.length]), t, t]);
  const pkt = Buffer.concat([Buffer.from([0x30, body.length]), body]);
  await paste(pkt.toString('hex').replace(/../g, '$& ').trim(), 4);
  await page.waitForSelector('[data-summary][data-state="ok"]');
  assert.equal(await fieldValue('Topic Name'), JSON.stringify(hostile));
  assert.match(await page.textContent('[data-tree]'), /onerror=alert\(1\)/);
  assert.equal(await page.locator('img').count(), 0);
  await page.waitForTimeout(200);
  assert.deepEqual(dialogs, []);
  await page.screenshot({ path: path.join(SHOTS, 'inspector-hostile.png') });
});

test('the phone layout renders without errors', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.selectOption('[data-example]', 'connect-v5');
  await page.waitForSelector('[data-summary][data-state="ok"]');
  await page.screenshot({ path: path.join(SHOTS, 'inspector-phone.png'), fullPage: true });
});

test('no page errors or console errors', () => {
  assert.deepEqual(problems, []);
});
