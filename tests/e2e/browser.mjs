// Shared helper for the end-to-end tests: headless Debian Chromium driven by
// playwright-core, pointed at the static server that ./scripts/test starts.
//
//   const page = await openPage('/');          // launches its own browser
//   await page.page.waitForFunction(...);      // the playwright Page
//   assert.deepEqual(page.errors, []);         // uncaught errors, console errors, failed requests
//   await page.screenshot('smoke');            // -> test-results/smoke.png
//   await page.close();
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const ROOT = new URL('../../', import.meta.url);

/** Base URL of the static server for www/ (set by ./scripts/test). */
export const WWW_URL = process.env.WWW_URL ?? 'http://127.0.0.1:18080';

/** Where screenshots go; ignored by git. */
export const RESULTS_DIR = new URL('test-results/', ROOT);

// One list of Chromium flags for the wasm-bindgen tests (webdriver.json) and these tests.
// The background-networking flags stop Chromium from calling hosts this network cannot reach.
const webdriver = JSON.parse(readFileSync(new URL('webdriver.json', ROOT), 'utf8'));
const chromeOptions = webdriver['goog:chromeOptions'];

/**
 * Launches headless Chromium. Playwright gives every launch a fresh temporary
 * user-data-dir and deletes it on close, so no state leaks between tests.
 */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? chromeOptions.binary,
    args: [...chromeOptions.args, '--no-sandbox'],
    headless: true,
  });
}

/**
 * Opens `path` (relative to WWW_URL) in a new page and waits for its load event.
 * Pass `{ browser }` to share one browser between pages; otherwise the page owns a
 * browser of its own, closed by `close()`.
 */
export async function openPage(path = '/', { browser, timeout = 15_000 } = {}) {
  const ownBrowser = !browser;
  browser ??= await launchBrowser();
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);

  const errors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const where = msg.location()?.url;
      errors.push(`console.error: ${msg.text()}${where ? ` (${where})` : ''}`);
    }
  });
  page.on('requestfailed', (req) =>
    errors.push(`requestfailed: ${req.url()} (${req.failure()?.errorText})`));
  page.on('crash', () => errors.push('crash: the page crashed'));

  await page.goto(new URL(path, WWW_URL).href, { waitUntil: 'load' });

  return {
    page,
    errors,
    /** Saves a full-page PNG to test-results/NAME.png and returns its path. */
    async screenshot(name) {
      mkdirSync(RESULTS_DIR, { recursive: true });
      const file = new URL(`${name}.png`, RESULTS_DIR).pathname;
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close();
      if (ownBrowser) await browser.close();
    },
  };
}

/// Selects the message on `topic` in the app's message list from the keyboard
/// (Home, then ArrowDown until the detail shows it) and returns the topic the
/// detail shows. The list is virtual: a row found by its text can be redrawn or
/// scrolled away under the pointer before a click lands.
export async function chooseMessage(page, topic) {
  await page.focus('[data-vlist]');
  await page.keyboard.press('Home');
  let shown = await page.textContent('[data-detail-topic]');
  for (let i = 0; i < 20 && shown !== topic; i++) {
    await page.keyboard.press('ArrowDown');
    shown = await page.textContent('[data-detail-topic]');
  }
  return shown;
}
