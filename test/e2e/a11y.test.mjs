// End-to-end: every view of the console, for each kind of staff user, in
// zh-TW, zh-CN and en at 390 × 844, has no serious or critical axe-core
// violation and no sideways scrolling of the page. The other browser tests
// check the pages of their own flows (the diner's card, the case page, the
// preference and My data pages, the runner's pages); this one walks every
// tab a signed-in user is offered, so a view no flow test reaches is
// checked too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signedIn, seriousOrWorse, BASE } from './browser.mjs';

const USERS = ['manager.s001@example.com', 'marketing@example.com', 'admin@example.com'];
const LANGS = ['zh-TW', 'zh-CN', 'en'];
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// settled waits until the view has answered: the status line no longer says
// it is loading, and no request is in flight.
async function settled(page) {
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(() => {
    const s = document.getElementById('status');
    return !s || !s.textContent || !/…|\.\.\./.test(s.textContent);
  }, null, { timeout: 60000 });
}

for (const user of USERS) {
  for (const lang of LANGS) {
    test(`every console view of ${user} in ${lang} at 390 px passes axe`, async () => {
      const { ctx, page } = await signedIn(browser, user, lang);
      try {
        await page.setViewportSize({ width: 390, height: 844 });
        await page.goto(BASE + '/console/?lang=' + lang);
        await page.waitForSelector('#views:not([hidden])');
        const tabs = await page.$$eval('#views a:not([hidden])', (as) => as.map((a) => a.getAttribute('href')));
        assert.ok(tabs.length >= 2, `${user} is offered views: ${tabs}`);
        const found = [];
        for (const hash of tabs) {
          await page.goto(BASE + '/console/?lang=' + lang + hash);
          await settled(page);
          assert.equal(await page.evaluate(() => document.documentElement.lang), lang, `${hash}: page language`);
          for (const v of await seriousOrWorse(page)) found.push(`${hash}: ${JSON.stringify(v)}`);
          const wide = await page.evaluate(() => document.documentElement.scrollWidth);
          if (wide > 390) found.push(`${hash}: the page is ${wide} px wide at 390 px`);
        }
        assert.deepEqual(found, [], `axe (serious/critical) and width, ${user}, ${lang}`);
      } finally {
        await ctx.close();
      }
    });
  }
}
