// The native broker host (examples/broker) under a flood: one publisher sends
// 64 MB as fast as it can to a subscriber that never reads. The host must not
// buffer it all: it tells the broker the subscriber's writer is backed up, the
// broker keeps that session's messages within its queue limits (dropping QoS 0
// ones), and the host's memory stays bounded; a third client is served all the
// while. Raw MQTT 3.1.1 bytes over TCP, so nothing but the host decides.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterEach, test } from 'node:test';

import { HOST, startOurBroker } from '../interop/brokers.mjs';

// Each test starts a host of its own.
let broker;
afterEach(async () => { await broker?.stop(); broker = undefined; });

const str = (s) => { const b = Buffer.from(s); return Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]); };
function packet(type, body) {
  const len = [];
  let n = body.length;
  do { let d = n % 128; n = Math.floor(n / 128); if (n) d |= 128; len.push(d); } while (n);
  return Buffer.concat([Buffer.from([type, ...len]), body]);
}
const connect = (id) => packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 2, 0, 60]), str(id)]));
const subscribe = (filter) => packet(0x82, Buffer.concat([Buffer.from([0, 1]), str(filter), Buffer.from([0])]));
const publish = (topic, payload) => packet(0x30, Buffer.concat([str(topic), payload]));

/// A connected client; `data` collects what it receives (unless it never reads).
async function client(id, { read = true } = {}) {
  const s = net.connect(broker.tcp, HOST);
  const c = { s, data: Buffer.alloc(0) };
  await new Promise((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
  s.write(connect(id));
  await new Promise((resolve) => {
    s.once('data', (d) => { assert.equal(d[0], 0x20, 'CONNACK'); resolve(); });
  });
  if (read) s.on('data', (d) => { c.data = Buffer.concat([c.data, d]); });
  else s.pause();
  return c;
}

/// Writes `count` copies of `packet` in bursts of 256, each after the socket
/// drained: the host's reading is what paces the publisher. `each(sent)` runs
/// after every burst.
async function flood(c, packet, count, each = () => {}) {
  for (let sent = 0; sent < count;) {
    const n = Math.min(256, count - sent);
    sent += n;
    if (!c.s.write(Buffer.concat(Array(n).fill(packet)))) await new Promise((r) => c.s.once('drain', r));
    each(sent);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssBytes = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
const until = async (what, ok, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('a subscriber that never reads does not make the host buffer a fast publisher\'s flood', async () => {
  broker = await startOurBroker();
  const slow = await client('slow', { read: false });
  slow.s.write(subscribe('flood/#'));
  const watcher = await client('watcher');
  watcher.s.write(subscribe('check/#'));
  await until('SUBACK', () => watcher.data.includes(Buffer.from([0x90, 3, 0, 1, 0])));
  watcher.data = Buffer.alloc(0);
  const rssBefore = rssBytes(broker.pid);

  const pub = await client('publisher');
  const payload = Buffer.alloc(2048, 0x61);
  const one = publish('flood/x', payload);
  const total = 32_768; // 64 MB of payload
  let peak = 0;
  await flood(pub, one, total, (sent) => {
    if (sent % 4096 === 0) peak = Math.max(peak, rssBytes(broker.pid));
  });
  // The other clients are still served: a message published after the flood
  // reaches the watcher.
  pub.s.write(publish('check/after', Buffer.from('still here')));
  await until('the message after the flood', () => watcher.data.includes(Buffer.from('still here')), 120_000);
  peak = Math.max(peak, rssBytes(broker.pid));
  const grew = peak - rssBefore;
  console.log(`host RSS: ${(rssBefore / 2 ** 20).toFixed(1)} MB before, ${(peak / 2 ** 20).toFixed(1)} MB at most during 64 MB sent to a subscriber that never reads`);
  // Without backpressure the host held most of the 64 MB for the slow subscriber
  // (67 MB more); with it, about 12 MB more.
  assert.ok(grew < 32 * 2 ** 20, `the host grew by ${(grew / 2 ** 20).toFixed(1)} MB`);
  // The broker said what it dropped for the slow subscriber.
  assert.match(broker.log, /^dropped \d+ message\(s\) for "slow": QueueFull$/m);
  for (const c of [slow, watcher, pub]) c.s.destroy();
});

test('a subscriber that stops reading for a while then reads again gets every message', async () => {
  // The writer backs up, the broker holds the messages in the session, the writer
  // drains and says so, and the broker sends the rest: none may be stuck. Queues
  // large enough for the whole flood, so that nothing is dropped.
  broker = await startOurBroker(['--max-queued', '1000000', '--max-queued-bytes', String(1 << 30)]);
  const late = await client('late', { read: false });
  late.s.write(subscribe('late/#'));
  let received = 0;
  const pub = await client('publisher2');
  const one = publish('late/x', Buffer.alloc(1024, 0x62));
  const total = 24_576; // 24 MB of payload
  for (let round = 0; round < 3; round++) {
    await flood(pub, one, total / 3);
    // The subscriber reads nothing for a while, then everything, then pauses again.
    await sleep(300);
    if (round === 0) {
      late.s.on('data', (d) => { received += d.length; });
      late.s.resume();
    } else {
      late.s.pause();
      await sleep(200);
      late.s.resume();
    }
  }
  // The SUBACK (5 bytes) came first, then every PUBLISH, each the same size.
  const expected = 5 + total * one.length;
  await until(`all ${total} messages (${expected} bytes)`, () => received >= expected, 120_000)
    .catch((e) => { throw new Error(`${e.message}: ${received} bytes arrived`); });
  assert.equal(received, expected);
  assert.doesNotMatch(broker.log, /dropped \d+ message\(s\) for "late"/);
  for (const c of [late, pub]) c.s.destroy();
});
