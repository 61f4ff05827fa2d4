// Hex text <-> bytes, tolerant of the ways people paste bytes.

/**
 * Parses hex such as "32 03 00 01 2b", "0x32,0x03", "320300012b" or
 * "{ 0x10, 0x2 }". Whitespace, commas, semicolons, colons, brackets and
 * `0x` / `\x` prefixes are separators. A token of one digit is one byte;
 * longer tokens must have an even number of digits.
 * @returns {{ bytes: Uint8Array } | { error: string }}
 */
export function parseHex(text) {
  const cleaned = text.replace(/0x|\\x/gi, ' ');
  const tokens = cleaned.split(/[\s,;:[\]{}()]+/).filter(Boolean);
  const out = [];
  for (const t of tokens) {
    const bad = t.match(/[^0-9a-f]/i);
    if (bad) return { error: `"${bad[0]}" in "${t}" is not a hex digit (0-9, a-f).` };
    if (t.length === 1) {
      out.push(parseInt(t, 16));
      continue;
    }
    if (t.length % 2) return { error: `"${t}" has an odd number of hex digits; each byte is two digits.` };
    for (let i = 0; i < t.length; i += 2) out.push(parseInt(t.slice(i, i + 2), 16));
  }
  return { bytes: Uint8Array.from(out) };
}

/** Two uppercase hex digits. */
export const hex2 = (b) => b.toString(16).toUpperCase().padStart(2, '0');

/** "32 03 00 01 2B", with a line break every `perLine` bytes (0: none). */
export function formatHex(bytes, perLine = 16) {
  const parts = [];
  for (let i = 0; i < bytes.length; i++) {
    parts.push(hex2(bytes[i]));
    if (perLine && i % perLine === perLine - 1 && i + 1 < bytes.length) parts.push('\n');
    else if (i + 1 < bytes.length) parts.push(' ');
  }
  return parts.join('');
}

/** The text of `bytes` when it is valid UTF-8, else null. */
export function utf8OrNull(bytes) {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
