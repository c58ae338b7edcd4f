/**
 * Reads run as named prepared statements (src/api/engine/execute.ts). PostgreSQL re-plans a
 * prepared statement by itself after DDL; these tests change a table between requests, with
 * no pause for the schema cache to reload, and check that clients only ever see answers the
 * new table explains (never "cached plan must not change result type", never a 500).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { db, restUrl } from '../support/env.ts';
import { poll } from '../support/processes.ts';

const tag = randomBytes(3).toString('hex');
const made: string[] = [];

afterAll(async () => {
  for (const t of made) await db().query(`DROP TABLE IF EXISTS public.${t}`);
});

async function table(suffix: string, ddl: string): Promise<string> {
  const name = `xprep_${suffix}_${tag}`;
  made.push(name);
  await db().query(`CREATE TABLE public.${name} (${ddl}); GRANT SELECT ON public.${name} TO anon`);
  await poll(async () => ((await fetch(`${restUrl}/${name}?limit=0`)).status === 200 ? true : undefined), `table ${name}`, 10_000, 25);
  return name;
}

/** Enough sequential requests that every pooled connection of every web process has run the statement past PostgreSQL's custom-plan phase (5 executions). */
async function many(url: string, n = 60): Promise<{ status: number; body: string }[]> {
  const out: { status: number; body: string }[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fetch(url);
    out.push({ status: r.status, body: await r.text() });
  }
  return out;
}

describe('prepared reads across DDL', () => {
  it('a column changing type between requests: the same query keeps answering, with the new type', async () => {
    const t = await table('type', 'id int PRIMARY KEY, amount int');
    await db().query(`INSERT INTO public.${t} VALUES (1, 10), (2, 20)`);
    const url = `${restUrl}/${t}?select=*&id=eq.1`;
    expect(new Set((await many(url)).map((a) => `${a.status} ${a.body}`))).toEqual(new Set(['200 [{"id":1,"amount":10}]']));

    await db().query(`ALTER TABLE public.${t} ALTER COLUMN amount TYPE text USING 'n' || amount::text`);
    // Immediately, and until long after the schema cache has reloaded: the new values, nothing else.
    const after = await many(url);
    expect(new Set(after.map((a) => `${a.status} ${a.body}`))).toEqual(new Set(['200 [{"id":1,"amount":"n10"}]']));
  });

  it('a column added, then dropped: select=* follows the table, a dropped column named in select is a 400', async () => {
    const t = await table('cols', 'id int PRIMARY KEY, a int, b int');
    await db().query(`INSERT INTO public.${t} VALUES (1, 2, 3)`);
    const star = `${restUrl}/${t}?select=*&id=eq.1`;
    const named = `${restUrl}/${t}?select=id,b&id=eq.1`;
    await many(star, 20);
    await many(named, 20);

    await db().query(`ALTER TABLE public.${t} ADD COLUMN c text DEFAULT 'x'`);
    // Until the reload, select=* may still list the old columns; after it, the new one. Never an error.
    const added = await poll(async () => {
      const r = await fetch(star);
      expect(r.status).toBe(200);
      const body = await r.text();
      return body.includes('"c"') ? body : undefined;
    }, 'select=* to show the new column', 10_000, 25);
    expect(JSON.parse(added)).toEqual([{ id: 1, a: 2, b: 3, c: 'x' }]);

    await db().query(`ALTER TABLE public.${t} DROP COLUMN b`);
    for (const a of await many(named, 20)) {
      expect(a.status).toBe(400);
      expect(JSON.parse(a.body).code).toBe('42703');
    }
    const afterDrop = await poll(async () => {
      const r = await fetch(star);
      expect(r.status).toBe(200);
      const body = await r.text();
      return body.includes('"b"') ? undefined : body;
    }, 'select=* to drop the column', 10_000, 25);
    expect(JSON.parse(afterDrop)).toEqual([{ id: 1, a: 2, c: 'x' }]);
  });

  it('a table dropped and made again under the same name: the old plan is not used', async () => {
    const t = await table('again', 'id int PRIMARY KEY, v text');
    await db().query(`INSERT INTO public.${t} VALUES (1, 'old')`);
    const url = `${restUrl}/${t}?select=id,v&id=eq.1`;
    await many(url, 20);
    await db().query(`DROP TABLE public.${t}; CREATE TABLE public.${t} (v text, id bigint PRIMARY KEY); INSERT INTO public.${t} VALUES ('new', 1); GRANT SELECT ON public.${t} TO anon`);
    const after = await many(url, 30);
    // Between the DROP and the reload an answer may be a 404 (no such table in the old cache); never a 500.
    for (const a of after) expect([200, 404]).toContain(a.status);
    expect(after.at(-1)).toEqual({ status: 200, body: '[{"id":1,"v":"new"}]' });
  });

  it('many distinct query shapes: every one answers (connections evict old statements past their cap)', async () => {
    const t = await table('shapes', 'id int PRIMARY KEY, v int');
    await db().query(`INSERT INTO public.${t} SELECT g, g * 10 FROM generate_series(1, 300) g`);
    // 250 shapes (an alias of its own each): more than a connection keeps (100).
    const read = async (i: number) => {
      const r = await fetch(`${restUrl}/${t}?select=id,k${i}:v&id=eq.${i}`);
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual([{ id: i, [`k${i}`]: i * 10 }]);
    };
    for (let i = 1; i <= 250; i++) await read(i);
    // The first shapes again, evicted by now on the connections that ran them.
    for (let i = 1; i <= 20; i++) await read(i);
  });
});
