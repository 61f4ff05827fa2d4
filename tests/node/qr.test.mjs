// The QR Code encoder (www/lib/qr.js), checked two ways: known answers from
// the standard (ISO/IEC 18004) for its pieces, and whole symbols read back by an
// independent decoder (jsQR, from npm) for every version, level and mask and for
// many strings and lengths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import jsQR from 'jsqr';

import {
  encodeQr, reedSolomon, formatBits, versionBits, byteCapacity, dataCodewords, qrPathData, MAX_VERSION,
} from '../../www/lib/qr.js';

const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');

/** The symbol as an RGBA image (4 px per module, 4-module quiet zone), as a camera frame would be. */
function render(qr, { scale = 4, border = 4, flip = () => false } = {}) {
  const n = (qr.size + 2 * border) * scale;
  const px = new Uint8ClampedArray(n * n * 4).fill(255);
  for (let y = 0; y < qr.size; y++) {
    for (let x = 0; x < qr.size; x++) {
      if (qr.get(x, y) === flip(x, y)) continue;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const i = (((y + border) * scale + dy) * n + (x + border) * scale + dx) * 4;
          px[i] = px[i + 1] = px[i + 2] = 0;
        }
      }
    }
  }
  return { px, n };
}

function decode(qr, opts) {
  const { px, n } = render(qr, opts);
  return jsQR(px, n, n, { inversionAttempts: 'dontInvert' });
}

/** A deterministic pseudo-random generator (xorshift32), so failures can be replayed. */
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

test('Reed-Solomon codewords match the standard\'s worked example (ISO/IEC 18004:2000 Annex I, 1-M "01234567")', () => {
  const data = [0x10, 0x20, 0x0c, 0x56, 0x61, 0x80, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11];
  assert.equal(hex(reedSolomon(data, 10)), 'a5 24 d4 c1 ed 36 c7 87 2c 55');
});

test('Reed-Solomon codewords of the 1-M "HELLO WORLD" data codewords', () => {
  const data = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17];
  assert.deepEqual([...reedSolomon(data, 10)], [196, 35, 39, 119, 235, 215, 231, 226, 93, 23]);
});

test('format information bits match the standard\'s table (level and mask, BCH, XOR mask)', () => {
  // ISO/IEC 18004 Annex C: the example (M, mask 101) and the table's first entries of each level.
  assert.equal(formatBits('M', 5).toString(2).padStart(15, '0'), '100000011001110');
  assert.equal(formatBits('L', 0).toString(2).padStart(15, '0'), '111011111000100');
  assert.equal(formatBits('M', 0).toString(2).padStart(15, '0'), '101010000010010');
  assert.equal(formatBits('Q', 0).toString(2).padStart(15, '0'), '011010101011111');
  assert.equal(formatBits('H', 0).toString(2).padStart(15, '0'), '001011010001001');
});

test('version information bits match the standard\'s table (Annex D)', () => {
  assert.deepEqual([7, 8, 9, 10].map((v) => versionBits(v).toString(16).padStart(5, '0')),
    ['07c94', '085bc', '09a99', '0a4d3']);
});

test('byte-mode data codewords: mode, count, bytes, terminator, pad codewords', () => {
  // "hello" at 1-M: 0100 00000101 then the bytes, 0000, then EC 11 EC 11... to 16 codewords.
  assert.equal(hex(dataCodewords(new TextEncoder().encode('hello'), 1, 'M')),
    '40 56 86 56 c6 c6 f0 ec 11 ec 11 ec 11 ec 11 ec');
  // From version 10 the count takes 16 bits.
  assert.equal(hex(dataCodewords(Uint8Array.of(0xff), 10, 'M').subarray(0, 5)), '40 00 1f f0 ec');
});

test('capacities in bytes match the standard\'s table for versions 1 to 10', () => {
  const want = {
    L: [17, 32, 53, 78, 106, 134, 154, 192, 230, 271],
    M: [14, 26, 42, 62, 84, 106, 122, 152, 180, 213],
    Q: [11, 20, 32, 46, 60, 74, 86, 108, 130, 151],
    H: [7, 14, 24, 34, 44, 58, 64, 84, 98, 119],
  };
  for (const ecl of 'LMQH') {
    assert.deepEqual(Array.from({ length: MAX_VERSION }, (_, i) => byteCapacity(i + 1, ecl)), want[ecl], ecl);
  }
});

