// Shared by the browser tests: Debian's Chromium started headless (never a
// downloaded browser), the local sign-in, axe-core, and the Content Security
// Policy watch: every page of every test is watched for CSP violations, and
// every HTML page the app serves must carry a Content-Security-Policy; a
// test that saw either fails (afterEach below).
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const BASE = process.env.BASE_URL || 'http://127.0.0.1:8080';
export const SHOTS = new URL('./test-results/', import.meta.url).pathname;

// csp collects what the watch saw since the last test ended.
const csp = [];

afterEach(() => {
  const seen = csp.splice(0);
  assert.deepEqual(seen, [], 'Content Security Policy: violations or pages without a policy');
});

// watch reports, for every page of ctx: securitypolicyviolation events (the
// page's own, through a binding no policy can block), CSP errors Chromium
// logs on the console (also those of frames), and HTML documents of the app
// answered without a Content-Security-Policy header.
async function watch(ctx) {
  await ctx.exposeBinding('__cardloopCSP', ({ page }, v) => { csp.push({ page: page.url(), ...v }); });
  await ctx.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cardloopCSP?.({ directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample });
    });
  });
  ctx.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) csp.push({ page: m.page()?.url(), console: m.text() });
  });
  ctx.on('response', async (r) => {
    if (r.request().resourceType() !== 'document' || !r.url().startsWith(BASE)) return;
    const h = await r.allHeaders().catch(() => ({}));
    if (/html/.test(h['content-type'] || '') && !h['content-security-policy']) csp.push({ page: r.url(), missing: 'Content-Security-Policy' });
  });
}

// launch starts Chromium with the flags this machine's closed network needs;
// every context it makes is watched for CSP violations.
export async function launch() {
  mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const ctx = await newContext(options);
    await watch(ctx);
    return ctx;
  };
  return browser;
}

// signedIn opens the console as a seeded user through the local sign-in page.
export async function signedIn(browser, email, locale = 'zh-TW') {
  const ctx = await browser.newContext({ locale });
  const page = await ctx.newPage();
  await page.goto(BASE + '/console/');
  await page.waitForURL(/\/local\/signin/);
  await page.locator('form', { has: page.locator(`input[name=email][value="${email}"]`) }).locator('button').click();
  await page.waitForURL(/\/console\/(\?.*)?$/);
  return { ctx, page };
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// seriousOrWorse runs axe-core on the page and returns the serious and
// critical violations (id and the first target of each). axe is evaluated
// through the DevTools protocol, which the page's script-src does not
// govern: a <script> tag added to the page would be (rightly) refused.
export async function seriousOrWorse(page) {
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(AXE);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, target: v.nodes[0]?.target?.join(' ') }));
}
