// End-to-end: the Dashboard, the console's landing view, at phone width in
// zh-TW. A few cards are submitted through the public API and the test
// waits until the dashboard's API counts them (the counters are kept from
// the stream, so this takes a moment); then every number the page shows is
// checked against the API's answer of the same moment — never against
// fixed counts, so a seeded history makes no difference — a chart's "show
// as table" view against the chart, and the page with axe-core.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SHOTS, launch, signedIn, seriousOrWorse } from './browser.mjs';

let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// The same formats as the page (dashboard.js) and the charts (shared/chart).
const avg = (v) => { const r = Math.floor((v || 0) * 10 + 0.5), a = Math.abs(r); return (r < 0 ? '-' : '') + Math.floor(a / 10) + '.' + (a % 10); };
const pct = (v) => Math.floor(100 * (v || 0) + 0.5) + '%';
const avg2 = (v) => { const r = Math.floor((v || 0) * 100 + 0.5), a = Math.abs(r); return (r < 0 ? '-' : '') + Math.floor(a / 100) + '.' + String(a % 100).padStart(2, '0'); };

// submit sends a card of S001 through the public API.
async function submit(i, ratings, extra) {
  const r = await fetch(BASE + '/api/v1/cards', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'e2e-dash-' + Date.now() + '-' + i },
    body: JSON.stringify({ storeId: 'S001', ratings, meal: 'dinner', ...extra }),
  });
  assert.ok(r.status === 201 || r.status === 200, 'card ' + i + ': ' + r.status + ' ' + await r.text());
}

// insight asks the dashboard's API with the page's sign-in.
const insight = (page, query) => page.evaluate(async (q) => {
  const r = await fetch('/api/v1/stores/S001/insight?' + q, { headers: { Authorization: 'Bearer ' + sessionStorage.getItem('cardloop.idToken') } });
  return { status: r.status, body: await r.json() };
}, query);

