import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, beforeAll } from 'vitest';
import { adminAuth, apiUrl, databaseUrl, db } from '../support/env.ts';
import { toReply } from '../support/http.ts';
import { newToken, v1, type CreatedToken } from './core-support.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

const admin = async (method: string, p: string, body?: unknown, auth: string | null = adminAuth) =>
  toReply(
    await fetch(`${apiUrl}/api/tokens${p}`, {
      method,
      headers: { ...(auth ? { Authorization: auth } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );

describe('admin: personal access tokens', () => {
  let created: CreatedToken & { name: string; created_at: string; expires_at: string | null; token_prefix: string };

  beforeAll(async () => {
    const r = await admin('POST', '', { name: 'tokens-test main' });
    expect(r.status).toBe(201);
    created = r.json();
  });

  it('creates a token sbp_ + 40 hex, shown once, with its metadata', () => {
    expect(created.token).toMatch(/^sbp_[0-9a-f]{40}$/);
    expect(created).toMatchObject({ name: 'tokens-test main', expires_at: null, token_prefix: created.token.slice(0, 12) });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(created.created_at))).toBe(false);
  });

  it('stores only a SHA-256 of the token', async () => {
    const { rows } = await db().query('SELECT * FROM basalt.management_tokens WHERE id = $1', [created.id]);
    expect(rows).toHaveLength(1);
    expect((rows[0].token_hash as Buffer).toString('hex')).toBe(createHash('sha256').update(created.token).digest('hex'));
    expect(JSON.stringify(rows[0])).not.toContain(created.token.slice(4));
  });

  it('lists tokens without their secrets', async () => {
    const r = await admin('GET', '');
    expect(r.status).toBe(200);
    const mine = r.json().find((t: { id: string }) => t.id === created.id);
    expect(mine).toMatchObject({ name: 'tokens-test main', token_prefix: created.token.slice(0, 12), revoked_at: null });
    expect(mine).not.toHaveProperty('token');
    expect(r.text).not.toContain(created.token);
  });

  it('sets expires_at from expires_in_days or expires_at', async () => {
    const a = await admin('POST', '', { name: 'tokens-test days', expires_in_days: 7 });
    expect(a.status).toBe(201);
    const days = (Date.parse(a.json().expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThan(7.01);
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const b = await admin('POST', '', { name: 'tokens-test at', expires_at: at });
    expect(b.status).toBe(201);
    expect(Date.parse(b.json().expires_at)).toBe(Date.parse(at));
  });

  it.each([
    [{}, /name is required/],
    [{ name: '  ' }, /name is required/],
    [{ name: 'x', expires_in_days: 0 }, /at least 1/],
    [{ name: 'x', expires_in_days: 1.5 }, /whole number/],
    [{ name: 'x', expires_at: 'tomorrow' }, /ISO 8601/],
    [{ name: 'x', expires_at: '2001-01-01T00:00:00Z' }, /future/],
    [{ name: 'x', expires_in_days: 1, expires_at: '2999-01-01T00:00:00Z' }, /not both/],
    [{ name: 'x', scope: 'all' }, /.+/],
  ])('refuses a bad body %j with 400', async (body, message) => {
    const r = await admin('POST', '', body);
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ error: 'VALIDATION_ERROR', statusCode: 400 });
    expect(r.json().message).toMatch(message);
  });

  it('refuses invalid JSON with 400 and non-admins with 401', async () => {
    const badJson = await admin('POST', '', '{"name":');
    expect(badJson.status).toBe(400);
    expect(badJson.json()).toEqual({ error: 'INVALID_JSON', message: 'Invalid JSON in the request body: Unexpected end of JSON input', statusCode: 400 });
    const nextActions = 'Send admin credentials: Basic auth with ADMIN_USER/ADMIN_PASSWORD, or a service_role JWT';
    const anonymous = await admin('POST', '', { name: 'x' }, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json()).toEqual({ error: 'UNAUTHORIZED', message: 'Admin authentication required', statusCode: 401, nextActions });
    // A personal access token is a Management API credential, not an admin one.
    const pat = await admin('GET', '', undefined, 'Bearer ' + created.token);
    expect(pat.status).toBe(401);
    expect(pat.json()).toEqual({ error: 'UNAUTHORIZED', message: 'Invalid or expired token', statusCode: 401, nextActions });
  });

  it('DELETE of an unknown id is 404', async () => {
    for (const id of ['00000000-0000-0000-0000-000000000000', 'not-a-uuid']) {
      const r = await admin('DELETE', `/${id}`);
      expect(r.status).toBe(404);
      expect(r.json().error).toBe('TOKEN_NOT_FOUND');
    }
  });
});

describe('/v1 token authentication', () => {
  it('accepts a live token', async () => {
    const t = await newToken('tokens-test live');
    const r = await v1(t.token)('GET', '/organizations');
    expect(r.status).toBe(200);
    expect(r.json()).toEqual([]);
  });

  it.each([
    ['no Authorization header', null, undefined],
    ['a malformed token', 'sbp_nothex', undefined],
    ['an unknown token', 'sbp_' + '0'.repeat(40), undefined],
    ['a non-Bearer scheme', null, { Authorization: 'Basic ' + Buffer.from('a:b').toString('base64') }],
  ])('answers 401 {"message":"Unauthorized"} for %s', async (_what, token, headers) => {
    const r = await v1(token)('GET', '/organizations', { headers });
    expect(r.status).toBe(401);
    expect(r.json()).toEqual({ message: 'Unauthorized' });
  });

  it('refuses a revoked token with 401', async () => {
    const t = await newToken('tokens-test revoked');
    const call = v1(t.token);
    expect((await call('GET', '/organizations')).status).toBe(200);
    const del = await admin('DELETE', `/${t.id}`);
    expect(del.status).toBe(200);
    expect(del.json().revoked_at).toBeTruthy();
    const r = await call('GET', '/organizations');
    expect(r.status).toBe(401);
    expect(r.json()).toEqual({ message: 'Unauthorized' });
    const listed = (await admin('GET', '')).json().find((x: { id: string }) => x.id === t.id);
    expect(listed.revoked_at).toBeTruthy();
  });

  it('refuses an expired token with 401', async () => {
    const t = await newToken('tokens-test expired', { expires_in_days: 1 });
    const call = v1(t.token);
    expect((await call('GET', '/organizations')).status).toBe(200);
    await db().query(`UPDATE basalt.management_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [t.id]);
    const r = await call('GET', '/organizations');
    expect(r.status).toBe(401);
    expect(r.json()).toEqual({ message: 'Unauthorized' });
  });

  it('records when a token was last used', async () => {
    const t = await newToken('tokens-test used');
    await v1(t.token)('GET', '/organizations');
    const rows = await db().query('SELECT last_used_at FROM basalt.management_tokens WHERE id = $1', [t.id]);
    // Written asynchronously; give it a moment.
    for (let i = 0; i < 20 && !rows.rows[0].last_used_at; i++) {
      await new Promise((r) => setTimeout(r, 50));
      rows.rows = (await db().query('SELECT last_used_at FROM basalt.management_tokens WHERE id = $1', [t.id])).rows;
    }
    expect(rows.rows[0].last_used_at).toBeTruthy();
  });

  it('answers unknown /v1 routes and bad JSON in the { message } envelope', async () => {
    const t = await newToken('tokens-test envelope');
    const call = v1(t.token);
    const nf = await call('GET', '/no-such-thing');
    expect(nf.status).toBe(404);
    expect(Object.keys(nf.json())).toEqual(['message']);
    const bad = await call('POST', '/organizations', { raw: '{"name": ' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.json())).toEqual(['message']);
    expect(bad.json().message).toMatch(/JSON/);
  });
});

describe('/v1 brute-force protection', () => {
  it('bans an address after repeated bad tokens (AUTH_BAN_THRESHOLD=5), and only that address', async () => {
    const good = await newToken('tokens-test ban');
    const ip = `203.0.113.${10 + Math.floor(Math.random() * 200)}`;
    const from = (addr: string) => ({ 'X-Forwarded-For': addr });
    expect((await v1(good.token)('GET', '/organizations', { headers: from(ip) })).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      const r = await v1('sbp_' + String(i).repeat(40))('GET', '/organizations', { headers: from(ip) });
      expect(r.status).toBe(401);
    }
    const banned = await v1(good.token)('GET', '/organizations', { headers: from(ip) });
    expect(banned.status).toBe(403);
    expect(Object.keys(banned.json())).toEqual(['message']);
    expect((await v1(good.token)('GET', '/organizations', { headers: from('198.51.100.77') })).status).toBe(200);
  });
});

describe('npm run token', () => {
  const cli = (args: string[]) => run('npx', ['tsx', 'scripts/token.ts', ...args], { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl } });

  it('creates a token that works, lists it and revokes it', async () => {
    const out = await cli(['create', '--name', 'tokens-test cli', '--days', '3']);
    const token = out.stdout.match(/sbp_[0-9a-f]{40}/)?.[0];
    expect(token).toBeTruthy();
    const id = out.stdout.match(/id ([0-9a-f-]{36})/)?.[1];
    expect(id).toBeTruthy();
    const orgs = await v1(token!)('GET', '/organizations');
    expect(orgs.status).toBe(200);
    expect(orgs.json()).toEqual([]); // a token of its own user: no organizations yet
    const { rows } = await db().query('SELECT expires_at FROM basalt.management_tokens WHERE id = $1', [id]);
    expect((rows[0].expires_at.getTime() - Date.now()) / 86_400_000).toBeGreaterThan(2.99);

    const list = await cli(['list']);
    expect(list.stdout).toContain(id);
    expect(list.stdout).not.toContain(token);

    await cli(['revoke', id!]);
    const revoked = await v1(token!)('GET', '/organizations');
    expect(revoked.status).toBe(401);
    expect(revoked.json()).toEqual({ message: 'Unauthorized' });
  }, 60_000);

  it('refuses bad arguments with a message and exit code 2', async () => {
    await expect(cli(['create'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--name is required') });
    await expect(cli(['create', '--name', 'x', '--days', 'ten'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--days') });
    await expect(cli(['frobnicate'])).rejects.toMatchObject({ code: 2 });
  }, 60_000);
});
