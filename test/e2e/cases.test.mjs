// End-to-end: the Cases inbox (issue 13, items 1–3) at 390 px. A diner's
// low card opens a case; S001's manager finds it from the Cases tab by the
// diner's phone (as the diner wrote it), records the call — Listen, the
// remedy, Notes — and reads what was typed in the case's record, in
// sentences; assigns the case to the deputy manager; the card links to its
// case and back. A store, case or card that is not the manager's, or does
// not exist, is said so in their language, with their own stores offered.
// axe-core finds nothing serious or critical on the Cases tab, the case
// record and the page that is not theirs, in zh-TW, zh-CN and en.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SHOTS, launch, signedIn, seriousOrWorse } from './browser.mjs';

const MANAGER = 'manager.s001@example.com';
// A number and a name of this run.
const digits = String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
const national = '0912' + digits;
const typed = '0912-' + digits.slice(0, 3) + '-' + digits.slice(3); // as a manager reads it off a note
const NAME = 'Case ' + Date.now().toString(36);
const LISTENED = 'The soup came cold and the steak was tough ' + digits;
const REMEDY = 'A free dessert on the next visit ' + digits;
const NOTES = 'Call back on Friday to confirm ' + digits;
let browser;
let caseId;
let cardId;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const wide = (page) => page.evaluate(() => document.documentElement.scrollWidth);
// settled waits for the console's status line to be empty or an error.
const settled = (page) => page.waitForFunction(() => { const s = document.getElementById('status'); return s.textContent === '' || s.className === 'error'; });

test('a manager finds an open case by the diner\'s phone, records the call, and reads it in the record', async () => {
  const posted = await fetch(BASE + '/api/v1/cards', {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'e2e-cases-' + digits },
    body: JSON.stringify({ storeId: 'S001', table: '12', ratings: { overall: 1, main: 1 }, comment: '湯是冷的，牛排太老',
      diner: { name: NAME, phone: national }, consent: { contact: true } }),
  });
  const body = await posted.text();
  assert.equal(posted.status, 201, body);
  cardId = JSON.parse(body).id;

  const { ctx, page } = await signedIn(browser, MANAGER, 'en');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(BASE + '/console/?lang=en#cases');
  await page.locator('#k-search').waitFor();
  await settled(page);
  assert.equal(await page.getAttribute('#nav-cases', 'aria-current'), '');

  // Triage opens the case from the stream, behind the seeded history (it
  // can take minutes): the card says when it has its case.
  for (let i = 0; ; i++) {
    const c = await page.evaluate(async (id) => {
      const r = await fetch('/api/v1/cards/' + encodeURIComponent(id), { headers: { Authorization: 'Bearer ' + sessionStorage.getItem('cardloop.idToken') } });
      return r.ok ? r.json() : {};
    }, cardId);
    if (c.caseId) break;
    assert.ok(i < 480, 'triage opened no case for card ' + cardId);
    await new Promise((ok) => setTimeout(ok, 1000));
  }
  // Search by the phone as the manager would type it.
  const item = page.locator('li.caseitem', { hasText: NAME });
  for (let i = 0; ; i++) {
    await page.fill('#k-q', typed);
    await page.evaluate(() => { document.getElementById('k-summary').textContent = ''; });
    await page.click('#k-search button[type=submit]');
    await page.waitForFunction(() => document.getElementById('k-summary').textContent !== '', null, { timeout: 60000 });
    if (await item.count()) break;
    assert.ok(i < 20, 'the case of ' + NAME + ' was not found by ' + typed);
    await new Promise((ok) => setTimeout(ok, 500));
  }
  assert.equal(await page.locator('li.caseitem').count(), 1, 'the phone finds the one case');
  assert.match(await item.innerText(), /due in|overdue by/);
  assert.ok(!(await item.innerText()).includes(national.slice(1)), 'the list shows the number masked');
  assert.ok(await wide(page) <= 390, 'the Cases tab scrolls sideways');
  await page.screenshot({ path: SHOTS + 'cases-search.png', fullPage: true });

  // The record: the card once, linked; then the call, as the form takes it.
  await item.locator('a.casetitle').click();
  await page.locator('#k-case').waitFor();
  caseId = await page.getAttribute('#k-case', 'data-case');
  assert.equal(await page.locator('#k-case article.card').count(), 1);
  assert.equal(await page.locator(`#k-case article.card[data-card="${cardId}"]`).count(), 1);
  await page.getByLabel('Reached the guest').check();
  await page.fill('#k-listened', LISTENED);
  await page.getByLabel('Apologise: apology given').check();
  await page.selectOption('#k-remedyCategory', 'free_meal');
  await page.fill('#k-remedy', REMEDY);
  await page.locator('#k-satisfied').getByLabel('Yes').check();
  await page.fill('#k-notes', NOTES);
  await page.click('#k-record');
  await page.waitForFunction(() => document.getElementById('k-msg')?.textContent === 'Saved.');

  const call = page.locator('#k-trail li[data-action="contact"]');
  assert.equal(await call.count(), 1);
  const text = await call.innerText();
  assert.match(text, /manager\.s001@example\.com called and reached the guest\./);
  for (const [label, value] of [['Listen', LISTENED], ['Apology', 'Apology given'], ['Remedy', 'Free meal — ' + REMEDY], ['Guest satisfied', 'Yes'], ['Notes', NOTES]]) {
    assert.equal(await call.locator('div', { has: page.locator('dt', { hasText: label }) }).locator('dd').innerText(), value, label);
  }
  const trail = await page.locator('#k-trail').innerText();
  assert.doesNotMatch(trail, /severity:|outcome:|remedy:|apology_call|free_meal/, 'the record shows raw keys');
  assert.match(trail, /Case opened from the card of .*, table 12: /);

  // Assign it to the deputy manager: said so, and in the record.
  await page.selectOption('#k-assignee', 'deputy.s001@example.com');
  await page.click('#k-assign');
  await page.waitForFunction(() => /Assigned to deputy\.s001@example\.com/.test(document.getElementById('k-msg')?.textContent));
  assert.match(await page.locator('#k-trail li[data-action="assigned"]').innerText(), /assigned the case to S001 Deputy Manager/);
  assert.ok(await wide(page) <= 390, 'the case record scrolls sideways');
  await page.screenshot({ path: SHOTS + 'cases-record.png', fullPage: true });

  // The card links to its case, and the case to the card.
  await page.goto(BASE + '/console/?lang=en#card/' + encodeURIComponent(cardId));
  await page.locator('#k-card-case').click();
  await page.waitForFunction((id) => document.getElementById('k-case')?.dataset.case === id, caseId);
  await page.goto(BASE + '/console/?lang=en#cards');
  const listed = page.locator(`article.card[data-card="${cardId}"] a.caselink`);
  await listed.waitFor();
  assert.equal(await listed.getAttribute('href'), '#case/' + caseId);
  await ctx.close();
});

