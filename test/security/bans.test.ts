/**
 * Bans (issue 13, attack 4): a project's network-bans endpoints see and lift only that
 * project's own bans; the server-wide `admin` and `management` bans are listed and lifted
 * with admin credentials only (GET/DELETE /api/bans), so a token holder cannot alternate
 * password guessing with ban lifting.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adminAuth, apiUrl, databaseUrl, redisUrl } from '../support/env.ts';
import { createTokenAndProject, type ManagementCaller } from '../support/management.ts';
import { AuthBans } from '../../src/shared/security/auth-bans.ts';
import { parseConfig } from '../../src/shared/config.ts';
import { testEnv } from '../support/test-env.ts';
import { poll } from '../support/processes.ts';

// Documentation ranges, different per run so reruns against one Redis do not see old bans.
const octet = 1 + Math.floor(Math.random() * 250);
const PASSWORD_GUESSER = `203.0.113.${octet}`;
const TOKEN_GUESSER = `198.51.100.${octet}`;
const KEY_GUESSER = `192.0.2.${octet}`;
const ELSEWHERE = `192.0.2.${(octet % 250) + 2}`;
/** Another project's ban scope (a ref this token does not own). */
const OTHER_REF = Array.from(randomBytes(20), (b) => String.fromCharCode(97 + (b % 26))).join('');

const redis = new Redis(redisUrl);
const bans = new AuthBans(redis, parseConfig(testEnv({ databaseUrl, redisUrl, port: 1 })));
let m: ManagementCaller;

