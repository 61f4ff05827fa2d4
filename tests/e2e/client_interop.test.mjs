// Interoperability: the browser client exchanges messages with mosquitto_pub /
// mosquitto_sub (over TCP) and with MQTT.js running in the same page (over
// WebSockets), through the shared mosquitto of ./scripts/test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { launchBrowser } from './browser.mjs';
import {
  TCP_PORT, WS_URL, clientPage, run, sleep, start, unexpectedErrors, vendorMqttJs, waitFor,
} from './mqtt_env.mjs';

let browser;
let tab;
let mqttJsPath;

before(async () => {
  mqttJsPath = vendorMqttJs();
  browser = await launchBrowser();
  tab = await clientPage(browser);
});

after(async () => {
  await tab?.close();
  await browser?.close();
});

const unique = () => Math.random().toString(16).slice(2, 10);

for (const version of [4, 5]) {
  test(`v${version}: mosquitto_sub receives what the browser client publishes (QoS 0, 1, 2)`, async () => {
    const topic = `interop/tosub/${unique()}`;
    const sub = start('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(TCP_PORT), '-t', `${topic}/#`, '-q', '2', '-v', '-C', '3', '-W', '15']);
    try {
      await sleep(300); // mosquitto_sub has subscribed by then
      await tab.page.evaluate(async ({ url, topic, version }) => {
        const { connectAsync } = await import('/lib/mqtt.js');
        const c = await connectAsync(url, { protocolVersion: version });
        for (const qos of [0, 1, 2]) await c.publish(`${topic}/${qos}`, `hello ${qos}`, { qos });
        await c.end();
      }, { url: WS_URL, topic, version });
      const code = await sub.exited;
      assert.equal(code, 0);
      assert.deepEqual(sub.out.trim().split('\n'), [0, 1, 2].map((q) => `${topic}/${q} hello ${q}`));
    } finally {
      if (sub.exitCode === null) process.kill(sub.pid, 'SIGTERM');
    }
  });

  test(`v${version}: the browser client receives what mosquitto_pub publishes (QoS 0, 1, 2)`, async () => {
    const topic = `interop/frompub/${unique()}`;
    await tab.page.evaluate(async ({ url, topic, version }) => {
      const { connectAsync } = await import('/lib/mqtt.js');
      const c = await connectAsync(url, { protocolVersion: version });
      window.__interop = { got: [], client: c };
      c.on('message', (t, p, packet) => window.__interop.got.push([t, new TextDecoder().decode(p), packet.qos]));
      await c.subscribe(`${topic}/#`, { qos: 2 });
    }, { url: WS_URL, topic, version });
    for (const qos of [0, 1, 2]) {
      await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(TCP_PORT), '-t', `${topic}/${qos}`, '-m', `from cli ${qos}`, '-q', String(qos)]);
    }
    const got = await waitFor(() => tab.page.evaluate(() =>
      window.__interop.got.length === 3 && window.__interop.got), { what: 'three messages' });
    await tab.page.evaluate(() => window.__interop.client.end());
    assert.deepEqual(got, [0, 1, 2].map((q) => [`${topic}/${q}`, `from cli ${q}`, q]));
  });

  test(`v${version}: MQTT.js and our client in the same page exchange messages both ways`, async () => {
    const r = await tab.page.evaluate(async ({ url, version, mqttJsPath }) => {
      const ours = await import('/lib/mqtt.js');
      const mqttjs = (await import(mqttJsPath)).default;
      const topic = `interop/page/${Math.random().toString(16).slice(2)}`;
      const them = await mqttjs.connectAsync(url, { protocolVersion: version });
      const us = await ours.connectAsync(url, { protocolVersion: version });
      const toThem = [];
      const toUs = [];
      them.on('message', (t, p, packet) => toThem.push([t, new TextDecoder().decode(p), packet.qos]));
      us.on('message', (t, p, packet) => toUs.push([t, new TextDecoder().decode(p), packet.qos]));
      await them.subscribeAsync(`${topic}/to-them/#`, { qos: 2 });
      await us.subscribe(`${topic}/to-us/#`, { qos: 2 });
      for (const qos of [0, 1, 2]) {
        await us.publish(`${topic}/to-them/${qos}`, `ours ${qos}`, { qos });
        await them.publishAsync(`${topic}/to-us/${qos}`, `theirs ${qos}`, { qos });
      }
      const t0 = Date.now();
      while ((toThem.length < 3 || toUs.length < 3) && Date.now() - t0 < 5000) {
        await new Promise((res) => setTimeout(res, 20));
      }
      await them.endAsync();
      await us.end();
      return { topic, toThem, toUs };
    }, { url: WS_URL, version, mqttJsPath });
    assert.deepEqual(r.toThem, [0, 1, 2].map((q) => [`${r.topic}/to-them/${q}`, `ours ${q}`, q]));
    assert.deepEqual(r.toUs, [0, 1, 2].map((q) => [`${r.topic}/to-us/${q}`, `theirs ${q}`, q]));
  });
}

test('the interop page logged no unexpected errors', () => {
  assert.deepEqual(unexpectedErrors(tab.errors), []);
});
