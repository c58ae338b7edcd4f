/**
 * Headless Debian Chromium (/usr/bin/chromium, installed by scripts/ensure-deps.sh) driven by
 * playwright-core: never a downloaded browser. One browser per test file, closed in afterAll.
 * Screenshots go to test-artifacts/screenshots/ (gitignored) and their paths are printed.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { chromium, type Browser as Chromium, type BrowserContext, type Page } from 'playwright-core';
import { poll } from './processes.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-artifacts/screenshots');
/** Generous: two cores shared with the API, the worker, PostgreSQL and other test files. */
export const BROWSER_TIMEOUT_MS = 60_000;

export interface Browser {
  /** A page in a fresh context (no cookies, no cached credentials), optionally sending Basic credentials. */
  page(credentials?: { username: string; password: string }): Promise<Page>;
  /** Saves a full-page PNG as test-artifacts/screenshots/<name>.png and prints its path. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  // playwright starts Chromium headless with a new empty --user-data-dir of its own. Without the
  // background-networking flags Chromium keeps dialling Google's hosts, which this closed network
  // refuses; --no-sandbox because the tests may run as root.
  const chromiumProcess: Chromium = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: BROWSER_TIMEOUT_MS,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const contexts: BrowserContext[] = [];
  return {
    async page(credentials) {
      const ctx = await chromiumProcess.newContext({ httpCredentials: credentials, viewport: { width: 1280, height: 900 } });
      contexts.push(ctx);
      ctx.setDefaultTimeout(BROWSER_TIMEOUT_MS);
      ctx.setDefaultNavigationTimeout(BROWSER_TIMEOUT_MS);
      return ctx.newPage();
    },
    async screenshot(page, name) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const file = path.join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`screenshot: ${file}`);
      return file;
    },
    async close() {
      await Promise.all(contexts.map((c) => c.close().catch(() => {})));
      await chromiumProcess.close();
    },
  };
}

/**
 * Visits `url` with `credentials` (none, or wrong ones), checks that the server answered 401 to
 * every request for that path, and returns the HTML the browser ended up showing. Chromium either
 * shows the 401 page or, having given up on the challenge, fails the navigation with
 * ERR_INVALID_AUTH_CREDENTIALS; either way the server's answer was 401.
 */
export async function refusedPageHtml(browser: Browser, url: string, credentials: { username: string; password: string } | undefined): Promise<string> {
  const page = await browser.page(credentials);
  const path = new URL(url).pathname.replace(/\/$/, '');
  const statuses: number[] = [];
  page.on('response', (r) => void (new URL(r.url()).pathname.replace(/\/$/, '') === path && statuses.push(r.status())));
  const shown = await page.goto(url).catch((e: Error) => e);
  if (shown instanceof Error) expect(shown.message).toMatch(/ERR_INVALID_AUTH_CREDENTIALS/);
  else expect(shown?.status()).toBe(401);
  expect(statuses.length, String(credentials?.password)).toBeGreaterThan(0);
  expect(new Set(statuses)).toEqual(new Set([401]));
  await page.waitForLoadState('load');
  const html = await poll(() => page.content().catch(() => undefined), 'the page to settle', BROWSER_TIMEOUT_MS, 250);
  await page.close();
  return html;
}
