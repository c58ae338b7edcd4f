/**
 * DB_DEFAULT_GRANTS (src/shared/control/default-grants.ts), applied as the API applies it at
 * start, on a database of its own (default privileges are per database, and the shared test
 * database must keep the default mode): what anon, authenticated and service_role may do with a
 * table, a sequence and a function the server's login creates afterwards in public.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { db, databaseUrl } from '../support/env.ts';
import { applyDefaultGrants } from '../../src/shared/control/default-grants.ts';
import { migrateControlSchema } from '../../src/shared/control/runner.ts';
import { createLogger } from '../../src/shared/log.ts';

const name = `basalt_grants_${process.pid}`;
const url = (() => {
  const u = new URL(databaseUrl);
  u.pathname = `/${name}`;
  return u.toString();
})();
const log = createLogger('test', 'silent');
let client: pg.Client;

beforeAll(async () => {
  await db().query(`DROP DATABASE IF EXISTS ${name}`);
  await db().query(`CREATE DATABASE ${name}`);
  // Migration 0017 gives service_role its defaults; the roles are the cluster's.
  await migrateControlSchema(url);
  client = new pg.Client({ connectionString: url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await db().query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

/** What each role may do with objects named `suffix`, created by the server's login after the mode was applied. */
async function rightsOn(suffix: string) {
  await client.query(`CREATE TABLE public.t_${suffix} (id serial PRIMARY KEY)`);
  await client.query(`CREATE FUNCTION public.f_${suffix}() RETURNS int LANGUAGE sql AS 'SELECT 1'`);
  const { rows } = await client.query(
    `SELECT r AS role,
            has_table_privilege(r, $1, 'SELECT') AS select, has_table_privilege(r, $1, 'INSERT') AS insert,
            has_sequence_privilege(r, $2, 'USAGE') AS sequence, has_function_privilege(r, $3, 'EXECUTE') AS execute
       FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) r ORDER BY r`,
    [`public.t_${suffix}`, `public.t_${suffix}_id_seq`, `public.f_${suffix}()`],
  );
  return rows;
}

describe('DB_DEFAULT_GRANTS', () => {
  it('service_role (the default): only service_role reaches new objects; anon and authenticated get nothing but PUBLIC execute', async () => {
    await applyDefaultGrants({ DATABASE_URL: url, DB_DEFAULT_GRANTS: 'service_role' }, log);
    expect(await rightsOn('plain')).toEqual([
      { role: 'anon', select: false, insert: false, sequence: false, execute: true },
      { role: 'authenticated', select: false, insert: false, sequence: false, execute: true },
      { role: 'service_role', select: true, insert: true, sequence: true, execute: true },
    ]);
  });

  it('supabase: anon and authenticated reach new tables, sequences and functions too', async () => {
    await applyDefaultGrants({ DATABASE_URL: url, DB_DEFAULT_GRANTS: 'supabase' }, log);
    expect(await rightsOn('supa')).toEqual([
      { role: 'anon', select: true, insert: true, sequence: true, execute: true },
      { role: 'authenticated', select: true, insert: true, sequence: true, execute: true },
      { role: 'service_role', select: true, insert: true, sequence: true, execute: true },
    ]);
  });

  it('switching back revokes the defaults for later objects; earlier ones keep their grants', async () => {
    await applyDefaultGrants({ DATABASE_URL: url, DB_DEFAULT_GRANTS: 'service_role' }, log);
    expect((await rightsOn('back')).find((r) => r.role === 'anon')).toEqual({ role: 'anon', select: false, insert: false, sequence: false, execute: true });
    const { rows } = await client.query(`SELECT has_table_privilege('anon', 'public.t_supa', 'SELECT') AS kept`);
    expect(rows[0].kept).toBe(true);
  });
});
