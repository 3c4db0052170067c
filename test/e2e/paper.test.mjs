// End-to-end: a store manager prints paper cards from the console (a PDF
// download) and uploads a scan, which the running pipeline reads through
// the bucket's S3 event; the outcome of each page shows beside the file.
// UPLOAD_FILE is a scan of a card already queued for review (the Go test
// in this folder made it), so its outcome is "already stored".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SHOTS, launch, signedIn } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a manager prints cards and uploads a scan from the console', async () => {
  assert.ok(process.env.UPLOAD_FILE, 'the Go test passes a scan to upload');
  const { ctx, page } = await signedIn(browser, 'manager.s001@example.com', 'en');
  await page.goto(BASE + '/console/#reviews');
  await page.locator('#p-print').waitFor();
  await page.fill('#p-count', '2');
  // Longer than the gateway's 30 s integration timeout, so a slow print
  // shows in its log; a failure says what the page said.
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), page.click('#p-print')])
    .catch(async (e) => {
      await page.screenshot({ path: SHOTS + 'paper-print-failed.png', fullPage: true });
      throw new Error(`no PDF download: ${e.message}; the page's status: "${await page.locator('#status').innerText()}"`);
    });
  assert.equal(download.suggestedFilename(), 'S001-cards.pdf');
  assert.match(await page.locator('#status').innerText(), /2 cards made/);

  await page.setInputFiles('#p-files', process.env.UPLOAD_FILE);
  await page.click('#p-upload');
  const outcome = page.locator('#p-out .page');
  await outcome.waitFor({ timeout: 60000 });
  assert.equal(await outcome.getAttribute('data-status'), 'duplicate');
  assert.match(await outcome.innerText(), /page 1 already stored/);
  await page.screenshot({ path: SHOTS + 'paper.png', fullPage: true });
  await ctx.close();
});
