/**
 * Writes and privileges as PostgREST 12–14 answers them, on the `rest_rpc_parity` fixture
 * (test/fixtures/12_rest_rpc_parity.sql): a role with column-level grants or INSERT alone,
 * and no rights at all on Basalt's own schema, is served as PostgREST serves it; the singular
 * and max-affected checks roll back even under Prefer: tx=commit; `order` shapes
 * return=representation; Location names the new row's key; missing=default takes sequences.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { db, restUrl } from '../support/env.ts';
import { signHs256 } from '../support/keys.ts';
import { JSON_CT, sender, toReply, type Param } from '../support/http.ts';

const send = sender(restUrl, 'rest_rpc_parity');
const limited = { Authorization: `Bearer ${signHs256({ role: 'parity_limited' })}` };
const call = async (method: string, path: string, o: { params?: Param[]; body?: unknown; headers?: Record<string, string> } = {}) =>
  toReply(await send(method, path, o));
const rows = async (sql: string, params: unknown[] = []) => (await db().query(sql, params)).rows;

beforeAll(async () => {
  // The test API's DB_PRE_REQUEST lives in rest_write (created after this fixture): the hook, not Basalt, needs it.
  await db().query('GRANT USAGE ON SCHEMA rest_write TO parity_limited');
  // The role has nothing of Basalt's: no USAGE on its schema, so no helper function is reachable.
  const { rows: r } = await db().query("SELECT has_schema_privilege('parity_limited', 'basalt', 'USAGE') AS usage");
  expect(r[0].usage).toBe(false);
});

describe('a role with column-level grants', () => {
  it('reads the granted columns', async () => {
    const r = await call('GET', '/secrets', { params: [['select', 'id,name'], ['order', 'id']], headers: limited });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ id: 1, name: 'alpha' }, { id: 2, name: 'beta' }]);
  });

  it('gets 403 42501 for select=* as PostgreSQL words it', async () => {
    const r = await call('GET', '/secrets', { headers: limited });
    expect(r.status).toBe(403);
    expect(r.headers.get('proxy-status')).toBe('PostgREST; error=42501');
    expect(r.json()).toEqual({ code: '42501', details: null, hint: null, message: 'permission denied for table secrets' });
  });

  it('updates a granted column with return=minimal and with a representation of granted columns', async () => {
    const r = await call('PATCH', '/secrets', { params: [['id', 'eq.2']], body: { name: 'beta' }, headers: limited });
    expect(r.status, r.text).toBe(204);
    const rep = await call('PATCH', '/secrets', {
      params: [['id', 'eq.2'], ['select', 'id,name']],
      body: { name: 'beta' },
      headers: { ...limited, Prefer: 'return=representation' },
    });
    expect(rep.status, rep.text).toBe(200);
    expect(rep.json()).toEqual([{ id: 2, name: 'beta' }]);
  });

  it('works with a singular-object check (no helper function involved)', async () => {
    const r = await call('PATCH', '/secrets', {
      params: [['id', 'eq.1'], ['select', 'name']],
      body: { name: 'alpha' },
      headers: { ...limited, Prefer: 'return=representation', Accept: 'application/vnd.pgrst.object+json' },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual({ name: 'alpha' });
  });
});

describe('a role with INSERT only', () => {
  it('inserts with return=minimal: 201 and no body', async () => {
    const marker = `insert-only-${Date.now()}`;
    const r = await call('POST', '/inbox', { body: { body: marker }, headers: limited });
    expect(r.status, r.text).toBe(201);
    expect(r.text).toBe('');
    expect(r.headers.get('content-type')).toBeNull();
    expect(await rows('SELECT body FROM rest_rpc_parity.inbox WHERE body = $1', [marker])).toEqual([{ body: marker }]);
  });

  it('inserts in bulk with max-affected and handling=strict', async () => {
    const marker = `bulk-${Date.now()}`;
    const r = await call('POST', '/inbox', { body: [{ body: marker }, { body: marker }], headers: { ...limited, Prefer: 'return=minimal, count=exact' } });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('content-range')).toBe('*/2');
    expect((await rows('SELECT count(*)::int AS n FROM rest_rpc_parity.inbox WHERE body = $1', [marker]))[0].n).toBe(2);
  });

  it('is refused a representation with 403 42501, and nothing is inserted', async () => {
    const marker = `rep-${Date.now()}`;
    const r = await call('POST', '/inbox', { body: { body: marker }, headers: { ...limited, Prefer: 'return=representation' } });
    expect(r.status).toBe(403);
    expect(r.json()).toMatchObject({ code: '42501', message: 'permission denied for table inbox' });
    expect(await rows('SELECT body FROM rest_rpc_parity.inbox WHERE body = $1', [marker])).toEqual([]);
  });
});