test('the dashboard at 390 px in zh-TW shows the API\'s numbers, tables match charts, axe finds nothing serious', async () => {
  const { ctx, page } = await signedIn(browser, 'manager.s001@example.com', 'zh-TW');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator('#d-filters').waitFor();
  const start = await insight(page, 'lang=zh-TW');
  assert.equal(start.status, 200, JSON.stringify(start.body));

  const all = (v) => Object.fromEntries(['bread', 'soup', 'salad', 'appetizer', 'main', 'dessert', 'drink', 'service', 'cleanliness', 'overall'].map((k) => [k, v]));
  await submit(1, { ...all(5), soup: 2, overall: 4 }, { nps: 9, firstVisit: true, heardFrom: 'friend', reason: 'birthday', mainCourse: 'ribeye' });
  await submit(2, { ...all(4), soup: 1, overall: 3 }, { nps: 6, firstVisit: false, visitCount: 4, heardFrom: 'social', mainCourse: 'filet', comment: '湯太鹹了' });
  await submit(3, { ...all(5), overall: 5 }, { nps: 10, firstVisit: false, visitCount: 2, heardFrom: 'friend', reason: 'family', mainCourse: 'ribeye' });
  let api;
  for (let i = 0; ; i++) { // the counters follow the stream within seconds
    api = (await insight(page, 'lang=zh-TW')).body;
    if (api.figures.cards >= start.body.figures.cards + 3) break;
    assert.ok(i < 120, `the dashboard's API still counts ${api.figures.cards} cards, want ${start.body.figures.cards + 3} or more`);
    await new Promise((ok) => setTimeout(ok, 1000));
  }

  await page.reload();
  await page.locator('#d-kpis').waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-TW');
  assert.equal(await page.getAttribute('#nav-dashboard', 'aria-current'), '');
  api = (await insight(page, 'lang=zh-TW')).body; // the same moment as the page
  assert.equal(api.empty, false);
  const f = api.figures;
  assert.match(await page.locator('#d-range').innerText(), new RegExp(api.from + ' 至 ' + api.to));

  const value = (key) => page.locator(`[data-figure="${key}"] .value`).innerText();
  assert.equal(await value('cards'), String(f.cards));
  assert.match(await page.locator('[data-figure="cards"]').innerText(), new RegExp(`線上 ${f.online}・紙本 ${f.paper}`));
  assert.equal(await value('comments'), String(f.comments));
  assert.equal(await value('csat'), avg(f.csat.avg));
  assert.match(await page.locator('[data-figure="csat"]').innerText(), new RegExp(`${f.csat.n} 則回覆`));
  assert.equal(await value('npsScore'), String(Math.floor(f.nps.score + 0.5)));
  assert.equal(await value('npsAvg'), avg(f.nps.avg));
  const rec = api.recovery; // the recovery rate: of the range's cases of known diners, those back within 90 days
  assert.equal(await value('recovery'), rec.recoverable ? pct(rec.rate) : '無資料');
  for (const k of api.kpis) {
    const tile = page.locator(`[data-figure="kpi.${k.name}"]`);
    const text = await tile.innerText();
    if (k.n === 0) { assert.match(text, /無資料/, k.name); continue; }
    assert.match(text, k.met ? /達標/ : /未達標/, k.name);
    if (k.name === 'csat' || k.name === 'npsAvg') assert.equal(await tile.locator('.value').innerText(), avg2(k.actual), k.name);
  }
  if (f.opportunity) {
    assert.match(await page.locator('#d-opportunity').innerText(), new RegExp(api.itemNames[f.opportunity]));
  }
  assert.equal(await page.locator('#d-regulars').count(), f.regularsOutnumberFirst ? 1 : 0);

  // The item bars: the chart's values, its table and the API's figures agree.
  const box = page.locator('[data-chart="items"].chart-box');
  const marked = await box.locator('svg [data-value]').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-value')));
  assert.equal(await box.locator('table').isVisible(), false);
  await box.locator('button.show-table').click();
  assert.equal(await box.locator('table').isVisible(), true);
  assert.equal(await box.locator('svg').isVisible(), false);
  assert.equal(await box.locator('button.show-table').getAttribute('aria-expanded'), 'true');
  const rows = await box.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.deepEqual(rows.flatMap((r) => r.slice(1, 3)), marked, 'table cells vs the chart\'s bars');
  assert.deepEqual(rows, api.charts.items.table.rows);
  f.items.forEach((it, i) => {
    if (it.n === 0) return;
    assert.equal(rows[i][1], avg(it.avg), it.item + ' average');
    assert.equal(rows[i][2], pct(it.topBox), it.item + ' top box');
    assert.match(rows[i][3], new RegExp(`^${it.n} `), it.item + ' answers');
  });
  // The trend: every point's value is in its step's row.
  const trend = page.locator('[data-chart="trend"].chart-box');
  const points = await trend.locator('svg circle[data-value]').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-value')));
  await trend.locator('button.show-table').click();
  const trendRows = await trend.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  const cells = [1, 2, 3].flatMap((col) => trendRows.map((r) => r[col]).filter((v) => v !== '–'));
  assert.deepEqual(points, cells, 'trend points vs the table, panel by panel');
  assert.equal(trendRows.reduce((s, r) => s + Number(r[3]), 0), f.cards, 'the trend\'s cards add up to the range\'s');

  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling at 390 px');
  await page.screenshot({ path: SHOTS + 'dashboard-390-zh-TW.png', fullPage: true });
  assert.deepEqual(await seriousOrWorse(page), []);
  await box.locator('button.show-table').click(); // back to the chart
  assert.deepEqual(await seriousOrWorse(page), []);
  await ctx.close();
});

test('a period without cards shows the empty state, a bad period the problem in words', async () => {
  const { ctx, page } = await signedIn(browser, 'ops@example.com', 'en');
  await page.locator('#d-filters').waitFor();
  const options = await page.locator('#d-store option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(options, ['S001', 'S002', 'S003']); // operations sees every store
  await page.selectOption('#d-preset', 'custom');
  await page.fill('#d-from', '2020-01-01');
  await page.fill('#d-to', '2020-01-31');
  await page.click('#d-filters button[type=submit]');
  await page.locator('#d-empty').waitFor();
  assert.match(await page.locator('#d-empty').innerText(), /No cards in this period/);
  assert.equal(await page.locator('[data-figure]').count(), 0, 'no zeros pretending to be data');
  assert.deepEqual(await seriousOrWorse(page), []);

  await page.fill('#d-from', '2020-02-01');
  await page.click('#d-filters button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#status').className === 'error');
  assert.match(await page.locator('#status').innerText(), /end date cannot be before the start date/);
  await ctx.close();
});

