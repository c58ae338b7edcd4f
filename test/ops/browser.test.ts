/**
 * The queue dashboard at /admin/queues in a real browser (headless Debian Chromium): with the
 * admin credentials it shows every queue, and a real export job with its progress; without
 * them the browser gets a 401 and none of the dashboard. Its own API and worker on a queue
 * prefix of their own, so the page lists only this file's jobs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, db, TEST_ADMIN } from '../support/env.ts';
import { poll } from '../support/processes.ts';
import { isolatedStack, type IsolatedStack } from '../support/isolated-stack.ts';
import { launchBrowser, refusedPageHtml, BROWSER_TIMEOUT_MS, type Browser } from '../support/browser.ts';
import { JOB_TYPES, queueName } from '../../src/shared/jobs/names.ts';

let stack: IsolatedStack;
let browser: Browser;
const admin = { username: TEST_ADMIN.user, password: TEST_ADMIN.password };
const QUEUES = JOB_TYPES.map(queueName);

beforeAll(async () => {
  [stack, browser] = await Promise.all([isolatedStack('qbrowser'), launchBrowser()]);
  await stack.spawn('src/workers/main.ts');
  await db().query('DROP TABLE IF EXISTS public.qbrowser_rows; CREATE TABLE public.qbrowser_rows AS SELECT generate_series(1, 321) AS id');
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await db().query('DROP TABLE IF EXISTS public.qbrowser_rows');
}, 60_000);

describe('queue dashboard in a browser', () => {
  it('refuses without admin credentials or with a wrong password: 401 and none of the dashboard', async () => {
    for (const credentials of [undefined, { username: TEST_ADMIN.user, password: 'not-the-password' }]) {
      const html = await refusedPageHtml(browser, `${stack.base}/admin/queues`, credentials);
      for (const q of QUEUES) expect(html).not.toContain(q);
      expect(html).not.toContain('Basalt jobs');
    }
  }, 120_000);

  it('shows every queue with admin credentials', async () => {
    const page = await browser.page(admin);
    const res = await page.goto(`${stack.base}/admin/queues`);
    expect(res?.status()).toBe(200);
    // The page is a script-rendered app: wait for each queue's name to be drawn.
    for (const q of QUEUES) await expect.poll(() => page.getByText(q, { exact: true }).count(), { timeout: BROWSER_TIMEOUT_MS }).toBeGreaterThan(0);
    expect(await page.title()).toContain('Basalt jobs');
    await browser.screenshot(page, 'queue-dashboard');
    await page.close();
  }, 120_000);

  it('shows an export job that ran, with its progress', async () => {
    const submitted = await fetch(`${stack.base}/api/database/advance/export`, {
      method: 'POST',
      headers: { Authorization: adminAuth, 'Content-Type': 'application/json', Prefer: 'respond-async' },
      body: JSON.stringify({ tables: ['qbrowser_rows'], format: 'sql' }),
    });
    expect(submitted.status).toBe(202);
    const id = submitted.headers.get('location')!.split('/').pop()!;
    const status = await poll(async () => {
      const j = await stack.status(`/api/jobs/${id}`);
      return j.state === 'completed' || j.state === 'failed' ? j : undefined;
    }, `export job ${id}`, 90_000, 250);
    expect(status).toMatchObject({ state: 'completed', progress: { rows: 321 } });

    const page = await browser.page(admin);
    const res = await page.goto(`${stack.base}/admin/queues/queue/basalt-export?status=completed`);
    expect(res?.status()).toBe(200);
    const card = page.locator('[class*="card"]', { hasText: id }).first();
    await card.waitFor();
    await card.getByRole('button', { name: 'Progress' }).or(card.getByRole('tab', { name: 'Progress' })).first().click();
    // The progress the worker reported, as GET /api/jobs/:id shows it.
    await expect.poll(() => card.innerText(), { timeout: BROWSER_TIMEOUT_MS }).toMatch(/\brows"?:\s*321\b/);
    expect(await card.innerText()).toMatch(new RegExp(`\\bbytes"?:\\s*${status.progress.bytes}\\b`));
    await browser.screenshot(page, 'queue-dashboard-job');
    await page.close();
  }, 180_000);
});
