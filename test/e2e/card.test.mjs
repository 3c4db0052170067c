// End-to-end: a diner fills the online card in Chromium, and store managers
// find (or may not find) it in the console. Needs the local pipeline running
// at BASE_URL (the Go test in this folder starts it) and Debian's Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SHOTS, launch, signedIn as signIn, seriousOrWorse } from './browser.mjs';

const COMMENT = `<b>html</b> 牛排太老了 ${Date.now()}`;
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const signedIn = (email, locale) => signIn(browser, email, locale);

async function cardsOf(page, store) {
  return page.evaluate(async (store) => {
    const r = await fetch(`/api/v1/stores/${store}/cards?from=2020-01-01&to=2099-12-31&limit=200`,
      { headers: { Authorization: 'Bearer ' + sessionStorage.getItem('cardloop.idToken') } });
    return { status: r.status, body: await r.json() };
  }, store);
}

test('a diner fills the card on a phone and lands on the thank-you page', async () => {
  const ctx = await browser.newContext({ locale: 'zh-TW', viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await page.goto(BASE + '/c/S001?t=12');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-TW');
  assert.match(await page.locator('h1').innerText(), /台北信義店/);
  for (const item of ['bread', 'soup', 'salad', 'appetizer', 'main', 'dessert', 'drink', 'service', 'cleanliness', 'overall']) {
    assert.equal(await page.locator(`input[name="ratings.${item}"]`).count(), 5, item);
  }
  assert.equal(await page.isChecked('#consent-contact'), false);
  assert.equal(await page.isChecked('#consent-marketing'), false);
  await page.screenshot({ path: SHOTS + 'card-form.png', fullPage: true });

  for (const [item, v] of Object.entries({ bread: 5, soup: 4, salad: 4, appetizer: 5, main: 1, dessert: 4, drink: 5, service: 3, cleanliness: 5, overall: 3 })) {
    await page.locator(`label[for="ratings-${item}-${v}"]`).click(); // the visible button of the radio
  }
  await page.locator('label[for="nps-6"]').click();
  await page.fill('#comment', COMMENT);
  await page.click('#step-visit > summary'); // the optional parts open on a tap
  await page.click('#step-you > summary');
  await page.check('input[name=firstVisit][value=no]');
  await page.fill('#visitCount', '3');
  await page.selectOption('#mainCourse', 'ribeye');
  await page.fill('#diner-name', '林小姐');
  await page.fill('#diner-phone', '0912 345 678');
  await page.fill('#diner-email', 'lin@example.com');
  await page.selectOption('#birthday-month', '11');
  await page.selectOption('#birthday-day', '25');
  await page.check('#consent-contact');
  await Promise.all([page.waitForURL(/\/c\/S001\/thanks/), page.click('button[type=submit]')]);
  assert.match(await page.locator('main').innerText(), /謝謝您/);
  await ctx.close();
});

test('the manager of S001 finds the card in the console, comment shown as typed', async () => {
  const { ctx, page } = await signedIn('manager.s001@example.com');
  await page.click('#nav-cards'); // the console opens on the dashboard
  const card = page.locator('article.card', { hasText: COMMENT });
  await card.waitFor();
  assert.equal(await card.locator('.comment').innerText(), COMMENT); // literal text, not HTML
  assert.equal(await card.locator('.comment b').count(), 0);
  assert.match(await card.locator('.ratings li.low').first().innerText(), /主餐 1/);
  assert.match(await page.locator('#who').innerText(), /S001 Manager/);
  await page.screenshot({ path: SHOTS + 'console.png', fullPage: true });
  await ctx.close();
});

test('the manager of S002 sees only S002 and gets 403 for S001', async () => {
  const { ctx, page } = await signedIn('manager.s002@example.com');
  await page.locator('#store option').first().waitFor({ state: 'attached' });
  const options = await page.locator('#store option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(options, ['S002']);
  const r = await cardsOf(page, 'S001');
  assert.equal(r.status, 403);
  assert.equal(r.body.status, 403);
  await ctx.close();
});

test('an invalid phone number is shown next to the field and nothing is stored', async () => {
  const manager = await signedIn('manager.s001@example.com');
  const before = (await cardsOf(manager.page, 'S001')).body.cards.length;

  const ctx = await browser.newContext({ locale: 'zh-CN' });
  const page = await ctx.newPage();
  await page.goto(BASE + '/c/S001?lang=zh-CN');
  await page.locator('label[for="ratings-overall-4"]').click();
  await page.click('#step-you > summary');
  await page.fill('#diner-phone', '123');
  await page.click('button[type=submit]');
  const error = page.locator('#diner-phone-error');
  await error.waitFor();
  assert.equal(await error.innerText(), '请输入有效的手机号码。');
  assert.equal(await page.getAttribute('#diner-phone', 'aria-invalid'), 'true');
  assert.equal(await page.inputValue('#diner-phone'), '123');
  assert.equal(await page.getAttribute('#step-you', 'open'), '', 'the part with the error is open');
  await page.screenshot({ path: SHOTS + 'card-error.png', fullPage: true });

  const after = (await cardsOf(manager.page, 'S001')).body.cards.length;
  assert.equal(after, before);
  await ctx.close();
  await manager.ctx.close();
});

// The quick path, measured at 390 × 844: with only the required answers,
// how many screens of scrolling reach Submit (its bottom edge past the
// first screen, in screens), and how tall the whole card is.
test('the quick path reaches Submit within two screens at 390 × 844', { timeout: 120000 }, async () => {
  const ctx = await browser.newContext({ locale: 'en', viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await page.goto(BASE + '/c/S001?lang=en');
  await page.locator('label[for="ratings-overall-4"]').click();
  const m = await page.evaluate(() => {
    const b = document.querySelector('form button[type=submit]').getBoundingClientRect();
    const bottom = b.bottom + window.scrollY;
    return { screens: Math.max(0, bottom - window.innerHeight) / window.innerHeight, height: document.documentElement.scrollHeight,
      controls: document.querySelectorAll('form input:not([type=hidden]), form select, form textarea, form button').length };
  });
  console.log(`MEASURE quick path: ${m.screens.toFixed(2)} screens of scrolling to Submit, card ${m.height} px tall, ${m.controls} controls`);
  await page.screenshot({ path: SHOTS + 'card-quick.png', fullPage: true });
  assert.ok(m.screens <= 2, `${m.screens.toFixed(2)} screens to Submit`);
  await ctx.close();
});

const STORES = { 'zh-TW': 'S001', 'zh-CN': 'S002', en: 'S003' };
const THANKS = { 'zh-TW': /謝謝您/, 'zh-CN': /谢谢您/, en: /Thank you/ };
const CONFIRM = { 'zh-TW': /確認連結/, 'zh-CN': /确认链接/, en: /confirm with the link/ };
const BIRTHDAY = { 'zh-TW': /2 月最多 29 日/, 'zh-CN': /2 月最多 29 日/, en: /February has at most 29 days/ };
const RUN = Date.now().toString(36);

// answers fills the quick path and some optional answers.
async function answers(page, comment) {
  await page.locator('label[for="ratings-overall-4"]').click();
  await page.locator('label[for="nps-9"]').click();
  await page.locator('label[for="ratings-main-2"]').click();
  await page.fill('#comment', comment);
  await page.click('#step-you > summary');
  await page.fill('#diner-name', 'Lang Switcher');
  await page.selectOption('#birthday-month', '03');
  await page.selectOption('#birthday-day', '14');
}

// kept checks that the answers of answers() survived.
async function kept(page, comment) {
  assert.equal(await page.isChecked('#ratings-overall-4'), true, 'overall');
  assert.equal(await page.isChecked('#nps-9'), true, 'nps');
  assert.equal(await page.isChecked('#ratings-main-2'), true, 'main');
  assert.equal(await page.inputValue('#comment'), comment);
  assert.equal(await page.getAttribute('#step-you', 'open'), '', 'the answered part stays open');
  assert.equal(await page.inputValue('#diner-name'), 'Lang Switcher');
  assert.equal(await page.inputValue('#birthday-month'), '03');
  assert.equal(await page.inputValue('#birthday-day'), '14');
}

for (const js of [true, false]) {
  test(`switching language mid-form keeps the answers (JavaScript ${js ? 'on' : 'off'}), and Enter sends the card`, { timeout: 120000 }, async () => {
    const ctx = await browser.newContext({ locale: 'zh-TW', viewport: { width: 390, height: 844 }, javaScriptEnabled: js });
    const page = await ctx.newPage();
    await page.goto(BASE + '/c/S001');
    const comment = `switch ${js} ${RUN} 湯很好`;
    await answers(page, comment);
    await Promise.all([page.waitForLoadState('load'), page.click('nav.lang button[lang="en"]')]);
    await page.locator('html[lang="en"]').waitFor();
    assert.match(await page.locator('#step-rate-h').innerText(), /Ratings/);
    await kept(page, comment);
    assert.equal(await page.inputValue('#diner-language'), 'en', 'the preferred language left at the page\'s follows the switch');
    await Promise.all([page.waitForLoadState('load'), page.click('nav.lang button[lang="zh-CN"]')]);
    await page.locator('html[lang="zh-CN"]').waitFor();
    await kept(page, comment);
    // Enter in a text field presses the card's own Submit, not a language button.
    await Promise.all([page.waitForURL(/\/c\/S001\/thanks\?.*lang=zh-CN/), page.press('#diner-name', 'Enter')]);
    assert.match(await page.locator('main').innerText(), /谢谢您/);
    await ctx.close();
  });
}

test('touch targets are 44 px, the NPS ends have names, the comment label is its own, nothing scrolls sideways (390 px)', { timeout: 120000 }, async () => {
  const ctx = await browser.newContext({ locale: 'en', viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await page.goto(BASE + '/c/S003?lang=en');
  await page.click('#step-visit > summary');
  await page.click('#step-you > summary');
  const small = await page.evaluate(() => [...document.querySelectorAll('nav.lang button, nav.lang span, .scale label, nav.steps a, details > summary, .choices label')]
    .map((el) => ({ el: el.outerHTML.slice(0, 80), r: el.getBoundingClientRect() }))
    .filter(({ r }) => r.width < 44 || r.height < 44).map(({ el, r }) => `${el} ${r.width}×${r.height}`));
  assert.deepEqual(small, []);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390, 'no sideways scrolling');
  await page.getByRole('radio', { name: '0 not at all likely' }).waitFor({ state: 'attached' });
  await page.getByRole('radio', { name: '10 extremely likely' }).waitFor({ state: 'attached' });
  await page.getByRole('radio', { name: '1 Very poor' }).first().waitFor({ state: 'attached' }); // the matrix: not bare numbers
  const label = await page.locator('label[for=comment]').innerText();
  assert.notEqual(label, await page.locator('#step-comment-h').innerText());
  assert.notEqual(label, 'Your comments or suggestions');
  await ctx.close();
});

test('the birthday day menu fits the month; the server refuses 30 February in the menus\' words', { timeout: 180000 }, async () => {
  const ctx = await browser.newContext({ locale: 'en', viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await page.goto(BASE + '/c/S003?lang=en');
  await page.click('#step-you > summary');
  const days = () => page.locator('#birthday-day option:not([disabled])').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  assert.equal((await days()).length, 31);
  await page.selectOption('#birthday-month', '01');
  await page.selectOption('#birthday-day', '31');
  await page.selectOption('#birthday-month', '02');
  assert.equal((await days()).length, 29);
  assert.equal(await page.inputValue('#birthday-day'), '', 'a day February lacks is cleared');
  await page.selectOption('#birthday-month', '04');
  assert.equal((await days()).at(-1), '30');
  await ctx.close();

  // A day the month lacks (a browser without the script offers 30
  // February): the server says no, in the words of the menus.
  for (const lang of ['zh-TW', 'zh-CN', 'en']) {
    const c = await browser.newContext({ locale: lang, viewport: { width: 390, height: 844 } });
    const p = await c.newPage();
    await p.goto(`${BASE}/c/${STORES[lang]}?lang=${lang}`);
    await p.locator('label[for="ratings-overall-5"]').click();
    await p.click('#step-you > summary');
    await p.selectOption('#birthday-month', '02');
    await p.evaluate(() => { for (const o of document.querySelectorAll('#birthday-day option')) { o.hidden = false; o.disabled = false; } });
    await p.selectOption('#birthday-day', '30');
    await Promise.all([p.waitForLoadState('load'), p.click('form#card button[type=submit]')]);
    const err = p.locator('#diner-birthday-error');
    await err.waitFor();
    assert.match(await err.innerText(), BIRTHDAY[lang]);
    assert.match(await p.locator('#error-summary').innerText(), BIRTHDAY[lang]);
    assert.deepEqual(await seriousOrWorse(p), [], `axe: ${lang} error summary`);
    await p.screenshot({ path: SHOTS + `card-birthday-error-${lang}.png`, fullPage: true });
    await c.close();
  }
});

// confirmLink waits for the confirmation e-mail to `to` and returns its
// link's path.
async function confirmLink(to) {
  for (let i = 0; i < 240; i++) {
    const r = await fetch(`${BASE}/local/outbox?format=json&to=${encodeURIComponent(to)}`);
    for (const m of (r.ok && await r.json()) || []) {
      const hit = ((m.text || '') + (m.html || '')).match(/\/o\/[A-Za-z0-9_-]+\?lang=[A-Za-z-]+/);
      if (hit) return hit[0];
    }
    await new Promise((ok) => setTimeout(ok, 500));
  }
  assert.fail(`no confirmation e-mail to ${to} within 2 minutes`);
}

for (const lang of ['zh-TW', 'zh-CN', 'en']) {
  test(`${lang}: axe finds nothing serious on the diner's pages: card, open parts, thanks (confirm by e-mail), confirmation pages`, { timeout: 300000 }, async () => {
    const ctx = await browser.newContext({ locale: lang, viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    const store = STORES[lang];
    await page.goto(`${BASE}/c/${store}?lang=${lang}`);
    assert.deepEqual(await seriousOrWorse(page), [], 'axe: the card');
    await page.locator('label[for="ratings-overall-5"]').click();
    await page.locator('label[for="nps-10"]').click();
    await page.click('#step-visit > summary');
    await page.click('#step-you > summary');
    assert.deepEqual(await seriousOrWorse(page), [], 'axe: the card, every part open');
    assert.match(await page.locator('#card-progress-text').innerText(), /2/, 'the progress line counts the answers');
    const email = `greet-${lang.toLowerCase()}-${RUN}@example.com`;
    await page.fill('#diner-email', email);
    await page.check('#consent-marketing');
    await Promise.all([page.waitForURL(/\/thanks\?.*confirm=1/), page.click('form#card button[type=submit]')]);
    assert.match(await page.locator('main').innerText(), THANKS[lang]);
    assert.match(await page.locator('main').innerText(), CONFIRM[lang], 'the thanks page says to look for the confirmation e-mail');
    assert.deepEqual(await seriousOrWorse(page), [], 'axe: thanks');
    const box = await page.locator('nav.lang a').first().boundingBox();
    assert.ok(box.height >= 44 && box.width >= 44, `language link ${box.width}×${box.height}`);

    await page.goto(BASE + await confirmLink(email));
    assert.deepEqual(await seriousOrWorse(page), [], 'axe: the confirmation page');
    await Promise.all([page.waitForLoadState('load'), page.click('main form button[type=submit]')]);
    assert.deepEqual(await seriousOrWorse(page), [], 'axe: confirmed');
    for (const path of ['/o/not-a-token', '/u/not-a-token']) {
      await page.goto(`${BASE}${path}?lang=${lang}`);
      assert.deepEqual(await seriousOrWorse(page), [], `axe: ${path}`);
    }
    await ctx.close();
  });
}
