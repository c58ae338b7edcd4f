/**
 * @supabase/supabase-js, unchanged, against Basalt's /rest/v1: a create → read →
 * update → upsert → delete round trip, then the client features apps lean on
 * (rpc, single, maybeSingle, csv, counts, schema switching, missing=default,
 * rollback, maxAffected, error objects).
 *
 * Rows of this file use ids 30000–30999 and clients 1 and 2.
 */
import { describe, expect, it } from 'vitest';
import { createClient } from '@supabase/supabase-js';
import { apiUrl, db } from '../support/env.ts';
import { anonKey, supabaseTestOptions } from '../support/keys.ts';
import { type Json } from '../support/http.ts';

const supabase = createClient(apiUrl, anonKey, { ...supabaseTestOptions, db: { schema: 'rest_write' } });

async function rows(sql: string, params: unknown[] = []): Promise<Json[]> {
  return (await db().query(sql, params)).rows;
}

describe('supabase-js round trip', () => {
  it('inserts, selects, updates, upserts and deletes', async () => {
    // insert one row and read it back as an object
    const inserted = await supabase.from('projects').insert({ id: 30001, name: 'E2E', client_id: 1 }).select('id,name,status').single();
    expect(inserted.error).toBeNull();
    expect(inserted.status).toBe(201);
    expect(inserted.data).toEqual({ id: 30001, name: 'E2E', status: 'draft' });

    // select it with an embedded parent
    const selected = await supabase.from('projects').select('id,name,client:clients(name)').eq('id', 30001);
    expect(selected.error).toBeNull();
    expect(selected.status).toBe(200);
    expect(selected.data).toEqual([{ id: 30001, name: 'E2E', client: { name: 'Acme' } }]);

    // update it
    const updated = await supabase.from('projects').update({ status: 'active' }).eq('id', 30001).select('status');
    expect(updated.error).toBeNull();
    expect(updated.status).toBe(200);
    expect(updated.data).toEqual([{ status: 'active' }]);

    // upsert an existing and a new row (postgrest-js sends columns= for an array)
    const upserted = await supabase
      .from('projects')
      .upsert([
        { id: 30001, name: 'E2E renamed', client_id: 1 },
        { id: 30002, name: 'E2E second', client_id: 2 },
      ])
      .select('id,name');
    expect(upserted.error).toBeNull();
    expect(upserted.status).toBe(201);
    expect(upserted.data).toEqual([
      { id: 30001, name: 'E2E renamed' },
      { id: 30002, name: 'E2E second' },
    ]);
    // columns outside the payload keep their values on the updated row
    expect(await rows('SELECT id, name, status FROM rest_write.projects WHERE id IN (30001, 30002) ORDER BY id')).toEqual([
      { id: 30001, name: 'E2E renamed', status: 'active' },
      { id: 30002, name: 'E2E second', status: 'draft' },
    ]);

    // count them without fetching
    const counted = await supabase.from('projects').select('*', { count: 'exact', head: true }).in('id', [30001, 30002]);
    expect(counted.error).toBeNull();
    expect(counted.count).toBe(2);
    expect(counted.data).toBeNull();

    // delete both, returning what was deleted
    const deleted = await supabase.from('projects').delete().in('id', [30001, 30002]).select('id').order('id');
    expect(deleted.error).toBeNull();
    expect(deleted.status).toBe(200);
    expect(deleted.data).toEqual([{ id: 30001 }, { id: 30002 }]);
    expect(await rows('SELECT id FROM rest_write.projects WHERE id IN (30001, 30002)')).toEqual([]);
  });
});

