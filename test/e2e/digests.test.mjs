// End-to-end: the nightly summary and the weekly digest. The DigestFunction
// schedule is fired twice from the runner's schedules page (Run now); the
// local outbox then holds, for this run, exactly one e-mail per recipient
// and digest — S001's nightly summary and weekly digest to its manager,
// the area's ranking to its area manager — and shows the weekly digest
// with its chart, an inline PNG (cid:), loaded.
//
// Whatever the time of the run, a day's closing time and a Monday 09:00
// have passed before it, so the latest night and week are always due
// (shared/digest LatestNight, LatestWeek). The runner's own clock may have
// sent them already (every 15 minutes): the counts hold either way. E-mails
// of earlier runs on the same emulator are told apart by their dashboard
// link, which points at this run's address.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SHOTS, launch } from './browser.mjs';

const MANAGER = 'manager.s001@example.com';
const AREA = 'area.taiwan@example.com';
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// runDigests presses DigestFunction's Run now and returns what the run did.
async function runDigests(page) {
  await page.goto(BASE + '/local/schedules');
  const run = page.getByRole('button', { name: 'Run now: DigestFunction Every15Minutes' });
  await Promise.all([page.waitForURL(/\/local\/schedules\?run=\d+$/), run.click()]);
  const result = page.getByRole('status');
  assert.match(await result.locator('h2').innerText(), /DigestFunction ran \(Every15Minutes\): ok in \d+ ms/);
  return JSON.parse(await result.locator('pre.response').innerText());
}

// digestsOfThisRun lists the outbox's digests to a recipient that link to
// this run's console, as [key, message] with key the X-Cardloop-Digest
// header ("kind scope period").
async function digestsOfThisRun(to) {
  const r = await fetch(BASE + '/local/outbox?format=json&to=' + encodeURIComponent(to));
  assert.equal(r.status, 200);
  const mails = (await r.json()) || [];
  return mails.filter((m) => m.headers && m.headers['X-Cardloop-Digest'] && (m.html || '').includes(BASE + '/console/'))
    .map((m) => [m.headers['X-Cardloop-Digest'][0], m]);
}

test('two runs of the digest schedule send S001\'s nightly summary and weekly digest once each, the chart shown', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  const first = await runDigests(page);
  const second = await runDigests(page);
  assert.equal(second.failed, 0, JSON.stringify(second));
  assert.equal(second.sent, 0, 'the second run sends nothing again: ' + JSON.stringify(second));
  assert.equal(second.already, second.due - second.off, JSON.stringify(second));
  assert.ok(first.due >= 3, 'S001 alone makes a nightly, a weekly and an area digest due: ' + JSON.stringify(first));

  const mine = await digestsOfThisRun(MANAGER);
  const keys = mine.map(([k]) => k);
  assert.equal(new Set(keys).size, keys.length, 'one e-mail per digest and period: ' + keys.join(', '));
  const nightly = mine.filter(([k]) => k.startsWith('nightly S001 '));
  const weekly = mine.filter(([k]) => k.startsWith('weekly S001 '));
  assert.equal(nightly.length, 1, 'one nightly summary: ' + keys.join(', '));
  assert.equal(weekly.length, 1, 'one weekly digest: ' + keys.join(', '));
  assert.match(nightly[0][1].subject, /^【每日摘要】/); // S001 speaks zh-TW
  assert.match(weekly[0][1].subject, /^【每週摘要】/);
  for (const [k, m] of [...nightly, ...weekly]) {
    assert.ok(m.text && m.html, k + ': a text and an HTML part');
    assert.ok(!/^[A-Za-z0-9+/=\r\n]+$/.test(m.text), k + ': the text part is text, not an image\'s base64');
  }
  const area = (await digestsOfThisRun(AREA)).filter(([k]) => k.startsWith('area '));
  assert.equal(area.length, 1, 'one ranking to the area manager: ' + area.map(([k]) => k).join(', '));

  // The outbox page shows the weekly digest with its chart loaded.
  await page.goto(BASE + '/local/outbox?to=' + encodeURIComponent(MANAGER));
  const article = page.locator('#m' + weekly[0][1].n);
  assert.equal(await article.locator('h2').innerText(), '#' + weekly[0][1].n + ' ' + weekly[0][1].subject);
  const frame = await (await article.locator('iframe').elementHandle()).contentFrame();
  const chart = frame.locator('img[src^="data:image/png;base64,"]');
  assert.equal(await chart.count(), 1, 'the chart\'s cid: reference resolved to its image');
  await frame.waitForFunction(() => { const i = document.querySelector('img[src^="data:image/png"]'); return i.complete && i.naturalWidth > 0; });
  assert.ok((await chart.getAttribute('alt')).length > 20, 'the chart says what it shows');
  assert.equal(await frame.locator('img[src^="cid:"]').count(), 0);
  await article.scrollIntoViewIfNeeded();
  await page.setViewportSize({ width: 1000, height: 1400 });
  await article.screenshot({ path: SHOTS + 'digest-weekly-outbox.png' });
  await ctx.close();
});
