// A QR Code encoder (ISO/IEC 18004, Model 2): byte mode, error correction
// levels L, M, Q and H, versions 1 to 10 (up to 271 bytes at level L, 213 at
// M). Enough for a link a phone camera opens; no network service involved.
//
//   import { encodeQr, qrSvg } from './lib/qr.js';
//   const qr = encodeQr('https://example.org/#join=abc', { ecl: 'M' });
//   qr.size; qr.get(x, y);            // true for a dark module
//   container.append(qrSvg(qr));      // an <svg> drawn with DOM calls, no markup strings
//
// The steps are the standard's: bit stream (mode, count, data, terminator,
// pad codewords), Reed-Solomon error correction per block, interleaving,
// function patterns, the zigzag placement, the eight masks scored with the four
// penalty rules, and the BCH-protected format and version information.

/** Format information bits of each level (ISO/IEC 18004 Table 12 order: L=01, M=00, Q=11, H=10). */
const ECL_BITS = { L: 1, M: 0, Q: 3, H: 2 };
const ECL_ORDER = ['L', 'M', 'Q', 'H'];

// Error correction per version and level: [EC codewords per block,
// blocks in group 1, data codewords per block in group 1,
// blocks in group 2, data codewords per block in group 2] (ISO/IEC 18004 Table 9).
const BLOCKS = [
  null,
  { L: [7, 1, 19, 0, 0], M: [10, 1, 16, 0, 0], Q: [13, 1, 13, 0, 0], H: [17, 1, 9, 0, 0] },
  { L: [10, 1, 34, 0, 0], M: [16, 1, 28, 0, 0], Q: [22, 1, 22, 0, 0], H: [28, 1, 16, 0, 0] },
  { L: [15, 1, 55, 0, 0], M: [26, 1, 44, 0, 0], Q: [18, 2, 17, 0, 0], H: [22, 2, 13, 0, 0] },
  { L: [20, 1, 80, 0, 0], M: [18, 2, 32, 0, 0], Q: [26, 2, 24, 0, 0], H: [16, 4, 9, 0, 0] },
  { L: [26, 1, 108, 0, 0], M: [24, 2, 43, 0, 0], Q: [18, 2, 15, 2, 16], H: [22, 2, 11, 2, 12] },
  { L: [18, 2, 68, 0, 0], M: [16, 4, 27, 0, 0], Q: [24, 4, 19, 0, 0], H: [28, 4, 15, 0, 0] },
  { L: [20, 2, 78, 0, 0], M: [18, 4, 31, 0, 0], Q: [18, 2, 14, 4, 15], H: [26, 4, 13, 1, 14] },
  { L: [24, 2, 97, 0, 0], M: [22, 2, 38, 2, 39], Q: [22, 4, 18, 2, 19], H: [26, 4, 14, 2, 15] },
  { L: [30, 2, 116, 0, 0], M: [22, 3, 36, 2, 37], Q: [20, 4, 16, 4, 17], H: [24, 4, 12, 4, 13] },
  { L: [18, 2, 68, 2, 69], M: [26, 4, 43, 1, 44], Q: [24, 6, 19, 2, 20], H: [28, 6, 15, 2, 16] },
];

/** Centre coordinates of the alignment patterns (ISO/IEC 18004 Annex E). */
const ALIGNMENT = [null, [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34],
  [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50]];

/** The largest version this encoder makes. */
export const MAX_VERSION = BLOCKS.length - 1;

// ---- GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1 ----

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
}

function gfMul(a, b) {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]];
}

const generators = new Map();

/** The generator polynomial of degree n, (x - α^0)(x - α^1)...(x - α^(n-1)), highest power first. */
function generator(n) {
  let g = generators.get(n);
  if (g) return g;
  g = [1];
  for (let i = 0; i < n; i++) {
    const next = new Array(g.length + 1).fill(0);
    for (let j = 0; j < g.length; j++) {
      next[j] ^= g[j];
      next[j + 1] ^= gfMul(g[j], EXP[i]);
    }
    g = next;
  }
  g = Uint8Array.from(g);
  generators.set(n, g);
  return g;
}

/**
 * The `n` Reed-Solomon error correction codewords of `data`: the remainder of
 * data(x)·x^n divided by the generator polynomial.
 */
export function reedSolomon(data, n) {
  const g = generator(n);
  const rem = new Uint8Array(n);
  for (const byte of data) {
    const factor = byte ^ rem[0];
    rem.copyWithin(0, 1);
    rem[n - 1] = 0;
    for (let i = 0; i < n; i++) rem[i] ^= gfMul(g[i + 1], factor);
  }
  return rem;
}

// ---- BCH codes of the format and version information ----

