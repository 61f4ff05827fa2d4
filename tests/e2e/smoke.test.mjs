// The page loads over HTTP, instantiates the optimised wasm and shows the version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { openPage } from './browser.mjs';

const cargoToml = readFileSync(new URL('../../Cargo.toml', import.meta.url), 'utf8');
const crateVersion = /^version = "([^"]+)"/m.exec(cargoToml)[1];

test('the page shows the wasm package version without errors', async () => {
  const tab = await openPage('/');
  try {
    const version = tab.page.locator('[data-version]');
    await tab.page.waitForFunction(
      () => document.querySelector('[data-version]')?.textContent.startsWith('v'));
    assert.equal(await version.textContent(), `v${crateVersion}`);
    await tab.screenshot('smoke');
    assert.deepEqual(tab.errors, []);
  } finally {
    await tab.close();
  }
});