describe('supabase-js features', () => {
  it('.rpc() calls a function', async () => {
    const { data, error, status } = await supabase.rpc('add_them', { a: 20, b: 22 });
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toBe(42);
  });

  it('.single() returns one row as an object', async () => {
    const { data, error } = await supabase.from('clients').select('name').eq('id', 2).single();
    expect(error).toBeNull();
    expect(data).toEqual({ name: 'Globex' });
  });

  it('.single() on no row is a PGRST116 error', async () => {
    const { data, error, status } = await supabase.from('clients').select('name').eq('id', 30999).single();
    expect(status).toBe(406);
    expect(data).toBeNull();
    expect(error).toMatchObject({ code: 'PGRST116', details: 'The result contains 0 rows' });
  });

  it('.maybeSingle() on no row gives null data and no error', async () => {
    const { data, error, status } = await supabase.from('clients').select('name').eq('id', 30998).maybeSingle();
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toBeNull();
  });

  it('.maybeSingle() on one row gives the object', async () => {
    const { data, error } = await supabase.from('clients').select('id,name').eq('id', 1).maybeSingle();
    expect(error).toBeNull();
    expect(data).toEqual({ id: 1, name: 'Acme' });
  });

  it('.csv() returns CSV text', async () => {
    const { data, error } = await supabase.from('clients').select('id,name').in('id', [1, 2]).order('id').csv();
    expect(error).toBeNull();
    expect(data).toBe('id,name\n1,Acme\n2,Globex');
  });

  it("select('*', { count: 'exact', head: true }) counts without data", async () => {
    const { data, error, count, status } = await supabase.from('projects').select('*', { count: 'exact', head: true }).eq('client_id', 3);
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toBeNull();
    expect(count).toBe(3);
  });

  it('a counted page reports the total and 206', async () => {
    const { data, error, count, status } = await supabase
      .from('projects')
      .select('id', { count: 'exact' })
      .eq('client_id', 3)
      .order('id')
      .range(0, 1);
    expect(error).toBeNull();
    expect(status).toBe(206);
    expect(count).toBe(3);
    expect(data).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it(".schema('rest_read') switches to another exposed schema", async () => {
    const { data, error } = await supabase.schema('rest_read').from('authors').select('name').eq('id', 2);
    expect(error).toBeNull();
    expect(data).toEqual([{ name: 'Italo Calvino' }]);
  });

  it('a client created with no schema option uses the first exposed schema and switches with .schema()', async () => {
    const bare = createClient(apiUrl, anonKey, supabaseTestOptions);
    const missing = await bare.from('clients').select('id').eq('id', 1);
    expect(missing.status).toBe(404);
    expect(missing.error?.code).toBe('PGRST205');
    const found = await bare.schema('rest_write').from('clients').select('id').eq('id', 1);
    expect(found.error).toBeNull();
    expect(found.data).toEqual([{ id: 1 }]);
    const rpc = await bare.schema('rest_write').rpc('add_them', { a: 1, b: 1 });
    expect(rpc.data).toBe(2);
  });

  it('insert of an array fills missing keys with NULL, or with defaults when defaultToNull is false', async () => {
    const nulls = await supabase
      .from('projects')
      .insert([
        { id: 30101, name: 'N1', client_id: 1, priority: 1 },
        { id: 30102, name: 'N2', client_id: 1 },
      ])
      .select('id,priority');
    expect(nulls.error).toBeNull();
    expect(nulls.data).toEqual([
      { id: 30101, priority: 1 },
      { id: 30102, priority: null },
    ]);
    const defaults = await supabase
      .from('projects')
      .insert(
        [
          { id: 30103, name: 'D1', client_id: 2, priority: 1 },
          { id: 30104, name: 'D2', client_id: 2 },
        ],
        { defaultToNull: false },
      )
      .select('id,priority');
    expect(defaults.error).toBeNull();
    expect(defaults.data).toEqual([
      { id: 30103, priority: 1 },
      { id: 30104, priority: 3 },
    ]);
  });

  it('upsert with onConflict and ignoreDuplicates', async () => {
    await db().query("INSERT INTO rest_write.accounts (id, email, name) VALUES (30201, 'sjs-30201@example.com', 'Original')");
    const ignored = await supabase
      .from('accounts')
      .upsert({ email: 'sjs-30201@example.com', name: 'Ignored' }, { onConflict: 'email', ignoreDuplicates: true })
      .select('email,name');
    expect(ignored.error).toBeNull();
    expect(ignored.data).toEqual([]);
    const merged = await supabase
      .from('accounts')
      .upsert({ email: 'sjs-30201@example.com', name: 'Merged' }, { onConflict: 'email' })
      .select('id,name');
    expect(merged.error).toBeNull();
    expect(merged.status).toBe(200);
    expect(merged.data).toEqual([{ id: 30201, name: 'Merged' }]);
  });

  it('reports a PostgreSQL error as { code, message, details, hint } with its status', async () => {
    await db().query("INSERT INTO rest_write.clients (id, name) VALUES (30301, 'Taken')");
    const { data, error, status } = await supabase.from('clients').insert({ id: 30301, name: 'Again' });
    expect(status).toBe(409);
    expect(data).toBeNull();
    expect(error).toEqual({
      code: '23505',
      message: 'duplicate key value violates unique constraint "clients_pkey"',
      details: 'Key (id)=(30301) already exists.',
      hint: null,
    });
  });

  it('.rollback() answers as if committed but leaves nothing behind', async () => {
    const { data, error, status } = await supabase.from('clients').insert({ id: 30401, name: 'Rolled back' }).select().rollback();
    expect(error).toBeNull();
    expect(status).toBe(201);
    expect(data).toEqual([{ id: 30401, name: 'Rolled back' }]);
    expect(await rows('SELECT id FROM rest_write.clients WHERE id = 30401')).toEqual([]);
  });

  it('.maxAffected() refuses a bigger write and changes nothing', async () => {
    await db().query("INSERT INTO rest_write.clients (id, name) VALUES (30501, 'One'), (30502, 'Two')");
    // maxAffected() is typed for PostgREST 13+ databases only; this client is untyped
    const builder: any = supabase.from('clients').update({ name: 'Both' }).in('id', [30501, 30502]);
    const { error, status } = await builder.maxAffected(1);
    expect(status).toBe(400);
    expect(error?.code).toBe('PGRST124');
    expect(await rows('SELECT name FROM rest_write.clients WHERE id IN (30501, 30502) ORDER BY id')).toEqual([{ name: 'One' }, { name: 'Two' }]);
  });

  it('an update that matches nothing returns an empty array', async () => {
    const { data, error, status } = await supabase.from('clients').update({ name: 'Nobody' }).eq('id', 30997).select();
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toEqual([]);
  });
});
