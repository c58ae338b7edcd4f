/**
 * Raw SQL is bounded by the role it runs as (issue 13, item 6). Each attack below is checked
 * twice: what the caller sees (a 4xx in the Database API's shape, nothing secret in the body)
 * and that nothing changed, read through a superuser client. Where the parse-tree rules already
 * refuse the text, the test also asks PostgreSQL whether the mode's session role could have done
 * it anyway: the rules explain refusals, the role is the guarantee.
 */
import { mkdtempSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, databaseUrl, db, redisUrl, testEnv } from '../support/env.ts';
import { toReply, type Reply } from '../support/http.ts';
import { startProcess, stopProcess, whenReady, type Started } from '../support/processes.ts';
import { freePort } from '../../scripts/local-services.ts';

type Mode = 'strict' | 'relaxed';
const endpoint = (mode: Mode, base = apiUrl) => `${base}/api/database/advance/rawsql${mode === 'relaxed' ? '/unrestricted' : ''}`;
const run = async (mode: Mode, query: string, base = apiUrl): Promise<Reply> =>
  toReply(await fetch(endpoint(mode, base), { method: 'POST', headers: { Authorization: adminAuth, 'Content-Type': 'application/json' }, body: JSON.stringify({ query }) }));

const tag = `rsr_${process.pid}_${Date.now()}`;
// A file the database server can read, with a value that must never come back in a body.
const dir = mkdtempSync(path.join(os.tmpdir(), 'basalt-rawsql-roles-'));
chmodSync(dir, 0o755);
const secretFile = path.join(dir, 'secret.txt');
const secret = `secret${tag}`;
writeFileSync(secretFile, `${secret}\n`, { mode: 0o644 });
const programMarker = path.join(dir, 'program-ran');

/** The role each mode's SQL runs as, as PostgreSQL reports it. */
const sessionRole: Partial<Record<Mode, string>> = {};
async function roleOf(mode: Mode): Promise<string> {
  if (!sessionRole[mode]) {
    const res = await run(mode, 'SELECT session_user::text AS s');
    expect(res.status).toBe(200);
    sessionRole[mode] = res.json().rows[0].s as string;
  }
  return sessionRole[mode]!;
}

/** Attributes and memberships of every role a test could have changed. */
async function rolesSnapshot(): Promise<unknown> {
  const { rows } = await db().query(
    `SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls, r.rolcanlogin,
            ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid ORDER BY 1) AS member_of
       FROM pg_roles r WHERE r.rolname IN ('basalt_sql_strict', 'basalt_sql_relaxed', 'authenticator', 'anon', 'service_role', current_user)
      ORDER BY r.rolname`,
  );
  return rows;
}

/** What a 4xx refusal looks like in the Database API's envelope, with no secret in it. */
function expectRefused(res: Reply, status?: number): void {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  if (status) expect(res.status).toBe(status);
  expect(res.json()).toMatchObject({ error: expect.any(String), message: expect.any(String), statusCode: res.status });
  expect(res.text).not.toContain(secret);
  expect(res.text).not.toContain('SCRAM-SHA-256$');
}

/** One superuser query answering one boolean. */
const ask = async (sql: string, params: unknown[]): Promise<boolean> => (await db().query(sql, params)).rows[0].ok as boolean;
const canExecute = (role: string, fn: string) => ask(`SELECT has_function_privilege($1, $2, 'EXECUTE') AS ok`, [role, fn]);
/** Superuser itself, or a member of a superuser role (which SET ROLE would reach). */
const reachesSuperuser = (role: string) => ask(`SELECT EXISTS (SELECT 1 FROM pg_roles s WHERE s.rolsuper AND pg_has_role($1, s.oid, 'MEMBER')) AS ok`, [role]);
const memberOf = (role: string, group: string) => ask(`SELECT pg_has_role($1, $2, 'MEMBER') AS ok`, [role, group]);

let before: unknown;
beforeAll(async () => {
  before = await rolesSnapshot();
});
afterAll(async () => {
  // Only the old code (a superuser session) could have left these behind.
  await db().query(`DELETE FROM pg_catalog.pg_proc WHERE proname LIKE 'rsr\\_%'`);
  await db().query(`DELETE FROM basalt.api_keys WHERE key_name LIKE 'rsr\\_%'`);
  await db().query('DROP EXTENSION IF EXISTS tablefunc');
  rmSync(dir, { recursive: true, force: true });
});