for (const lang of ['zh-TW', 'zh-CN', 'en']) {
  test(`the Cases tab, a case record and a page not theirs pass axe in ${lang} at 390 px`, async () => {
    assert.ok(caseId, 'the first test opened a case');
    const { ctx, page } = await signedIn(browser, MANAGER, lang);
    await page.setViewportSize({ width: 390, height: 844 });

    await page.goto(BASE + '/console/?lang=' + lang + '#cases');
    await page.locator('#k-list li.caseitem').first().waitFor();
    await settled(page);
    assert.equal(await page.locator('#status').textContent(), '', 'the Cases tab loaded without error');
    assert.ok(await wide(page) <= 390, 'the Cases tab scrolls sideways');
    assert.deepEqual(await seriousOrWorse(page), [], 'axe: the Cases tab in ' + lang);
    await page.click('#k-views button[data-view="overdue"]');
    await settled(page);
    assert.deepEqual(await seriousOrWorse(page), [], 'axe: the overdue view in ' + lang);

    await page.goto(BASE + '/console/?lang=' + lang + '#case/' + encodeURIComponent(caseId));
    await page.locator('#k-trail').waitFor();
    assert.ok(await wide(page) <= 390, 'the case record scrolls sideways');
    assert.deepEqual(await seriousOrWorse(page), [], 'axe: the case record in ' + lang);

    // Another store in the address: said so, in the reader's language, the
    // store menu still the manager's.
    await page.goto(BASE + '/console/?lang=' + lang + '&store=S002#cases');
    await page.locator('#not-yours').waitFor();
    const said = { 'zh-TW': '分店 S002 不是您負責的分店。', 'zh-CN': '门店 S002 不是您负责的门店。', en: 'Store S002 is not one of your stores.' }[lang];
    assert.match(await page.locator('#not-yours').innerText(), new RegExp(said));
    assert.equal(await page.locator('#not-yours a').count(), 1, 'the manager\'s one store is offered');
    assert.equal(await page.locator('#k-store option').count(), 1);
    assert.equal(await page.locator('#k-store').inputValue(), 'S001');
    assert.equal(await page.locator('#store').inputValue(), 'S001', 'the Cards tab\'s store menu is not empty');
    assert.deepEqual(await seriousOrWorse(page), [], 'axe: another store in ' + lang);

    // A case that does not exist: not a red "Not Found".
    await page.goto(BASE + '/console/?lang=' + lang + '#case/k_nosuchcase');
    await page.locator('#k-elsewhere').waitFor();
    const text = await page.locator('#k-elsewhere').innerText();
    assert.doesNotMatch(text, /Not Found/);
    const missing = { 'zh-TW': '找不到這個案件', 'zh-CN': '找不到这个案件', en: 'There is no such case' }[lang];
    assert.match(text, new RegExp(missing));
    assert.equal(await page.locator('#k-elsewhere a[href*="store=S001"]').count(), 1);
    assert.deepEqual(await seriousOrWorse(page), [], 'axe: a missing case in ' + lang);
    await page.screenshot({ path: SHOTS + `cases-missing-${lang}.png`, fullPage: true });
    await ctx.close();
  });
}

test('another store\'s manager is told the case is not theirs and offered their own store', async () => {
  assert.ok(caseId, 'the first test opened a case');
  const { ctx, page } = await signedIn(browser, 'manager.s002@example.com', 'zh-CN');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(BASE + '/console/?lang=zh-CN#case/' + encodeURIComponent(caseId));
  await page.locator('#k-elsewhere').waitFor();
  const text = await page.locator('#k-elsewhere').innerText();
  assert.match(text, /不是您的门店/);
  assert.match(text, /这个案件属于您不负责的门店。/);
  assert.match(await page.locator('#k-elsewhere a').innerText(), /S002 · 上海静安店/);
  assert.deepEqual(await seriousOrWorse(page), [], 'axe: a case of another store in zh-CN');
  await page.screenshot({ path: SHOTS + 'cases-not-yours.png', fullPage: true });
  await ctx.close();
});
