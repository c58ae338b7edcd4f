/**
 * /rest/v1/rpc as PostgREST 12–14 answers it, on the `rest_rpc_parity` fixture
 * (test/fixtures/12_rest_rpc_parity.sql): single unnamed parameters fed the whole body
 * (json/jsonb, text/plain, text/xml, application/octet-stream), overload resolution with
 * PostgREST's PGRST202/PGRST203 texts, max-affected with handling=strict, singular responses
 * that roll back, and RAISE SQLSTATE 'PGRST'.
 */
import { describe, expect, it } from 'vitest';
import { createClient } from '@supabase/supabase-js';
import { apiUrl, db, restUrl } from '../support/env.ts';
import { anonKey, supabaseTestOptions } from '../support/keys.ts';
import { JSON_CT, sender, type Param } from '../support/http.ts';

const send = sender(restUrl, 'rest_rpc_parity');
const supabase = createClient(apiUrl, anonKey, { ...supabaseTestOptions, db: { schema: 'rest_rpc_parity' } });

async function call(method: string, fn: string, o: { params?: Param[]; body?: unknown; raw?: string | Uint8Array; headers?: Record<string, string> } = {}) {
  const res =
    o.raw instanceof Uint8Array
      ? await fetch(`${restUrl}/rpc/${fn}`, { method, headers: { 'Content-Profile': 'rest_rpc_parity', ...o.headers }, body: Buffer.from(o.raw) })
      : await send(method, `/rpc/${fn}`, { params: o.params, body: o.body, raw: o.raw as string | undefined, headers: o.headers });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  return { status: res.status, headers: res.headers, text, bytes, json: () => JSON.parse(text) };
}
const rows = async (sql: string, params: unknown[] = []) => (await db().query(sql, params)).rows;

describe('a single unnamed parameter takes the whole body', () => {
  it('json and jsonb receive any JSON document, arrays included', async () => {
    const r = await call('POST', 'echo_json', { body: { a: [1, 2], b: { c: null } } });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.json()).toEqual({ a: [1, 2], b: { c: null } });
    const arr = await call('POST', 'echo_jsonb', { body: [1, 'two', { three: 3 }] });
    expect(arr.status, arr.text).toBe(200);
    expect(arr.json()).toEqual([1, 'two', { three: 3 }]);
  });

  it('through supabase-js', async () => {
    const { data, error, status } = await supabase.rpc('echo_jsonb', { any: 'keys', n: 1 });
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toEqual({ any: 'keys', n: 1 });
  });

  it('text receives a text/plain body as is', async () => {
    const r = await call('POST', 'echo_text', { raw: 'hello, {not json}', headers: { 'Content-Type': 'text/plain' } });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toBe('got: hello, {not json}');
  });

  it('xml receives a text/xml body', async () => {
    const r = await call('POST', 'echo_xml', { raw: '<a><b>1</b></a>', headers: { 'Content-Type': 'text/xml' } });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toBe('<a><b>1</b></a>');
  });

  it('bytea receives an application/octet-stream body byte for byte', async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255, 10, 13]);
    const r = await call('POST', 'echo_bytea', { raw: bytes, headers: { 'Content-Type': 'application/octet-stream', Accept: 'application/octet-stream' } });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    expect([...r.bytes]).toEqual([...bytes]);
    const len = await call('POST', 'bytea_length', { raw: bytes, headers: { 'Content-Type': 'application/octet-stream' } });
    expect(len.json()).toBe(7);
  });

  it('a raw body without a fitting function is 404 PGRST202 with no parameter list and no hint', async () => {
    for (const [ct, type] of [['text/plain', 'text'], ['text/xml', 'xml'], ['application/octet-stream', 'bytea']]) {
      const r = await call('POST', 'overloaded', { raw: 'a simple text', headers: { 'Content-Type': ct } });
      expect(r.status, r.text).toBe(404);
      expect(r.headers.get('proxy-status')).toBe('PostgREST; error=PGRST202');
      expect(r.json()).toEqual({
        code: 'PGRST202',
        message: 'Could not find the function rest_rpc_parity.overloaded in the schema cache',
        details: `Searched for the function rest_rpc_parity.overloaded with a single unnamed ${type} parameter, but no matches were found in the schema cache.`,
        hint: null,
      });
    }
  });
});

