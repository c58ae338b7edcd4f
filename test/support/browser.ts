/**
 * Headless Debian Chromium (/usr/bin/chromium, installed by scripts/ensure-deps.sh) driven by
 * playwright-core: never a downloaded browser. One browser per test file, closed in afterAll.
 * Screenshots go to test-artifacts/screenshots/ (gitignored) and their paths are printed.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser as Chromium, type BrowserContext, type Page } from 'playwright-core';

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