/** The 15 format bits for a level and mask: 5 data bits, 10 BCH(15,5) bits, XOR 101010000010010. */
export function formatBits(ecl, mask) {
  const data = (ECL_BITS[ecl] << 3) | mask;
  let rem = data;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  return ((data << 10) | rem) ^ 0x5412;
}

/** The 18 version bits (versions 7 and up): 6 data bits and 12 BCH(18,6) bits. */
export function versionBits(version) {
  let rem = version;
  for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
  return (version << 12) | rem;
}

// ---- capacities ----

function blockInfo(version, ecl) {
  const [ec, n1, d1, n2, d2] = BLOCKS[version][ecl];
  return { ec, n1, d1, n2, d2, data: n1 * d1 + n2 * d2 };
}

/** The byte-mode character count indicator is 8 bits up to version 9, 16 from version 10. */
function countBits(version) {
  return version <= 9 ? 8 : 16;
}

/** How many bytes fit in a symbol of this version and level. */
export function byteCapacity(version, ecl) {
  const { data } = blockInfo(version, ecl);
  return Math.floor((data * 8 - 4 - countBits(version)) / 8);
}

// ---- the data codewords ----

/**
 * The data codewords for `bytes` in byte mode: mode 0100, the count, the bytes,
 * up to four 0 bits of terminator, 0 bits to a byte boundary, then the pad
 * codewords 11101100 and 00010001 in turn.
 */
export function dataCodewords(bytes, version, ecl) {
  const total = blockInfo(version, ecl).data;
  const out = new Uint8Array(total);
  let bit = 0;
  const put = (value, len) => {
    for (let i = len - 1; i >= 0; i--, bit++) {
      if ((value >>> i) & 1) out[bit >>> 3] |= 0x80 >>> (bit & 7);
    }
  };
  put(0b0100, 4);
  put(bytes.length, countBits(version));
  for (const b of bytes) put(b, 8);
  if (bit > total * 8) throw new RangeError('data too long for this version');
  bit += Math.min(4, total * 8 - bit);
  bit = (bit + 7) & ~7;
  for (let i = bit >>> 3, pad = 0xec; i < total; i++, pad ^= 0xec ^ 0x11) out[i] = pad;
  return out;
}

/**
 * The final codeword sequence: data split into blocks, each block's error
 * correction appended, then both interleaved column by column.
 */
export function interleave(data, version, ecl) {
  const { ec, n1, d1, n2, d2 } = blockInfo(version, ecl);
  const blocks = [];
  let at = 0;
  for (let i = 0; i < n1 + n2; i++) {
    const len = i < n1 ? d1 : d2;
    const d = data.subarray(at, at + len);
    at += len;
    blocks.push({ d, e: reedSolomon(d, ec) });
  }
  const out = [];
  const longest = Math.max(d1, d2);
  for (let i = 0; i < longest; i++) for (const b of blocks) if (i < b.d.length) out.push(b.d[i]);
  for (let i = 0; i < ec; i++) for (const b of blocks) out.push(b.e[i]);
  return Uint8Array.from(out);
}

// ---- the matrix ----

class Matrix {
  constructor(version) {
    this.version = version;
    this.size = 17 + 4 * version;
    this.dark = new Uint8Array(this.size * this.size);
    this.fixed = new Uint8Array(this.size * this.size);
  }

  /** Sets a function module (x: column, y: row). */
  fn(x, y, dark) {
    const i = y * this.size + x;
    this.dark[i] = dark ? 1 : 0;
    this.fixed[i] = 1;
  }

  isFixed(x, y) {
    return this.fixed[y * this.size + x] === 1;
  }
}

function drawFinder(m, cx, cy) {
  // The 7x7 pattern centred at (cx, cy) and its light separator, clipped to the symbol.
  for (let dy = -4; dy <= 4; dy++) {
    for (let dx = -4; dx <= 4; dx++) {
      const x = cx + dx;
      const y = cy + dy;
      if (x < 0 || y < 0 || x >= m.size || y >= m.size) continue;
      const d = Math.max(Math.abs(dx), Math.abs(dy));
      m.fn(x, y, d !== 2 && d !== 4);
    }
  }
}

