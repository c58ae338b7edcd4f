import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { db } from '../support/env.ts';
import { JSON_CT, type Reply } from '../support/http.ts';
import { createTokenAndProject, type ManagementCaller } from '../support/management.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** A /v1 error: the status and exactly {message}. */
const expectV1Error = (r: Reply, status: number, message: string, label = '') => {
  expect(r.status, label).toBe(status);
  expect(r.headers.get('content-type'), label).toBe(JSON_CT);
  expect(r.json(), label).toEqual({ message });
};

let m: ManagementCaller;
beforeAll(async () => {
  m = await createTokenAndProject();
});

describe('secrets', () => {
  test('bulk create → 201; list shows SHA-256 of the value, never the plaintext; upsert replaces', async () => {
    const created = await m.v1('POST', `/projects/${m.ref}/secrets`, { body: [{ name: 'STRIPE_KEY', value: 'sk_test_123' }, { name: 'my_var', value: '' }] });
    expect(created.status).toBe(201);
    expect(created.text).toBe('');
    let list = await m.v1('GET', `/projects/${m.ref}/secrets`);
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toBe(JSON_CT);
    expect(list.json()).toEqual([
      { name: 'STRIPE_KEY', value: sha('sk_test_123'), updated_at: expect.stringMatching(ISO) },
      { name: 'my_var', value: sha(''), updated_at: expect.stringMatching(ISO) },
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
    expectV1Error(r, 400, 'Secret name SUPABASE_URL is reserved: names must not start with the SUPABASE_ prefix');
    const names = (await m.v1('GET', `/projects/${m.ref}/secrets`)).json().map((s: { name: string }) => s.name);
    expect(names).not.toContain('OK_ONE');
    expect(names).not.toContain('SUPABASE_URL');
  });

  test('bad names and bodies → 400 with a message', async () => {
    const cases: [unknown, string][] = [
      [[{ name: '1ABC', value: 'x' }], 'Secret name 1ABC is invalid: use letters, digits and underscores, not starting with a digit'],
      [[{ name: 'A-B', value: 'x' }], 'Secret name A-B is invalid: use letters, digits and underscores, not starting with a digit'],
      [[{ name: 'A', value: 5 }], 'Secret A: value must be a string'],
      [{ name: 'A', value: 'x' }, 'Expected a JSON array of {name, value} objects'],
      [[], 'Expected at least one secret'],
      [['A'], 'Secret 0: expected an object {name, value}'],
    ];
    for (const [body, message] of cases) {
      expectV1Error(await m.v1('POST', `/projects/${m.ref}/secrets`, { body }), 400, message, JSON.stringify(body));
    }
    const notJson = await m.v1('POST', `/projects/${m.ref}/secrets`, { raw: '[{', headers: { 'Content-Type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect(notJson.json()).toEqual({ message: expect.stringMatching(/^Invalid JSON in the request body: /) });
  });

  test('a value of 24,576 characters is accepted; 24,577 → 400', async () => {
    expect((await m.v1('POST', `/projects/${m.ref}/secrets`, { body: [{ name: 'BIG', value: 'x'.repeat(24_576) }] })).status).toBe(201);
    const r = await m.v1('POST', `/projects/${m.ref}/secrets`, { body: [{ name: 'TOO_BIG', value: 'x'.repeat(24_577) }] });
    expectV1Error(r, 400, 'Secret TOO_BIG: value is longer than 24576 characters');
    const names = (await m.v1('GET', `/projects/${m.ref}/secrets`)).json();
    expect(names.find((s: { name: string }) => s.name === 'BIG')?.value).toBe(sha('x'.repeat(24_576)));
    expect(names.map((s: { name: string }) => s.name)).not.toContain('TOO_BIG');
  });

  test('bulk delete by name → 200; deleted names are gone', async () => {
    await m.v1('POST', `/projects/${m.ref}/secrets`, { body: [{ name: 'DEL_A', value: 'a' }, { name: 'DEL_B', value: 'b' }, { name: 'KEEP_C', value: 'c' }] });
    const r = await m.v1('DELETE', `/projects/${m.ref}/secrets`, { body: ['DEL_A', 'DEL_B', 'NEVER_EXISTED'] });
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({});
    const names = (await m.v1('GET', `/projects/${m.ref}/secrets`)).json().map((s: { name: string }) => s.name);
    expect(names).not.toContain('DEL_A');
    expect(names).not.toContain('DEL_B');
    expect(names).toContain('KEEP_C');
    expectV1Error(await m.v1('DELETE', `/projects/${m.ref}/secrets`, { body: { names: ['KEEP_C'] } }), 400, 'Expected a JSON array of secret names');
  });

  test('a project holds at most 100 secrets: the 101st → 400; replacing an existing one still works', async () => {
    const other = await createTokenAndProject();
    const hundred = Array.from({ length: 100 }, (_, i) => ({ name: `S_${i}`, value: `v${i}` }));
    expect((await other.v1('POST', `/projects/${other.ref}/secrets`, { body: hundred })).status).toBe(201);
    const r = await other.v1('POST', `/projects/${other.ref}/secrets`, { body: [{ name: 'S_100', value: 'one too many' }] });
    expectV1Error(r, 400, 'A project can have at most 100 secrets; this request would make 101');
    expect((await other.v1('POST', `/projects/${other.ref}/secrets`, { body: [{ name: 'S_5', value: 'replaced' }] })).status).toBe(201);
    const list = (await other.v1('GET', `/projects/${other.ref}/secrets`)).json();
    expect(list).toHaveLength(100);
    expect(list.find((s: { name: string }) => s.name === 'S_5').value).toBe(sha('replaced'));
    expect(list.map((s: { name: string }) => s.name)).not.toContain('S_100');
  });

  test("another token's project → 404; no token → 401", async () => {
    const other = await createTokenAndProject();
    expectV1Error(await other.v1('GET', `/projects/${m.ref}/secrets`), 404, 'Project not found');
    expectV1Error(await other.v1('POST', `/projects/${m.ref}/secrets`, { body: [{ name: 'INTRUDER', value: 'x' }] }), 404, 'Project not found');
    expectV1Error(await m.v1('GET', `/projects/${m.ref}/secrets`, { token: null }), 401, 'Unauthorized');
    expect((await m.v1('GET', `/projects/${m.ref}/secrets`)).json().map((s: { name: string }) => s.name)).not.toContain('INTRUDER');
  });
});