describe('singular and max-affected checks roll back', () => {
  it('a PATCH answering 406 PGRST116 under Prefer: tx=commit changes nothing', async () => {
    await db().query("INSERT INTO rest_rpc_parity.items VALUES (1001, 'x', 1), (1002, 'x', 1) ON CONFLICT (id) DO UPDATE SET qty = 1");
    const r = await call('PATCH', '/items', {
      params: [['id', 'in.(1001,1002)']],
      body: { qty: 99 },
      headers: { Prefer: 'return=representation, tx=commit', Accept: 'application/vnd.pgrst.object+json' },
    });
    expect(r.status).toBe(406);
    expect(r.headers.get('proxy-status')).toBe('PostgREST; error=PGRST116');
    expect(r.json()).toEqual({ code: 'PGRST116', message: 'Cannot coerce the result to a single JSON object', details: 'The result contains 2 rows', hint: null });
    expect(await rows('SELECT qty FROM rest_rpc_parity.items WHERE id IN (1001, 1002)')).toEqual([{ qty: 1 }, { qty: 1 }]);
  });

  it('a DELETE past max-affected is 400 PGRST124 and deletes nothing, for a role without Basalt grants', async () => {
    await db().query("INSERT INTO rest_rpc_parity.items VALUES (1011, 'm', 1), (1012, 'm', 1) ON CONFLICT (id) DO NOTHING");
    const r = await call('DELETE', '/items', { params: [['id', 'in.(1011,1012)']], headers: { ...limited, Prefer: 'handling=strict, max-affected=1' } });
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ code: 'PGRST124', message: 'Query result exceeds max-affected preference constraint', details: 'The query affects 2 rows', hint: null });
    expect((await rows('SELECT count(*)::int AS n FROM rest_rpc_parity.items WHERE id IN (1011, 1012)'))[0].n).toBe(2);
  });
});

describe('order applies to return=representation', () => {
  it('on POST', async () => {
    const r = await call('POST', '/items', {
      params: [['order', 'id.desc'], ['select', 'id,name']],
      body: [{ id: 1021, name: 'a' }, { id: 1023, name: 'c' }, { id: 1022, name: 'b' }],
      headers: { Prefer: 'return=representation' },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json()).toEqual([{ id: 1023, name: 'c' }, { id: 1022, name: 'b' }, { id: 1021, name: 'a' }]);
  });

  it('on PATCH and DELETE', async () => {
    await db().query("INSERT INTO rest_rpc_parity.items VALUES (1031, 'p', 3), (1032, 'p', 1), (1033, 'p', 2) ON CONFLICT (id) DO NOTHING");
    const patch = await call('PATCH', '/items', {
      params: [['id', 'in.(1031,1032,1033)'], ['order', 'qty.asc'], ['select', 'id,qty']],
      body: { name: 'q' },
      headers: { Prefer: 'return=representation' },
    });
    expect(patch.status, patch.text).toBe(200);
    expect(patch.json()).toEqual([{ id: 1032, qty: 1 }, { id: 1033, qty: 2 }, { id: 1031, qty: 3 }]);
    const del = await call('DELETE', '/items', {
      params: [['id', 'in.(1031,1032,1033)'], ['order', 'id.desc'], ['select', 'id']],
      headers: { Prefer: 'return=representation' },
    });
    expect(del.status, del.text).toBe(200);
    expect(del.json()).toEqual([{ id: 1033 }, { id: 1032 }, { id: 1031 }]);
  });
});

describe('Location and missing=default', () => {
  it('return=headers-only names the new row by its key, even when select omits it', async () => {
    const r = await call('POST', '/items', { params: [['select', 'name']], body: { id: 1041, name: 'loc' }, headers: { Prefer: 'return=headers-only' } });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('location')).toBe('/items?id=eq.1041');
    expect(r.headers.get('content-type')).toBeNull();
    expect(r.headers.get('content-range')).toBe('*/*');
    expect(r.headers.get('preference-applied')).toBe('return=headers-only');
    expect(r.text).toBe('');
  });

  it('a generated key comes back in Location', async () => {
    const r = await call('POST', '/counters', { body: { label: 'gen' }, headers: { Prefer: 'return=headers-only' } });
    expect(r.status).toBe(201);
    const id = Number(/^\/counters\?id=eq\.(\d+)$/.exec(r.headers.get('location') ?? '')?.[1]);
    expect(await rows('SELECT label FROM rest_rpc_parity.counters WHERE id = $1', [id])).toEqual([{ label: 'gen' }]);
  });

  it('missing=default draws the sequence for each row lacking the key, and keeps the ones given', async () => {
    const r = await call('POST', '/counters', {
      params: [['columns', 'id,label,step'], ['select', 'id,label,step'], ['order', 'label']],
      body: [{ label: 'd1' }, { id: 5000, label: 'd2', step: 1 }, { label: 'd3' }],
      headers: { Prefer: 'return=representation, missing=default' },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.headers.get('preference-applied')).toBe('missing=default, return=representation');
    const [a, b, c] = r.json();
    expect(b).toEqual({ id: 5000, label: 'd2', step: 1 });
    expect(a.step).toBe(5);
    expect(c.id).toBe(a.id + 1);
  });
});
