// Throughput of the native broker host (examples/broker) next to mosquitto,
// over loopback TCP, with the same load on both, in one run.
//
//   cargo build --release --example broker && node benches/broker_host.mjs [--quick]
//
// Starts both brokers itself (mosquitto from /usr/sbin/mosquitto with the test
// configuration, on free ports). The clients are deliberately thin so the
// brokers, not the clients, are measured: MQTT 3.1.1 over raw sockets,
// PUBLISH packets encoded once and written in batches, and the subscribers
// only parse fixed headers (and answer PUBACK at QoS 1). The publisher sends a
// batch of 500 messages, waits until every subscriber has all of them, and
// sends the next, so no broker queue limit (1000 per client on both) is hit.
//
// Loads: 1 publisher -> 1 subscriber and 1 publisher -> 100 subscribers, at
// QoS 0 and QoS 1. Figures: messages delivered per second (summed over the
// subscribers) and the ratio mqtt-lab / mosquitto.

import net from 'node:net';
import { once } from 'node:events';
import { startOurBroker, startMosquitto } from '../tests/interop/brokers.mjs';

const QUICK = process.argv.includes('--quick');
const BATCH = 500;
const PAYLOAD = Buffer.alloc(64, 0x61);

function remainingLength(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function packet(type, body) {
  return Buffer.concat([Buffer.from([type, ...remainingLength(body.length)]), body]);
}

const str = (s) => { const b = Buffer.from(s); return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]); };

const connect = (id) => packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 0]), str(id)]));
const subscribe = (topic, qos) => packet(0x82, Buffer.concat([Buffer.from([0, 1]), str(topic), Buffer.from([qos])]));
function publish(topic, qos, id) {
  const pid = qos > 0 ? Buffer.from([id >> 8, id & 0xff]) : Buffer.alloc(0);
  return packet(0x30 | (qos << 1), Buffer.concat([str(topic), pid, PAYLOAD]));
}

/// A raw MQTT 3.1.1 connection that counts what arrives and acknowledges QoS 1.
class Raw {
  constructor(port, id) {
    this.port = port;
    this.id = id;
    this.buf = Buffer.alloc(0);
    this.publishes = 0;
    this.acks = 0;
    this.waiters = [];
  }

  async open() {
    this.s = net.connect(this.port, '127.0.0.1');
    this.s.setNoDelay(true);
    await once(this.s, 'connect');
    this.s.on('data', (d) => this.onData(d));
    this.s.write(connect(this.id));
    await this.until(() => this.connacked);
  }

  onData(d) {
    let buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    let i = 0;
    const replies = [];
    for (;;) {
      if (buf.length - i < 2) break;
      let len = 0;
      let mul = 1;
      let j = i + 1;
      for (;;) {
        if (j >= buf.length) { len = -1; break; }
        const b = buf[j++];
        len += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) break;
      }
      if (len < 0 || buf.length < j + len) break;
      const type = buf[i] >> 4;
      if (type === 3) {
        this.publishes += 1;
        if (((buf[i] >> 1) & 3) === 1) {
          const tlen = (buf[j] << 8) | buf[j + 1];
          replies.push(0x40, 0x02, buf[j + 2 + tlen], buf[j + 3 + tlen]);
        }
      } else if (type === 2) this.connacked = true;
      else if (type === 9) this.subacked = true;
      else if (type === 4) this.acks += 1;
      i = j + len;
    }
    this.buf = buf.subarray(i);
    if (replies.length) this.s.write(Buffer.from(replies));
    for (const w of this.waiters.splice(0)) w();
  }

  until(pred) {
    return new Promise((resolve) => {
      const check = () => (pred() ? resolve() : this.waiters.push(check));
      check();
    });
  }
}

async function run(broker, { subscribers, messages, qos }) {
  const topic = `bench/${Date.now()}/${Math.random().toString(36).slice(2)}`;
  const subs = Array.from({ length: subscribers }, (_, i) => new Raw(broker.tcp, `sub-${i}-${topic}`));
  for (const s of subs) {
    await s.open();
    s.s.write(subscribe(topic, qos));
    await s.until(() => s.subacked);
  }
  const pub = new Raw(broker.tcp, `pub-${topic}`);
  await pub.open();
  const t0 = process.hrtime.bigint();
  let id = 0;
  for (let sent = 0; sent < messages; sent += BATCH) {
    const n = Math.min(BATCH, messages - sent);
    const batch = Buffer.concat(Array.from({ length: n }, () => publish(topic, qos, (id = (id % 65535) + 1))));
    pub.s.write(batch);
    const want = sent + n;
    await Promise.all(subs.map((s) => s.until(() => s.publishes >= want)));
    if (qos === 1) await pub.until(() => pub.acks >= want);
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const s of [...subs, pub]) s.s.destroy();
  return (messages * subscribers) / secs;
}

const loads = [
  { subscribers: 1, messages: QUICK ? 20_000 : 100_000, qos: 0 },
  { subscribers: 1, messages: QUICK ? 10_000 : 50_000, qos: 1 },
  { subscribers: 100, messages: QUICK ? 1_000 : 5_000, qos: 0 },
  { subscribers: 100, messages: QUICK ? 500 : 2_000, qos: 1 },
];

const ours = await startOurBroker();
// Always a mosquitto of its own, never the test run's, so both start cold.
delete process.env.MQTT_TCP_PORT;
const mosq = await startMosquitto();
try {
  console.log('load                          mqtt-lab msg/s   mosquitto msg/s   ratio');
  for (const load of loads) {
    // Warm up both, then measure each twice and keep the better run.
    const warm = { ...load, messages: Math.min(load.messages, 1000) };
    await run(ours, warm);
    await run(mosq, warm);
    const a = Math.max(await run(ours, load), await run(ours, load));
    const b = Math.max(await run(mosq, load), await run(mosq, load));
    const name = `1 -> ${load.subscribers} sub, QoS ${load.qos}, ${load.messages} msgs`;
    console.log(`${name.padEnd(30)}${Math.round(a).toString().padStart(14)}${Math.round(b).toString().padStart(18)}${(a / b).toFixed(2).padStart(8)}`);
  }
} finally {
  await Promise.all([ours.stop(), mosq.stop()]);
}
