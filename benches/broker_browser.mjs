// The broker routing benchmark of benches/broker_node.mjs, in a headless
// Chromium page: routed deliveries per second with 1,000 and 10,000 connected
// clients at fan-out 1 and 100 (QoS 0 PUBLISH, subscribers' bytes drained and
// discarded), timed in the page with the wasm `BrokerBench`.
//
//   ./scripts/build            # www/pkg
//   node benches/broker_browser.mjs
//
// It serves www/ itself on a free port of 127.0.0.1 and stops that server by
// PID at the end.
import { spawn } from 'node:child_process';
import path from 'node:path';

import { launchBrowser } from '../tests/e2e/browser.mjs';
import { freePort, waitFor } from '../tests/e2e/mqtt_env.mjs';

const ROOT = new URL('../', import.meta.url).pathname;

async function serveWww() {
  const port = await freePort();
  const proc = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1',
    '--directory', path.join(ROOT, 'www')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    try { return (await fetch(`${url}/test/client.html`)).ok; } catch { return false; }
  }, { what: 'static server' });
  return { url, stop: () => process.kill(proc.pid, 'SIGTERM') };
}

// Runs in the page: the loop of benches/broker_node.mjs, for one configuration.
async function runInPage({ clients, fanout }) {
  const { default: init, BrokerBench } = await import('/pkg/mqtt_lab.js');
  await init();
  const bench = new BrokerBench(clients, fanout);
  bench.publish(2000); // warm up
  let deliveries = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < 2000) {
    deliveries += bench.publish(fanout === 1 ? 10000 : 100);
    t = performance.now();
  }
  bench.free();
  return deliveries / ((t - t0) / 1000);
}

const www = await serveWww();
const browser = await launchBrowser();
try {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${www.url}/test/client.html`);
  console.log(`Chromium ${browser.version()}`);
  for (const clients of [1000, 10000]) {
    for (const fanout of [1, 100]) {
      const perSecond = await page.evaluate(runInPage, { clients, fanout });
      console.log(`broker/route wasm (Chromium): ${clients} clients, fan-out ${fanout}: ` +
        `${(perSecond / 1e6).toFixed(2)} M deliveries/s`);
    }
  }
} finally {
  await browser.close();
  www.stop();
}