test('every version, level and mask at full capacity decodes with jsQR to the same bytes', () => {
  let n = 0;
  for (let v = 1; v <= MAX_VERSION; v++) {
    for (const ecl of 'LMQH') {
      for (let mask = 0; mask < 8; mask++) {
        const data = new Uint8Array(byteCapacity(v, ecl)).map((_, i) => (i * 37 + v * 11 + mask * 5) & 0xff);
        const qr = encodeQr(data, { ecl, minVersion: v, maxVersion: v, mask, boostEcl: false });
        assert.equal(qr.size, 17 + 4 * v);
        assert.equal(qr.mask, mask);
        const r = decode(qr);
        assert.ok(r, `version ${v}-${ecl} mask ${mask} did not decode`);
        assert.equal(r.version, v);
        assert.deepEqual(Uint8Array.from(r.binaryData), data, `version ${v}-${ecl} mask ${mask}`);
        n++;
      }
    }
  }
  assert.equal(n, MAX_VERSION * 4 * 8);
});

test('every length from 0 to the level M maximum decodes, in the smallest version that holds it', () => {
  const rand = rng(7);
  for (let len = 0; len <= byteCapacity(MAX_VERSION, 'M'); len++) {
    const data = new Uint8Array(len).map(() => Math.floor(rand() * 256));
    const qr = encodeQr(data);
    let smallest = 1;
    while (byteCapacity(smallest, 'M') < len) smallest++;
    assert.equal(qr.version, smallest, `length ${len}`);
    assert.ok('MQH'.includes(qr.ecl), 'at least level M');
    const r = decode(qr);
    assert.ok(r, `length ${len} did not decode`);
    assert.deepEqual(Uint8Array.from(r.binaryData), data, `length ${len}`);
  }
});

test('strings (UTF-8) and room links decode to the same text', () => {
  const rand = rng(99);
  const alphabet = ['a', 'Z', '0', '/', '#', '&', '=', '%', ' ', 'é', 'ß', '中', '😀', '\n', '"', '<'];
  const samples = [
    'https://teacher.example/mqtt-lab/#join=k7m2qx&broker=wss%3A%2F%2Fbroker.emqx.io%3A8084%2Fmqtt',
    `http://127.0.0.1:8080/#join=ab3d5f&broker=${encodeURIComponent('ws://127.0.0.1:19001')}`,
    `https://a-long-host-name.school.example/teaching/networks/mqtt-lab/index.html#join=zzzzzz&broker=${
      encodeURIComponent('wss://mqtt.eclipseprojects.io:443/mqtt')}&v=4`,
    '<script>alert(1)</script>',
  ];
  for (let i = 0; i < 120; i++) {
    const len = 1 + Math.floor(rand() * 60);
    samples.push(Array.from({ length: len }, () => alphabet[Math.floor(rand() * alphabet.length)]).join(''));
  }
  for (const s of samples) {
    const qr = encodeQr(s);
    const r = decode(qr);
    assert.ok(r, `did not decode: ${JSON.stringify(s)}`);
    assert.equal(new TextDecoder().decode(Uint8Array.from(r.binaryData)), s);
  }
  // A link of 150 characters fits at level M.
  const link = `https://example.org/${'x'.repeat(130)}`;
  assert.equal(link.length, 150);
  assert.ok(encodeQr(link).version <= 9);
});

test('a damaged symbol still decodes: the error correction codewords are right', () => {
  const url = `https://example.org/lab/#join=q2w3e4&broker=${encodeURIComponent('wss://broker.hivemq.com:8884/mqtt')}`;
  const qr = encodeQr(url, { ecl: 'M', boostEcl: false });
  // Invert the 4x4 data modules of the bottom-right corner (two to four codewords),
  // clear of the alignment pattern that ends five modules from the edge.
  const s = qr.size;
  const flip = (x, y) => x >= s - 4 && y >= s - 4;
  const r = decode(qr, { flip });
  assert.ok(r, 'the damaged symbol did not decode');
  assert.equal(r.data, url);
});

test('the auto mask is the one with the lowest penalty and the result is deterministic', () => {
  const a = encodeQr('mqttlab room');
  const b = encodeQr('mqttlab room');
  assert.equal(a.mask, b.mask);
  assert.deepEqual(a.modules, b.modules);
});

test('too much data is refused with the limit in words', () => {
  assert.throws(() => encodeQr(new Uint8Array(214)), /214 bytes do not fit a version 10 QR code at level M \(at most 213\)/);
  assert.throws(() => encodeQr(new Uint8Array(272), { ecl: 'L' }), /at most 271/);
  assert.throws(() => encodeQr('x', { ecl: 'X' }), RangeError);
  assert.throws(() => encodeQr('x', { mask: 8 }), RangeError);
});

test('the SVG path covers exactly the dark modules', () => {
  const qr = encodeQr('path check');
  const d = qrPathData(qr, 4);
  let covered = 0;
  for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-(\d+)z/g)) {
    const [x, y, w, back] = m.slice(1).map(Number);
    assert.equal(w, back);
    for (let i = 0; i < w; i++) assert.ok(qr.get(x - 4 + i, y - 4), `(${x - 4 + i}, ${y - 4}) is dark`);
    covered += w;
  }
  assert.equal(covered, qr.modules.reduce((a, b) => a + b, 0));
});
