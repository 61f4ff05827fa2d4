// StreamParser (www/lib/stream.js) against the plain decoder: the same stream,
// cut at random places, gives the same messages and packets in the same order.
import test from 'node:test';
import assert from 'node:assert/strict';
import { lab } from './wasm.mjs';
import { rng } from './gen.mjs';
import { StreamParser } from '../../www/lib/stream.js';

function stream(r, v, n) {
  const packets = [];
  for (let i = 0; i < n; i++) {
    if (r.chance(0.1)) {
      packets.push({ cmd: 'puback', messageId: r.int(1, 65535) });
      continue;
    }
    const qos = r.int(0, 2);
    const size = r.chance(0.2) ? r.int(1000, 70000) : r.int(0, 40);
    const payload = new Uint8Array(size);
    for (let k = 0; k < size; k += 97) payload[k] = r.int(0, 255);
    const p = { cmd: 'publish', topic: `t/${r.int(0, 30)}/é`, payload, qos, retain: r.chance(0.2), dup: qos > 0 && r.chance(0.1) };
    if (qos > 0) p.messageId = r.int(1, 65535);
    if (v === 5 && r.chance(0.2)) p.properties = { contentType: 'x' };
    packets.push(p);
  }
  const parts = packets.map((p) => lab.encode(p, { protocolVersion: v }));
  const all = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const b of parts) {
    all.set(b, o);
    o += b.length;
  }
  return { packets, all };
}

for (const v of [4, 5]) {
  test(`StreamParser matches the decoder across random chunk boundaries (v${v})`, () => {
    const r = rng(77 + v);
    const { packets, all } = stream(r, v, 2000);
    const sp = new StreamParser({ protocolVersion: v });
    const got = [];
    let count = 0;
    for (let o = 0; o < all.length;) {
      const n = r.chance(0.3) ? r.int(1, 8) : r.int(1, 65536);
      // A fresh copy per chunk, as bytes off a socket would be.
      const chunk = all.slice(o, o + n);
      o += n;
      count += sp.write(
        chunk,
        (topic, payload, qos, retain, dup, messageId) => {
          got.push({ cmd: 'publish', topic, payload: Array.from(payload), qos, retain, dup, messageId });
        },
        (p) => got.push(p.cmd === 'publish' ? { ...p, payload: Array.from(p.payload) } : p),
      );
    }
    assert.equal(count, packets.length);
    assert.equal(sp.buffered, 0);
    assert.equal(got.length, packets.length);
    packets.forEach((want, i) => {
      const g = got[i];
      assert.equal(g.cmd, want.cmd, `packet ${i}`);
      if (want.cmd === 'publish') {
        assert.equal(g.topic, want.topic, `topic of ${i}`);
        assert.deepEqual(g.payload, Array.from(want.payload), `payload of ${i}`);
        assert.equal(g.qos, want.qos);
        assert.equal(g.retain, want.retain);
        assert.equal(g.dup, want.dup);
        if (want.qos > 0) assert.equal(g.messageId, want.messageId);
      } else {
        assert.equal(g.messageId, want.messageId);
      }
    });
  });
}

test('StreamParser throws an Error with a reason code on a malformed packet', () => {
  const sp = new StreamParser({ protocolVersion: 4 });
  // [MQTT-3.3.1-4]: QoS 3.
  assert.throws(() => sp.write(new Uint8Array([0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01]), () => {}),
    (e) => e.reasonCode === 0x81);
});