test('a store manager sees only their store on the dashboard', async () => {
  const { ctx, page } = await signedIn(browser, 'manager.s002@example.com', 'zh-CN');
  await page.locator('#d-kpis, #d-empty').first().waitFor();
  const options = await page.locator('#d-store option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(options, ['S002']);
  assert.equal((await insight(page, '')).status, 403); // S001 is not theirs
  assert.equal(await page.locator('#d-ranking').count(), 0, 'no store ranking for a store manager');
  assert.equal((await brandInsight(page, '')).status, 403);
  await ctx.close();
});

// brandInsight asks the brand insight API (the store ranking) with the
// page's sign-in.
const brandInsight = (page, query) => page.evaluate(async (q) => {
  const r = await fetch('/api/v1/brands/wang/insight?' + q, { headers: { Authorization: 'Bearer ' + sessionStorage.getItem('cardloop.idToken') } });
  return { status: r.status, body: await r.json() };
}, query);

// rollUp runs RollupFunction's schedule now (the local runner's API), so
// the brand roll-ups hold the seeded history and the cards of the tests
// above.
async function rollUp() {
  const r = await fetch(BASE + '/local/schedules/RollupFunction/Every15Minutes', { method: 'POST' });
  const text = await r.text();
  assert.equal(r.status, 200, text);
  return JSON.parse(text);
}

test('operations see the store ranking of all three demo stores with the API\'s numbers, at 390 px', async () => {
  const runs = await rollUp();
  assert.equal(runs[0].brand, 'wang');
  const { ctx, page } = await signedIn(browser, 'ops@example.com', 'en');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator('#d-ranking').waitFor();
  const { status, body: api } = await brandInsight(page, 'lang=en');
  assert.equal(status, 200, JSON.stringify(api));
  assert.equal(api.scope, 'brand');
  assert.equal(api.empty, false, 'the seeded history is rolled up');
  const fmt = { csat: avg, npsAvg: avg, firstContactResolution: pct, handlingHours: (v) => avg(v) + ' h', slaCompliance: pct };
  const rows = await page.locator('#d-rank-table tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    store: tr.getAttribute('data-store'),
    cells: Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.getAttribute('data-kpi'), td.getAttribute('data-value')])),
    text: tr.innerText,
  })));
  assert.deepEqual(rows.map((r) => r.store), api.stores.map((r) => r.storeId), 'the API\'s order');
  assert.deepEqual([...rows.map((r) => r.store)].sort(), ['S001', 'S002', 'S003']);
  api.stores.forEach((r, i) => {
    assert.equal(rows[i].cells.cards, String(r.cards), r.storeId + ' cards');
    for (const k of r.kpis) {
      assert.equal(rows[i].cells[k.name], k.n > 0 ? fmt[k.name](k.actual) : 'No data', r.storeId + ' ' + k.name);
      if (k.rank > 0) assert.match(rows[i].text, new RegExp('rank ' + k.rank), r.storeId + ' ' + k.name + ' rank');
    }
  });
  const average = await page.locator('#d-rank-table tfoot tr').innerText();
  assert.match(average, /Brand average/);
  assert.match(average, new RegExp(String(api.average.cards)));
  assert.equal(api.average.cards, api.stores.reduce((s, r) => s + r.cards, 0), 'the brand is its three stores');
  const movers = await page.locator('#d-movers li').allInnerTexts();
  assert.equal(movers.length, 4);
  const csat = api.movers.find((m) => m.kpi === 'csat');
  if (csat.best) assert.match(movers[0], new RegExp('Biggest CSAT rise: .*' + avg(csat.best.previous) + ' to ' + avg(csat.best.actual)));
  else assert.match(movers[0], /no store rose/);
  // The table scrolls inside its box; the page does not.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling at 390 px');
  assert.ok(await page.locator('#d-ranking .table-wrap').evaluate((w) => w.scrollWidth > w.clientWidth), 'the table scrolls in its box');
  await page.locator('#d-ranking').screenshot({ path: SHOTS + 'ranking-390-en.png' });
  assert.deepEqual(await seriousOrWorse(page), []);
  await ctx.close();
});

test('an area manager ranks their own stores against the brand average', async () => {
  const { ctx, page } = await signedIn(browser, 'area.asia@example.com', 'zh-TW');
  await page.locator('#d-ranking').waitFor();
  const { body: api } = await brandInsight(page, 'lang=zh-TW');
  assert.equal(api.scope, 'area');
  const stores = await page.locator('#d-rank-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-store')));
  assert.deepEqual([...stores].sort(), ['S002', 'S003']);
  assert.match(await page.locator('#d-rank-table tfoot').innerText(), /品牌平均/);
  assert.ok(api.average.cards >= api.stores.reduce((s, r) => s + r.cards, 0), 'the average is the whole brand\'s');
  assert.deepEqual(await seriousOrWorse(page), []);
  await ctx.close();
});
