// End-to-end: marketing drafts a holiday campaign in the console, fixes a
// mistake the API points at, is warned about a store whose language has no
// content, previews it, test-sends it and counts its segment; its author
// submits it and reads whom it waits for (no Approve button), a second
// marketer approves it and schedules it after a confirmation dialog. The
// campaign page is checked at 390 px with axe-core in all three languages. Needs the local pipeline at BASE_URL (started by the Go test
// in this folder) and Debian's Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SHOTS, launch, signedIn as signIn, seriousOrWorse } from './browser.mjs';

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

// phone narrows the page to 390 × 844 and checks that nothing is wider.
async function phone(page) {
  await page.setViewportSize({ width: 390, height: 844 });
}
async function fitsAndPassesAxe(page, what) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `${what}: the page is ${wide} px wide at 390 px`);
  assert.deepEqual(await seriousOrWorse(page), [], `${what}: axe-core serious or critical violations`);
}

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
  // S002 is a Simplified Chinese store, and the campaign has no zh-CN text.
  const warned = page.locator('#c-warnings [data-warning=store_language_missing]');
  await warned.waitFor();
  assert.match(await warned.innerText(), /Store S002 uses Simplified Chinese, but the campaign has no Simplified Chinese content/);

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

  // Its author may not approve a campaign for two stores: no Approve
  // button, a Submit button, then whom it waits for.
  assert.equal(await page.locator('#c-approve').count(), 0);
  assert.match(await page.locator('#c-waiting').innerText(), /once submitted, the approvers are told by e-mail/);
  await click(page, '#c-submit');
  await page.waitForFunction(() => /Waiting for approval by marketing\.lead@example\.com/.test(document.querySelector('#c-waiting')?.textContent));
  assert.equal(await page.locator('#c-submit').count(), 0);
  assert.equal(await page.locator('#c-status').innerText(), 'Draft');
  await phone(page);
  await fitsAndPassesAxe(page, 'campaign waiting for approval (en)');
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
  // Schedule asks first: what, when (five days before 2027-09-15, 11:00)
  // and how many; going back schedules nothing.
  await phone(page);
  await page.click('#c-schedule');
  const dialog = page.locator('dialog#c-confirm[open]');
  await dialog.waitFor();
  assert.match(await page.locator('#c-confirm-what').innerText(), new RegExp(NAME));
  assert.match(await page.locator('#c-confirm-when').innerText(), /2027-09-10 11:00/);
  assert.match(await page.locator('#c-confirm-who').innerText(), /\d+/);
  await fitsAndPassesAxe(page, 'schedule confirmation (zh-CN)');
  await page.screenshot({ path: SHOTS + 'campaign-confirm.png' });
  await page.click('#c-confirm-no');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.locator('#c-status').innerText(), '已批准');
  await page.click('#c-schedule');
  await page.click('#c-confirm-yes');
  await page.waitForFunction(() => document.querySelector('#c-status')?.textContent === '已排期');
  await page.click('text=返回活动列表');
  const row = page.locator('tr', { hasText: NAME });
  await row.waitFor();
  assert.match(await row.innerText(), /已排期/);
  await page.screenshot({ path: SHOTS + 'campaign-list.png', fullPage: true });
  await ctx.close();
});

test('the campaign page passes axe-core at 390 px in Traditional Chinese, Simplified Chinese and English', async () => {
  assert.ok(campaignURL, 'the draft was created');
  for (const locale of ['zh-TW', 'zh-CN', 'en']) {
    const { ctx, page } = await signedIn('marketing@example.com', locale);
    await phone(page);
    await page.goto(campaignURL);
    await page.locator('#c-status').waitFor();
    await page.locator('#c-warnings').waitFor();
    await fitsAndPassesAxe(page, 'campaign page (' + locale + ')');
    await ctx.close();
  }
});
