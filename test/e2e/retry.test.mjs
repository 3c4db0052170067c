// End-to-end: the diner's form when the table is unreachable (issue 12).
// CardFunction reaches DynamoDB through a fault proxy (fault_test.go) that
// this test tells to fail or hang; the form then answers 503 with the retry
// page in the diner's language, which sends the same submission again (by
// itself after Retry-After, or with its button when JavaScript is off), and
// the diner sees one thanks page and exactly one card is stored — read from
// the table itself. axe-core checks the retry page and the per-client
// limit's 429 page in zh-TW, zh-CN and en, and the CSP header is checked on
// the card, thanks, case, preferences and console pages.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SHOTS, launch, signedIn, seriousOrWorse } from './browser.mjs';

const FAULT = process.env.FAULT_URL;
const DYNAMODB = process.env.DYNAMODB_ENDPOINT;
const TABLE = process.env.TABLE_NAME;
const RUN = Date.now();
let browser;

before(async () => { browser = await launch(); });
afterEach(async () => { await fault('pass'); }); // also after a test that timed out mid-way
after(async () => {
  if (FAULT) await fault('pass');
  await browser?.close();
});

// fault sets the proxy's mode: pass, fail or hang.
async function fault(mode) {
  const r = await fetch(`${FAULT}/_fault?mode=${mode}`, { method: 'POST' });
  assert.equal(r.status, 200, `fault proxy: ${mode}`);
  return r.json();
}

// dynamo calls the emulator's DynamoDB JSON API (not through the proxy).
async function dynamo(op, body) {
  const r = await fetch(DYNAMODB, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'DynamoDB_20120810.' + op,
      Authorization: 'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify(body),
  });
  assert.equal(r.status, 200, `${op}: ${await r.clone().text()}`);
  return r.json();
}

// storedCards returns the ids of the cards of store whose comment is
// comment, querying the store's card index of the table.
async function storedCards(store, comment) {
  const ids = [];
  let start;
  do {
    const out = await dynamo('Query', {
      TableName: TABLE, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p', FilterExpression: '#c = :c',
      ExpressionAttributeNames: { '#c': 'comment' },
      ExpressionAttributeValues: { ':p': { S: `STORE#${store}#CARDS` }, ':c': { S: comment } },
      ExclusiveStartKey: start,
    });
    ids.push(...out.Items.map((i) => i.cardId.S));
    start = out.LastEvaluatedKey;
  } while (start);
  return ids;
}

// mail waits up to 3 minutes for an e-mail to `to` whose text or HTML
// matches re and returns the first match of re. (A case e-mail took 3
// minutes in a run where the reconciler's first pass triaged the seeded
// history's 1,400 marked cards on the same emulator.)
async function mail(to, re) {
  for (let i = 0; i < 360; i++) {
    const r = await fetch(`${BASE}/local/outbox?format=json&to=${encodeURIComponent(to)}`);
    for (const m of (r.ok && await r.json()) || []) { // the outbox answers 502 while the emulator is busy
      const hit = ((m.text || '') + (m.html || '')).match(re);
      if (hit) return hit[0];
    }
    await new Promise((res) => setTimeout(res, 500));
  }
  assert.fail(`no e-mail to ${to} matching ${re} within 3 minutes`);
}

const RETRY_TITLE = { 'zh-TW': '稍等一下，我們再試一次', 'zh-CN': '稍等一下，我们再试一次', en: 'One moment, let\'s try again' };
const THANKS = { 'zh-TW': /謝謝/, 'zh-CN': /谢谢/, en: /Thank you/ };
const LIMIT_TITLE = { 'zh-TW': '請稍候再送出', 'zh-CN': '请稍候再提交', en: 'Please wait a moment' };
const STORES = { 'zh-TW': 'S001', 'zh-CN': 'S002', en: 'S003' };

