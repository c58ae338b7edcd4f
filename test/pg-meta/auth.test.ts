import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, serviceKey, anonKey } from '../support/keys.ts';
import { isolatedStack, type IsolatedStack } from '../support/isolated-stack.ts';
import { meta } from './support.ts';

const PATHS = ['/', '/schemas', '/tables', '/types', '/plugins', '/config', '/config/version', '/columns', '/functions', '/policies', '/triggers', '/roles', '/views', '/materialized-views', '/foreign-tables', '/indexes', '/publications', '/extensions', '/table-privileges', '/column-privileges'];

describe('auth (PG_META_AUTH on, the default)', () => {
  it('every route needs admin credentials: 401 with the { error } envelope', async () => {
    for (const path of [...PATHS, '/tables/1', '/tables/1/nothing']) {
      const r = await meta('GET', path, { auth: null });
      expect(r.status, path).toBe(401);
      expect(r.json(), path).toEqual({ error: 'Admin authentication required' });
      expect(r.headers.get('www-authenticate')).toMatch(/^Basic/);
    }
    const post = await meta('POST', '/schemas', { auth: null, body: { name: 'never_created' } });
    expect(post.status).toBe(401);
  });

  it('wrong credentials are refused; a non-service token is forbidden', async () => {
    const wrong = await meta('GET', '/schemas', { auth: 'Basic ' + Buffer.from('admin:nope').toString('base64') });
    expect(wrong.status).toBe(401);
    expect(wrong.json()).toEqual({ error: 'Invalid admin credentials' });
    const anon = await meta('GET', '/schemas', { auth: `Bearer ${anonKey}` });
    expect(anon.status).toBe(403);
    expect(anon.json()).toEqual({ error: 'A service_role token is required' });
  });

  it('service_role tokens are accepted', async () => {
    expect((await meta('GET', '/schemas', { auth: `Bearer ${serviceKey}` })).status).toBe(200);
    expect((await meta('GET', '/schemas', { auth: `Bearer ${await signToken({ role: 'service_role' })}` })).status).toBe(200);
  });

  it('unknown root paths still reach the app 404, not a 401', async () => {
    const r = await meta('GET', '/definitely-not-pg-meta', { auth: null });
    expect(r.status).toBe(404);
    expect(r.json()).toMatchObject({ error: 'NOT_FOUND', statusCode: 404 });
  });

  it('an unknown route under a pg-meta path is a pg-meta 404', async () => {
    const r = await meta('GET', '/tables/1/nothing');
    expect(r.status).toBe(404);
    expect(r.json()).toEqual({ error: 'Route GET:/tables/1/nothing not found' });
  });
});

describe('PG_META_AUTH=off', () => {
  let stack: IsolatedStack;
  beforeAll(async () => {
    stack = await isolatedStack('pgmetaoff', { PG_META_AUTH: 'off' });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('serves without credentials', async () => {
    const r = await meta('GET', '/schemas', { auth: null, base: stack.base, body: undefined });
    expect(r.status).toBe(200);
    expect(r.json().map((s: any) => s.name)).toContain('meta_fixture');
    expect((await meta('GET', '/config/version', { auth: null, base: stack.base })).status).toBe(200);
    // the rest of the server keeps its own auth
    expect((await meta('GET', '/api/jobs/x', { auth: null, base: stack.base })).status).toBe(401);
  });
});
