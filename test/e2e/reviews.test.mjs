// End-to-end: a store manager settles a scanned card in the review queue.
// The Go test in this folder uploads a paper card of S001 whose service
// rating is marked twice (REVIEW_SERIAL) and waits until the running
// pipeline has queued it; here the manager sees the crop, chooses, saves,
// and the card leaves the queue and shows among the store's cards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SHOTS, launch, signedIn, seriousOrWorse } from './browser.mjs';

const SERIAL = process.env.REVIEW_SERIAL;
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a manager decides a double-marked rating from its crop', { skip: !SERIAL && 'no REVIEW_SERIAL: run through `go test` in this folder' }, async () => {
  const { ctx, page } = await signedIn(browser, 'manager.s001@example.com', 'en');
  await page.locator('#views').waitFor();
  assert.equal(await page.isVisible('#nav-reviews'), true);
  await page.click('#nav-reviews');
  await page.waitForURL(/#reviews$/);
  await page.selectOption('#r-store', 'S001');

  const card = page.locator('article.review', { hasText: SERIAL });
  await card.waitFor();
  const q = card.locator('fieldset[data-question="ratings.service"]');
  await q.waitFor();
  assert.match(await q.locator('legend').innerText(), /Service/);
  assert.match(await q.locator('legend').innerText(), /Two answers marked/);
  // The crop is fetched with the token and shown through a blob: URL.
  await page.waitForFunction((s) => {
    const img = [...document.querySelectorAll('article.review')].find((a) => a.textContent.includes(s))?.querySelector('img.crop');
    return img && img.src.startsWith('blob:') && img.complete && img.naturalWidth > 0;
  }, SERIAL);
  const labels = await q.locator('.big-choice').allInnerTexts();
  // The two marked values, most likely first, in words.
  assert.deepEqual([...labels].sort(), ['2 poor', '5 excellent']);
  await page.screenshot({ path: SHOTS + 'review-queue.png', fullPage: true });

  await q.locator('input[type=radio][value="5"]').check();
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/decision') && r.request().method() === 'POST'),
    card.locator('button[type=submit]').click(),
  ]);
  assert.equal(resp.status(), 200);
  const { cardId, review } = await resp.json();
  assert.equal(review.status, 'decided');
  assert.equal(review.decidedBy, 'manager.s001@example.com');
  await card.waitFor({ state: 'detached' });
  assert.match(await page.locator('#status').innerText(), new RegExp('Saved: card ' + SERIAL));

  // The decided card is one of the store's cards now.
  await page.click('#nav-cards');
  await page.click('#filters button[type=submit]'); // the list was loaded when the console opened
  await page.locator(`[data-card="${cardId}"]`).waitFor();
  const text = await page.locator(`[data-card="${cardId}"]`).innerText();
  assert.match(text, /Scanned/);
  assert.match(text, /Service 5/);
  await ctx.close();
});

// The review page, with S003's cards waiting (before the keyboard test
// clears them), in each console language: axe-core
// finds nothing serious or critical, at the phone width too.
for (const locale of ['zh-TW', 'zh-CN', 'en']) {
  test(`the review page is accessible in ${locale}`, { skip: !process.env.REVIEW_QUEUE && 'no REVIEW_QUEUE: run through `go test` in this folder' }, async () => {
    const { ctx, page } = await signedIn(browser, 'manager.s003@example.com', locale);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('#views').waitFor();
    await page.click('#nav-reviews');
    await page.waitForURL(/#reviews$/);
    await page.locator('#r-list article.review').first().waitFor();
    assert.deepEqual(await seriousOrWorse(page), []);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= 390), true);
    await ctx.close();
  });
}

// The queue of S003 (REVIEW_QUEUE: its serials, each with its overall
// rating marked twice) is cleared with the keyboard only: the first card
// is current with its first open question focused; a digit chooses, Enter
// saves, the next card becomes current. The rate is printed (a figure for
// docs/omr.md; not asserted: this machine's speed is not the person's).
test('the review queue is cleared with the keyboard only', { skip: !process.env.REVIEW_QUEUE && 'no REVIEW_QUEUE: run through `go test` in this folder' }, async () => {
  const serials = process.env.REVIEW_QUEUE.split(' ');
  const { ctx, page } = await signedIn(browser, 'manager.s003@example.com', 'en');
  await page.locator('#views').waitFor();
  await page.click('#nav-reviews');
  await page.waitForURL(/#reviews$/);
  await page.locator('article.review.current').waitFor();
  assert.match(await page.locator('#r-left').innerText(), new RegExp('^' + serials.length + ' left'));
  assert.match(await page.locator('#r-keys').innerText(), /Enter/);
  // Focus is on the current card's first choice, and visible.
  assert.equal(await page.evaluate(() => document.activeElement.closest('article.review')?.classList.contains('current')), true);
  assert.equal(await page.evaluate(() => document.activeElement.matches(':focus-visible') || document.activeElement.closest('.big-choice') !== null), true);

  // N moves to the next card and Shift+N back.
  const first = await page.locator('article.review.current').getAttribute('data-review');
  await page.keyboard.press('n');
  assert.notEqual(await page.locator('article.review.current').getAttribute('data-review'), first);
  await page.keyboard.press('Shift+N');
  assert.equal(await page.locator('article.review.current').getAttribute('data-review'), first);

  const started = Date.now();
  let cleared = 0;
  for (let left = serials.length; left > 0; left--) {
    const id = await page.locator('article.review.current').getAttribute('data-review');
    await page.keyboard.press('4'); // overall: the second mark
    assert.equal(await page.locator(`article[data-review="${id}"] input[type=radio][value="4"]`).isChecked(), true);
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/decision') && r.request().method() === 'POST'),
      page.keyboard.press('Enter'),
    ]);
    assert.equal(resp.status(), 200);
    assert.equal((await resp.json()).review.choices['ratings.overall'], '4');
    await page.locator(`article[data-review="${id}"]`).waitFor({ state: 'detached' });
    cleared++;
    if (left > 1) assert.match(await page.locator('#r-left').innerText(), new RegExp('^' + (left - 1) + ' left'));
  }
  const minutes = (Date.now() - started) / 60000;
  console.log(`reviews cleared with the keyboard: ${cleared} in ${(minutes * 60).toFixed(1)} s = ${(cleared / minutes).toFixed(1)} per minute (scripted; a person reads the crop first)`);
  await page.locator('#r-none').waitFor();
  assert.equal(await page.locator('#r-left').innerText(), '');
  await ctx.close();
});