describe('raw SQL runs as its own roles', () => {
  it.each(['strict', 'relaxed'] as const)('%s mode: current_user and session_user are the dedicated login, which is no superuser', async (mode) => {
    const res = await run(mode, `SELECT current_user::text AS c, session_user::text AS s, current_setting('search_path') AS p`);
    expect(res.status).toBe(200);
    const want = mode === 'strict' ? 'basalt_sql_strict' : 'basalt_sql_relaxed';
    // The caller's SQL sees PostgreSQL's default path, whatever the server pins on its sessions.
    expect(res.json().rows).toEqual([{ c: want, s: want, p: '"$user", public' }]);
    const { rows } = await db().query(`SELECT rolsuper, rolcanlogin FROM pg_roles WHERE rolname = $1`, [want]);
    expect(rows).toEqual([{ rolsuper: false, rolcanlogin: true }]);
    expect(await reachesSuperuser(want)).toBe(false);
    for (const g of ['pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program']) expect(await memberOf(want, g)).toBe(false);
  });

  it('strict mode cannot create extensions: it neither owns the database nor has CREATE on it', async () => {
    const role = await roleOf('strict');
    expect(await ask(`SELECT has_database_privilege($1, current_database(), 'CREATE') AS ok`, [role])).toBe(false);
    expect(await ask(`SELECT pg_has_role($1, (SELECT datdba FROM pg_database WHERE datname = current_database()), 'MEMBER') AS ok`, [role])).toBe(false);
  });
});

describe('raw SQL attacks: strict mode', () => {
  it('ts_stat cannot read a server file', async () => {
    const res = await run('strict', `SELECT word FROM ts_stat($$SELECT array_to_tsvector(ARRAY[pg_read_file('${secretFile}')])$$)`);
    expectRefused(res, 403);
    expect(res.json().message).toContain("rule 'dynamic-sql'");
    expect(await canExecute(await roleOf('strict'), 'pg_read_file(text)')).toBe(false);
  });

  it('ts_stat cannot read pg_authid password hashes', async () => {
    const res = await run('strict', `SELECT word FROM ts_stat($$SELECT array_to_tsvector(ARRAY[rolpassword]) FROM pg_authid WHERE rolpassword IS NOT NULL$$)`);
    expectRefused(res, 403);
    expect(await ask(`SELECT has_table_privilege($1, 'pg_catalog.pg_authid', 'SELECT') AS ok`, [await roleOf('strict')])).toBe(false);
  });

  it('ts_rewrite with an SQL string cannot read a server file', async () => {
    const res = await run('strict', `SELECT ts_rewrite('a'::tsquery, $$SELECT 'a'::tsquery, quote_literal(pg_read_file('${secretFile}'))::tsquery$$)`);
    expectRefused(res, 403);
    expect(res.json().message).toContain("rule 'dynamic-sql'");
    expect(await canExecute(await roleOf('strict'), 'pg_read_file(text)')).toBe(false);
  });

  it('cannot CREATE EXTENSION tablefunc and then read a file through crosstab', async () => {
    const create = await run('strict', 'CREATE EXTENSION IF NOT EXISTS tablefunc');
    expectRefused(create, 400);
    expect(create.json().message).toContain('permission denied');
    const res = await run('strict', `SELECT * FROM crosstab($$SELECT 'r'::text, 'c'::text, pg_read_file('${secretFile}')$$) AS ct(r text, c text)`);
    expectRefused(res, 403);
    expect(res.json().message).toContain("rule 'dynamic-sql'");
    expect((await db().query(`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'tablefunc'`)).rows[0].n).toBe(0);
  });

  it('cannot copy a pg_proc row (system-tables), and its role could not write pg_catalog anyway', async () => {
    const res = await run('strict', copyProcRow(`${tag}_s`));
    expectRefused(res, 403);
    expect(await ask(`SELECT has_table_privilege($1, 'pg_catalog.pg_proc', 'INSERT') AS ok`, [await roleOf('strict')])).toBe(false);
    expect((await db().query(`SELECT count(*)::int AS n FROM pg_proc WHERE proname = $1`, [`${tag}_s`])).rows[0].n).toBe(0);
  });
});

describe('raw SQL: functions that run SQL text are refused by name, in both modes', () => {
  it.each([
    `SELECT * FROM connectby('t', 'id', 'parent', '1', 0) AS c(id text, parent text, level int)`,
    `SELECT * FROM xpath_table('id', 'doc', 'pg_authid', '/a', 'true') AS x(id int, a text)`,
    `SELECT dblink_connect('c', 'dbname=postgres')`,
    `SELECT * FROM ts_stat('SELECT to_tsvector(rolname) FROM pg_roles', 'a')`,
    `CREATE TRIGGER t BEFORE DELETE ON x FOR EACH ROW EXECUTE FUNCTION check_foreign_key(1, 'cascade', 'id', 'y', 'id')`,
  ])('%s', async (query) => {
    for (const mode of ['strict', 'relaxed'] as const) {
      const res = await run(mode, query);
      expectRefused(res, 403);
      expect(res.json().message).toContain("rule 'dynamic-sql'");
    }
  });

  it('still runs the three-argument ts_rewrite, which runs no SQL', async () => {
    const res = await run('strict', `SELECT ts_rewrite('a & b'::tsquery, 'a'::tsquery, 'c'::tsquery)::text AS q`);
    expect(res.status).toBe(200);
    expect(res.json().rows).toEqual([{ q: "'b' & 'c'" }]);
  });
});