for (const c of [
  { lang: 'zh-TW', mode: 'fail', js: true },
  { lang: 'zh-CN', mode: 'fail', js: true },
  { lang: 'en', mode: 'hang', js: false },
]) {
  const how = c.js ? 'by itself after Retry-After' : 'with its button (JavaScript off)';
  test(`${c.lang}: the table ${c.mode === 'fail' ? 'fails' : 'hangs'}, the retry page sends the card again ${how}: one thanks page, one card`, { timeout: 300000 }, async () => {
    const store = STORES[c.lang];
    const comment = `retry ${c.lang} ${RUN}`;
    const email = `retry-${c.lang.toLowerCase()}-${RUN}@example.com`;
    const ctx = await browser.newContext({ locale: c.lang, viewport: { width: 390, height: 844 }, javaScriptEnabled: c.js });
    if (c.js) await ctx.clock.install();
    const page = await ctx.newPage();
    const docs = []; // every page the diner's tab loaded: status and path
    page.on('response', (r) => {
      if (r.request().resourceType() === 'document' && r.request().frame() === page.mainFrame()) docs.push([r.status(), new URL(r.url()).pathname]);
    });
    const form = await page.goto(`${BASE}/c/${store}`);
    assert.equal(form.status(), 200);
    assert.match(form.headers()['content-security-policy'], /script-src 'self'/, 'the card form carries the CSP');
    assert.equal(await page.getAttribute('html', 'lang'), c.lang);
    await page.locator('label[for="ratings-overall-1"]').click(); // a low card: its manager gets a case
    await page.fill('#comment', comment);
    await page.click('#step-you > summary');
    await page.fill('#diner-name', 'Retry');
    await page.fill('#diner-email', email);
    await page.check('#consent-marketing');

    // Every POST of the diner's tab, as sent. With JavaScript the page's
    // clock is paused (Playwright's fake clock), so the retry page's timer
    // fires only when the test moves time on: the page can be checked
    // first, and the resubmission is seen to wait for Retry-After.
    const posts = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.resourceType() === 'document') posts.push(new URLSearchParams(r.postData()));
    });
    if (c.js) await page.clock.pauseAt(Date.now() + 1000);

    await fault(c.mode);
    try {
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && r.request().resourceType() === 'document'),
        page.click('button[type=submit]'),
      ]);
      assert.equal(answer.status(), 503);
      const retryAfter = Number(answer.headers()['retry-after']);
      assert.ok(retryAfter > 0, 'Retry-After');
      await page.locator('#retry').waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), c.lang);
      assert.equal(await page.locator('h2').innerText(), RETRY_TITLE[c.lang]);
      assert.equal(await page.inputValue('#retry input[name=comment]'), comment, 'the answers ride along');
      assert.equal((await storedCards(store, comment)).length, 0, 'nothing stored while the table was down');
      await page.screenshot({ path: SHOTS + `retry-${c.lang}.png`, fullPage: true });
      await fault('pass');
      if (c.js) {
        await page.clock.runFor(retryAfter * 1000 - 200);
        await page.waitForTimeout(500);
        assert.equal(posts.length, 1, 'nothing sent again before Retry-After');
        await Promise.all([page.waitForURL(new RegExp(`/c/${store}/thanks`)), page.clock.runFor(400)]);
      } else {
        await page.waitForTimeout((retryAfter + 1) * 1000);
        assert.equal(posts.length, 1, 'without JavaScript nothing is sent by itself');
        await Promise.all([page.waitForURL(new RegExp(`/c/${store}/thanks`)), page.click('#retry button[type=submit]')]);
      }
      assert.equal(posts[1].get('submissionId'), posts[0].get('submissionId'), 'the same submission');
      assert.equal(posts[1].get('comment'), comment);
    } finally {
      await fault('pass');
    }
    const thanks = docs.at(-1);
    assert.match(await page.locator('main').innerText(), THANKS[c.lang]);
    assert.equal(await page.getAttribute('html', 'lang'), c.lang);
    if (c.js) await page.clock.runFor(10000); // time for another automatic resubmission, were there one
    const answers = docs.filter(([, p]) => p === `/c/${store}`).slice(1); // the form's GET, then its POSTs
    const thanksPages = docs.filter(([, p]) => p.startsWith(`/c/${store}/thanks`));
    assert.deepEqual(thanksPages.length, 1, `one thanks page: ${JSON.stringify(docs)}`);
    assert.deepEqual(answers.map(([s]) => s), [503, 303], `one retry page, one resubmission, then the thanks page: ${JSON.stringify(docs)}`);
    assert.equal(posts.length, 2);
    assert.equal(docs.at(-1), thanks, 'the thanks page stays');
    const ids = await storedCards(store, comment);
    assert.equal(ids.length, 1, `one card stored: ${ids}`);

    if (c.lang === 'zh-TW') {
      // The pages this card leads to carry the CSP too: the thanks page, the
      // opt-in page of its confirmation e-mail, and the case page its
      // manager's e-mail links to.
      const t = await page.reload();
      assert.match(t.headers()['content-security-policy'] || '', /default-src 'none'/, 'the thanks page carries the CSP');
      const optin = await mail(email, /http:\/\/[^"'\s<>]+\/o\/[^"'\s<>]+/);
      const o = await page.goto(optin.replaceAll('&amp;', '&'));
      assert.match(o.headers()['content-security-policy'] || '', /default-src 'none'/, 'the preferences page carries the CSP');
      const caseLink = await mail('manager.s001@example.com', /http:\/\/[^"'\s<>]+\/k\/[^"'\s<>]+/);
      const k = await page.goto(caseLink.replaceAll('&amp;', '&'));
      assert.match(k.headers()['content-security-policy'] || '', /default-src 'none'/, 'the case page carries the CSP');
      assert.equal(k.status(), 200);
    }
    await ctx.close();
  });
}

// axe-core waits on timers, which the tests above hold still; here the
// retry page's script is not served, so the page stays as the diner first
// sees it while axe runs.
test('axe finds nothing serious on the retry page in zh-TW, zh-CN and en', async () => {
  for (const lang of ['zh-TW', 'zh-CN', 'en']) {
    const ctx = await browser.newContext({ locale: lang, viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    await page.route('**/static/card-retry.js', (route) => route.fulfill({ contentType: 'text/javascript', body: '' }));
    await page.goto(`${BASE}/c/${STORES[lang]}`);
    await page.locator('label[for="ratings-overall-4"]').click();
    await fault('fail');
    try {
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && r.request().resourceType() === 'document'),
        page.click('button[type=submit]'),
      ]);
      assert.equal(answer.status(), 503, lang);
    } finally {
      await fault('pass');
    }
    await page.locator('#retry').waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    assert.deepEqual(await seriousOrWorse(page), [], `axe: the retry page in ${lang}`);
    await ctx.close();
  }
});

