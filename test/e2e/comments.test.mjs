// End-to-end: the Comments tab at 390 px in zh-TW. PAPER_CARD is a paper
// card of S001 with a handwritten comment, scanned and stored by the
// running pipeline (the Go test in this folder made it). The store manager
// sees its comment as the scan's crop, types "食物中毒" in, and the test
// checks through the API that the card carries it, that exactly one
// in-person-visit case is open for it, that the keyword filter finds it and
// that a second transcription is refused — in the page, in words. Then the
// cards CSV is exported from the tab and read back: the UTF-8 BOM, Chinese
// intact, a formula-looking comment neutralised. axe-core checks the tab.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { BASE, SHOTS, launch, signedIn, seriousOrWorse } from './browser.mjs';

const CARD = process.env.PAPER_CARD;
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// submit sends an online card of S001 through the public API.
async function submit(key, comment) {
  const r = await fetch(BASE + '/api/v1/cards', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'e2e-comments-' + key + '-' + Date.now() },
    body: JSON.stringify({ storeId: 'S001', ratings: { overall: 4, service: 4 }, meal: 'lunch', comment }),
  });
  assert.ok(r.status === 201 || r.status === 200, key + ': ' + r.status + ' ' + await r.text());
}

// call asks the console's API with the page's sign-in and language.
const call = (page, path, method = 'GET', body) => page.evaluate(async ([p, m, b]) => {
  const r = await fetch(p, {
    method: m,
    headers: { Authorization: 'Bearer ' + sessionStorage.getItem('cardloop.idToken'), 'Accept-Language': 'zh-TW', 'Content-Type': 'application/json' },
    body: b === undefined ? undefined : JSON.stringify(b),
  });
  return { status: r.status, type: r.headers.get('Content-Type'), body: await r.json() };
}, [path, method, body]);

