// The browser client against mosquitto instances of its own: one with persistence,
// restarted while messages flow (no QoS 1/2 message lost, none duplicated at
// QoS 2), and one that requires a user name and password.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

import { launchBrowser } from './browser.mjs';
import { clientPage, sleep, startMosquitto, unexpectedErrors, waitFor } from './mqtt_env.mjs';

let browser;
let tab;

before(async () => {
  browser = await launchBrowser();
  tab = await clientPage(browser);
});

after(async () => {
  await tab?.close();
  await browser?.close();
});

// The restart case and mosquitto's incoming quota. mosquitto 2.0 lets a client have
// at most max_inflight_messages (20 by default) QoS 1/2 messages in flight towards
// it; in 5.0 that is the Receive Maximum of its CONNACK. Past the quota,
// handle__publish rejects a PUBLISH with 0x97 Quota exceeded and discards it; a 5.0
// PUBACK says so, but a 3.1.1 PUBACK has no reason code, so to a 3.1.1 publisher
// the message looks accepted. That breaks 3.1.1's PUBACK contract (the
// receiver has taken ownership of the message, [MQTT-4.3.2-2]), and it is what
// happens here: after the restart the 3.1.1 publisher re-sends its unacknowledged
// messages and the ones that waited offline in one burst, with no limit to keep
// (3.1.1 has no Receive Maximum). With `log_type debug` mosquitto 2.0.11 logs, for
// every QoS 1 message of the burst past the quota,
//   Received PUBLISH from pub-... (d0, q1, r0, m103, 'restart/q1', ... (2 bytes))
//   Sending PUBACK to pub-... (m103, rc151)
// and never forwards it, while the subscriber PUBACKs each message it is sent
// ("Received PUBACK from sub-... (Mid: 63, RC:0)" ... "(Mid: 82, RC:0)"); the QoS 2
// messages of the burst got PUBREC rc0 and all arrived. Run with the default limit,
// this test saw mosquitto forward 93 of the 200 QoS 1 messages (all 93 PUBACKed by
// the subscriber) and answer the other 107 with rc151; a native reproduction with
// the sans-IO client over TCP lost 68, again exactly those with rc151. The 3.1.1 run
// therefore raises mosquitto's limit to 2N, all the messages it publishes, so that
// the quota is never reached and a loss can only be ours; the 5.0 run keeps the
// default and so exercises Receive Maximum.
//
// Not to 0, "no maximum": with persistence, mosquitto 2.0.11 then breaks QoS 2
// across its own restart. A session it restores from its database starts with an
// in-flight quota of max_inflight_messages, and a quota of 0 puts every restored
// QoS 1/2 message in the queue of messages not yet sent, whatever its state; when
// the client resumes the session, that queue goes out as PUBLISH with DUP set. A
// message whose PUBREL mosquitto had sent, and whose PUBCOMP it had not read when it
// stopped, thus comes again as a PUBLISH, which a sender must not send after PUBREL
// (MQTT 3.1.1 §4.3.3, §4.4: it re-sends the PUBREL). The client had sent PUBCOMP, so
// it must take that PUBLISH as a new message [MQTT-4.3.3-2] and delivers it a second
// time. With max_inflight_messages 0 the 3.1.1 run failed 4 times in 10 with one
// QoS 2 message received twice; the subscriber's packet trace and mosquitto's log
// (log_type debug) showed, for one of them, "Sending PUBREL to sub-... (m76)", then
// "mosquitto version 2.0.11 terminating" and "Saving in-memory database", never a
// PUBCOMP for m76, though the client had sent it; after the restart, CONNACK with
// session present and "Sending PUBLISH to sub-... (d1, q2, r0, m76, 'restart/q2',
// ...)". A limit from 1 to 65534 keeps the state (65535, like 0, means no limit), and
// so does a session resumed while mosquitto keeps running. The test after the
// restart cases checks mosquitto's side with raw packets, tests/client_reconnect.rs
// the client's, byte for byte.
//
// What else the restart cases take from mosquitto: it is stopped with SIGTERM, on
// which it saves its database, up to the last packet it processed, before exiting;
// what it acknowledged before it stopped is in the sessions it restores. A SIGKILL
// or a crash would restore the last autosave (autosave_interval 1 s here) and could
// lose or repeat what came after it; these cases do not try that.
const N = 200;
const MAX_INFLIGHT = { 4: 2 * N, 5: null };

