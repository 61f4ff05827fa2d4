// Real third-party clients against this project's broker (the native host in
// examples/broker), each scenario run against mosquitto too: both brokers
// must show the clients the same thing (messages, payloads, QoS, retain flag,
// session present), and that thing must be what the specification says.
//
// Clients: MQTT.js 5.16 (TCP and WebSocket), mosquitto_pub/mosquitto_sub
// (Debian), paho-mqtt 2.2 (Python, tests/interop/paho_client.py; TCP and
// WebSocket), and raw TCP sockets for malformed input.
//
// Needs target/debug/examples/broker (or $MQTT_LAB_BROKER_BIN; `cargo build --example broker`): ./scripts/test
// builds it. Uses the mosquitto that ./scripts/test started (MQTT_TCP_PORT,
// MQTT_WS_PORT), or starts one itself when run alone.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import mqtt from 'mqtt';

import { ROOT, startOurBroker, startMosquitto } from '../interop/brokers.mjs';

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const VERSIONS = [4, 5]; // MQTT.js's protocolVersion: 4 is 3.1.1
const QOS = [0, 1, 2];
const PAHO = path.join(ROOT, 'tests/interop/paho_client.py');

let ours;
let mosq;
let seq = 0;
/// Client processes still running when the tests end (a failed test) are killed.
const children = new Set();

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

before(async () => {
  [ours, mosq] = await Promise.all([startOurBroker(), startMosquitto()]);
});

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all([ours?.stop(), mosq?.stop()]);
  if (process.env.INTEROP_BROKER_LOG) console.log(ours?.log);
});

// ---- helpers -------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(pred, ms = 3000) {
  const until = Date.now() + ms;
  while (!pred() && Date.now() < until) await sleep(10);
  return pred();
}

/// A topic of its own for every scenario and broker (mosquitto is shared with
/// the other tests and keeps retained messages for the whole run).
function topicFor(broker) {
  seq += 1;
  return `interop/${RUN}/${broker.name}/${seq}`;
}

/// Runs `scenario(broker, topic)` against both brokers at once; messages come
/// back with the topic replaced by "T" so the two results compare.
async function onBoth(scenario) {
  const run = async (b) => {
    const topic = topicFor(b);
    const result = await scenario(b, topic);
    return JSON.parse(JSON.stringify(result).replaceAll(topic, 'T'));
  };
  const [a, b] = await Promise.all([run(ours), run(mosq)]);
  return { ours: a, mosq: b };
}

function sameOnBoth(r, expected) {
  assert.deepEqual(r.ours, expected, 'mqtt-lab broker');
  assert.deepEqual(r.mosq, r.ours, 'mosquitto and mqtt-lab differ');
}

const msg = (payload, qos, retain = false, topic = 'T') => ({ topic, payload, qos, retain });

// ---- MQTT.js -------------------------------------------------------------------

function url(b, transport) {
  return transport === 'ws' ? `ws://${b.host}:${b.ws}/mqtt` : `mqtt://${b.host}:${b.tcp}`;
}

/// An MQTT.js client, connected; `c.received` lists its messages and
/// `c.connack` is its CONNACK.
async function mqttjs(b, v, { transport = 'tcp', ...opts } = {}) {
  const c = mqtt.connect(url(b, transport), {
    protocolVersion: v, reconnectPeriod: 0, connectTimeout: 5000, ...opts,
  });
  c.received = [];
  c.on('message', (topic, payload, packet) => {
    c.received.push(msg(payload.toString(), packet.qos, packet.retain, topic));
  });
  const [connack] = await Promise.race([
    once(c, 'connect'),
    once(c, 'error').then(([e]) => { throw e; }),
  ]);
  c.connack = connack;
  return c;
}

const endAll = (...clients) => Promise.all(clients.map((c) => c.endAsync()));

// ---- mosquitto_pub / mosquitto_sub ---------------------------------------------

const mosqVersion = (v) => (v === 5 ? 'mqttv5' : 'mqttv311');

