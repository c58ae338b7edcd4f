import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { redisUrl } from '../support/env.ts';
import { isolatedStack, type IsolatedStack } from '../support/isolated-stack.ts';
import { stopProcess, poll } from '../support/processes.ts';
import { createTokenAndProject, projectSql, THINGS_SQL, type ManagementCaller } from '../support/management.ts';

let m: ManagementCaller;
let anon: string;
let second: IsolatedStack | undefined;
const redis = new Redis(redisUrl);

beforeAll(async () => {
  m = await createTokenAndProject();
  anon = (await m.active()).anon;
  await projectSql(m.ref, THINGS_SQL);
}, 90_000);
afterAll(async () => {
  if (second) {
    await stopProcess(second.started[0]!, 'SIGTERM'); // a clean stop withdraws its acknowledgement
    await second.stop();
  }
  redis.disconnect();
});

/** A refusal by the project's network restrictions: 403 in the data API's envelope, naming the address. */
async function expectRestricted(res: Response, address: string) {
  expect(res.status, address).toBe(403);
  expect(await res.json(), address).toEqual({ code: 'NETWORK_RESTRICTED', message: `Address ${address} is not allowed by this project's network restrictions`, details: null, hint: null });
}
const things = (base: string, from?: string) =>
  fetch(`${base}/project/${m.ref}/rest/v1/things?select=label`, { headers: { apikey: anon, ...(from ? { 'X-Forwarded-For': from } : {}) } });
const path = () => `/projects/${m.ref}/network-restrictions`;
const applied = () => poll(async () => ((await m.v1('GET', path())).json().status === 'applied' ? true : undefined), 'status applied', 20_000, 100);

describe('network restrictions', () => {
  test('default: unrestricted, 0.0.0.0/0 and ::/0, applied', async () => {
    const r = await m.v1('GET', path());
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ entitlement: 'allowed', config: { dbAllowedCidrs: ['0.0.0.0/0'], dbAllowedCidrsV6: ['::/0'] }, status: 'applied' });
    expect((await things(m.base, '198.51.100.20')).status).toBe(200);
  });

  test('apply validates every CIDR: bad → 400 naming each, and nothing changes', async () => {
    const bad = await m.v1('POST', `${path()}/apply`, { body: { dbAllowedCidrs: ['10.0.0.0/8', '10.0.0.0/33', 'banana'], dbAllowedCidrsV6: ['fe80::/10', '::1/129'] } });
    expect(bad.status).toBe(400);
    expect(bad.json().message).toContain('10.0.0.0/33');
    expect(bad.json().message).toContain('banana');
    const v6InV4 = await m.v1('POST', `${path()}/apply`, { body: { dbAllowedCidrs: ['2001:db8::/32'] } });
    expect(v6InV4.status).toBe(400);
    expect(v6InV4.json().message).toContain('2001:db8::/32');
    const notArray = await m.v1('POST', `${path()}/apply`, { body: { dbAllowedCidrs: '10.0.0.0/8' } });
    expect(notArray.status).toBe(400);
    expect(notArray.json()).toEqual({ message: 'dbAllowedCidrs must be an array of CIDRs' });
    const notObject = await m.v1('POST', `${path()}/apply`, { body: [] });
    expect(notObject.status).toBe(400);
    expect(notObject.json()).toEqual({ message: 'Expected a JSON object {"dbAllowedCidrs": [...], "dbAllowedCidrsV6": [...]}' });
    expect((await m.v1('GET', path())).json().config.dbAllowedCidrs).toEqual(['0.0.0.0/0']);
  });

  test('an applied restriction refuses a request from outside it (403) and serves one inside it; status stored → applied', async () => {
    // A live instance that has not acknowledged anything yet keeps the status at `stored`.
    await redis.hset('basalt:netrestrict:seen', 'test-laggard', Date.now());
    try {
      const r = await m.v1('POST', `${path()}/apply`, { body: { dbAllowedCidrs: ['203.0.113.0/24', '192.0.2.10/32'], dbAllowedCidrsV6: ['2001:db8::/32'] } });
      expect(r.status).toBe(201);
      expect(r.json()).toMatchObject({ entitlement: 'allowed', config: { dbAllowedCidrs: ['203.0.113.0/24', '192.0.2.10/32'], dbAllowedCidrsV6: ['2001:db8::/32'] }, status: 'stored' });
      expect(r.json().old_config).toEqual({ dbAllowedCidrs: ['0.0.0.0/0'], dbAllowedCidrsV6: ['::/0'] });
      await new Promise((res) => setTimeout(res, 300));
      expect((await m.v1('GET', path())).json().status).toBe('stored');
    } finally {
      await redis.hdel('basalt:netrestrict:seen', 'test-laggard');
    }
    await applied();
    const g = (await m.v1('GET', path())).json();
    expect(g).toEqual({ entitlement: 'allowed', config: { dbAllowedCidrs: ['203.0.113.0/24', '192.0.2.10/32'], dbAllowedCidrsV6: ['2001:db8::/32'] }, status: 'applied' });

    await expectRestricted(await things(m.base, '198.51.100.20'), '198.51.100.20');
    await expectRestricted(await things(m.base, '192.0.2.11'), '192.0.2.11');
    await expectRestricted(await things(m.base), '127.0.0.1'); // loopback itself is outside too
    await expectRestricted(await things(m.base, '2001:db9::1'), '2001:db9::1');
    const inside = await things(m.base, '203.0.113.77');
    expect(inside.status).toBe(200);
    expect(await inside.json()).toEqual([{ label: 'one' }]);
    expect((await things(m.base, '192.0.2.10')).status).toBe(200);
    expect((await things(m.base, '::ffff:203.0.113.5')).status).toBe(200);
    expect((await things(m.base, '2001:db8::42')).status).toBe(200);
    // X-Forwarded-For is believed only from trusted proxies: the right-most untrusted hop counts.
    await expectRestricted(await things(m.base, '203.0.113.1, 198.51.100.20'), '198.51.100.20');
    expect((await things(m.base, '198.51.100.20, 203.0.113.1')).status).toBe(200);
    // The Management API itself is not restricted.
    expect((await m.v1('GET', path())).status).toBe(200);
  });

  test('every API instance enforces it: a second instance refuses and serves the same way', async () => {
    second = await isolatedStack('netr', { QUEUE_PREFIX: 'basalt' });
    await expectRestricted(await things(second.base, '198.51.100.20'), '198.51.100.20');
    expect((await things(second.base, '203.0.113.9')).status).toBe(200);
    // A new apply reaches the running second instance through Redis and is acknowledged by both.
    expect((await m.v1('POST', `${path()}/apply`, { body: { dbAllowedCidrs: ['198.51.100.0/24'] } })).status).toBe(201);
    await applied();
    expect((await things(second.base, '198.51.100.20')).status).toBe(200);
    await expectRestricted(await things(second.base, '203.0.113.9'), '203.0.113.9');
    await expectRestricted(await things(second.base, '2001:db8::42'), '2001:db8::42'); // IPv4-only list: IPv6 refused
  }, 60_000);

  test('applying empty lists lifts the restriction', async () => {
    expect((await m.v1('POST', `${path()}/apply`, { body: { dbAllowedCidrs: [], dbAllowedCidrsV6: [] } })).status).toBe(201);
    await applied();
    expect((await things(m.base, '203.0.113.9')).status).toBe(200);
    expect((await things(m.base)).status).toBe(200);
  });
});