describe('overload resolution', () => {
  it('picks the overload whose parameter names match, and falls back to the unnamed json one', async () => {
    expect((await call('GET', 'overloaded')).json()).toBe('none');
    expect((await call('POST', 'overloaded', { body: {} })).json()).toBe('none');
    expect((await call('POST', 'overloaded', { body: { a: 1, b: 2 } })).json()).toBe('ints: 3');
    expect((await call('GET', 'overloaded', { params: [['a', 'x'], ['b', 'y'], ['c', 'z']] })).json()).toBe('texts: xyz');
    const fallback = await call('POST', 'overloaded', { raw: '{"z": 1}', headers: { 'Content-Type': 'application/json' } });
    expect(fallback.status, fallback.text).toBe(200);
    expect(fallback.json()).toBe('json: {"z": 1}');
  });

  it('unknown arguments are 404 PGRST202, hinting the closest parameter list', async () => {
    const r = await call('GET', 'overloaded', { params: [['a', '1'], ['b', '2'], ['wrong_arg', 'v']] });
    expect(r.status).toBe(404);
    expect(r.json()).toEqual({
      code: 'PGRST202',
      message: 'Could not find the function rest_rpc_parity.overloaded(a, b, wrong_arg) in the schema cache',
      details: 'Searched for the function rest_rpc_parity.overloaded with parameters a, b, wrong_arg, but no matches were found in the schema cache.',
      hint: 'Perhaps you meant to call the function rest_rpc_parity.overloaded(a, b, c)',
    });
  });

  it('an unknown name hints the closest callable function', async () => {
    const r = await call('GET', 'echo_jsn');
    expect(r.status).toBe(404);
    expect(r.json()).toMatchObject({ code: 'PGRST202', hint: 'Perhaps you meant to call the function rest_rpc_parity.echo_json' });
  });

  it('a procedure is not found, as PostgREST does not list procedures', async () => {
    const r = await call('GET', 'a_procedure');
    expect(r.status).toBe(404);
    expect(r.json()).toEqual({
      code: 'PGRST202',
      message: 'Could not find the function rest_rpc_parity.a_procedure without parameters in the schema cache',
      details: 'Searched for the function rest_rpc_parity.a_procedure without parameters, but no matches were found in the schema cache.',
      hint: null,
    });
  });

  it('overloads that both accept the arguments are 300 PGRST203, fewer parameters listed first', async () => {
    const r = await call('POST', 'ambiguous_defaults', { body: { x: 1 } });
    expect(r.status, r.text).toBe(300);
    expect(r.headers.get('proxy-status')).toBe('PostgREST; error=PGRST203');
    expect(r.json()).toEqual({
      code: 'PGRST203',
      message:
        'Could not choose the best candidate function between: rest_rpc_parity.ambiguous_defaults(x => integer), rest_rpc_parity.ambiguous_defaults(x => integer, y => integer)',
      details: null,
      hint: 'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
    });
  });
});

describe('max-affected and singular responses on RPC', () => {
  const seed = async (from: number, to: number) => {
    await db().query(`INSERT INTO rest_rpc_parity.items SELECT g, 'seed', 0 FROM generate_series($1::int, $2::int) g ON CONFLICT (id) DO NOTHING`, [from, to]);
  };
  const count = async (from: number, to: number) => (await rows('SELECT count(*)::int AS n FROM rest_rpc_parity.items WHERE id BETWEEN $1 AND $2', [from, to]))[0].n;

  it('a set-returning function past max-affected is 400 PGRST124 and rolled back', async () => {
    await seed(2001, 2003);
    for (const fn of ['take_items', 'take_items_table']) {
      const r = await call('POST', fn, { body: { lo: 2001, hi: 2003 }, headers: { Prefer: 'handling=strict, max-affected=2' } });
      expect(r.status, r.text).toBe(400);
      expect(r.json()).toEqual({ code: 'PGRST124', message: 'Query result exceeds max-affected preference constraint', details: 'The query affects 3 rows', hint: null });
      expect(await count(2001, 2003)).toBe(3);
    }
  });

  it('within max-affected it runs and says so in Preference-Applied', async () => {
    await seed(2011, 2012);
    const r = await call('POST', 'take_items', { body: { lo: 2011, hi: 2012 }, params: [['select', 'id'], ['order', 'id']], headers: { Prefer: 'handling=strict, max-affected=2' } });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ id: 2011 }, { id: 2012 }]);
    expect(r.headers.get('preference-applied')).toBe('handling=strict, max-affected=2');
    expect(await count(2011, 2012)).toBe(0);
  });

  it('a function not returning a set is 400 PGRST128 with handling=strict and max-affected, and does not run', async () => {
    await seed(2021, 2021);
    const r = await call('POST', 'take_items_void', { body: { lo: 2021, hi: 2021 }, headers: { Prefer: 'handling=strict, max-affected=20' } });
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({
      code: 'PGRST128',
      message: 'Function must return SETOF or TABLE when max-affected preference is used with handling=strict',
      details: null,
      hint: null,
    });
    expect(await count(2021, 2021)).toBe(1);
  });

  it('without handling=strict, max-affected is ignored', async () => {
    await seed(2031, 2033);
    const r = await call('POST', 'take_items', { body: { lo: 2031, hi: 2033 }, headers: { Prefer: 'max-affected=1' } });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toHaveLength(3);
    expect(r.headers.get('preference-applied')).toBeNull();
  });

  it('a singular response over several rows is 406 and the call is rolled back even with tx=commit', async () => {
    const r = await call('POST', 'add_items', { body: { first: 2041, n: 2 }, headers: { Accept: 'application/vnd.pgrst.object+json', Prefer: 'tx=commit' } });
    expect(r.status).toBe(406);
    expect(r.json()).toEqual({ code: 'PGRST116', message: 'Cannot coerce the result to a single JSON object', details: 'The result contains 2 rows', hint: null });
    expect(await count(2041, 2042)).toBe(0);
  });
});