test('the console and its API answer with the CSP', async () => {
  const { ctx, page } = await signedIn(browser, 'manager.s001@example.com');
  const console = await page.goto(BASE + '/console/');
  assert.match(console.headers()['content-security-policy'] || '', /script-src 'self'/);
  const api = await page.evaluate(async () => {
    const r = await fetch('/api/v1/me', { headers: { Authorization: 'Bearer ' + sessionStorage.getItem('cardloop.idToken') } });
    return { status: r.status, csp: r.headers.get('Content-Security-Policy') };
  });
  assert.equal(api.status, 200);
  assert.match(api.csp || '', /default-src 'self'/);
  await ctx.close();
});

// overLimit sends bodies the card API refuses (415, nothing stored) until the
// per-client limit answers 429, with at least minLeft seconds of the window
// left, and returns the Retry-After.
async function overLimit(minLeft) {
  for (let i = 0; i < 500; i++) {
    const r = await fetch(BASE + '/api/v1/cards', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' });
    if (r.status === 429) {
      const left = Number(r.headers.get('Retry-After'));
      if (left >= minLeft) return left;
      await new Promise((res) => setTimeout(res, (left + 1) * 1000)); // a new window: use it up again
    } else {
      assert.equal(r.status, 415);
    }
  }
  assert.fail('the per-client limit never answered 429');
}

test('over the per-client limit the form shows the 429 page in the diner\'s language, axe finds nothing serious', async () => {
  let left, started;
  for (const lang of ['zh-TW', 'zh-CN', 'en']) {
    const store = STORES[lang];
    const ctx = await browser.newContext({ locale: lang, viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    await page.goto(`${BASE}/c/${store}`); // reading the form is not counted
    await page.locator('label[for="ratings-overall-5"]').click();
    await page.fill('#comment', `limited ${lang} ${RUN}`);
    left = await overLimit(5);
    started = Date.now();
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.request().resourceType() === 'document'),
      page.click('button[type=submit]'),
    ]);
    assert.equal(answer.status(), 429, lang);
    assert.ok(Number(answer.headers()['retry-after']) > 0, 'Retry-After');
    await page.waitForLoadState();
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    assert.match(await page.locator('main').innerText(), new RegExp(LIMIT_TITLE[lang]));
    assert.deepEqual(await seriousOrWorse(page), [], `axe: the 429 page in ${lang}`);
    await page.screenshot({ path: SHOTS + `limit-${lang}.png`, fullPage: true });
    assert.equal((await storedCards(store, `limited ${lang} ${RUN}`)).length, 0, 'nothing stored');
    await ctx.close();
  }
  // Leave the next tests a fresh window.
  const wait = left * 1000 - (Date.now() - started) + 1000;
  if (wait > 0) await new Promise((res) => setTimeout(res, wait));
});
