/**
 * The interactive API reference at /docs in a real browser (headless Debian Chromium): Swagger UI
 * served offline from /docs itself, behind the admin credentials. With them it lists the four
 * OpenAPI documents in its spec selector and draws each document's operations (.opblock);
 * without them the browser gets a 401 and none of the reference.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, TEST_ADMIN } from '../support/env.ts';
import { poll } from '../support/processes.ts';
import { launchBrowser, refusedPageHtml, BROWSER_TIMEOUT_MS, type Browser } from '../support/browser.ts';

const SPECS = ['/api/openapi.json', '/api/database/openapi.json', '/v1/openapi.json', '/openapi.json'];
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const admin = { username: TEST_ADMIN.user, password: TEST_ADMIN.password };
const origin = new URL(apiUrl).origin;
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
}, 60_000);

/** The paths that have operations in a document, as the API serves it. */
async function specPaths(spec: string): Promise<string[]> {
  const res = await fetch(`${apiUrl}${spec}`, { headers: { Authorization: adminAuth } });
  expect(res.status, spec).toBe(200);
  const doc = (await res.json()) as { paths?: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths ?? {})
    .filter(([, item]) => Object.keys(item).some((m) => METHODS.includes(m)))
    .map(([p]) => p);
}

describe('API reference in a browser', () => {
  it('refuses without admin credentials or with a wrong password: 401 and none of the reference', async () => {
    for (const credentials of [undefined, { username: TEST_ADMIN.user, password: 'not-the-password' }]) {
      const html = await refusedPageHtml(browser, `${apiUrl}/docs`, credentials);
      expect(html).not.toMatch(/swagger-ui|opblock/);
    }
  }, 120_000);

  it('lists every OpenAPI document and draws the operations of each, served offline from /docs', async () => {
    const page = await browser.page(admin);
    const elsewhere: string[] = [];
    const assets: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.protocol === 'data:' || u.protocol === 'blob:') return;
      if (u.origin !== origin) elsewhere.push(r.url());
      else if (r.resourceType() === 'script' || r.resourceType() === 'stylesheet') assets.push(u.pathname);
    });
    const res = await page.goto(`${apiUrl}/docs`);
    expect(res?.status()).toBe(200);
    await page.locator('.swagger-ui').first().waitFor();

    // The spec selector offers the four documents.
    const select = page.locator('.topbar select, select#select').first();
    await select.waitFor();
    const options = await select.locator('option').evaluateAll((os) => os.map((o) => ({ value: (o as HTMLOptionElement).value, text: o.textContent ?? '' })));
    for (const spec of SPECS) {
      expect(options.some((o) => new URL(o.value, origin).pathname === spec || o.text.trim() === spec), `${spec} in ${JSON.stringify(options)}`).toBe(true);
    }

    for (const spec of SPECS) {
      const option = options.find((o) => new URL(o.value, origin).pathname === spec || o.text.trim() === spec)!;
      await select.selectOption(option.value);
      const paths = await specPaths(spec);
      expect(paths.length, spec).toBeGreaterThan(0);
      // Every operation of this document is drawn as an .opblock naming its path, and nothing else.
      const drawn = () =>
        page.locator('.opblock .opblock-summary-path').evaluateAll((els) => [...new Set(els.map((e) => (e.getAttribute('data-path') ?? e.textContent ?? '').replace(/\u200b/g, '')))].sort());
      await expect.poll(drawn, { timeout: BROWSER_TIMEOUT_MS, message: spec }).toEqual([...new Set(paths)].sort());
      if (spec === SPECS[0]) await browser.screenshot(page, 'api-docs');
    }

    // Swagger UI's own files come from /docs, nothing from another host.
    expect(elsewhere).toEqual([]);
    expect(assets.length).toBeGreaterThan(0);
    for (const a of assets) expect(a.startsWith('/docs/'), a).toBe(true);
    await page.close();
  }, 240_000);
});
