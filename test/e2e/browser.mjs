// Shared by the browser tests: Debian's Chromium started headless (never a
// downloaded browser) and the local sign-in.
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const BASE = process.env.BASE_URL || 'http://127.0.0.1:8080';
export const SHOTS = new URL('./test-results/', import.meta.url).pathname;

// launch starts Chromium with the flags this machine's closed network needs.
export async function launch() {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
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
