/**
 * Small leaks (issue 13, attack 8, and the smaller items of "What to build"):
 *   - a malformed Cookie made every data-API request a 500;
 *   - db_pass, a project owner's PostgreSQL password, took anything (even "p");
 *   - /api/health told anyone the database's and Redis's error text (hosts, ports, roles).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { adminAuth, apiUrl, databaseUrl, db, restUrl } from '../support/env.ts';
import { createToken } from '../support/management.ts';
import { newOrganization, newProject, v1 } from '../management/core-support.ts';
import { isolatedStack, type IsolatedStack } from '../support/isolated-stack.ts';
import { freePort } from '../../scripts/local-services.ts';
import { poll } from '../support/processes.ts';
import { anonKey } from '../support/keys.ts';

const tag = randomBytes(3).toString('hex');

describe('a malformed Cookie header', () => {
  const fn = `xleak_cookies_${tag}`;
  const BAD = 'a=%; b=hello%20world; c=%E0%A4%A; d';
  beforeAll(async () => {
    await db().query(`CREATE FUNCTION public.${fn}() RETURNS json LANGUAGE sql STABLE AS $$ SELECT current_setting('request.cookies', true)::json $$;
      NOTIFY pgrst, 'reload schema'`);
    await poll(async () => ((await fetch(`${restUrl}/rpc/${fn}`)).status === 200 ? true : undefined), 'the function in the schema cache', 10_000);
  });
  afterAll(async () => {
    await db().query(`DROP FUNCTION IF EXISTS public.${fn}()`);
  });

  it('is ignored by the data API: the request is served, the well-formed cookies are kept', async () => {
    const table = await fetch(`${restUrl}/publishers?select=id&limit=1`, { headers: { 'Accept-Profile': 'rest_read', Cookie: BAD } });
    expect(table.status, await table.clone().text()).toBe(200);
    const cookies = await fetch(`${restUrl}/rpc/${fn}`, { headers: { Cookie: BAD } });
    expect(cookies.status, await cookies.clone().text()).toBe(200);
    expect(await cookies.json()).toEqual({ b: 'hello world' });
  });

  it('is ignored by the Database API records too', async () => {
    const r = await fetch(`${apiUrl}/api/database/records/publishers?schema=rest_read&limit=1`, { headers: { Cookie: 'a=%', apikey: anonKey } });
    expect(r.status, await r.clone().text()).toBe(200);
  });
});

describe('db_pass of POST /v1/projects', () => {
  let call: ReturnType<typeof v1>;
  let org: { id: string; slug: string };
  beforeAll(async () => {
    call = v1((await createToken()).token);
    org = await newOrganization(call, `leaks ${tag}`);
  });
  const projectsOfOrg = async () => (await db().query('SELECT count(*)::int AS n FROM basalt.management_projects WHERE organization_id = $1', [org.id])).rows[0].n as number;

  it('refuses weak passwords with 400 { message } naming the rule, creating nothing; strong ones work for the owner', async () => {
    for (const weak of ['p', 'password', 'short-1A', 'alllowercaseletters', 'Password123', 'aaaaaaaaaaaaaaaaaaaaaaaa', 'Aa1!Aa1!Aa1!']) {
      const r = await call('POST', '/projects', { body: { name: 'weak', organization_slug: org.slug, db_pass: weak } });
      expect(r.status, weak).toBe(400);
      expect(Object.keys(r.json()), weak).toEqual(['message']);
      expect(r.json().message, weak).toMatch(/db_pass must be at least 12 characters/);
    }
    expect(await projectsOfOrg()).toBe(0);

    // Twelve mixed characters, or a long passphrase.
    for (const strong of ['Tr4in-st4tion', 'correct horse battery staple']) {
      const p = await newProject(call, org.slug, 'strong', strong);
      const url = new URL(databaseUrl);
      url.username = `owner_${p.ref}`;
      url.password = encodeURIComponent(strong);
      url.pathname = `/project_${p.ref}`;
      const owner = new pg.Client({ connectionString: url.toString() });
      await owner.connect();
      expect((await owner.query('SELECT current_user AS u')).rows[0].u).toBe(`owner_${p.ref}`);
      await owner.end();
    }
    expect(await projectsOfOrg()).toBe(2);
  }, 120_000);
});

describe('/api/health while a dependency is down', () => {
  let stack: IsolatedStack;
  let deadRedis: string;
  beforeAll(async () => {
    // Nothing listens there: Redis is down for this API from the start.
    deadRedis = `redis://127.0.0.1:${await freePort()}`;
    stack = await isolatedStack('leaks', { REDIS_URL: deadRedis });
  }, 60_000);
  afterAll(() => stack?.stop());

  const health = (headers: Record<string, string> = {}) => fetch(`${stack.base}/api/health`, { headers });

  it('tells an unauthenticated caller, or one with wrong credentials, what is down but not why; an admin sees why', async () => {
    const r = await health();
    expect(r.status).toBe(503);
    const text = await r.text();
    expect(JSON.parse(text)).toMatchObject({ status: 'error', checks: { database: 'ok', redis: 'down' }, down: ['redis'] });
    expect(text).not.toContain(new URL(deadRedis).port);
    expect(text).not.toMatch(/ECONNREFUSED|no answer|connect|closed/i);

    const wrong = await health({ Authorization: 'Basic ' + Buffer.from('admin:not-the-password').toString('base64') });
    expect(wrong.status).toBe(503);
    expect((await wrong.json()).checks.redis).toBe('down');

    const admin = await health({ Authorization: adminAuth });
    expect(admin.status).toBe(503);
    expect((await admin.json()).checks.redis).toMatch(/^down: .+/);
  });
});
