/**
 * /rest/v1/rpc/<function> (PostgREST 12–14 semantics) against the functions of the
 * `rest_write` fixture (test/fixtures/20_rest_write.sql): argument passing (JSON,
 * query string, form), overload resolution and its errors, result shapes (scalar,
 * set of rows, table, void, binary), select/filter/order/limit/count/embedding on
 * set-returning functions, singular responses, volatility, RAISE mapping and the
 * response.headers / response.status settings. Raw `fetch` where the exact request
 * matters; `supabase.rpc()` for what clients do.
 *
 * Set-returning functions read projects 1–5 of clients 3 and 4, which no test changes.
 */
import { describe, expect, it } from 'vitest';
import { createClient } from '@supabase/supabase-js';
import { apiUrl, db, restUrl } from '../support/env.ts';
import { anonKey, supabaseTestOptions } from '../support/keys.ts';
import { JSON_CT, sender, type Json, type Param, type SendOptions } from '../support/http.ts';

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  bytes: Uint8Array;
  json: () => Json;
}

const OBJECT = 'application/vnd.pgrst.object+json';

const supabase = createClient(apiUrl, anonKey, { ...supabaseTestOptions, db: { schema: 'rest_write' } });

type CallOptions = SendOptions;
const send = sender(restUrl, 'rest_write');

/** Like the shared sender, keeping the raw bytes too (binary results). */
async function call(method: string, fn: string, o: CallOptions = {}): Promise<Reply> {
  const res = await send(method, `/rpc/${fn}`, o);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  return { status: res.status, headers: res.headers, text, bytes, json: () => JSON.parse(text) };
}

const post = (fn: string, body: unknown = {}, o: Omit<CallOptions, 'body'> = {}) => call('POST', fn, { ...o, body });
const get = (fn: string, params: Param[] = [], headers: Record<string, string> = {}) => call('GET', fn, { params, headers });