function drawAlignment(m, cx, cy) {
  for (let dy = -2; dy <= 2; dy++) {
    for (let dx = -2; dx <= 2; dx++) m.fn(cx + dx, cy + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
  }
}

function drawFormat(m, bits) {
  const s = m.size;
  const bit = (i) => (bits >>> i) & 1;
  // Around the top-left finder: bits 0-7 down column 8, bits 8-14 along row 8.
  for (let i = 0; i <= 5; i++) m.fn(8, i, bit(i));
  m.fn(8, 7, bit(6));
  m.fn(8, 8, bit(7));
  m.fn(7, 8, bit(8));
  for (let i = 9; i < 15; i++) m.fn(14 - i, 8, bit(i));
  // The copy split between the top-right and bottom-left finders.
  for (let i = 0; i < 8; i++) m.fn(s - 1 - i, 8, bit(i));
  for (let i = 8; i < 15; i++) m.fn(8, s - 15 + i, bit(i));
  // The dark module, always dark, beside the bottom-left copy.
  m.fn(8, s - 8, 1);
}

function drawVersion(m) {
  if (m.version < 7) return;
  const bits = versionBits(m.version);
  for (let i = 0; i < 18; i++) {
    const dark = (bits >>> i) & 1;
    const a = m.size - 11 + (i % 3);
    const b = Math.floor(i / 3);
    m.fn(a, b, dark);
    m.fn(b, a, dark);
  }
}

function drawFunctionPatterns(m) {
  const s = m.size;
  for (let i = 0; i < s; i++) {
    m.fn(6, i, i % 2 === 0);
    m.fn(i, 6, i % 2 === 0);
  }
  drawFinder(m, 3, 3);
  drawFinder(m, s - 4, 3);
  drawFinder(m, 3, s - 4);
  const pos = ALIGNMENT[m.version];
  const last = pos.length - 1;
  for (let i = 0; i <= last; i++) {
    for (let j = 0; j <= last; j++) {
      // Not over the three finders.
      if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) continue;
      drawAlignment(m, pos[i], pos[j]);
    }
  }
  // Reserve the format areas now (real bits come once the mask is chosen).
  drawFormat(m, 0);
  drawVersion(m);
}

/** Places the codewords in the two-column zigzag from the bottom right, skipping function modules. */
function placeCodewords(m, codewords) {
  const s = m.size;
  const total = codewords.length * 8;
  let bit = 0;
  let upward = true;
  for (let right = s - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5; // the vertical timing pattern column is skipped whole
    for (let k = 0; k < s; k++) {
      const y = upward ? s - 1 - k : k;
      for (let dx = 0; dx < 2; dx++) {
        const x = right - dx;
        if (m.isFixed(x, y)) continue;
        // Remainder bits past the last codeword stay light.
        if (bit < total && (codewords[bit >>> 3] >>> (7 - (bit & 7))) & 1) m.dark[y * s + x] = 1;
        bit++;
      }
    }
    upward = !upward;
  }
}

