// End-to-end: a store manager settles a scanned card in the review queue.
// The Go test in this folder uploads a paper card of S001 whose service
// rating is marked twice (REVIEW_SERIAL) and waits until the running
// pipeline has queued it; here the manager sees the crop, chooses, saves,
// and the card leaves the queue and shows among the store's cards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SHOTS, launch, signedIn } from './browser.mjs';

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