describe('calling a function', () => {
  it('POST passes named arguments from a JSON object and answers a scalar as bare JSON', async () => {
    const r = await post('add_them', { a: 2, b: 3 });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.text).toBe('5');
  });

  it('GET passes arguments in the query string for an IMMUTABLE or STABLE function', async () => {
    const r = await get('add_them', [['a', '40'], ['b', '2']]);
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.json()).toBe(42);
  });

  it('HEAD answers like GET without a body', async () => {
    const r = await call('HEAD', 'add_them', { params: [['a', '1'], ['b', '1']] });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.text).toBe('');
  });

  it('counts a scalar result as one row with Prefer: count=exact', async () => {
    const r = await get('add_them', [['a', '3'], ['b', '4']], { Prefer: 'count=exact' });
    expect(r.status, r.text).toBe(200);
    expect(r.text).toBe('7');
    expect(r.headers.get('content-range')).toBe('0-0/1');
  });

  it('passes arguments from an application/x-www-form-urlencoded body', async () => {
    const r = await call('POST', 'add_them', { raw: 'a=10&b=5', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toBe(15);
  });

  it('lets arguments with defaults be omitted', async () => {
    expect((await post('with_defaults', { a: 1 })).json()).toBe('1/10/dflt');
    expect((await post('with_defaults', { a: 1, c: 'given' })).json()).toBe('1/10/given');
    expect((await get('with_defaults', [['a', '2'], ['b', '3']])).json()).toBe('2/3/dflt');
  });

  it('chooses among overloads by the names of the arguments given', async () => {
    const byInt = await post('overloaded', { a: 7 });
    expect(byInt.status, byInt.text).toBe(200);
    expect(byInt.json()).toBe('int 7');
    expect((await post('overloaded', { b: 'hi' })).json()).toBe('text hi');
    expect((await get('overloaded', [['b', 'yo']])).json()).toBe('text yo');
  });

  it('passes the whole body to a function with a single unnamed jsonb parameter', async () => {
    const payload = { nested: { a: [1, 2, 3] }, flag: true, name: 'anything' };
    const r = await post('echo_body', payload);
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual(payload);
  });

  it('VARIADIC takes an array in a POST body', async () => {
    const r = await post('variadic_words', { words: ['alpha', 'beta', 'gamma'] });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('VARIADIC takes repeated parameters in a GET, and its default when there is none', async () => {
    expect((await get('variadic_words', [['words', 'one'], ['words', 'two']])).json()).toEqual(['one', 'two']);
    expect((await get('variadic_words', [['words', 'solo']])).json()).toEqual(['solo']);
    expect((await get('variadic_words')).json()).toEqual([]);
  });

  it('a void function answers 204 with no body and no Content-Type', async () => {
    const r = await post('noop');
    expect(r.status, r.text).toBe(204);
    expect(r.text).toBe('');
    expect(r.headers.get('content-type')).toBeNull();
  });

  it('treats an empty POST body as no arguments', async () => {
    const r = await call('POST', 'noop', { raw: '' });
    expect(r.status, r.text).toBe(204);
  });

  it('an argument of the wrong type is PostgreSQL 22P02 with status 400', async () => {
    const r = await post('add_them', { a: 'x', b: 1 });
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toEqual({ code: '22P02', message: 'invalid input syntax for type integer: "x"', details: null, hint: null });
  });

  it('looks the function up in the schema of the profile', async () => {
    const r = await call('POST', 'add_them', { body: { a: 1, b: 2 }, profile: null });
    expect(r.status, r.text).toBe(404);
    expect(r.json()).toMatchObject({ code: 'PGRST202', message: 'Could not find the function public.add_them(a, b) in the schema cache' });
  });

  it('refuses methods other than GET, HEAD and POST with 405 PGRST101', async () => {
    const r = await call('DELETE', 'add_them');
    expect(r.status, r.text).toBe(405);
    expect(r.json()).toEqual({ code: 'PGRST101', message: 'Cannot use the DELETE method on RPC', details: null, hint: null });
    const patch = await call('PATCH', 'add_them', { body: { a: 1 } });
    expect(patch.status).toBe(405);
    expect(patch.json()).toEqual({ code: 'PGRST101', message: 'Cannot use the PATCH method on RPC', details: null, hint: null });
  });
});

describe('functions that cannot be resolved', () => {
  it('an unknown function is 404 PGRST202', async () => {
    const r = await post('zz_missing_fn', {});
    expect(r.status, r.text).toBe(404);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.json()).toEqual({
      code: 'PGRST202',
      message: 'Could not find the function rest_write.zz_missing_fn without parameters in the schema cache',
      details:
        'Searched for the function rest_write.zz_missing_fn without parameters or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
      hint: null,
    });
  });

  it('unknown arguments on GET are 404 PGRST202 with a hint naming the real parameters', async () => {
    const r = await get('add_them', [['a', '1'], ['b', '2'], ['c', '3']]);
    expect(r.status, r.text).toBe(404);
    expect(r.json()).toEqual({
      code: 'PGRST202',
      message: 'Could not find the function rest_write.add_them(a, b, c) in the schema cache',
      details: 'Searched for the function rest_write.add_them with parameters a, b, c, but no matches were found in the schema cache.',
      hint: 'Perhaps you meant to call the function rest_write.add_them(a, b)',
    });
  });

  it('a missing argument on POST is 404 PGRST202', async () => {
    const r = await post('add_them', { a: 1 });
    expect(r.status, r.text).toBe(404);
    expect(r.json()).toEqual({
      code: 'PGRST202',
      message: 'Could not find the function rest_write.add_them(a) in the schema cache',
      details:
        'Searched for the function rest_write.add_them with parameter a or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
      hint: 'Perhaps you meant to call the function rest_write.add_them(a, b)',
    });
  });

  it('overloads with the same argument names are 300 PGRST203', async () => {
    for (const r of [await get('ambiguous', [['x', '1']]), await post('ambiguous', { x: 1 })]) {
      expect(r.status, r.text).toBe(300);
      expect(r.headers.get('content-type')).toBe(JSON_CT);
      const body = r.json();
      expect(body).toMatchObject({
        code: 'PGRST203',
        details: null,
        hint: 'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
      });
      expect(body.message).toMatch(/^Could not choose the best candidate function between: /);
      const candidates = body.message.replace('Could not choose the best candidate function between: ', '').split(', ').sort();
      expect(candidates).toEqual(['rest_write.ambiguous(x => integer)', 'rest_write.ambiguous(x => text)']);
    }
  });
});

describe('functions returning rows', () => {
  it('returns a set of table rows as a JSON array', async () => {
    const r = await get('client_projects', [['cid', '3'], ['select', 'id,name'], ['order', 'id']]);
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.headers.get('content-range')).toBe('0-2/*');
    expect(r.json()).toEqual([
      { id: 1, name: 'Website' },
      { id: 2, name: 'Mobile app' },
      { id: 3, name: 'Data warehouse' },
    ]);
  });

  it('filters and orders the result like a table, on GET and on POST', async () => {
    const viaGet = await get('client_projects', [['cid', '3'], ['status', 'eq.active'], ['select', 'id'], ['order', 'id.desc']]);
    expect(viaGet.json()).toEqual([{ id: 2 }, { id: 1 }]);
    const viaPost = await call('POST', 'client_projects', {
      params: [['priority', 'gte.2'], ['select', 'id,priority'], ['order', 'priority.desc']],
      body: { cid: 3 },
    });
    expect(viaPost.status, viaPost.text).toBe(200);
    expect(viaPost.json()).toEqual([
      { id: 3, priority: 3 },
      { id: 2, priority: 2 },
    ]);
  });

  it('applies limit and offset with their Content-Range', async () => {
    const r = await get('client_projects', [['cid', '3'], ['select', 'id'], ['order', 'id'], ['limit', '1'], ['offset', '1']]);
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ id: 2 }]);
    expect(r.headers.get('content-range')).toBe('1-1/*');
  });

  it('answers 206 with the total for a partial page with Prefer: count=exact', async () => {
    const r = await get('client_projects', [['cid', '3'], ['select', 'id'], ['order', 'id'], ['limit', '1'], ['offset', '1']], {
      Prefer: 'count=exact',
    });
    expect(r.status, r.text).toBe(206);
    expect(r.headers.get('content-range')).toBe('1-1/3');
    expect(r.headers.get('preference-applied')).toBe('count=exact');
  });

  it('HEAD with Prefer: count=exact counts without a body', async () => {
    const r = await call('HEAD', 'client_projects', { params: [['cid', '3']], headers: { Prefer: 'count=exact' } });
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(r.headers.get('content-range')).toBe('0-2/3');
  });

  it('embeds rows related to the returned table rows', async () => {
    const r = await get('client_projects', [
      ['cid', '3'],
      ['select', 'id,client:clients(name),tasks(title)'],
      ['order', 'id'],
      ['tasks.order', 'id'],
    ]);
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([
      { id: 1, client: { name: 'Initech' }, tasks: [{ title: 'Design' }, { title: 'Build' }] },
      { id: 2, client: { name: 'Initech' }, tasks: [{ title: 'Prototype' }] },
      { id: 3, client: { name: 'Initech' }, tasks: [] },
    ]);
  });

  it('filters on an embedded resource with !inner', async () => {
    const r = await get('client_projects', [['cid', '3'], ['select', 'id,tasks!inner(title)'], ['tasks.done', 'is.true']]);
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ id: 1, tasks: [{ title: 'Design' }] }]);
  });

  it('returns RETURNS TABLE rows as objects with the declared columns', async () => {
    const r = await get('project_names', [['max_priority', '2']]);
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([
      { id: 1, name: 'Website' },
      { id: 2, name: 'Mobile app' },
      { id: 4, name: 'Intranet' },
    ]);
    const filtered = await get('project_names', [['max_priority', '5'], ['name', 'ilike.*a*'], ['select', 'name'], ['order', 'name']]);
    expect(filtered.json()).toEqual([{ name: 'Archive' }, { name: 'Data warehouse' }, { name: 'Intranet' }, { name: 'Mobile app' }]);
  });

  it('returns one row as an object with Accept: application/vnd.pgrst.object+json', async () => {
    const r = await get('client_projects', [['cid', '3'], ['id', 'eq.2'], ['select', 'id,name']], { Accept: OBJECT });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe(`${OBJECT}; charset=utf-8`);
    expect(r.json()).toEqual({ id: 2, name: 'Mobile app' });
  });

  it('refuses several rows as one object with 406 PGRST116', async () => {
    const r = await get('client_projects', [['cid', '3']], { Accept: OBJECT });
    expect(r.status, r.text).toBe(406);
    expect(r.json()).toEqual({
      code: 'PGRST116',
      message: 'Cannot coerce the result to a single JSON object',
      details: 'The result contains 3 rows',
      hint: null,
    });
  });

  it('returns an empty array when the function returns no rows', async () => {
    const r = await get('client_projects', [['cid', '999']]);
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([]);
  });

  it('returns a single composite value as an object', async () => {
    const note = `composite-${Date.now()}`;
    const r = await post('log_call', { note });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual({ id: expect.any(Number), note });
  });
});