/** The eight data mask conditions (x: column j, y: row i). */
const MASKS = [
  (x, y) => (x + y) % 2 === 0,
  (x, y) => y % 2 === 0,
  (x) => x % 3 === 0,
  (x, y) => (x + y) % 3 === 0,
  (x, y) => (Math.floor(y / 2) + Math.floor(x / 3)) % 2 === 0,
  (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
  (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
  (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
];

function applyMask(m, mask) {
  const cond = MASKS[mask];
  for (let y = 0; y < m.size; y++) {
    for (let x = 0; x < m.size; x++) {
      if (!m.isFixed(x, y) && cond(x, y)) m.dark[y * m.size + x] ^= 1;
    }
  }
}

/** The penalty score of a finished symbol (the four rules of ISO/IEC 18004 7.8.3). */
export function penalty(dark, size) {
  let score = 0;
  const at = (x, y) => dark[y * size + x];
  // Rule 3's pattern, dark-light ratio 1:1:3:1:1 with four light modules on one side.
  const finderLike = [1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0];
  const matchesAt = (get, i, pattern) => {
    for (let k = 0; k < 11; k++) {
      const p = i + k;
      // Outside the symbol is the light quiet zone.
      const v = p < 0 || p >= size ? 0 : get(p);
      if (v !== pattern[k]) return false;
    }
    return true;
  };
  const reversed = [...finderLike].reverse();
  for (let line = 0; line < size; line++) {
    for (const get of [(p) => at(p, line), (p) => at(line, p)]) {
      // Rule 1: five or more same-coloured modules in a row: 3 + (run - 5).
      let run = 1;
      for (let p = 1; p <= size; p++) {
        if (p < size && get(p) === get(p - 1)) {
          run++;
        } else {
          if (run >= 5) score += 3 + (run - 5);
          run = 1;
        }
      }
      // Rule 3: 40 for each finder-like pattern.
      for (let i = -4; i < size; i++) {
        if (matchesAt(get, i, finderLike)) score += 40;
        if (matchesAt(get, i, reversed)) score += 40;
      }
    }
  }
  // Rule 2: 3 for each 2x2 block of one colour.
  for (let y = 0; y < size - 1; y++) {
    for (let x = 0; x < size - 1; x++) {
      const c = at(x, y);
      if (c === at(x + 1, y) && c === at(x, y + 1) && c === at(x + 1, y + 1)) score += 3;
    }
  }
  // Rule 4: 10 for each full 5% that the dark proportion strays from 50%.
  let darkCount = 0;
  for (const v of dark) darkCount += v;
  const total = size * size;
  score += 10 * Math.floor(Math.abs(darkCount * 20 - total * 10) / total);
  return score;
}

function toBytes(data) {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError('QR data must be a string or bytes');
}

/**
 * Encodes `data` (a string, as UTF-8, or bytes) as a QR Code symbol in byte mode.
 * Options: `ecl` the least error correction level ('L' | 'M' | 'Q' | 'H',
 * default 'M'); `boostEcl` raise the level while the data still fits the same
 * version (default true); `minVersion`/`maxVersion` (1..10); `mask` force a
 * mask 0..7 (default: the one with the lowest penalty).
 * Returns `{ version, size, ecl, mask, modules, get(x, y) }` where `modules` is
 * a row-major Uint8Array (1 = dark). Throws a RangeError when the data does not fit.
 */
export function encodeQr(data, { ecl = 'M', boostEcl = true, minVersion = 1, maxVersion = MAX_VERSION, mask = -1 } = {}) {
  if (!(ecl in ECL_BITS)) throw new RangeError(`unknown error correction level ${ecl}`);
  if (!(minVersion >= 1 && maxVersion <= MAX_VERSION && minVersion <= maxVersion)) {
    throw new RangeError(`versions must be within 1..${MAX_VERSION}`);
  }
  if (!(mask >= -1 && mask <= 7 && Number.isInteger(mask))) throw new RangeError('mask must be 0..7 or -1');
  const bytes = toBytes(data);
  let version = minVersion;
  while (version <= maxVersion && byteCapacity(version, ecl) < bytes.length) version++;
  if (version > maxVersion) {
    throw new RangeError(`${bytes.length} bytes do not fit a version ${maxVersion} QR code at level ${ecl} ` +
      `(at most ${byteCapacity(maxVersion, ecl)})`);
  }
  if (boostEcl) {
    for (const higher of ECL_ORDER.slice(ECL_ORDER.indexOf(ecl) + 1)) {
      if (byteCapacity(version, higher) >= bytes.length) ecl = higher;
    }
  }
  const codewords = interleave(dataCodewords(bytes, version, ecl), version, ecl);

  const base = new Matrix(version);
  drawFunctionPatterns(base);
  placeCodewords(base, codewords);

  let best = null;
  for (let k = 0; k < 8; k++) {
    if (mask >= 0 && k !== mask) continue;
    const m = new Matrix(version);
    m.dark.set(base.dark);
    m.fixed.set(base.fixed);
    applyMask(m, k);
    drawFormat(m, formatBits(ecl, k));
    const score = mask >= 0 ? 0 : penalty(m.dark, m.size);
    if (!best || score < best.score) best = { m, k, score };
  }
  const { m, k } = best;
  const size = m.size;
  const modules = m.dark;
  return {
    version,
    size,
    ecl,
    mask: k,
    modules,
    get: (x, y) => x >= 0 && y >= 0 && x < size && y < size && modules[y * size + x] === 1,
  };
}

/**
 * SVG path data for the dark modules, one subpath per horizontal run, offset by
 * a quiet zone of `border` modules (the standard asks for 4).
 */
export function qrPathData(qr, border = 4) {
  const parts = [];
  for (let y = 0; y < qr.size; y++) {
    let x = 0;
    while (x < qr.size) {
      if (!qr.modules[y * qr.size + x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < qr.size && qr.modules[y * qr.size + x]) x++;
      parts.push(`M${start + border} ${y + border}h${x - start}v1h${start - x}z`);
    }
  }
  return parts.join('');
}

/**
 * An <svg> element showing the symbol (dark on white, with its quiet zone),
 * scaled by CSS. `label` becomes its accessible name.
 */
export function qrSvg(qr, { border = 4, label = 'QR code', doc = globalThis.document } = {}) {
  const NS = 'http://www.w3.org/2000/svg';
  const n = qr.size + 2 * border;
  const svg = doc.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${n} ${n}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('shape-rendering', 'crispEdges');
  const bg = doc.createElementNS(NS, 'rect');
  bg.setAttribute('width', String(n));
  bg.setAttribute('height', String(n));
  bg.setAttribute('fill', '#fff');
  const path = doc.createElementNS(NS, 'path');
  path.setAttribute('d', qrPathData(qr, border));
  path.setAttribute('fill', '#000');
  svg.append(bg, path);
  return svg;
}
