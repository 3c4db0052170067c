// End-to-end: marketing drafts a holiday campaign in the console, fixes a
// mistake the API points at, previews it, test-sends it and counts its
// segment; its author may not approve it, a second marketer approves and
// schedules it. Needs the local pipeline at BASE_URL (started by the Go test
// in this folder) and Debian's Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SHOTS, launch, signedIn as signIn } from './browser.mjs';

const NAME = `Mid-Autumn ${Date.now()}`;
let browser, campaignURL;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// click scrolls to an element, lets two frames pass, then clicks it: the
// preview's sandboxed iframe runs in a process of its own, and a click sent
// in the same instant as a scroll can be routed by the frame's stale
// hit-test area to the iframe instead of the button.
async function click(page, selector) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.click(selector);
}

const signedIn = (email, locale) => signIn(browser, email, locale);

test('a store manager has no campaigns tab', async () => {
  const { ctx, page } = await signedIn('manager.s001@example.com', 'zh-TW');
  await page.locator('#views').waitFor();
  assert.equal(await page.isVisible('#nav-campaigns'), false);
  await ctx.close();
});

test('marketing drafts a campaign, sees errors beside fields, previews, test-sends and counts', async () => {
  const { ctx, page } = await signedIn('marketing@example.com', 'en');
  await page.click('#nav-campaigns');
  await page.click('text=New campaign');
  await page.waitForURL(/#campaign\/new$/);
  await page.fill('#c-name', NAME);
  assert.equal(await page.isVisible('#c-year'), false); // a birthday campaign has no year
  await page.selectOption('#c-occasion', 'mid_autumn');
  await page.fill('#c-year', '2027');
  await page.dispatchEvent('#c-year', 'change');
  await page.waitForFunction(() => /2027-09-15/.test(document.querySelector('#c-occasion option[value=mid_autumn]').textContent));
  assert.equal(await page.inputValue('#c-occasion'), 'mid_autumn');
  assert.equal(await page.isVisible('#c-custom-date'), false);
  await page.check('#c-stores-S001');
  await page.check('#c-stores-S002');
  await page.fill('#c-visited', '12');
  await page.fill('#c-lead', '5');
  await page.selectOption('#c-hour', '11');
  await page.fill('#c-subject-en', 'Happy {occasion}, {nom}!'); // a mistyped placeholder
  await page.fill('#c-body-en', 'Dear {name},\n\neveryone at {store} wishes you a happy {occasion}.');
  await page.fill('#c-subject-zh-TW', '{name}，{store}祝您中秋節快樂');
  await page.fill('#c-body-zh-TW', '親愛的 {name}：\n\n{store}祝您闔家團圓。');
  await page.click('#c-save');
  const err = page.locator('[data-field="content.en"] .field-error');
  await err.waitFor();
  assert.match(await err.innerText(), /Only the placeholders/);
  assert.equal(await page.locator('#status').getAttribute('class'), 'error');

  await page.fill('#c-subject-en', 'Happy {occasion}, {name}!');
  await page.click('#c-save');
  await page.waitForURL(/#campaign\/cmp-/);
  campaignURL = page.url();
  await page.locator('#c-status').waitFor();
  assert.equal(await page.locator('#c-status').innerText(), 'Draft');
  assert.equal(await page.inputValue('#c-name'), NAME);

  await page.fill('#pv-name', 'Ms Chen');
  await page.selectOption('#pv-lang', 'en');
  await page.click('#c-preview');
  await page.locator('#pv-subject').waitFor();
  assert.equal(await page.locator('#pv-subject').innerText(), 'Happy Mid-Autumn Festival, Ms Chen!');
  const frame = page.frameLocator('iframe.mail');
  assert.match(await frame.locator('body').innerText(), /everyone at .+ wishes you a happy Mid-Autumn Festival/);
  assert.match(await page.locator('.preview .headers').innerText(), /List-Unsubscribe-Post: List-Unsubscribe=One-Click/);

  await page.fill('#test-to', 'not-an-address');
  await click(page, '#c-test-send');
  await page.locator('#test-out.error').waitFor();
  await page.fill('#test-to', 'proof@example.com');
  await page.click('#c-test-send');
  await page.waitForFunction(() => /Test sent to proof@example.com/.test(document.querySelector('#test-out').textContent));

  await click(page, '#c-count');
  await page.waitForFunction(() => /Diners the segment matches now: \d+/.test(document.querySelector('#c-count-out').textContent));

  // Its author may not approve a campaign for two stores.
  await click(page, '#c-approve');
  await page.waitForFunction(() => document.querySelector('#status').className === 'error');
  assert.match(await page.locator('#status').innerText(), /someone other than its author/);
  assert.equal(await page.locator('#c-status').innerText(), 'Draft');
  await page.screenshot({ path: SHOTS + 'campaign-draft.png', fullPage: true });
  await ctx.close();
});

test('a second marketer approves and schedules it, in Simplified Chinese', async () => {
  assert.ok(campaignURL, 'the draft was created');
  const { ctx, page } = await signedIn('marketing.lead@example.com', 'zh-CN');
  await page.goto(campaignURL);
  await page.locator('#c-approve').waitFor();
  assert.equal(await page.locator('#c-approve').innerText(), '批准');
  await page.click('#c-approve');
  await page.waitForFunction(() => document.querySelector('#c-status')?.textContent === '已批准');
  assert.match(await page.locator('.actions').innerText(), /批准者：marketing\.lead@example\.com/);
  await page.click('#c-schedule');
  await page.waitForFunction(() => document.querySelector('#c-status')?.textContent === '已排期');
  await page.click('text=返回活动列表');
  const row = page.locator('tr', { hasText: NAME });
  await row.waitFor();
  assert.match(await row.innerText(), /已排期/);
  await page.screenshot({ path: SHOTS + 'campaign-list.png', fullPage: true });
  await ctx.close();
});