describe('binary output', () => {
  it('answers raw bytes with Accept: application/octet-stream', async () => {
    const r = await get('binary_blob', [], { Accept: 'application/octet-stream' });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(r.bytes).toString('hex')).toBe('deadbeef00ff');
  });

  it('answers bytea as a \\x hex JSON string by default', async () => {
    const r = await get('binary_blob');
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toBe('\\xdeadbeef00ff');
  });
});

describe('volatility', () => {
  it('a VOLATILE function called with POST writes its row', async () => {
    const note = `volatile-post-${Date.now()}`;
    const r = await post('log_call', { note });
    expect(r.status, r.text).toBe(200);
    const { id } = r.json();
    expect(await rows('SELECT id, note FROM rest_write.rpc_calls WHERE note = $1', [note])).toEqual([{ id, note }]);
  });

  it('a VOLATILE function called with GET runs read-only: 405 with PostgreSQL 25006, nothing written', async () => {
    const note = `volatile-get-${Date.now()}`;
    const r = await get('log_call', [['note', note]]);
    expect(r.status, r.text).toBe(405);
    expect(r.json()).toEqual({ code: '25006', message: 'cannot execute INSERT in a read-only transaction', details: null, hint: null });
    expect(await rows('SELECT id FROM rest_write.rpc_calls WHERE note = $1', [note])).toEqual([]);
  });

  it('Prefer: tx=rollback undoes what the function wrote', async () => {
    const note = `volatile-rollback-${Date.now()}`;
    const r = await post('log_call', { note }, { headers: { Prefer: 'tx=rollback' } });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('preference-applied')).toBe('tx=rollback');
    expect(await rows('SELECT id FROM rest_write.rpc_calls WHERE note = $1', [note])).toEqual([]);
  });
});

