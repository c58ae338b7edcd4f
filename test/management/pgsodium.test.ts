import { beforeAll, describe, expect, test } from 'vitest';
import { db } from '../support/env.ts';
import { createTokenAndProject, type ManagementCaller } from '../support/management.ts';

const MESSAGE = 'Expected a 32 byte secret, hex-encoded (64 characters).';
let m: ManagementCaller;
beforeAll(async () => {
  m = await createTokenAndProject();
});

describe('pgsodium', () => {
  test('GET before any PUT answers a stable 64-hex root key', async () => {
    const a = await m.v1('GET', `/projects/${m.ref}/pgsodium`);
    expect(a.status).toBe(200);
    expect(a.json().root_key).toMatch(/^[0-9a-f]{64}$/);
    expect((await m.v1('GET', `/projects/${m.ref}/pgsodium`)).json().root_key).toBe(a.json().root_key);
  });

  test('PUT {root_key} stores it (encrypted); GET returns it', async () => {
    const key = 'AB'.repeat(32);
    const put = await m.v1('PUT', `/projects/${m.ref}/pgsodium`, { body: { root_key: key } });
    expect(put.status).toBe(200);
    expect(put.json()).toEqual({ root_key: key.toLowerCase() });
    expect((await m.v1('GET', `/projects/${m.ref}/pgsodium`)).json()).toEqual({ root_key: key.toLowerCase() });
    const { rows } = await db().query('SELECT root_key_sealed FROM basalt.project_pgsodium WHERE project_ref = $1', [m.ref]);
    expect(rows[0].root_key_sealed).toMatch(/^v1\./);
    expect(rows[0].root_key_sealed.toLowerCase()).not.toContain('abab');
  });

  test('a malformed root key → 400 with the exact message; the stored key is unchanged', async () => {
    const before = (await m.v1('GET', `/projects/${m.ref}/pgsodium`)).json().root_key;
    for (const body of [{ root_key: 'ab'.repeat(31) }, { root_key: 'ab'.repeat(33) }, { root_key: 'zz'.repeat(32) }, { root_key: 42 }, {}, { root_key: ` ${'ab'.repeat(32)}` }]) {
      const r = await m.v1('PUT', `/projects/${m.ref}/pgsodium`, { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json()).toEqual({ message: MESSAGE });
    }
    expect((await m.v1('GET', `/projects/${m.ref}/pgsodium`)).json().root_key).toBe(before);
  });

  test('a bad ref → 400; an unknown one → 404', async () => {
    const bad = await m.v1('GET', '/projects/NOT-A-REF/pgsodium');
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ message: 'Invalid project ref: expected 20 lowercase letters' });
    const unknown = await m.v1('GET', `/projects/${'z'.repeat(20)}/pgsodium`);
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual({ message: 'Project not found' });
  });
});