/// mosquitto_sub with -d, so its SUBACK shows; messages are parsed from -F.
function mosquittoSub(b, v, qos, topic, extra = []) {
  // stdbuf: mosquitto_sub's stdout is a pipe, block-buffered without it, and
  // the SUBACK line must show before anything is published.
  const child = track(spawn('stdbuf', ['-oL', 'mosquitto_sub',
    '-h', b.host, '-p', String(b.tcp), '-V', mosqVersion(v), '-q', String(qos), '-t', topic,
    '-d', '-F', 'MSG %t|%q|%r|%p', ...extra,
  ], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const sub = { child, received: [], subacked: false, out: '' };
  child.stdout.setEncoding('utf8');
  let buf = '';
  child.stdout.on('data', (chunk) => {
    sub.out += chunk;
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.includes('received SUBACK')) sub.subacked = true;
      const m = /^MSG ([^|]*)\|(\d)\|(\d)\|(.*)$/.exec(line);
      if (m) sub.received.push(msg(m[4], Number(m[2]), m[3] === '1', m[1]));
    }
  });
  // 'close', not 'exit': the last lines may still be in the pipe at exit.
  sub.exited = once(child, 'close');
  sub.ready = async () => {
    assert.ok(await waitUntil(() => sub.subacked), `mosquitto_sub got no SUBACK:\n${sub.out}`);
  };
  return sub;
}

