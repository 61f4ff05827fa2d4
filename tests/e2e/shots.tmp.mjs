import { launchBrowser } from './browser.mjs';
const WWW = process.env.WWW_URL, WS = process.env.MQTT_WS_URL;
const browser = await launchBrowser();
async function page(url, viewport) {
  const ctx = await browser.newContext({ viewport });
  const p = await ctx.newPage();
  p.on('console', (m) => { if (m.type() === 'error') console.log('console error', m.text()); });
  p.on('pageerror', (e) => console.log('pageerror', e.message));
  await p.goto(url);
  await p.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  return p;
}
const t = await page(`${WWW}/#classroom`, { width: 1280, height: 860 });
await t.selectOption('[data-cr-broker]', 'custom');
await t.fill('[data-cr-url]', WS);
await t.click('[data-cr-open]');
await t.waitForSelector('[data-cr-state][data-state="connected"]');
const link = await t.getAttribute('[data-cr-link]', 'href');
const students = [];
for (const [name, sub] of [['Amira', 'lights/#'], ['Ben', '+/kitchen'], ['Chloé', 'lights/kitchen'], ['Dev', 'weather/#']]) {
  const s = await page(link, { width: 390, height: 844 });
  await s.fill('[data-st-name]', name);
  await s.click('[data-st-join-btn]');
  await s.waitForSelector('[data-st-state][data-state="connected"]');
  await s.fill('[data-st-filter]', sub);
  await s.click('[data-st-subscribe]');
  await s.waitForSelector(`[data-st-sub="${sub}"][data-state="granted"]`);
  students.push(s);
}
const pub = async (s, topic, payload) => { await s.fill('[data-st-topic]', topic); await s.fill('[data-st-payload]', payload); await s.click('[data-st-publish]'); await s.waitForTimeout(300); };
await pub(students[0], 'lights/kitchen', 'on');
await pub(students[3], 'weather/paris', '{"temp": 21.5}');
await pub(students[1], 'lights/hall', 'dim');
await students[3].context().close();
await t.waitForSelector('[data-member][data-via="will"]');
await t.waitForTimeout(500);
await t.screenshot({ path: 'test-results/shot-teacher.png' });
await students[0].waitForTimeout(300);
await students[0].screenshot({ path: 'test-results/shot-student.png', fullPage: true });
await t.click('[data-cr-show]');
await t.waitForTimeout(300);
await t.screenshot({ path: 'test-results/shot-dialog.png' });
await browser.close();
