// Headless Chromium with no DevTools client attached, for the browser
// benchmarks: `page.evaluate(fn, arg)` like Playwright's, but the function
// reaches the page over plain HTTP and its result comes back the same way.
//
// Why: Playwright drives Chromium through the DevTools protocol and turns on
// its Network domain in every page and worker, so Chromium reports every
// WebSocket frame to the driver (one DevTools event per frame, built on the
// browser's main thread and written to the pipe). At thousands of frames a
// second that is real CPU on a two-core machine, taken from the very threads
// the benchmark measures, and a user's browser does none of it.
//
//   const page = await openPlainPage('/test/client.html');   // any page under www/
//   const r = await page.evaluate(async ({ n }) => n * 2, { n: 21 });
//   await page.close();
//
// The pages are served from www/ by a small server inside this process (on
// 127.0.0.1), with a script added to each page that asks the server for work
// and runs it with eval: a page whose Content-Security-Policy forbids eval (the
// app's index.html) cannot be driven this way; the test pages can.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const WWW = path.join(ROOT, 'www');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png',
};

// Added to every HTML page: fetch a job, run it, post the outcome, repeat.
const AGENT = `<script type="module">
const base = '/__agent';
for (;;) {
  const job = await (await fetch(base + '/next')).json();
  if (job.stop) break;
  let out;
  try { out = { ok: true, value: await (0, eval)('(' + job.fn + ')')(job.arg) }; }
  catch (e) { out = { ok: false, error: String(e?.stack ?? e) }; }
  await fetch(base + '/done', { method: 'POST', body: JSON.stringify(out) });
}
</script>`;

/**
 * Starts a server for www/ and a headless Chromium showing `pagePath` (a path
 * under www/); resolves once the page asks for its first job.
 */
export async function openPlainPage(pagePath, { binary, args = [] } = {}) {
  const webdriver = JSON.parse(readFileSync(path.join(ROOT, 'webdriver.json'), 'utf8'));
  const chrome = webdriver['goog:chromeOptions'];
  let waiting = null;
  let pending = null;
  const jobs = [];
  let ready;
  const isReady = new Promise((r) => { ready = r; });
  const pump = () => {
    if (!waiting || jobs.length === 0) return;
    const res = waiting;
    waiting = null;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify(jobs.shift()));
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/__agent/next') {
      ready();
      waiting = res;
      pump();
      return;
    }
    if (url.pathname === '/__agent/done') {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        res.writeHead(204).end();
        const out = JSON.parse(body);
        const p = pending;
        pending = null;
        if (out.ok) p?.resolve(out.value);
        else p?.reject(new Error(`in the page: ${out.error}`));
      });
      return;
    }
    const name = url.pathname.endsWith('/') ? `${url.pathname}index.html` : url.pathname;
    const file = path.normalize(path.join(WWW, decodeURIComponent(name)));
    if (!file.startsWith(WWW + path.sep)) { res.writeHead(403).end(); return; }
    let data;
    try {
      data = readFileSync(file);
    } catch {
      res.writeHead(404).end();
      return;
    }
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    if (type.startsWith('text/html')) data = Buffer.concat([data, Buffer.from(AGENT)]);
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(data);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;

  const profile = mkdtempSync(path.join(os.tmpdir(), 'mqtt-lab-chromium-'));
  const proc = spawn(binary ?? process.env.CHROMIUM ?? chrome.binary, [
    ...chrome.args, '--no-sandbox', '--headless=new', `--user-data-dir=${profile}`,
    '--no-default-browser-check', ...args, `${origin}${pagePath}`,
  ], { stdio: 'ignore' });
  const exited = new Promise((r) => proc.once('exit', r));
  const failed = new Promise((_, reject) => {
    proc.once('exit', (code) => reject(new Error(`Chromium exited (${code}) before the page was ready`)));
    setTimeout(() => reject(new Error(`the page ${pagePath} did not load in 30 s`)), 30_000).unref();
  });
  failed.catch(() => {});

  async function close() {
    jobs.push({ stop: true });
    pump();
    proc.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    server.closeAllConnections();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
  try {
    await Promise.race([isReady, failed]);
  } catch (e) {
    await close();
    throw e;
  }
  return {
    origin,
    pid: proc.pid,
    /** Runs `fn(arg)` in the page (`fn` must stand alone, as with Playwright); resolves with its JSON result. */
    evaluate(fn, arg) {
      if (pending) return Promise.reject(new Error('one evaluate at a time'));
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        jobs.push({ fn: fn.toString(), arg });
        pump();
      });
    },
    close,
  };
}
