import { describe, expect, it } from 'vitest';
import { apiUrl } from '../support/env.ts';

describe('GET /api/health', () => {
  it('answers 200 with the seed shape when PostgreSQL and Redis answer', async () => {
    const res = await fetch(`${apiUrl}/api/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.status).toBe('ok');
    expect(new Date(body.timestamp).toString()).not.toBe('Invalid Date');
    expect(body.checks).toEqual({ database: 'ok', redis: 'ok' });
  });

  it('echoes a request id, or makes one', async () => {
    const given = await fetch(`${apiUrl}/api/health`, { headers: { 'X-Request-Id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await fetch(`${apiUrl}/api/health`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown /api route with a 404 in the /api envelope', async () => {
    const res = await fetch(`${apiUrl}/api/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'NOT_FOUND', statusCode: 404 });
  });
});
