import { describe, expect, test } from 'vitest';
import { redisUrl } from '../support/env.ts';
import { createToken, createTokenAndProject } from '../support/management.ts';
import { apiUrl } from '../support/env.ts';
import { Redis } from 'ioredis';

describe('Management API rate limits', () => {
  test('120 per minute per token: headers on every response, then 429 {message} with Retry-After; other tokens unaffected', async () => {
    const m = await createTokenAndProject(); // 2 requests already (organization, project)
    const first = await m.v1('GET', '/organizations');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('120');
    expect(Number(first.headers.get('x-ratelimit-remaining'))).toBe(117);
    const reset = Number(first.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThan(0);
    expect(reset).toBeLessThanOrEqual(60);

    const rest = await Promise.all(Array.from({ length: 117 }, () => m.v1('GET', '/organizations')));
    expect(rest.every((r) => r.status === 200)).toBe(true);
    expect(Math.min(...rest.map((r) => Number(r.headers.get('x-ratelimit-remaining'))))).toBe(0);

    const limited = await m.v1('GET', `/projects/${m.ref}`);
    expect(limited.status).toBe(429);
    expect(limited.json()).toEqual({ message: expect.stringMatching(/120/) });
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    // Counted per token: a fresh token still gets through.
    const other = await createToken();
    const ok = await fetch(`${apiUrl}/v1/organizations`, { headers: { Authorization: `Bearer ${other.token}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('119');
  });

  test('the counters live in Redis under the queue prefix (so limits hold across instances)', async () => {
    const t = await createToken();
    await fetch(`${apiUrl}/v1/organizations`, { headers: { Authorization: `Bearer ${t.token}` } });
    const redis = new Redis(redisUrl);
    try {
      expect(Number(await redis.get(`basalt:rl:mgmt:t:${t.id}`))).toBe(1);
    } finally {
      redis.disconnect();
    }
  });

  test('custom-hostname initialize, reverify and delete: 10 per minute', async () => {
    const m = await createTokenAndProject();
    const calls = [
      ...Array.from({ length: 4 }, () => () => m.v1('POST', `/projects/${m.ref}/custom-hostname/initialize`, { body: { custom_hostname: 'rl.example.org' } })),
      ...Array.from({ length: 3 }, () => () => m.v1('POST', `/projects/${m.ref}/custom-hostname/reverify`)),
      ...Array.from({ length: 3 }, () => () => m.v1('DELETE', `/projects/${m.ref}/custom-hostname`)),
    ];
    for (const [i, call] of calls.entries()) {
      const r = await call();
      expect(r.status, r.text).toBeLessThan(429);
      expect(r.headers.get('x-ratelimit-limit')).toBe('10');
      expect(r.headers.get('x-ratelimit-remaining')).toBe(String(9 - i));
    }
    const limited = await m.v1('POST', `/projects/${m.ref}/custom-hostname/initialize`, { body: { custom_hostname: 'rl.example.org' } });
    expect(limited.status).toBe(429);
    expect(limited.json().message).toMatch(/10 per minute/);
    // GET is only under the general limit.
    const get = await m.v1('GET', `/projects/${m.ref}/custom-hostname`);
    expect(get.status).toBe(200);
    expect(get.headers.get('x-ratelimit-limit')).toBe('120');
  });
});
