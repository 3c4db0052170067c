// End-to-end: a diner asks for their data ("My data", /d) on a phone in
// zh-TW, opens the one-time link from the local outbox, downloads JSON,
// corrects their birthday and erases everything; the link is dead after.
// axe-core (no serious or critical) on each page in zh-TW, zh-CN and en.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BASE, SHOTS, launch } from './browser.mjs';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const EMAIL = `mydata.${Date.now()}@example.com`;
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// seriousOrWorse runs axe-core (evaluated through the driver, so the
// page's strict CSP is left as it is) and returns serious and critical
// violations.
async function seriousOrWorse(page) {
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(AXE);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`);
}

// myDataLink returns the token of the newest "My data" e-mail to to.
async function myDataLink(to) {
  for (let i = 0; i < 150; i++) { // up to about 30 s: the e-mail waits its turn in a loaded emulator
    const r = await fetch(BASE + '/local/outbox?format=json&to=' + encodeURIComponent(to));
    // The emulator may be busy and the outbox answer an error: try again.
    const mails = r.ok ? ((await r.json().catch(() => null)) || []) : [];
    for (const m of mails) {
      const hit = JSON.stringify(m).match(/\/d\/([A-Za-z0-9_-]{40,})\?lang=/);
      if (hit) return hit[1];
    }
    await new Promise((ok) => setTimeout(ok, 200));
  }
  throw new Error('no My data e-mail to ' + to);
}

test('a diner fills a card, then asks for, downloads, corrects and erases their data', async () => {
  const ctx = await browser.newContext({ locale: 'zh-TW', viewport: { width: 390, height: 844 }, acceptDownloads: true });
  const page = await ctx.newPage();
  await page.goto(BASE + '/c/S001?t=7');
  for (const item of ['bread', 'soup', 'salad', 'appetizer', 'main', 'dessert', 'drink', 'service', 'cleanliness', 'overall']) {
    await page.locator(`label[for="ratings-${item}-4"]`).click();
  }
  await page.click('#step-you > summary');
  await page.fill('#diner-name', '陳先生');
  await page.fill('#diner-email', EMAIL);
  await page.selectOption('#birthday-month', '11');
  await page.selectOption('#birthday-day', '25');
  await Promise.all([page.waitForURL(/\/c\/S001\/thanks/), page.click('button[type=submit]')]);

  // The thanks page links "My data".
  await Promise.all([page.waitForURL(/\/d\?/), page.click('text=我的資料')]);
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-TW');
  assert.deepEqual(await seriousOrWorse(page), [], 'axe: request form zh-TW');
  await page.fill('#address', EMAIL);
  await page.click('button[type=submit]');
  assert.match(await page.locator('main').innerText(), /30 分鐘/);
  assert.deepEqual(await seriousOrWorse(page), [], 'axe: request sent');
  await page.screenshot({ path: SHOTS + 'mydata-asked.png', fullPage: true });

  const token = await myDataLink(EMAIL);
  await page.goto(BASE + '/d/' + token + '?lang=zh-TW');
  assert.deepEqual(await seriousOrWorse(page), [], 'axe: link page');
  await page.click('button[type=submit]');
  await page.locator('#h-profile').waitFor();
  assert.match(await page.locator('main').innerText(), /陳先生/);
  assert.equal(await page.locator('#profile-birthday').innerText(), '11-25');
  assert.deepEqual(await seriousOrWorse(page), [], 'axe: data page zh-TW');
  await page.screenshot({ path: SHOTS + 'mydata-page.png', fullPage: true });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `page fits 390 px: scrollWidth ${width}`);

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
  const data = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.equal(data.profile.email, EMAIL);
  assert.equal(data.cards.length, 1);

  // A bad birthday is refused on the field; a good one is saved.
  await page.fill('#birthday', '13-45');
  await page.click('#correct');
  await page.locator('#birthday-error').waitFor();
  assert.deepEqual(await seriousOrWorse(page), [], 'axe: correction refused');
  await page.fill('#birthday', '12-01');
  await page.click('#correct');
  await page.locator('#notice').waitFor();
  assert.equal(await page.locator('#profile-birthday').innerText(), '12-01');

  // The page in the other languages.
  for (const [lang, title] of [['zh-CN', '我的数据'], ['en', 'My data']]) {
    await page.click(`nav.lang button[lang="${lang}"]`);
    await page.locator('#h-profile').waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    assert.match(await page.locator('header').innerText(), new RegExp(title));
    assert.deepEqual(await seriousOrWorse(page), [], `axe: data page ${lang}`);
  }
  await page.click('nav.lang button[lang="zh-TW"]');
  await page.locator('#h-profile').waitFor();

  // Erase: a confirmation, then done.
  await page.click('#erase');
  await page.locator('#erase-confirm').waitFor();
  assert.deepEqual(await seriousOrWorse(page), [], 'axe: erase confirmation');
  await page.click('#erase-confirm');
  assert.match(await page.locator('main').innerText(), /已刪除/);

  // The link no longer works.
  const again = await page.goto(BASE + '/d/' + token + '?lang=zh-TW');
  assert.equal(again.status(), 410);
  assert.deepEqual(await seriousOrWorse(page), [], 'axe: used link');
  await ctx.close();
});

test('the request form and its answer pass axe in zh-CN and en', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  for (const lang of ['zh-CN', 'en']) {
    await page.goto(BASE + '/d?b=wang&lang=' + lang);
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    assert.deepEqual(await seriousOrWorse(page), [], `axe: request form ${lang}`);
    await page.fill('#address', `nobody.${lang}@example.com`);
    await page.click('button[type=submit]');
    assert.deepEqual(await seriousOrWorse(page), [], `axe: request sent ${lang}`);
  }
  await ctx.close();
});