for (const version of [4, 5]) {
  test(`v${version}: mosquitto restarted mid-stream: persistent sessions lose no QoS 1/2 message, duplicate no QoS 2`, async () => {
    // MQTT 3.1.1 has no flow control: a publisher that catches up after the restart
    // can overrun mosquitto's per-subscriber queue, which then drops QoS 1/2
    // messages (and still acknowledges them). Raise it, so that any loss is ours.
    // Its debug log names every packet, for the message of a failure.
    const broker = await startMosquitto({
      persistence: true, maxQueued: 100000, maxInflight: MAX_INFLIGHT[version], debug: true,
    });
    try {
      await tab.page.evaluate(async ({ url, version, N }) => {
        const { connectAsync } = await import('/lib/mqtt.js');
        const id = Math.random().toString(16).slice(2, 8);
        // The subscriber comes back before the publisher, so that its session is
        // live when the publisher's queued messages arrive.
        const persistent = (name, reconnectPeriod) => ({
          protocolVersion: version,
          clientId: `${name}-${id}`,
          clean: false,
          reconnectPeriod,
          maxReconnectDelay: reconnectPeriod,
          ...(version === 5 ? { properties: { sessionExpiryInterval: 600 } } : {}),
        });
        const s = (window.__restart = { received: { 1: [], 2: [] }, published: 0, failed: [], events: [], trace: [] });
        const sub = await connectAsync(url, persistent('sub', 100));
        // The subscriber's QoS 2 packets, to explain a message received twice.
        const trace = (dir) => (p) => {
          if (!['publish', 'pubrec', 'pubrel', 'pubcomp'].includes(p.cmd) || (p.cmd === 'publish' && p.qos !== 2)) return;
          const what = p.cmd === 'publish' ? ` dup=${p.dup} "${new TextDecoder().decode(p.payload)}"` : '';
          s.trace.push({ id: p.messageId, line: `sub ${dir} ${p.cmd} ${p.messageId}${what}` });
        };
        sub.on('packetreceive', trace('<'));
        sub.on('packetsend', trace('>'));
        sub.on('offline', () => s.trace.push({ line: 'sub offline' }));
        sub.on('connect', (p) => s.trace.push({ line: `sub connack session present ${p.sessionPresent}` }));
        await sub.subscribe('restart/#', { qos: 2 });
        sub.on('message', (topic, payload, packet) => {
          s.received[topic.endsWith('q1') ? 1 : 2].push({ n: Number(new TextDecoder().decode(payload)), qos: packet.qos });
        });
        const pub = await connectAsync(url, persistent('pub', 1200));
        for (const c of [sub, pub]) {
          for (const e of ['offline', 'reconnect', 'connect']) c.on(e, () => s.events.push(e));
        }
        // Publish at a steady pace so that the restart falls in the middle.
        s.done = (async () => {
          const all = [];
          for (let i = 0; i < N; i++) {
            for (const qos of [1, 2]) {
              all.push(pub.publish(`restart/q${qos}`, String(i), { qos })
                .then(() => { s.published++; }, (e) => s.failed.push(`${qos}:${i}: ${e.message}`)));
            }
            await new Promise((r) => setTimeout(r, 10));
          }
          await Promise.all(all);
        })();
        s.clients = [sub, pub];
      }, { url: broker.wsUrl, version, N });

      await waitFor(() => tab.page.evaluate(() => window.__restart.published > 60), { what: 'first messages' });
      await broker.stop();
      await sleep(300);
      await broker.start();

      await tab.page.evaluate(() => window.__restart.done);
      const expected = [...Array(N).keys()];
      await waitFor(() => tab.page.evaluate((N) => {
        const r = window.__restart.received;
        return new Set(r[1].map((m) => m.n)).size === N && new Set(r[2].map((m) => m.n)).size === N;
      }, N), { timeout: 20_000, what: 'every message at the subscriber' }).catch(async (e) => {
        const d = await tab.page.evaluate((N) => {
          const s = window.__restart;
          const miss = (q) => [...Array(N).keys()].filter((n) => !s.received[q].some((m) => m.n === n));
          return { miss1: miss(1), miss2: miss(2), events: s.events, published: s.published, failed: s.failed,
            state: s.clients.map((c) => [c.connected, c.inflight, c.queued]) };
        }, N);
        throw new Error(`${e.message}: ${JSON.stringify(d)}\n${broker.log.slice(-3000)}`);
      });
      await sleep(300); // let late duplicates show up, if any
      const r = await tab.page.evaluate(async () => {
        const s = window.__restart;
        await Promise.all(s.clients.map((c) => c.end()));
        return { received: s.received, failed: s.failed, events: s.events, published: s.published, trace: s.trace };
      });
      // A QoS 2 message received twice: the subscriber's packets for its identifiers
      // and mosquitto's log lines that name them.
      const twice = r.received[2].map((m) => m.n).filter((n, i, all) => all.indexOf(n) !== i);
      const ids = new Set(r.trace.filter((e) => twice.some((n) => e.line.endsWith(` "${n}"`))).map((e) => e.id));
      const story = [
        ...r.trace.filter((e) => ids.has(e.id) || e.id === undefined).map((e) => e.line),
        ...broker.log.split('\n').filter((l) => [...ids].some((id) => new RegExp(`\\b(m|Mid: )${id}\\b`).test(l))
          || /terminating|Saving|version .* running/.test(l)),
      ];
      assert.deepEqual(twice, [], `QoS 2 messages received twice: ${twice}\n${story.join('\n')}`);
      assert.deepEqual(r.failed, []);
      assert.equal(r.published, 2 * N);
      assert.ok(r.events.includes('offline') && r.events.includes('reconnect'), `the broker restart was seen: ${r.events}`);
      // QoS 1: at least once, all of them.
      assert.deepEqual([...new Set(r.received[1].map((m) => m.n))].sort((a, b) => a - b), expected);
      // QoS 2: exactly once.
      assert.deepEqual(r.received[2].map((m) => m.n).sort((a, b) => a - b), expected);
      assert.ok(r.received[2].every((m) => m.qos === 2));
      assert.deepEqual(unexpectedErrors(tab.errors), []);
    } finally {
      await broker.dispose();
    }
  });
}

