// End-to-end: a developer opens the runner's schedules page, presses a
// schedule's Run now button (a plain form post) and lands on the page again
// (Post/Redirect/Get), which says what the run did: how it went and what the
// function logged. axe-core checks the runner's own pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SHOTS, launch, seriousOrWorse } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('Run now on /local/schedules runs the schedule and shows the result', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await page.goto(BASE + '/local/schedules');
  await page.getByRole('heading', { name: 'Schedules', level: 1 }).waitFor();
  assert.deepEqual(await seriousOrWorse(page), [], 'axe: schedules page');
  const run = page.getByRole('button', { name: 'Run now: PlannerFunction Hourly' });
  await Promise.all([page.waitForURL(/\/local\/schedules\?run=\d+$/), run.click()]);
  const result = page.getByRole('status');
  const text = await result.innerText();
  assert.match(text, /PlannerFunction ran \(Hourly\): ok in \d+ ms/);
  // What the run did: the planner's own log line of this pass.
  assert.match(text, /What it logged[\s\S]*planning pass/);
  assert.deepEqual(await seriousOrWorse(page), [], 'axe: schedules page with a result');
  // The page fits a phone: nothing wider than the viewport.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  // Reloading shows the same result without running the schedule again.
  const url = page.url();
  await page.reload();
  assert.equal(page.url(), url);
  await page.screenshot({ path: SHOTS + 'schedules.png', fullPage: true });
  await ctx.close();
});

test('the runner\'s index runs a schedule from its button too and passes axe', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await page.goto(BASE + '/');
  await page.getByRole('heading', { name: 'cardloop — local run', level: 1 }).waitFor();
  assert.deepEqual(await seriousOrWorse(page), [], 'axe: index');
  // The page fits a phone: the wide routes table scrolls in its own region.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  const run = page.getByRole('button', { name: 'Run now: PlannerFunction Hourly' });
  await Promise.all([page.waitForURL(/\/local\/schedules\?run=\d+$/), run.click()]);
  assert.match(await page.getByRole('status').innerText(), /PlannerFunction ran \(Hourly\): ok in \d+ ms/);
  await ctx.close();
});
