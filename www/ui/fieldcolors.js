// Which colour each field gets. Adjacent fields must differ, and a field's
// length prefix (or property identifier) shares the colour of what it
// introduces, drawn lighter, so "Topic Name length" + "Topic Name" read as one.

export const PALETTE_SIZE = 8;

/**
 * @param {{name: string, depth: number}[]} fields
 * @returns {{ group: number, meta: boolean }[]} colour group and "is a prefix" per field
 */
export function colourGroups(fields) {
  const out = [];
  let group = -1;
  fields.forEach((f, i) => {
    const prev = fields[i - 1];
    const continuesPrefix = prev && / length$/.test(prev.name) && f.name === prev.name.replace(/ length$/, '');
    const insideProperty = f.depth >= 2 && prev && prev.depth >= 1;
    if (!(continuesPrefix || insideProperty)) group++;
    const meta = / length$/.test(f.name) || f.name === 'Property identifier';
    out.push({ group: group % PALETTE_SIZE, meta });
  });
  return out;
}