describe("RAISE SQLSTATE 'PGRST'", () => {
  it('a response.headers value HTTP cannot carry is 500 PGRST111, not a broken response', async () => {
    const r = await call('GET', 'bad_header_guc');
    expect(r.status).toBe(500);
    expect(r.json()).toEqual({
      code: 'PGRST111',
      message: 'response.headers guc must be a JSON array composed of objects with a single key and a string value',
      details: null,
      hint: null,
    });
  });

  it('sets the status, its reason phrase, headers and the whole error body', async () => {
    const r = await call('GET', 'raise_pgrst', { params: [['variant', 'full']] });
    expect(r.status).toBe(332);
    expect(r.headers.get('x-header')).toBe('str');
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.json()).toEqual({ code: '123', message: 'ABC', details: 'DEF', hint: 'XYZ' });
  });

  it('details and hint default to null', async () => {
    const r = await call('GET', 'raise_pgrst', { params: [['variant', 'minimal']] });
    expect(r.status).toBe(404);
    expect(r.headers.get('x-header')).toBe('str');
    expect(r.json()).toEqual({ code: '123', message: 'ABC', details: null, hint: null });
  });

  it('an unparseable MESSAGE, DETAIL, or no DETAIL, is 500 PGRST121', async () => {
    const message = 'Could not parse JSON in the "RAISE SQLSTATE \'PGRST\'" error';
    const detailHint = "DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'.";
    const cases: [string, unknown][] = [
      ['bad_message', { code: 'PGRST121', message, details: "Invalid JSON value for MESSAGE: 'INVALID'", hint: "MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'." }],
      ['bad_detail', { code: 'PGRST121', message, details: "Invalid JSON value for DETAIL: 'INVALID'", hint: detailHint }],
      ['no_detail', { code: 'PGRST121', message, details: 'DETAIL is missing in the RAISE statement', hint: detailHint }],
      // Not PostgREST's case (Warp would drop the line): a header HTTP cannot carry is an unusable DETAIL.
      ['bad_header', { code: 'PGRST121', message, details: 'Invalid JSON value for DETAIL: \'{"status":400,"headers":{"X-Bad":"a\\nb"}}\'', hint: detailHint }],
    ];
    for (const [variant, body] of cases) {
      const r = await call('GET', 'raise_pgrst', { params: [['variant', variant]] });
      expect(r.status, variant).toBe(500);
      expect(r.json()).toEqual(body);
    }
  });
});

describe('-> and ->> on the columns a function returns', () => {
  it('reads a composite field and an array item of RETURNS TABLE columns, in select, filters and order', async () => {
    const r = await call('GET', 'places', { params: [['select', 'id,place->>city,zip:place->zip,first:tags->>0'], ['order', 'place->zip.desc']] });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([
      { id: 1, city: 'Lyon', zip: 69001, first: 'a' },
      { id: 2, city: 'Nice', zip: 6000, first: 'c' },
    ]);
    const f = await call('GET', 'places', { params: [['select', 'id'], ['place->>city', 'eq.Nice']] });
    expect(f.status, f.text).toBe(200);
    expect(f.json()).toEqual([{ id: 2 }]);
  });
});