describe('errors raised by functions', () => {
  it('RAISE EXCEPTION is 400 P0001 with its DETAIL and HINT', async () => {
    const r = await post('raise_problem');
    expect(r.status, r.text).toBe(400);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.json()).toEqual({
      code: 'P0001',
      message: 'the quota is used up',
      details: 'You have 3 of 3 projects',
      hint: 'Delete a project first',
    });
  });

  it('RAISE SQLSTATE PT402 answers HTTP 402', async () => {
    const r = await post('payment_required');
    expect(r.status, r.text).toBe(402);
    expect(r.json()).toEqual({ code: 'PT402', message: 'Payment Required', details: 'Quota exceeded', hint: 'Upgrade your plan' });
  });
});

describe('response.headers and response.status', () => {
  it('sets the status and adds the headers a function asks for', async () => {
    for (const r of [await post('custom_response'), await get('custom_response')]) {
      expect(r.status, r.text).toBe(202);
      expect(r.headers.get('x-basalt-test')).toBe('custom');
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('content-type')).toBe(JSON_CT);
      expect(r.json()).toEqual({ accepted: true });
    }
  });
});

describe('supabase.rpc()', () => {
  it('calls a scalar function with POST', async () => {
    const { data, error, status } = await supabase.rpc('add_them', { a: 2, b: 3 });
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toBe(5);
  });

  it('calls a function with GET', async () => {
    const { data, error } = await supabase.rpc('with_defaults', { a: 4 }, { get: true });
    expect(error).toBeNull();
    expect(data).toBe('4/10/dflt');
  });

  it('counts with head: true', async () => {
    const { data, error, count, status } = await supabase.rpc('client_projects', { cid: 3 }, { head: true, count: 'exact' });
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toBeNull();
    expect(count).toBe(3);
  });

  it('filters, orders and selects a set-returning function', async () => {
    const { data, error } = await supabase
      .rpc('client_projects', { cid: 3 })
      .select('id,name')
      .eq('status', 'active')
      .order('id', { ascending: false });
    expect(error).toBeNull();
    expect(data).toEqual([
      { id: 2, name: 'Mobile app' },
      { id: 1, name: 'Website' },
    ]);
  });

  it('returns one row with .single()', async () => {
    const { data, error } = await supabase.rpc('client_projects', { cid: 3 }).select('id,name').eq('id', 1).single();
    expect(error).toBeNull();
    expect(data).toEqual({ id: 1, name: 'Website' });
  });

  it('reports .single() on several rows as PGRST116', async () => {
    const { data, error, status } = await supabase.rpc('client_projects', { cid: 3 }).single();
    expect(status).toBe(406);
    expect(data).toBeNull();
    expect(error?.code).toBe('PGRST116');
  });

  it('passes an array to a VARIADIC function', async () => {
    const { data, error } = await supabase.rpc('variadic_words', { words: ['x', 'y'] });
    expect(error).toBeNull();
    expect(data).toEqual(['x', 'y']);
  });

  it('gets null data and status 204 from a void function', async () => {
    const { data, error, status } = await supabase.rpc('noop');
    expect(error).toBeNull();
    expect(status).toBe(204);
    expect(data).toBeNull();
  });

  it('writes through a VOLATILE function', async () => {
    const note = `supabase-rpc-${Date.now()}`;
    const { data, error } = await supabase.rpc('log_call', { note });
    expect(error).toBeNull();
    expect(data).toMatchObject({ note });
    expect(await rows('SELECT note FROM rest_write.rpc_calls WHERE note = $1', [note])).toEqual([{ note }]);
  });

  it('reports an unknown function as PGRST202', async () => {
    const { data, error, status } = await supabase.rpc('zz_missing_fn');
    expect(status).toBe(404);
    expect(data).toBeNull();
    expect(error?.code).toBe('PGRST202');
  });

  it('reports a raised error with its code, details and hint', async () => {
    const { error, status } = await supabase.rpc('payment_required');
    expect(status).toBe(402);
    expect(error).toMatchObject({ code: 'PT402', message: 'Payment Required', details: 'Quota exceeded', hint: 'Upgrade your plan' });
  });
});

async function rows(sql: string, params: unknown[] = []): Promise<Json[]> {
  return (await db().query(sql, params)).rows;
}