describe('raw SQL attacks: relaxed mode (which promises no file access)', () => {
  it('ts_stat cannot read a server file', async () => {
    const res = await run('relaxed', `SELECT word FROM ts_stat($$SELECT array_to_tsvector(ARRAY[pg_read_file('${secretFile}')])$$)`);
    expectRefused(res, 403);
    expect(res.json().message).toContain("rule 'dynamic-sql'");
    expect(await canExecute(await roleOf('relaxed'), 'pg_read_file(text)')).toBe(false);
  });

  it('ts_stat cannot read pg_authid password hashes', async () => {
    const res = await run('relaxed', `SELECT word FROM ts_stat($$SELECT array_to_tsvector(ARRAY[rolpassword]) FROM pg_authid WHERE rolpassword IS NOT NULL$$)`);
    expectRefused(res, 403);
    // Relaxed mode may read system tables, but not this one: its role is no superuser.
    const direct = await run('relaxed', 'SELECT rolpassword FROM pg_authid WHERE rolpassword IS NOT NULL');
    expectRefused(direct, 400);
    expect(direct.json().message).toContain('permission denied');
  });

  it('cannot insert a copy of pg_read_file under another name into pg_proc and call it', async () => {
    const name = `${tag}_r`;
    const insert = await run('relaxed', copyProcRow(name));
    expectRefused(insert, 400);
    expect(insert.json().message).toContain('permission denied');
    const call = await run('relaxed', `SELECT ${name}('${secretFile}') AS x`);
    expectRefused(call, 400);
    expect((await db().query(`SELECT count(*)::int AS n FROM pg_proc WHERE proname = $1`, [name])).rows[0].n).toBe(0);
  });
});

describe.each(['strict', 'relaxed'] as const)('raw SQL attacks in both modes: %s', (mode) => {
  it('pg_read_file is refused, and the role may not execute it', async () => {
    const res = await run(mode, `SELECT pg_read_file('${secretFile}') AS x`);
    expectRefused(res, 403);
    expect(res.json().message).toContain("rule 'file-access'");
    const role = await roleOf(mode);
    for (const fn of ['pg_read_file(text)', 'pg_read_binary_file(text)', 'pg_ls_dir(text)']) expect(await canExecute(role, fn)).toBe(false);
    expect(await memberOf(role, 'pg_read_server_files')).toBe(false);
  });

  it('COPY … TO PROGRAM is refused, runs nothing, and the role may not run programs', async () => {
    const res = await run(mode, `COPY (SELECT 1) TO PROGRAM 'touch ${programMarker}'`);
    expectRefused(res, 403);
    expect(existsSync(programMarker)).toBe(false);
    const role = await roleOf(mode);
    expect(await memberOf(role, 'pg_execute_server_program')).toBe(false);
    expect(await reachesSuperuser(role)).toBe(false);
  });

  it('lo_import is refused, imports nothing, and the role may not execute it', async () => {
    const count = async () => (await db().query(`SELECT count(*)::int AS n FROM pg_largeobject_metadata`)).rows[0].n as number;
    const n = await count();
    const res = await run(mode, `SELECT lo_import('${secretFile}') AS oid`);
    expectRefused(res, 403);
    expect(await count()).toBe(n);
    expect(await canExecute(await roleOf(mode), 'lo_import(text)')).toBe(false);
  });

  it.each([
    ['SET ROLE postgres'],
    ['RESET ROLE'],
    [`SELECT set_config('role', 'postgres', false)`],
  ])('%s then pg_read_file is refused, and the session user cannot become a superuser', async (first) => {
    const res = await run(mode, `${first}; SELECT pg_read_file('${secretFile}') AS x`);
    expectRefused(res, 403);
    expect(res.json().message).toContain("rule 'session-role'");
    // RESET ROLE returns to the session user: it must be the dedicated login, not a superuser.
    const role = await roleOf(mode);
    expect(role).toBe(mode === 'strict' ? 'basalt_sql_strict' : 'basalt_sql_relaxed');
    expect(await reachesSuperuser(role)).toBe(false);
    expect(await rolesSnapshot()).toEqual(before);
  });

  it('cannot write basalt.api_keys', async () => {
    const name = `${tag}_${mode}`;
    const res = await run(mode, `INSERT INTO basalt.api_keys (schema_name, key_name, key_type, key_prefix, key_hash) VALUES ('public', '${name}', 'service_role', 'rsr', '\\x${Buffer.from(name).toString('hex')}')`);
    expectRefused(res);
    expect(await ask(`SELECT has_table_privilege($1, 'basalt.api_keys', 'INSERT') AS ok`, [await roleOf(mode)])).toBe(false);
    expect((await db().query(`SELECT count(*)::int AS n FROM basalt.api_keys WHERE key_name = $1`, [name])).rows[0].n).toBe(0);
  });

  it('cannot CREATE EXTENSION', async () => {
    const res = await run(mode, 'CREATE EXTENSION tablefunc');
    expectRefused(res, 400);
    expect(res.json().message).toContain('permission denied');
    expect((await db().query(`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'tablefunc'`)).rows[0].n).toBe(0);
  });

  it('left every role as it was', async () => {
    expect(await rolesSnapshot()).toEqual(before);
  });
});

