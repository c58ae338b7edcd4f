import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { databaseUrl, db, restUrl } from '../support/env.ts';
import { poll } from '../support/processes.ts';
import { SchemaCache } from '../../src/api/schema-cache/cache.ts';
import { createLogger } from '../../src/shared/log.ts';

// A database of its own: NOTIFY is per database, so other test files' DDL cannot add reloads here.
const isolatedUrl = (() => {
  const u = new URL(databaseUrl);
  u.pathname = '/basalt_reload_test';
  return u.toString();
})();
let pool: pg.Pool | undefined;
afterAll(async () => {
  await pool?.end();
});

describe('schema cache reloads', () => {
  it('serves a table created after start-up, through the DDL event trigger, without a restart', async () => {
    const name = `reload_${Date.now()}`;
    const before = await fetch(`${restUrl}/${name}`);
    expect(before.status).toBe(404);
    await db().query(`CREATE TABLE public.${name} (id int PRIMARY KEY, note text); INSERT INTO public.${name} VALUES (1, 'fresh'); GRANT SELECT ON public.${name} TO anon`);
    const started = Date.now();
    const res = await poll(async () => {
      const r = await fetch(`${restUrl}/${name}`);
      return r.status === 200 ? r : undefined;
    }, 'the new table to appear', 10_000, 25);
    expect(await res.json()).toEqual([{ id: 1, note: 'fresh' }]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('sees a dropped column disappear', async () => {
    const name = `reload_drop_${Date.now()}`;
    await db().query(`CREATE TABLE public.${name} (id int, gone text); GRANT SELECT ON public.${name} TO anon`);
    await poll(async () => ((await fetch(`${restUrl}/${name}?select=gone`)).status === 200 ? true : undefined), 'table', 10_000, 25);
    await db().query(`ALTER TABLE public.${name} DROP COLUMN gone`);
    const r = await poll(async () => {
      const x = await fetch(`${restUrl}/${name}?select=gone`);
      return x.status === 400 ? x : undefined;
    }, 'the column to go', 10_000, 25);
    expect((await r.json()).code).toBe('42703');
  });

  it("reloads on NOTIFY pgrst, 'reload schema' and debounces bursts into few loads", async () => {
    await db().query('DROP DATABASE IF EXISTS basalt_reload_test');
    await db().query('CREATE DATABASE basalt_reload_test');
    pool = new pg.Pool({ connectionString: isolatedUrl, max: 2 });
    const notify = (payload: string) => pool!.query(`SELECT pg_notify('pgrst', $1)`, [payload]);
    const cache = new SchemaCache(pool, ['public'], { databaseUrl: isolatedUrl, debounceMs: 50, log: createLogger('test', 'silent') });
    await cache.start();
    try {
      expect(cache.loads).toBe(1);
      await notify('reload schema');
      await poll(async () => (cache.loads >= 2 ? true : undefined), 'a reload', 5_000, 10);
      const loadsBefore = cache.loads;
      for (let i = 0; i < 20; i++) await notify('reload schema');
      await poll(async () => (cache.loads > loadsBefore ? true : undefined), 'the burst reload', 5_000, 10);
      await new Promise((r) => setTimeout(r, 300));
      expect(cache.loads - loadsBefore).toBeLessThanOrEqual(2);
      // Other payloads on the channel are not reload requests.
      const settled = cache.loads;
      await notify('reload config');
      await new Promise((r) => setTimeout(r, 200));
      expect(cache.loads).toBe(settled);
    } finally {
      await cache.close();
    }
  });
});
