// End-to-end: a diner fills the online card in Chromium, and store managers
// find (or may not find) it in the console. Needs the local pipeline running
// at BASE_URL (the Go test in this folder starts it) and Debian's Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SHOTS, launch, signedIn as signIn } from './browser.mjs';

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
  await page.fill('#diner-phone', '123');
  await page.click('button[type=submit]');
  const error = page.locator('#diner-phone-error');
  await error.waitFor();
  assert.equal(await error.innerText(), '请输入有效的手机号码。');
  assert.equal(await page.getAttribute('#diner-phone', 'aria-invalid'), 'true');
  assert.equal(await page.inputValue('#diner-phone'), '123');
  await page.screenshot({ path: SHOTS + 'card-error.png', fullPage: true });

  const after = (await cardsOf(manager.page, 'S001')).body.cards.length;
  assert.equal(after, before);
  await ctx.close();
  await manager.ctx.close();
});

// The quick path, measured at 390 × 844: with only the required answers,
// how many screens of scrolling reach Submit (its bottom edge past the
// first screen, in screens), and how tall the whole card is.
test('the quick path reaches Submit within two screens at 390 × 844', async () => {
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