// parseCSV reads RFC 4180 CSV into rows of cells.
function parseCSV(text) {
  const rows = [];
  let row = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

// showPaperCards filters the tab to today's paper cards and returns the
// article of CARD, loading more pages until it shows.
async function showPaperCards(page, today) {
  await page.fill('#cm-from', today);
  await page.fill('#cm-to', today);
  await page.selectOption('#cm-source', 'scan');
  await page.click('#cm-search');
  const art = page.locator(`#cm-list article[data-card="${CARD}"]`);
  for (let i = 0; ; i++) {
    try {
      await art.waitFor({ timeout: 5000 });
      return art;
    } catch {
      assert.ok(i < 10 && await page.locator('#cm-more').isVisible(), `card ${CARD} is not among today's paper cards`);
      await page.click('#cm-more');
    }
  }
}

test('a store manager transcribes a handwritten "食物中毒" at 390 px in zh-TW: one visit case, searchable, not twice', async () => {
  assert.ok(CARD, 'the Go test passes a stored paper card as PAPER_CARD');
  const { ctx, page } = await signedIn(browser, 'manager.s001@example.com', 'zh-TW');
  await page.setViewportSize({ width: 390, height: 844 });
  // A colleague with the tab open too, about to type the same card.
  const { ctx: ctx2, page: other } = await signedIn(browser, 'manager.s001@example.com', 'zh-TW');
  await other.setViewportSize({ width: 390, height: 844 });

  const before = await call(page, `/api/v1/cards/${encodeURIComponent(CARD)}`);
  assert.equal(before.status, 200, JSON.stringify(before.body));
  const today = before.body.visitDate;
  assert.match(today, /^\d{4}-\d{2}-\d{2}$/);

  for (const p of [page, other]) {
    await p.goto(BASE + '/console/#comments');
    await p.locator('#cm-filters').waitFor();
    await p.locator('#cm-list > *').first().waitFor();
  }
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-TW');
  assert.equal(await page.getAttribute('#nav-comments', 'aria-current'), '');
  const art = await showPaperCards(page, today);
  const art2 = await showPaperCards(other, today);
  assert.match(await art.innerText(), /手寫留言（掃描圖）/);
  assert.match(await art.innerText(), /紙本/);

  // The crop of the comment box, as scanned.
  const img = art.locator('img.crop');
  await img.waitFor();
  await page.waitForFunction((id) => { const i = document.querySelector(`article[data-card="${id}"] img.crop`); return i && i.complete && i.naturalWidth > 0; }, CARD);
  assert.equal(await img.getAttribute('alt'), `卡片 ${CARD} 的手寫留言掃描圖`);

  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling at 390 px');
  assert.deepEqual(await seriousOrWorse(page), [], 'axe: list, filters and Transcribe form');

  // An empty comment is refused in words, on the field.
  const form = art.locator('form.transcribe');
  await form.locator('button[type=submit]').click();
  await page.waitForFunction((id) => document.querySelector(`form.transcribe[data-card="${id}"] .form-msg.error`), CARD);
  assert.equal(await form.locator('textarea').getAttribute('aria-invalid'), 'true');
  assert.notEqual((await form.locator('.form-msg').innerText()).trim(), '');

  await form.locator('textarea').fill('食物中毒');
  await form.locator('button[type=submit]').click();
  const done = art.locator('.form-msg.ok');
  await art.locator('.form-msg.ok, form.transcribe .form-msg.error').first().waitFor({ timeout: 60000 });
  assert.equal(await done.count(), 1, 'saving failed: ' + (await art.locator('.form-msg').allInnerTexts()).join(' '));
  assert.equal(await done.innerText(), '留言已儲存，並已開案（親自拜訪）。');
  assert.equal(await art.locator('p.comment').innerText(), '食物中毒');
  await page.screenshot({ path: SHOTS + 'comments-390-zh-TW.png', fullPage: true });
  assert.deepEqual(await seriousOrWorse(page), [], 'axe: after saving');

  // The card carries the comment, typed in by the manager.
  const after = await call(page, `/api/v1/cards/${encodeURIComponent(CARD)}`);
  const c = after.body;
  assert.equal(c.comment, '食物中毒');
  assert.ok(c.transcribedBy, 'who typed it is recorded');

  // One in-person-visit case, open, for this card.
  const visitCases = async () => {
    const r = await call(page, '/api/v1/stores/S001/cases');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.cases.filter((k) => (k.cardIds || []).includes(CARD));
  };
  let cases = await visitCases();
  assert.equal(cases.length, 1, JSON.stringify(cases));
  assert.equal(cases[0].severity, 'in_person_visit');
  assert.equal(cases[0].status, 'open');

  // The keyword finds it, through the API and in the tab.
  const found = await call(page, `/api/v1/stores/S001/comments?from=${today}&to=${today}&q=${encodeURIComponent('食物中毒')}`);
  assert.equal(found.status, 200, JSON.stringify(found.body));
  assert.deepEqual(found.body.comments.filter((x) => x.cardId === CARD).map((x) => [x.comment, x.handwritten]), [['食物中毒', false]]);
  await page.selectOption('#cm-source', '');
  await page.fill('#cm-q', '食物中毒');
  await page.click('#cm-search');
  await page.locator(`#cm-list article[data-card="${CARD}"] p.comment`).waitFor();
  assert.equal(await page.locator('#cm-list article.handwritten').count(), 0, 'a keyword shows typed comments only');
  assert.deepEqual(await seriousOrWorse(page), [], 'axe: filtered list');

  // A second transcription is refused: in the colleague's tab, in words…
  const form2 = art2.locator('form.transcribe');
  await form2.locator('textarea').fill('食物中毒');
  await form2.locator('button[type=submit]').click();
  await other.waitForFunction((id) => document.querySelector(`form.transcribe[data-card="${id}"] .form-msg.error`), CARD);
  assert.equal(await form2.locator('.form-msg').innerText(), '這張卡的留言已經有人輸入了。');
  // …and through the API as problem+json, the same text again opening no second case.
  for (const text of ['食物中毒', '另一段文字']) {
    const again = await call(page, `/api/v1/cards/${encodeURIComponent(CARD)}/transcription`, 'POST', { comment: text });
    assert.equal(again.status, 409, JSON.stringify(again.body));
    assert.match(again.type, /^application\/problem\+json/);
    assert.ok(again.body.detail || again.body.title, JSON.stringify(again.body));
  }
  cases = await visitCases();
  assert.equal(cases.length, 1, 'still one case: ' + JSON.stringify(cases));
  assert.equal((await call(page, `/api/v1/cards/${encodeURIComponent(CARD)}`)).body.comment, '食物中毒');
  await ctx.close();
  await ctx2.close();
});

test('the cards CSV exported from the Comments tab keeps Chinese and neutralises a formula', async () => {
  await submit('formula', '=1+1');
  await submit('chinese', '牛排煎得剛好，服務親切');
  const { ctx, page } = await signedIn(browser, 'manager.s001@example.com', 'zh-TW');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(BASE + '/console/#comments');
  await page.locator('#cm-filters').waitFor();
  const today = await page.inputValue('#cm-to');
  await page.fill('#cm-from', today);
  assert.deepEqual(await seriousOrWorse(page), [], 'axe: the export panel');

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#cm-export-cards')]);
  assert.match(download.suggestedFilename(), /\.csv$/);
  await page.locator('#cm-export-out a').waitFor();
  assert.match(await page.locator('#cm-export-out').innerText(), /已匯出 \d+ 筆。/);
  const raw = await readFile(await download.path());
  assert.deepEqual([...raw.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'starts with the UTF-8 BOM');
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw.subarray(3));
  const rows = parseCSV(text);
  const head = rows[0];
  const col = head.indexOf('留言');
  assert.ok(col >= 0, 'a zh-TW header with the comment column: ' + head.join(','));
  assert.ok(head.includes('用餐日期'), head.join(','));
  const comments = rows.slice(1).map((r) => r[col]);
  assert.ok(comments.includes('牛排煎得剛好，服務親切'), 'Chinese intact');
  assert.ok(comments.includes("'=1+1"), 'the formula neutralised: ' + comments.filter((x) => x.includes('1+1')).join(' | '));
  assert.ok(!comments.includes('=1+1'));
  assert.ok(rows.slice(1).every((r) => r.length === head.length), 'every row has every column');
  await ctx.close();
});