// mosquitto's side of the restart cases, with raw MQTT 3.1.1 packets and none of
// our code: a subscriber receives a QoS 2 PUBLISH, answers PUBREC, receives PUBREL
// and never sends its PUBCOMP, as when the PUBCOMP is still on its way when the
// broker stops. mosquitto is stopped with SIGTERM and started again; the subscriber
// resumes its session and must get the PUBREL again (§4.4), not the PUBLISH.
const rawPacket = (type, ...fields) => {
  const body = Buffer.concat(fields.map((f) => (typeof f === 'string'
    ? Buffer.concat([Buffer.from([0, Buffer.byteLength(f)]), Buffer.from(f)]) : Buffer.from(f))));
  assert.ok(body.length < 128);
  return Buffer.concat([Buffer.from([type, body.length]), body]);
};
const PACKET_NAMES = { 2: 'CONNACK', 3: 'PUBLISH', 5: 'PUBREC', 6: 'PUBREL', 7: 'PUBCOMP', 9: 'SUBACK' };

/** An MQTT 3.1.1 connection with Clean Session 0; `next()` resolves with the next packet. */
function rawClient(port, clientId) {
  const sock = net.connect({ port, host: '127.0.0.1' });
  const packets = [];
  const waiting = [];
  let buf = Buffer.alloc(0);
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 2 && buf.length >= 2 + buf[1]) {
      assert.ok(buf[1] < 128, 'short packets only');
      const [type, flags, body] = [buf[0] >> 4, buf[0] & 15, buf.subarray(2, 2 + buf[1])];
      buf = buf.subarray(2 + body.length);
      let p = `${PACKET_NAMES[type] ?? type}`;
      if (type === 2) p += ` session present ${body[0]}`;
      if (type === 3) p += ` dup ${flags >> 3} m${body.readUInt16BE(2 + body.readUInt16BE(0))}`;
      if (type >= 5 && type <= 7) p += ` m${body.readUInt16BE(0)}`;
      packets.push(p);
      waiting.shift()?.();
    }
  });
  sock.on('error', () => {});
  sock.write(rawPacket(0x10, 'MQTT', [4, 0, 0, 60], clientId));
  return {
    send: (b) => sock.write(b),
    close: () => sock.destroy(),
    async next() {
      if (!packets.length) {
        let timer;
        await new Promise((resolve, reject) => {
          waiting.push(resolve);
          timer = setTimeout(() => reject(new Error(`${clientId}: no packet within 5 s`)), 5000);
        }).finally(() => clearTimeout(timer));
      }
      return packets.shift();
    },
  };
}

