// Offline use: the page, once loaded, works with no network through its
// service worker (www/sw.js), in-page broker and lessons included. The page is served by a
// static server of this test's own (a copy of www/), which the test stops to
// take the network away for real, on top of playwright's setOffline.
// Network first: a file changed on the server is what the next online load
// shows, and what the cache then keeps.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { launchBrowser } from './browser.mjs';
import { freePort, waitFor } from './mqtt_env.mjs';

const WWW = fileURLToPath(new URL('../../www/', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-lab-offline-'));
let server = null;
let browser = null;

async function serve(root, port) {
  const proc = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', root],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  proc.exited = new Promise((r) => proc.once('exit', r));
  await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error('the static server exited');
    try {
      return (await fetch(`http://127.0.0.1:${port}/index.html`)).ok;
    } catch {
      return false;
    }
  }, { what: `a static server on ${port}` });
  return proc;
}

async function stop(proc) {
  if (!proc || proc.exitCode !== null) return;
  process.kill(proc.pid, 'SIGTERM');
  await proc.exited;
}

after(async () => {
  await browser?.close();
  await stop(server);
  rmSync(dir, { recursive: true, force: true });
});

test('loaded once, the page and its in-page broker work offline, and the cache follows new builds', async () => {
  const root = path.join(dir, 'www');
  cpSync(WWW, root, { recursive: true });
  const port = await freePort();
  server = await serve(root, port);
  const base = `http://127.0.0.1:${port}/`;

  browser = await launchBrowser();
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console.error: ${m.text()}`); });

  await page.goto(base);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');

  // The worker takes control and caches what the first visit loaded, the codec included.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  const needed = ['', 'app.js', 'style.css', 'classroom.css', 'ui/inpage.js', 'lib/broker.js', 'pkg/mqtt_lab.js', 'pkg/mqtt_lab_bg.wasm'];
  await waitFor(() => page.evaluate(async (files) => {
    const names = await caches.keys();
    if (names.length !== 1) return false;
    const cache = await caches.open(names[0]);
    for (const f of files) if (!(await cache.match(new URL(f, location.href).href))) return false;
    return true;
  }, needed), { what: 'the first visit\'s files in the cache' });

  // A new build on the server: an online reload shows it at once (network first).
  const index = path.join(root, 'index.html');
  writeFileSync(index, readFileSync(index, 'utf8').replace('<title>MQTT Lab</title>', '<title>MQTT Lab (rebuilt)</title>'));
  await page.reload();
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  assert.equal(await page.title(), 'MQTT Lab (rebuilt)');

  // No network: the server is gone and the browser is offline.
  await stop(server);
  server = null;
  await context.setOffline(true);
  assert.equal(await page.evaluate(() => fetch('app.js', { cache: 'no-store', headers: { 'x-check': '1' } }).then(() => 'reached', () => 'unreachable')), 'reached',
    'the worker answers a fetch from its cache');
  const response = await page.reload();
  assert.ok(response.fromServiceWorker(), 'the page came from the service worker');
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  assert.equal(await page.title(), 'MQTT Lab (rebuilt)', 'the cache holds the newest build loaded');
  assert.match(await page.textContent('[data-version]'), /^v\d+\.\d+\.\d+/, 'the WebAssembly codec loaded');
  assert.equal(await page.evaluate(() => navigator.onLine), false);

  // The in-page broker: subscribe and publish through the Messages tab.
  await page.click('[role="tab"][data-tab="messages"]');
  await page.fill('#sub-filter', 'offline/#');
  await page.click('[data-sub-form] button[type="submit"]');
  await page.waitForSelector('[data-sub="offline/#"][data-state="granted"]');
  await page.fill('#pub-topic', 'offline/check');
  await page.fill('#pub-payload', 'no network needed');
  await page.click('[data-pub-form] button[type="submit"]');
  await page.locator('.mrow:not([hidden])', { hasText: 'offline/check' }).waitFor();
  // And the simulated sensor goes on publishing to the dashboard.
  await waitFor(() => page.evaluate(() => window.mqttlab.lab.clients.get('dashboard')?.received > 0),
    { what: 'the simulated dashboard to receive the sensor\'s readings' });

  // A lesson plays on its own in-page lab, offline too.
  await page.evaluate(() => { location.hash = '#lesson=pubsub'; });
  const lesson = '.ls-lesson[data-lesson="pubsub"]';
  await page.waitForSelector(`${lesson} [data-ls-start]`);
  await page.click(`${lesson} [data-ls-start]`);
  await page.waitForSelector(`${lesson} [data-packet-log] li`);

  assert.deepEqual(errors, []);
  await context.close();
});