/** INSERT … SELECT copying pg_read_file(text)'s pg_proc row under `name`, executable by PUBLIC (the name appears only in a string). */
function copyProcRow(name: string): string {
  return `INSERT INTO pg_catalog.pg_proc
    SELECT (4000000000 - (random() * 1000000)::int)::oid, '${name}', pronamespace, proowner, prolang, procost, prorows, provariadic, prosupport,
           prokind, prosecdef, proleakproof, proisstrict, proretset, provolatile, proparallel, pronargs, pronargdefaults, prorettype,
           proargtypes, proallargtypes, proargmodes, proargnames, proargdefaults, protrftypes, prosrc, probin, prosqlbody, proconfig, NULL
      FROM pg_catalog.pg_proc WHERE oid = 'pg_catalog.pg_read_file(text)'::regprocedure`;
}

describe('raw SQL when its login cannot connect', () => {
  // An API of its own on a database of its own, reached through a TCP proxy: revoking CONNECT
  // there (the role cannot log in) or closing the proxy (the database is down) disturbs nobody else.
  const dbName = `basalt_rsr_${process.pid}`;
  let api: Started | undefined;
  let proxy: net.Server | undefined;
  const sockets = new Set<net.Socket>();
  let base = '';

  beforeAll(async () => {
    await db().query(`DROP DATABASE IF EXISTS ${dbName}`);
    await db().query(`CREATE DATABASE ${dbName}`);
    const target = new URL(databaseUrl);
    proxy = net.createServer((client) => {
      const server = net.connect(Number(target.port), target.hostname);
      for (const s of [client, server]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(server).pipe(client);
    });
    await new Promise<void>((r) => proxy!.listen(0, '127.0.0.1', () => r()));
    const viaProxy = new URL(databaseUrl);
    viaProxy.port = String((proxy.address() as net.AddressInfo).port);
    viaProxy.pathname = `/${dbName}`;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = startProcess('src/api/main.ts', { ...process.env, ...testEnv({ databaseUrl: viaProxy.toString(), redisUrl, port }), DB_SCHEMAS: 'public', QUEUE_PREFIX: `rsr${port}`, DB_CONNECT_TIMEOUT_MS: '2000' });
    await whenReady(api);
  });
  afterAll(async () => {
    if (api) await stopProcess(api, 'SIGKILL');
    for (const s of sockets) s.destroy();
    proxy?.close();
    await db().query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  });

  const expectUnavailable = (res: Reply, reason: string) => {
    expect(res.status).toBe(503);
    // As on every surface (docs/operations.md).
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.json()).toEqual({
      error: 'DATABASE_UNAVAILABLE',
      message: `Cannot connect to the database to run this query (${reason})`,
      statusCode: 503,
      nextActions: 'Retry after the number of seconds in Retry-After; if it persists, check that PostgreSQL is up and the server log',
      reason,
    });
  };

  it('answers 503 with Retry-After when the role cannot log in', async () => {
    expect((await run('strict', 'SELECT 1 AS one', base)).status).toBe(200);
    await db().query(`REVOKE CONNECT ON DATABASE ${dbName} FROM PUBLIC, basalt_sql_strict, basalt_sql_relaxed`);
    try {
      for (const mode of ['strict', 'relaxed'] as const) expectUnavailable(await run(mode, 'SELECT 1 AS one', base), 'SQLSTATE 42501');
    } finally {
      await db().query(`GRANT CONNECT ON DATABASE ${dbName} TO basalt_sql_strict`);
    }
    expect((await run('relaxed', 'SELECT 1 AS one', base)).status).toBe(200);
  });

  it('answers 503 with Retry-After when the database is down', async () => {
    await new Promise<void>((r) => {
      proxy!.close(() => r());
      for (const s of sockets) s.destroy();
    });
    for (const mode of ['strict', 'relaxed'] as const) expectUnavailable(await run(mode, 'SELECT 1 AS one', base), 'ECONNREFUSED');
  });
});
