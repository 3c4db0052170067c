// End-to-end: need to know (issue 11 item 5). A low card with a phone
// number reaches S001's manager as a case e-mail; in the console's card
// list the manager sees the number masked; on the case page (the e-mail's
// signed link) the number is masked until "Show number" is pressed with a
// reason, which answers the full number to call; the admin then finds the
// reveal — who, what, why — in the console's Privacy tab. axe-core checks
// the Privacy tab in three languages at 390 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { BASE, SHOTS, launch, signedIn } from './browser.mjs';

// axe is evaluated through the DevTools protocol, which the console's
// strict CSP (script-src 'self') does not apply to; a script tag would be refused.
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const MANAGER = 'manager.s001@example.com';
const ADMIN = 'admin@example.com';
// A number of this run: the last three digits tell it apart on the page.
const tail = String(100 + Math.floor(Math.random() * 900));
const national = '0912' + String(Math.floor(Math.random() * 1000)).padStart(3, '0') + tail;
const e164 = '+886' + national.slice(1);
const masked = '+886 9•• ••• ' + tail;
const NAME = 'NTK ' + Date.now().toString(36);
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function seriousOrWorse(page) {
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(AXE);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '));
}

// caseLink waits for the case e-mail about this run's diner and returns its
// page link (the "open" one).
async function caseLink() {
  for (let i = 0; i < 360; i++) { // up to about 3 minutes: triage waits its turn in a loaded emulator
    const r = await fetch(BASE + '/local/outbox?format=json&to=' + encodeURIComponent(MANAGER));
    const mails = r.ok ? ((await r.json().catch(() => null)) || []) : []; // the emulator may be busy: try again
    const all = (m) => [m.subject, m.text, m.html].join('\n');
    const mine = mails.find((m) => all(m).includes(NAME) && all(m).includes(BASE + '/k/'));
    if (mine) {
      const links = [...all(mine).matchAll(/(http[^\s"<>]*\/k\/[^\s"<>]*)/g)].map((m) => m[1].replaceAll('&amp;', '&'));
      const open = links.find((u) => u.includes('a=open')) || links[0];
      if (open) return open;
    }
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error('no case e-mail about ' + NAME + ' reached ' + MANAGER);
}

test('a manager sees the number masked, reveals it on the case page, and the admin sees the reveal', async () => {
  const posted = await fetch(BASE + '/api/v1/cards', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ storeId: 'S001', ratings: { overall: 1, main: 1 }, comment: '等太久了',
      diner: { name: NAME, phone: national }, consent: { contact: true } }),
  });
  assert.equal(posted.status, 201, await posted.text());
  const link = await caseLink();

  // The card list: masked, never the full number.
  const mgr = await signedIn(browser, MANAGER, 'en');
  await mgr.page.setViewportSize({ width: 390, height: 844 });
  await mgr.page.goto(BASE + '/console/?lang=en#cards');
  const card = mgr.page.locator('article.card', { hasText: NAME });
  await card.waitFor();
  assert.match(await card.innerText(), new RegExp(masked.replaceAll('+', '\\+')));
  assert.ok(!(await mgr.page.content()).includes(national.slice(1)), 'the card list shows the full number');

  // The case page: masked, then shown after Show number with a reason.
  await mgr.page.goto(link + '&lang=en');
  assert.ok((await mgr.page.content()).includes(masked), 'the case page masks the number');
  assert.equal(await mgr.page.locator('a[href^="tel:"]').count(), 0, 'no tap-to-call before the reveal');
  await mgr.page.selectOption('#reveal-reason', 'callback');
  await Promise.all([mgr.page.waitForLoadState('load'), mgr.page.getByRole('button', { name: 'Show number' }).click()]);
  const call = mgr.page.locator('#call');
  await call.waitFor();
  assert.equal(await call.getAttribute('href'), 'tel:' + e164);
  await mgr.page.screenshot({ path: SHOTS + 'privacy-revealed.png', fullPage: true });
  await mgr.ctx.close();

  // The admin's Privacy tab: the reveal, by the link holder, with its reason.
  const adm = await signedIn(browser, ADMIN, 'en');
  await adm.page.setViewportSize({ width: 390, height: 844 });
  await adm.page.goto(BASE + '/console/?lang=en#privacy');
  const row = adm.page.locator('#pv-audit-rows tr[data-action="reveal"]', { hasText: 'case link: ' + MANAGER }).first();
  await row.waitFor();
  const text = await row.innerText();
  assert.match(text, /field: phone/);
  assert.match(text, /reason: callback/);
  assert.ok(!text.includes(national.slice(1)), 'the audit trail holds no number');
  await adm.page.screenshot({ path: SHOTS + 'privacy-audit.png', fullPage: true });
  await adm.ctx.close();
});

for (const lang of ['zh-TW', 'zh-CN', 'en']) {
  test(`the Privacy tab passes axe in ${lang} at 390 px`, async () => {
    const { ctx, page } = await signedIn(browser, ADMIN, lang);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(BASE + '/console/?lang=' + lang + '#privacy');
    await page.locator('#pv-form').waitFor();
    await page.waitForFunction(() => { const s = document.getElementById('status'); return s.textContent === '' || s.className === 'error'; });
    assert.equal(await page.locator('#status').textContent(), '', 'the tab loaded without error');
    assert.equal(await page.locator('#nav-privacy').isVisible(), true);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, 'the page scrolls sideways: ' + width + ' px');
    assert.deepEqual(await seriousOrWorse(page), [], 'axe: Privacy tab in ' + lang);
    await ctx.close();
  });
}

test('marketing has no Privacy tab', async () => {
  const { ctx, page } = await signedIn(browser, 'marketing@example.com', 'en');
  await page.goto(BASE + '/console/?lang=en#privacy');
  await page.locator('#views').waitFor();
  assert.equal(await page.locator('#nav-privacy').isVisible(), false);
  assert.equal(await page.locator('#pv-form').count(), 0);
  await ctx.close();
});
