// The wasm package built by ./scripts/build loads in Node and its exports work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { initSync, version } from '../../www/pkg/mqtt_lab.js';

const wasm = readFileSync(new URL('../../www/pkg/mqtt_lab_bg.wasm', import.meta.url));
initSync({ module: wasm });

test('version() returns the crate version', () => {
  const cargoToml = readFileSync(new URL('../../Cargo.toml', import.meta.url), 'utf8');
  const expected = /^version = "([^"]+)"/m.exec(cargoToml)[1];
  assert.equal(version(), expected);
});