async function mosquittoPub(b, v, qos, topic, args) {
  const child = track(spawn('mosquitto_pub', [
    '-h', b.host, '-p', String(b.tcp), '-V', mosqVersion(v), '-q', String(qos), '-t', topic, ...args,
  ], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, `mosquitto_pub failed: ${err}`);
}

// ---- paho-mqtt -----------------------------------------------------------------

async function paho(b, mode, { v, qos, topic, transport = 'tcp', id }) {
  const port = transport === 'websockets' ? b.ws : b.tcp;
  const args = [PAHO, mode, '--host', b.host, '--port', String(port), '--transport', transport,
    '--version', String(v === 5 ? 5 : 3), '--qos', String(qos), '--topic', topic];
  if (id) args.push('--id', id);
  const child = track(spawn('python3', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const [code] = await once(child, 'close'); // 'close' comes after stdout has been read; 'exit' may not
  assert.equal(code, 0, `paho_client.py ${mode} failed: ${err}`);
  return JSON.parse(out);
}

// ---- raw TCP -------------------------------------------------------------------

/// The packets in `buf` as "type:reason" (DISCONNECT e0 and CONNACK 20 carry
/// a reason code; the properties after it, a Reason String say, are not compared).
function packets(buf) {
  const out = [];
  for (let i = 0; i + 1 < buf.length;) {
    const len = buf[i + 1]; // short packets only: one byte of remaining length
    const type = buf[i].toString(16);
    const reason = type === '20' ? buf[i + 3] : type === 'e0' && len > 0 ? buf[i + 2] : 0;
    out.push(`${type}:${reason.toString(16)}`);
    i += 2 + len;
  }
  return out;
}

function connectPacket(v, clientId) {
  const id = Buffer.from(clientId);
  const varHeader = [0x00, 0x04, ...Buffer.from('MQTT'), v, 0x02, 0x00, 0x3c];
  if (v === 5) varHeader.push(0x00); // no properties
  const body = [...varHeader, id.length >> 8, id.length & 0xff, ...id];
  return Buffer.from([0x10, body.length, ...body]);
}

/// Opens a raw TCP connection, sends `first`, waits for a whole first packet
/// (the CONNACK) if `awaitConnack`, then sends `then`; returns the bytes that
/// came after the CONNACK and whether the broker closed the connection.
async function rawExchange(b, first, then, { awaitConnack = true } = {}) {
  const s = net.connect(b.tcp, b.host);
  await once(s, 'connect');
  let got = Buffer.alloc(0);
  let closed = false;
  s.on('data', (d) => { got = Buffer.concat([got, d]); });
  s.on('close', () => { closed = true; });
  s.on('error', () => {});
  s.write(first);
  let connack = Buffer.alloc(0);
  if (awaitConnack) {
    assert.ok(await waitUntil(() => got.length >= 2 && got.length >= 2 + got[1]), 'no CONNACK');
    connack = got.subarray(0, 2 + got[1]);
    assert.equal(connack[0], 0x20, 'CONNACK');
  }
  s.write(then);
  await waitUntil(() => closed, 3000);
  s.destroy();
  return { connackCode: awaitConnack ? connack[3] : null, after: packets(got.subarray(connack.length)), closed };
}

// ---- the scenarios -------------------------------------------------------------

describe('basic publish/subscribe', { concurrency: 8 }, () => {
  for (const v of VERSIONS) {
    for (const qos of QOS) {
      for (const transport of ['tcp', 'ws']) {
        test(`MQTT.js ${transport} v${v} QoS ${qos}`, async () => {
          const r = await onBoth(async (b, t) => {
            const sub = await mqttjs(b, v, { transport });
            await sub.subscribeAsync(t, { qos });
            const pub = await mqttjs(b, v, { transport });
            for (const p of ['a', 'b', 'c']) await pub.publishAsync(t, p, { qos });
            await waitUntil(() => sub.received.length >= 3);
            await endAll(sub, pub);
            return sub.received;
          });
          sameOnBoth(r, [msg('a', qos), msg('b', qos), msg('c', qos)]);
        });
      }

      test(`mosquitto_sub/mosquitto_pub v${v} QoS ${qos}`, async () => {
        const r = await onBoth(async (b, t) => {
          const sub = mosquittoSub(b, v, qos, t, ['-C', '2', '-W', '5']);
          await sub.ready();
          await mosquittoPub(b, v, qos, t, ['-m', 'one']);
          await mosquittoPub(b, v, qos, t, ['-m', 'two']);
          await sub.exited;
          return sub.received;
        });
        sameOnBoth(r, [msg('one', qos), msg('two', qos)]);
      });

      test(`paho tcp v${v} QoS ${qos}`, async () => {
        const r = await onBoth((b, t) => paho(b, 'pubsub', { v, qos, topic: t }));
        sameOnBoth(r, { messages: [msg('m0', qos), msg('m1', qos), msg('m2', qos)] });
      });
    }
    test(`paho websockets v${v} QoS 2`, async () => {
      const r = await onBoth((b, t) => paho(b, 'pubsub', { v, qos: 2, topic: t, transport: 'websockets' }));
      sameOnBoth(r, { messages: [msg('m0', 2), msg('m1', 2), msg('m2', 2)] });
    });
  }

  test('MQTT.js across versions and transports: 3.1.1 over TCP to 5.0 over WebSocket', async () => {
    const r = await onBoth(async (b, t) => {
      const sub = await mqttjs(b, 5, { transport: 'ws' });
      await sub.subscribeAsync(t, { qos: 2 });
      const pub = await mqttjs(b, 4);
      await pub.publishAsync(t, 'x', { qos: 1 });
      await pub.publishAsync(t, 'y', { qos: 2 });
      await waitUntil(() => sub.received.length >= 2);
      await endAll(sub, pub);
      return sub.received;
    });
    sameOnBoth(r, [msg('x', 1), msg('y', 2)]);
  });
});

describe('retained messages', { concurrency: 8 }, () => {
  for (const v of VERSIONS) {
    for (const qos of QOS) {
      test(`MQTT.js v${v} QoS ${qos}: late subscriber gets it; an empty retained publish clears it`, async () => {
        const r = await onBoth(async (b, t) => {
          const pub = await mqttjs(b, v);
          await pub.publishAsync(t, 'kept', { qos, retain: true });
          const late = await mqttjs(b, v);
          await late.subscribeAsync(t, { qos });
          await waitUntil(() => late.received.length >= 1);
          // [MQTT-3.3.1-10]: the empty payload removes it; the subscriber already
          // there receives the (empty) publish with retain 0 [MQTT-3.3.1-9].
          await pub.publishAsync(t, '', { qos, retain: true });
          await waitUntil(() => late.received.length >= 2);
          const after = await mqttjs(b, v);
          await after.subscribeAsync(t, { qos });
          await sleep(200);
          await endAll(pub, late, after);
          return { late: late.received, after: after.received };
        });
        sameOnBoth(r, { late: [msg('kept', qos, true), msg('', qos, false)], after: [] });
      });
    }

    test(`mosquitto_pub -r / mosquitto_sub v${v} QoS 1`, async () => {
      const r = await onBoth(async (b, t) => {
        await mosquittoPub(b, v, 1, t, ['-r', '-m', 'kept']);
        const late = mosquittoSub(b, v, 1, t, ['-C', '1', '-W', '5']);
        await late.exited;
        await mosquittoPub(b, v, 1, t, ['-r', '-n']);
        // Nothing retained any more: -W 1 ends it after a second with nothing.
        const after = mosquittoSub(b, v, 1, t, ['-W', '1']);
        await after.exited;
        return { late: late.received, after: after.received };
      });
      sameOnBoth(r, { late: [msg('kept', 1, true)], after: [] });
    });

    test(`paho v${v} QoS 1`, async () => {
      const r = await onBoth((b, t) => paho(b, 'retained', { v, qos: 1, topic: t }));
      sameOnBoth(r, { late: [msg('kept', 1, true)], cleared: [msg('', 1)], after_clear: [] });
    });
  }
});

describe('Will messages', { concurrency: 8 }, () => {
  for (const v of VERSIONS) {
    for (const qos of QOS) {
      for (const transport of ['tcp', 'ws']) {
        if (transport === 'ws' && qos !== 1) continue;
        test(`MQTT.js ${transport} v${v} QoS ${qos}: sent when the socket dies, not after DISCONNECT`, async () => {
          const r = await onBoth(async (b, t) => {
            const watcher = await mqttjs(b, v);
            await watcher.subscribeAsync(`${t}/#`, { qos });
            const will = (name) => ({ will: { topic: `${t}/${name}`, payload: `${name} gone`, qos, retain: false } });
            const polite = await mqttjs(b, v, { transport, ...will('polite') });
            const dying = await mqttjs(b, v, { transport, ...will('dying') });
            await polite.endAsync();
            dying.stream.destroy(); // no DISCONNECT: the broker sees the transport close
            await waitUntil(() => watcher.received.length >= 1);
            await sleep(200); // time for a wrong Will from `polite` to show
            dying.end(true);
            await watcher.endAsync();
            return watcher.received;
          });
          sameOnBoth(r, [msg('dying gone', qos, false, 'T/dying')]);
        });
      }
    }

    test(`mosquitto_sub killed with SIGKILL v${v}`, async () => {
      const r = await onBoth(async (b, t) => {
        const watcher = await mqttjs(b, v);
        await watcher.subscribeAsync(`${t}/will`, { qos: 2 });
        const victim = mosquittoSub(b, v, 1, `${t}/other`, [
          '--will-topic', `${t}/will`, '--will-payload', 'killed', '--will-qos', '2',
        ]);
        await victim.ready();
        victim.child.kill('SIGKILL');
        await waitUntil(() => watcher.received.length >= 1);
        await watcher.endAsync();
        return watcher.received;
      });
      sameOnBoth(r, [msg('killed', 2, false, 'T/will')]);
    });
  }
});

describe('persistent sessions', { concurrency: 8 }, () => {
  for (const v of VERSIONS) {
    for (const qos of QOS) {
      test(`MQTT.js v${v} subscribed at QoS ${qos}: messages published (QoS 1) while offline arrive on reconnect`, async () => {
        const r = await onBoth(async (b, t) => {
          const clientId = `lab-${RUN}-${b.name}-${seq}`;
          const opts = {
            clientId, clean: false, ...(v === 5 ? { properties: { sessionExpiryInterval: 300 } } : {}),
          };
          const first = await mqttjs(b, v, opts);
          await first.subscribeAsync(t, { qos });
          await first.endAsync();
          const pub = await mqttjs(b, v);
          for (const p of ['p1', 'p2', 'p3']) await pub.publishAsync(t, p, { qos: 1 });
          await pub.endAsync();
          const back = await mqttjs(b, v, opts);
          await waitUntil(() => back.received.length >= 3, qos === 0 ? 300 : 3000);
          await back.endAsync();
          // Leave no session behind.
          await (await mqttjs(b, v, { clientId, clean: true })).endAsync();
          return { sessionPresent: back.connack.sessionPresent, received: back.received };
        });
        if (qos === 0) {
          // A QoS 0 subscription gets offline messages at QoS 0, which a broker
          // may queue or not ([MQTT-3.1.2-5]: "MAY"). mosquitto does not by default
          // (queue_qos0_messages false); ours queues them. Both keep the session.
          assert.equal(r.ours.sessionPresent, true);
          assert.equal(r.mosq.sessionPresent, true);
          assert.deepEqual(r.ours.received, [msg('p1', 0), msg('p2', 0), msg('p3', 0)]);
          assert.deepEqual(r.mosq.received, []);
          return;
        }
        sameOnBoth(r, { sessionPresent: true, received: [msg('p1', 1), msg('p2', 1), msg('p3', 1)] });
      });
    }

    test(`mosquitto_sub -c -i v${v}`, async () => {
      const r = await onBoth(async (b, t) => {
        const id = `lab-${RUN}-${b.name}-sub-${seq}`;
        const first = mosquittoSub(b, v, 1, t, ['-c', '-i', id, '-E']);
        await first.exited;
        await mosquittoPub(b, v, 1, t, ['-m', 'while away']);
        const back = mosquittoSub(b, v, 1, t, ['-c', '-i', id, '-C', '1', '-W', '5']);
        await back.exited;
        // A clean connection with the same identifier ends the session.
        await mosquittoSub(b, v, 1, t, ['-i', id, '-E']).exited;
        return back.received;
      });
      sameOnBoth(r, [msg('while away', 1)]);
    });

    test(`paho v${v} QoS 2`, async () => {
      const r = await onBoth((b, t) => paho(b, 'session', { v, qos: 2, topic: t, id: `lab-${RUN}-${b.name}-paho-${seq}` }));
      sameOnBoth(r, { session_present: true, messages: [msg('m0', 2), msg('m1', 2), msg('m2', 2)] });
    });
  }
});

describe('topic aliases (MQTT 5.0)', { concurrency: 8 }, () => {
  for (const transport of ['tcp', 'ws']) {
    test(`MQTT.js ${transport}: a subscriber with Topic Alias Maximum 2 gets every topic right`, async () => {
      // Our broker assigns aliases (least recently used reused); mosquitto
      // sends full topics. MQTT.js resolves aliases: both must look the same.
      const aliased = {};
      const topics = ['a', 'b', 'a', 'c', 'a', 'b', 'b', 'd'];
      const r = await onBoth(async (b, t) => {
        const sub = await mqttjs(b, 5, { transport, properties: { topicAliasMaximum: 2 } });
        aliased[b.name] = 0;
        sub.on('packetreceive', (p) => {
          if (p.cmd === 'publish' && p.properties?.topicAlias) aliased[b.name] += 1;
        });
        await sub.subscribeAsync(`${t}/#`, { qos: 1 });
        const pub = await mqttjs(b, 5, { transport });
        for (const x of topics) await pub.publishAsync(`${t}/${x}`, x, { qos: 1 });
        await waitUntil(() => sub.received.length >= topics.length);
        await endAll(sub, pub);
        return sub.received;
      });
      sameOnBoth(r, topics.map((x) => msg(x, 1, false, `T/${x}`)));
      // [MQTT-3.1.2-26]: our broker used aliases (within the maximum, or MQTT.js would have failed).
      assert.equal(aliased[ours.name], topics.length);
    });
  }
});

describe('shared subscriptions (MQTT 5.0)', { concurrency: 8 }, () => {
  for (const qos of QOS) {
    test(`MQTT.js QoS ${qos}: two members of $share/g each get some, together all, once`, async () => {
      const r = await onBoth(async (b, t) => {
        const [s1, s2] = await Promise.all([mqttjs(b, 5), mqttjs(b, 5)]);
        await s1.subscribeAsync(`$share/g/${t}`, { qos });
        await s2.subscribeAsync(`$share/g/${t}`, { qos });
        const pub = await mqttjs(b, 5);
        const sent = Array.from({ length: 10 }, (_, i) => `s${i}`);
        for (const p of sent) await pub.publishAsync(t, p, { qos });
        await waitUntil(() => s1.received.length + s2.received.length >= 10);
        await sleep(100); // a duplicate would show now
        await endAll(s1, s2, pub);
        const all = [...s1.received, ...s2.received];
        return {
          eachGotSome: s1.received.length > 0 && s2.received.length > 0,
          payloads: all.map((m) => m.payload).sort(),
          qos: [...new Set(all.map((m) => m.qos))],
        };
      });
      sameOnBoth(r, {
        eachGotSome: true,
        payloads: Array.from({ length: 10 }, (_, i) => `s${i}`).sort(),
        qos: [qos],
      });
    });
  }
});

describe('malformed input', { concurrency: 4 }, () => {
  /// A connected pair that must keep working while another connection misbehaves.
  async function withBystander(b, t, v, misbehave) {
    const sub = await mqttjs(b, v);
    await sub.subscribeAsync(`${t}/ok`, { qos: 1 });
    const pub = await mqttjs(b, v);
    const outcome = await misbehave();
    await pub.publishAsync(`${t}/ok`, 'still here', { qos: 1 });
    await waitUntil(() => sub.received.length >= 1);
    await endAll(sub, pub);
    return { outcome, bystander: sub.received };
  }

  for (const v of [4, 5]) {
    test(`v${v}: PUBLISH with QoS 3 closes that connection only`, async () => {
      // [MQTT-3.3.1-4]: a PUBLISH must not have both QoS bits set; it is malformed.
      const publishQos3 = v === 5
        ? Buffer.from([0x36, 0x07, 0x00, 0x01, 0x74, 0x00, 0x01, 0x00, 0x78])
        : Buffer.from([0x36, 0x06, 0x00, 0x01, 0x74, 0x00, 0x01, 0x78]);
      const r = await onBoth((b, t) => withBystander(b, t, v,
        () => rawExchange(b, connectPacket(v, `raw-${RUN}-${b.name}-v${v}`), publishQos3)));
      const bystander = [msg('still here', 1, false, 'T/ok')];
      // 5.0: DISCONNECT 0x81 Malformed Packet before the close [MQTT-4.13.1-1];
      // 3.1.1: just the close [MQTT-4.8.0-1].
      const after = v === 5 ? ['e0:81'] : [];
      sameOnBoth(r, { outcome: { connackCode: 0, after, closed: true }, bystander });
    });

    test(`v${v}: a CONNECT with the reserved flag set, then more bytes, is refused`, async () => {
      // [MQTT-3.1.2-3]: the reserved flag must be 0; otherwise the CONNECT is malformed.
      const bad = connectPacket(v, 'reserved-flag');
      bad[9] |= 0x01;
      const trailing = Buffer.from([0x30, 0x03, 0x00, 0x01, 0x74]);
      const r = await onBoth((b, t) => withBystander(b, t, v,
        () => rawExchange(b, Buffer.concat([bad, trailing]), Buffer.alloc(0), { awaitConnack: false })));
      const bystander = [msg('still here', 1, false, 'T/ok')];
      // No CONNACK: 3.1.1 says close without one [MQTT-3.1.4-1]; 5.0 allows a
      // CONNACK 0x81 first (a MAY) and neither broker sends it.
      sameOnBoth(r, { outcome: { connackCode: null, after: [], closed: true }, bystander });
    });
  }
});
