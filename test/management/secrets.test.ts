import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { db } from '../support/env.ts';
import { createTokenAndProject, type ManagementCaller } from '../support/management.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

let m: ManagementCaller;
beforeAll(async () => {
  m = await createTokenAndProject();
});

describe('secrets', () => {
  test('bulk create → 201; list shows SHA-256 of the value, never the plaintext; upsert replaces', async () => {
    const created = await m.v1('POST', `/projects/${m.ref}/secrets`, { body: [{ name: 'STRIPE_KEY', value: 'sk_test_123' }, { name: 'my_var', value: '' }] });
    expect(created.status).toBe(201);
    let list = await m.v1('GET', `/projects/${m.ref}/secrets`);
    expect(list.status).toBe(200);
    expect(list.json().map((s: { name: string; value: string }) => [s.name, s.value])).toEqual([
      ['STRIPE_KEY', sha('sk_test_123')],
      ['my_var', sha('')],
    ]);
    expect(list.text).not.toContain('sk_test_123');

    expect((await m.v1('POST', `/projects/${m.ref}/secrets`, { body: [{ name: 'STRIPE_KEY', value: 'sk_live_456' }] })).status).toBe(201);
    list = await m.v1('GET', `/projects/${m.ref}/secrets`);
    expect(list.json().find((s: { name: string }) => s.name === 'STRIPE_KEY').value).toBe(sha('sk_live_456'));
  });

  test('values are encrypted at rest', async () => {
    await m.v1('POST', `/projects/${m.ref}/secrets`, { body: [{ name: 'AT_REST', value: 'plain-text-that-must-not-be-stored' }] });
    const { rows } = await db().query('SELECT value_sealed FROM basalt.project_secrets WHERE project_ref = $1 AND name = $2', [m.ref, 'AT_REST']);
    expect(rows).toHaveLength(1);
    expect(rows[0].value_sealed).toMatch(/^v1\./);
    expect(rows[0].value_sealed).not.toContain('plain-text');
    expect(Buffer.from(rows[0].value_sealed.slice(3), 'base64url').toString('latin1')).not.toContain('plain-text');
  });

  test('a name starting with SUPABASE_ → 400, and nothing of the request is stored', async () => {
    const r = await m.v1('POST', `/projects/${m.ref}/secrets`, { body: [{ name: 'OK_ONE', value: 'x' }, { name: 'SUPABASE_URL', value: 'x' }] });
    expect(r.status).toBe(400);
    expect(r.json().message).toMatch(/SUPABASE_/);
    const names = (await m.v1('GET', `/projects/${m.ref}/secrets`)).json().map((s: { name: string }) => s.name);
    expect(names).not.toContain('OK_ONE');
    expect(names).not.toContain('SUPABASE_URL');
  });

  test('bad names and bodies → 400 with a message', async () => {
    for (const body of [[{ name: '1ABC', value: 'x' }], [{ name: 'A-B', value: 'x' }], [{ name: 'A', value: 5 }], { name: 'A', value: 'x' }, [], ['A']]) {
      const r = await m.v1('POST', `/projects/${m.ref}/secrets`, { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(typeof r.json().message).toBe('string');
    }
    const notJson = await m.v1('POST', `/projects/${m.ref}/secrets`, { raw: '[{', headers: { 'Content-Type': 'application/json' } });
    expect(notJson.status).toBe(400);
  });

  test('a value of 24,576 characters is accepted; 24,577 → 400', async () => {
    expect((await m.v1('POST', `/projects/${m.ref}/secrets`, { body: [{ name: 'BIG', value: 'x'.repeat(24_576) }] })).status).toBe(201);
    const r = await m.v1('POST', `/projects/${m.ref}/secrets`, { body: [{ name: 'TOO_BIG', value: 'x'.repeat(24_577) }] });
    expect(r.status).toBe(400);
    expect(r.json().message).toMatch(/24576/);
  });

  test('bulk delete by name → 200; deleted names are gone', async () => {
    await m.v1('POST', `/projects/${m.ref}/secrets`, { body: [{ name: 'DEL_A', value: 'a' }, { name: 'DEL_B', value: 'b' }, { name: 'KEEP_C', value: 'c' }] });
    const r = await m.v1('DELETE', `/projects/${m.ref}/secrets`, { body: ['DEL_A', 'DEL_B', 'NEVER_EXISTED'] });
    expect(r.status).toBe(200);
    const names = (await m.v1('GET', `/projects/${m.ref}/secrets`)).json().map((s: { name: string }) => s.name);
    expect(names).not.toContain('DEL_A');
    expect(names).not.toContain('DEL_B');
    expect(names).toContain('KEEP_C');
    expect((await m.v1('DELETE', `/projects/${m.ref}/secrets`, { body: { names: ['KEEP_C'] } })).status).toBe(400);
  });

  test('a project holds at most 100 secrets: the 101st → 400; replacing an existing one still works', async () => {
    const other = await createTokenAndProject();
    const hundred = Array.from({ length: 100 }, (_, i) => ({ name: `S_${i}`, value: `v${i}` }));
    expect((await other.v1('POST', `/projects/${other.ref}/secrets`, { body: hundred })).status).toBe(201);
    const r = await other.v1('POST', `/projects/${other.ref}/secrets`, { body: [{ name: 'S_100', value: 'one too many' }] });
    expect(r.status).toBe(400);
    expect(r.json().message).toMatch(/100/);
    expect((await other.v1('POST', `/projects/${other.ref}/secrets`, { body: [{ name: 'S_5', value: 'replaced' }] })).status).toBe(201);
    expect((await other.v1('GET', `/projects/${other.ref}/secrets`)).json()).toHaveLength(100);
  });

  test("another token's project → 404; no token → 401", async () => {
    const other = await createTokenAndProject();
    expect((await other.v1('GET', `/projects/${m.ref}/secrets`)).status).toBe(404);
    expect((await m.v1('GET', `/projects/${m.ref}/secrets`, { token: null })).status).toBe(401);
  });
});
