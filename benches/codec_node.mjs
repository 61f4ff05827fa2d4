// Decode throughput in Node, side by side in one run: the same stream of
// 100,000 PUBLISH packets, cut into 64 KiB chunks, decoded by our wasm
// decoder and by mqtt-packet's parser, each handing topic and payload to a
// JavaScript callback per message.
//
//   node benches/codec_node.mjs            (after ./scripts/build)
import fs from 'node:fs';
import mqttPacket from 'mqtt-packet';
import * as lab from '../www/pkg/mqtt_lab.js';
import { StreamParser } from '../www/lib/stream.js';

lab.initSync({ module: fs.readFileSync(new URL('../www/pkg/mqtt_lab_bg.wasm', import.meta.url)) });

const MESSAGES = 100_000;
const CHUNK = 64 * 1024;
const ROUNDS = Number(process.env.ROUNDS ?? 7);

function stream(payloadSize, qos) {
  const parts = [];
  const payload = Buffer.alloc(payloadSize, 0x61);
  for (let i = 0; i < MESSAGES; i++) {
    const p = { cmd: 'publish', topic: `sensors/room${i % 100}/temperature`, payload, qos, retain: false, dup: false };
    if (qos > 0) p.messageId = (i % 65535) + 1;
    parts.push(mqttPacket.generate(p, { protocolVersion: 4 }));
  }
  const all = Buffer.concat(parts);
  const chunks = [];
  for (let o = 0; o < all.length; o += CHUNK) chunks.push(new Uint8Array(all.subarray(o, o + CHUNK)));
  return { chunks, bytes: all.length };
}

let sink = 0;
const onMessage = (topic, payload) => {
  sink += topic.length + payload.length;
};

const contenders = {
  'mqtt-packet': (chunks) => {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    let n = 0;
    parser.on('packet', (p) => {
      n++;
      onMessage(p.topic, p.payload);
    });
    for (const c of chunks) parser.parse(Buffer.from(c.buffer, c.byteOffset, c.length));
    return n;
  },
  'mqtt-lab StreamParser': (chunks) => {
    const parser = new StreamParser({ protocolVersion: 4 });
    let n = 0;
    for (const c of chunks) n += parser.write(c, onMessage);
    return n;
  },
  'mqtt-lab StreamParser.parse (objects)': (chunks) => {
    const parser = new StreamParser({ protocolVersion: 4 });
    let n = 0;
    for (const c of chunks) {
      for (const p of parser.parse(c)) {
        n++;
        onMessage(p.topic, p.payload);
      }
    }
    return n;
  },
  'mqtt-lab Parser.parse (objects from wasm)': (chunks) => {
    const parser = new lab.Parser({ protocolVersion: 4 });
    let n = 0;
    for (const c of chunks) {
      for (const p of parser.parse(c)) {
        n++;
        onMessage(p.topic, p.payload);
      }
    }
    return n;
  },
  'mqtt-lab decode only (no callback)': (chunks) => {
    const parser = new lab.Parser({ protocolVersion: 4 });
    let n = 0;
    for (const c of chunks) n += parser.countPackets(c);
    return n;
  },
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const results = [];
for (const [payloadSize, qos] of [[12, 0], [12, 1], [1024, 1]]) {
  const { chunks, bytes } = stream(payloadSize, qos);
  const row = { case: `${payloadSize}-byte payload, QoS ${qos}`, bytes };
  for (const [name, run] of Object.entries(contenders)) {
    run(chunks); // warm up
    const times = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = process.hrtime.bigint();
      const n = run(chunks);
      const t1 = process.hrtime.bigint();
      if (n !== MESSAGES) throw new Error(`${name} decoded ${n} of ${MESSAGES}`);
      times.push(Number(t1 - t0) / 1e9);
    }
    row[name] = MESSAGES / median(times);
  }
  results.push(row);
}

const peer = 'mqtt-packet';
console.log(`node ${process.version}, ${MESSAGES} PUBLISH packets in ${CHUNK / 1024} KiB chunks, median of ${ROUNDS}`);
for (const row of results) {
  console.log(`\n${row.case} (${(row.bytes / 1e6).toFixed(1)} MB)`);
  for (const name of Object.keys(contenders)) {
    const rate = row[name];
    const ratio = name === peer ? '' : `  ${(rate / row[peer]).toFixed(2)}x ${peer}`;
    console.log(`  ${name.padEnd(42)} ${(rate / 1e6).toFixed(2).padStart(6)} M msg/s${ratio}`);
  }
}
if (process.env.JSON_OUT) fs.writeFileSync(process.env.JSON_OUT, JSON.stringify(results, null, 2));
if (sink === 0) console.log('');
