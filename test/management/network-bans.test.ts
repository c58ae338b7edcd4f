import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adminAuth, apiUrl, redisUrl } from '../support/env.ts';
import { createTokenAndProject, projectSql, THINGS_SQL, type ManagementCaller } from '../support/management.ts';
import { AuthBans } from '../../src/shared/security/auth-bans.ts';
import { poll } from '../support/processes.ts';
import { parseConfig } from '../../src/shared/config.ts';
import { testEnv } from '../support/test-env.ts';
import { databaseUrl } from '../support/env.ts';

// Addresses from the documentation ranges, different per run so reruns against one Redis do not see old bans.
const octet = 1 + Math.floor(Math.random() * 250);
const ATTACKER = `203.0.113.${octet}`;
const TOKEN_GUESSER = `198.51.100.${octet}`;

let m: ManagementCaller;
let keys: { anon: string; service_role: string };
beforeAll(async () => {
  m = await createTokenAndProject();
  keys = await m.active();
  await projectSql(m.ref, THINGS_SQL);
}, 90_000);

const data = (key: string, from?: string) =>
  fetch(`${m.base}/project/${m.ref}/rest/v1/things?select=label`, { headers: { apikey: key, Authorization: `Bearer ${key}`, ...(from ? { 'X-Forwarded-For': from } : {}) } });

describe('network bans', () => {
  test('repeated bad keys against a project ban the address; retrieve (201) lists it; DELETE lifts it', async () => {
    const ok = await data(keys.anon, ATTACKER);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual([{ label: 'one' }]);
    for (let i = 0; i < 5; i++) expect((await data('not-a-valid-jwt', ATTACKER)).status).toBe(401);
    // The project router counts a refusal once its response has finished: give it a moment.
    await new Promise((r) => setTimeout(r, 200));
    // Banned now: even the right key is refused from that address, not from others.
    expect((await data(keys.anon, ATTACKER)).status).toBe(403);
    expect((await data(keys.anon, '203.0.113.254')).status).toBe(200);
    // Loopback (no X-Forwarded-For) is exempt in the test environment.
    expect((await data(keys.anon)).status).toBe(200);

    const listed = await m.v1('POST', `/projects/${m.ref}/network-bans/retrieve`);
    expect(listed.status).toBe(201);
    expect(listed.json().banned_ipv4_addresses).toContain(ATTACKER);

    const lifted = await m.v1('DELETE', `/projects/${m.ref}/network-bans`, { body: { ipv4_addresses: [ATTACKER] } });
    expect(lifted.status).toBe(200);
    expect((await m.v1('POST', `/projects/${m.ref}/network-bans/retrieve`)).json().banned_ipv4_addresses).not.toContain(ATTACKER);
    expect((await data(keys.anon, ATTACKER)).status).toBe(200);
  });

  test("another project's bans are not this project's", async () => {
    const other = await createTokenAndProject();
    expect((await other.v1('POST', `/projects/${other.ref}/network-bans/retrieve`)).json().banned_ipv4_addresses).not.toContain(`203.0.113.${octet}`);
  });

  test('failed Management API tokens ban too; that server-wide ban is not the project\'s to see or lift, the admin lifts it', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${m.base}/v1/organizations`, { headers: { Authorization: `Bearer sbp_${'0'.repeat(40)}`, 'X-Forwarded-For': TOKEN_GUESSER } });
      expect(r.status).toBe(401);
    }
    const good = () => fetch(`${m.base}/v1/organizations`, { headers: { Authorization: `Bearer ${m.token}`, 'X-Forwarded-For': TOKEN_GUESSER } });
    expect((await good()).status).toBe(403);
    expect((await m.v1('POST', `/projects/${m.ref}/network-bans/retrieve`)).json().banned_ipv4_addresses).not.toContain(TOKEN_GUESSER);
    expect((await m.v1('DELETE', `/projects/${m.ref}/network-bans`, { body: { ipv4_addresses: [TOKEN_GUESSER] } })).status).toBe(200);
    expect((await good()).status).toBe(403);
    const lifted = await fetch(`${m.base}/api/bans`, {
      method: 'DELETE',
      headers: { Authorization: adminAuth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ipv4_addresses: [TOKEN_GUESSER], scopes: ['management'] }),
    });
    expect(lifted.status).toBe(200);
    expect((await good()).status).toBe(200);
  });

  test('DELETE validates the addresses: bad → 400', async () => {
    for (const body of [{ ipv4_addresses: ['not-an-ip'] }, { ipv4_addresses: ['1.2.3'] }, { ipv4_addresses: '1.2.3.4' }, { ipv4_addresses: [] }, [], { ipv4_addresses: ['::1'] }]) {
      const r = await m.v1('DELETE', `/projects/${m.ref}/network-bans`, { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(typeof r.json().message).toBe('string');
    }
  });
});

describe('admin logins', () => {
  const redis = new Redis(redisUrl);
  const bans = new AuthBans(redis, parseConfig(testEnv({ databaseUrl, redisUrl, port: 1 })));
  afterAll(() => redis.disconnect());

  test('5 wrong passwords ban the address (403 before credentials are checked); the ban is listed and can be lifted', async () => {
    const wrong = 'Basic ' + Buffer.from('admin:wrong-password').toString('base64');
    const call = (auth: string) => fetch(`${apiUrl}/api/schemas`, { headers: { Authorization: auth, 'X-Forwarded-For': ATTACKER } });
    for (let i = 0; i < 5; i++) expect((await call(wrong)).status).toBe(401);
    await poll(async () => ((await call(adminAuth)).status === 403 ? true : undefined), 'the ban to take effect', 5_000);
    const refused = await call(adminAuth);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: 'IP_BANNED', statusCode: 403 });
    expect(await bans.list('admin')).toContain(ATTACKER);
    // Other addresses are not affected.
    expect((await fetch(`${apiUrl}/api/schemas`, { headers: { Authorization: adminAuth, 'X-Forwarded-For': TOKEN_GUESSER } })).status).toBe(200);
    await bans.lift('admin', [ATTACKER]);
    await poll(async () => ((await call(adminAuth)).status === 200 ? true : undefined), 'the lifted ban to clear', 5_000);
    // Missing credentials are not a guess and do not count.
    for (let i = 0; i < 6; i++) expect((await fetch(`${apiUrl}/api/schemas`, { headers: { 'X-Forwarded-For': ATTACKER } })).status).toBe(401);
    expect((await call(adminAuth)).status).toBe(200);
  });
});