/** What mosquitto sends first on the resumed session (see above). */
async function resumedQos2(maxInflight) {
  const broker = await startMosquitto({ persistence: true, maxInflight });
  try {
    let sub = rawClient(broker.tcpPort, 'qos2-sub');
    assert.equal(await sub.next(), 'CONNACK session present 0');
    sub.send(rawPacket(0x82, [0, 1], 't', [2]));
    assert.equal(await sub.next(), 'SUBACK');
    const pub = rawClient(broker.tcpPort, 'qos2-pub');
    assert.equal(await pub.next(), 'CONNACK session present 0');
    pub.send(rawPacket(0x34, 't', [0, 1], 'x'));
    assert.equal(await pub.next(), 'PUBREC m1');
    pub.send(rawPacket(0x62, [0, 1]));
    assert.equal(await pub.next(), 'PUBCOMP m1');
    assert.equal(await sub.next(), 'PUBLISH dup 0 m1');
    sub.send(rawPacket(0x50, [0, 1]));
    assert.equal(await sub.next(), 'PUBREL m1');
    sub.close();
    pub.close();
    await broker.stop();
    await broker.start();
    sub = rawClient(broker.tcpPort, 'qos2-sub');
    assert.equal(await sub.next(), 'CONNACK session present 1');
    const first = await sub.next();
    sub.close();
    return first;
  } finally {
    await broker.dispose();
  }
}

test('mosquitto as the restart cases run it resumes a QoS 2 message it sent PUBREL for with PUBREL', async (t) => {
  for (const version of [4, 5]) {
    assert.equal(await resumedQos2(MAX_INFLIGHT[version]), 'PUBREL m1',
      `max_inflight_messages ${MAX_INFLIGHT[version] ?? 'default'} (the v${version} case)`);
  }
  // Not asserted, as it is mosquitto's to fix: with no limit it sends the PUBLISH
  // again (2.0.11: "PUBLISH dup 1 m1"), the fault explained above.
  t.diagnostic(`with max_inflight_messages 0, mosquitto resumed with: ${await resumedQos2(0)}`);
});

test('user name and password: accepted, and refused with the reason in words (both versions)', async () => {
  const broker = await startMosquitto({ users: { alice: 's3cret' } });
  try {
    const r = await tab.page.evaluate(async ({ url }) => {
      const { connect, connectAsync } = await import('/lib/mqtt.js');
      const out = {};
      for (const version of [4, 5]) {
        const ok = await connectAsync(url, { protocolVersion: version, username: 'alice', password: 's3cret' });
        out[`ok${version}`] = ok.connected;
        await ok.end();
        const bad = connect(url, { protocolVersion: version, username: 'alice', password: 'wrong' });
        const err = await new Promise((res) => bad.on('error', res));
        await new Promise((res) => setTimeout(res, 100));
        out[`bad${version}`] = {
          kind: err.kind, message: err.message, reasonCode: err.reasonCode, reconnecting: bad.reconnecting,
          publish: await bad.publish('a', 'b').catch((e) => e.kind),
        };
        const anon = await connectAsync(url, { protocolVersion: version }).catch((e) => e);
        out[`anon${version}`] = { kind: anon.kind, reasonCode: anon.reasonCode };
      }
      return out;
    }, { url: broker.wsUrl });
    assert.equal(r.ok4, true);
    assert.equal(r.ok5, true);
    // 3.1.1 return code 5, 5.0 reason code 0x86 (mosquitto's answer to a wrong password).
    assert.equal(r.bad4.kind, 'connection_refused');
    assert.equal(r.bad4.reasonCode, 5);
    assert.match(r.bad4.message, /the server refused the connection: Connection Refused, not authori[sz]ed/i);
    assert.equal(r.bad5.kind, 'connection_refused');
    assert.ok([0x86, 0x87].includes(r.bad5.reasonCode), String(r.bad5.reasonCode));
    assert.match(r.bad5.message, /the server refused the connection: (Bad User Name or Password|Not authorized)/);
    // Bad credentials are final: no reconnection loop, and queued work is rejected.
    assert.equal(r.bad4.reconnecting, false);
    assert.equal(r.bad5.reconnecting, false);
    assert.equal(r.bad4.publish, 'connection_refused');
    assert.equal(r.anon4.kind, 'connection_refused');
    assert.equal(r.anon5.kind, 'connection_refused');
  } finally {
    await broker.dispose();
  }
});