const adminCall = (from: string) => fetch(`${apiUrl}/api/schemas`, { headers: { Authorization: adminAuth, 'X-Forwarded-For': from } });
const managementCall = (from: string) => fetch(`${apiUrl}/v1/organizations`, { headers: { Authorization: `Bearer ${m.token}`, 'X-Forwarded-For': from } });
const adminBans = (method: string, body?: unknown, auth: string | null = adminAuth) =>
  fetch(`${apiUrl}/api/bans`, {
    method,
    headers: { ...(auth ? { Authorization: auth } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

beforeAll(async () => {
  m = await createTokenAndProject();
  // Real bans, earned as an attacker would: wrong admin passwords, made-up access tokens.
  const wrong = 'Basic ' + Buffer.from('admin:wrong-password').toString('base64');
  for (let i = 0; i < 5; i++) await fetch(`${apiUrl}/api/schemas`, { headers: { Authorization: wrong, 'X-Forwarded-For': PASSWORD_GUESSER } });
  for (let i = 0; i < 5; i++) await fetch(`${apiUrl}/v1/organizations`, { headers: { Authorization: `Bearer sbp_${'0'.repeat(40)}`, 'X-Forwarded-For': TOKEN_GUESSER } });
  // A ban on this project and one on another project.
  for (let i = 0; i < 5; i++) await bans.recordFailure(m.ref, KEY_GUESSER);
  for (let i = 0; i < 5; i++) await bans.recordFailure(OTHER_REF, ELSEWHERE);
  await poll(async () => ((await adminCall(PASSWORD_GUESSER)).status === 403 ? true : undefined), 'the admin ban', 5_000);
  await poll(async () => ((await managementCall(TOKEN_GUESSER)).status === 403 ? true : undefined), 'the management ban', 5_000);
}, 90_000);

afterAll(async () => {
  await bans.lift('admin', [PASSWORD_GUESSER]);
  await bans.lift('management', [TOKEN_GUESSER]);
  await bans.lift(OTHER_REF, [ELSEWHERE]);
  redis.disconnect();
});

describe("a project's network-bans endpoints", () => {
  test("retrieve lists the project's own bans only", async () => {
    const listed = await m.v1('POST', `/projects/${m.ref}/network-bans/retrieve`);
    expect(listed.status).toBe(201);
    expect(listed.json().banned_ipv4_addresses).toEqual([KEY_GUESSER]);
  });

  test('DELETE does not lift admin, management or other projects\' bans', async () => {
    const r = await m.v1('DELETE', `/projects/${m.ref}/network-bans`, { body: { ipv4_addresses: [PASSWORD_GUESSER, TOKEN_GUESSER, ELSEWHERE] } });
    expect(r.status).toBe(200);
    expect(await bans.list('admin')).toContain(PASSWORD_GUESSER);
    expect(await bans.list('management')).toContain(TOKEN_GUESSER);
    expect(await bans.list(OTHER_REF)).toContain(ELSEWHERE);
    // Still refused, even with the right credentials, each in its surface's envelope.
    const admin = await adminCall(PASSWORD_GUESSER);
    expect(admin.status).toBe(403);
    expect(await admin.json()).toEqual({
      error: 'IP_BANNED',
      message: 'Too many failed admin logins from this address; it is blocked for a while (AUTH_BAN_DURATION_SECONDS)',
      statusCode: 403,
      nextActions: 'Wait for the ban to expire (AUTH_BAN_DURATION_SECONDS), or have an admin lift it with DELETE /api/bans from another address',
    });
    const management = await managementCall(TOKEN_GUESSER);
    expect(management.status).toBe(403);
    expect(await management.json()).toEqual({ message: 'Too many failed authentication attempts from this address; try again later' });
    // The password guesser's own token, from the banned address, with requester_ip: the admin ban stays.
    const own = await m.v1('DELETE', `/projects/${m.ref}/network-bans`, { body: { requester_ip: true }, headers: { 'X-Forwarded-For': PASSWORD_GUESSER } });
    expect(own.status).toBe(200);
    expect(await bans.list('admin')).toContain(PASSWORD_GUESSER);
    expect((await adminCall(PASSWORD_GUESSER)).status).toBe(403);
  });

  test("DELETE still lifts the project's own ban", async () => {
    const r = await m.v1('DELETE', `/projects/${m.ref}/network-bans`, { body: { ipv4_addresses: [KEY_GUESSER] } });
    expect(r.status).toBe(200);
    expect(await bans.list(m.ref)).not.toContain(KEY_GUESSER);
    expect((await m.v1('POST', `/projects/${m.ref}/network-bans/retrieve`)).json().banned_ipv4_addresses).toEqual([]);
  });
});

describe('GET/DELETE /api/bans (admin credentials only)', () => {
  test('refuses a personal access token and no credentials; a guessed token is no admin login either', async () => {
    for (const method of ['GET', 'DELETE']) {
      const body = method === 'DELETE' ? { ipv4_addresses: [PASSWORD_GUESSER] } : undefined;
      const nextActions = 'Send admin credentials: Basic auth with ADMIN_USER/ADMIN_PASSWORD, or a service_role JWT';
      const pat = await adminBans(method, body, `Bearer ${m.token}`);
      expect(pat.status, method).toBe(401);
      expect(await pat.json(), method).toEqual({ error: 'UNAUTHORIZED', message: 'Invalid or expired token', statusCode: 401, nextActions });
      const none = await adminBans(method, body, null);
      expect(none.status, method).toBe(401);
      expect(await none.json(), method).toEqual({ error: 'UNAUTHORIZED', message: 'Admin authentication required', statusCode: 401, nextActions });
    }
    expect(await bans.list('admin')).toContain(PASSWORD_GUESSER);
  });

  test('lists the admin and management bans with their end', async () => {
    const r = await adminBans('GET');
    expect(r.status).toBe(200);
    const list = (await r.json()) as Array<{ scope: string; ip: string; until: string }>;
    const admin = list.find((b) => b.ip === PASSWORD_GUESSER);
    expect(admin).toMatchObject({ scope: 'admin' });
    expect(new Date(admin!.until).getTime()).toBeGreaterThan(Date.now());
    expect(list.find((b) => b.ip === TOKEN_GUESSER)).toMatchObject({ scope: 'management' });
    // Project scopes are the projects' own business.
    expect(list.map((b) => b.scope).every((s) => s === 'admin' || s === 'management')).toBe(true);
  });

  test('validates the body: 400 in the /api envelope', async () => {
    for (const body of [{}, { ipv4_addresses: ['not-an-ip'] }, { ipv4_addresses: '1.2.3.4' }, { ipv4_addresses: ['1.2.3.4'], scopes: [OTHER_REF] }, { ipv4_addresses: ['1.2.3.4'], scopes: [] }, []]) {
      const r = await adminBans('DELETE', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(await r.json()).toMatchObject({ error: 'VALIDATION_ERROR', statusCode: 400 });
    }
  });

  test('scopes narrow the lift; the admin lifts both server-wide bans', async () => {
    const onlyManagement = await adminBans('DELETE', { ipv4_addresses: [PASSWORD_GUESSER, TOKEN_GUESSER], scopes: ['management'] });
    expect(onlyManagement.status).toBe(200);
    expect(await bans.list('admin')).toContain(PASSWORD_GUESSER);
    expect(await bans.list('management')).not.toContain(TOKEN_GUESSER);
    expect((await managementCall(TOKEN_GUESSER)).status).toBe(200);

    const all = await adminBans('DELETE', { ipv4_addresses: [PASSWORD_GUESSER] });
    expect(all.status).toBe(200);
    expect(await all.json()).toEqual({ lifted: [PASSWORD_GUESSER], scopes: ['admin', 'management'] });
    expect((await adminCall(PASSWORD_GUESSER)).status).toBe(200);
    // Another project's ban is not the admin endpoint's to lift.
    expect(await bans.list(OTHER_REF)).toContain(ELSEWHERE);
  });
});
