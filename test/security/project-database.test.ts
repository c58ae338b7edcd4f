/**
 * A Management API project's owner never becomes superuser and reaches no other database
 * (issue 13, items 1 and 8).
 *
 * As owner_<ref>, in its own database, each attack plants a trap: a function, operator or
 * domain that, when the server's SQL resolves to it, logs who called it and runs
 * `ALTER ROLE owner_<ref> SUPERUSER` if the caller is a superuser. Traps sit in `public`
 * (exact-match overloads, which beat pg_catalog's under the default search_path) or in a
 * schema `evil` that `ALTER DATABASE … SET search_path` (or the owner's own role setting)
 * puts before pg_catalog. Then the server reads the project's catalog every way it does:
 * fresh sessions (a runtime's first load), a schema-cache reload after DDL and NOTIFY, the
 * data API's OpenAPI and a read, and TypeScript type generation. What must not change:
 * owner_<ref> stays NOSUPERUSER, the set of superusers is the same, no trap ran as one.
 *
 * Then the doors: the owner, and the login the server uses in the project database, open
 * neither the control database nor another project's; and a function the owner exposes on
 * its data API, which can turn back into the session's login (PostgreSQL lets a session
 * return to its session user), cannot turn that into a password for another database.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { apiUrl, databaseUrl, db } from '../support/env.ts';
import { poll } from '../support/processes.ts';
import { newOrganization, newProject, newToken, v1, type V1 } from '../management/core-support.ts';
import { databaseUrlAs, tryConnect } from '../support/management.ts';

const PASS = 'Attacker-pass-42';
const VICTIM_PASS = 'Victim-pass-42';
const CONTROL_DB = new URL(databaseUrl).pathname.slice(1);

const urlAs = databaseUrlAs;

/** PostgreSQL refuses the connection for want of CONNECT on the database. */
async function expectNoConnect(url: string) {
  const r = await tryConnect(url);
  expect(r === true ? 'connected' : r).toMatch(/permission denied for database/);
}

let call: V1;
let orgSlug: string;
let ref: string;
let owner: string;
let dbName: string;
let victim: { ref: string; dbName: string; owner: string };
let keys: { anon: string; service_role: string };
let superusers: string[];

/** SQL as owner_<ref> in its own database. Its session pins its own search_path, so the traps never catch the owner's own statements. */
async function asOwner<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<T>> {
  const c = new pg.Client({ connectionString: urlAs(owner, PASS, dbName), options: '-c search_path=public' });
  await c.connect();
  try {
    return await c.query<T>(sql, params);
  } finally {
    await c.end();
  }
}

const rest = (path: string, init: RequestInit = {}, key = keys.service_role) =>
  fetch(`${apiUrl}/project/${ref}/rest/v1${path}`, { ...init, headers: { apikey: key, Authorization: `Bearer ${key}`, ...(init.headers ?? {}) } });

/** The logins the server's sessions in the project database use (schema cache, listener, data API). */
async function serverLogins(): Promise<string[]> {
  const { rows } = await db().query<{ usename: string }>(
    `SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'basalt-%' ORDER BY 1`,
    [dbName],
  );
  return rows.map((r) => r.usename);
}

/** Ends the server's sessions in the project database: the ones it opens next read the database and role settings afresh. */
async function freshServerSessions() {
  await db().query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'basalt-%'`, [dbName]);
  // The pools drop the ended sessions as they notice; wait until the data API answers again.
  await poll(async () => ((await rest('/things?select=id', {}, keys.anon).catch(() => undefined))?.status === 200 ? true : undefined), 'the data API to answer again', 10_000);
}

/** DDL and NOTIFY, then waits until the data API's OpenAPI shows the new comment: the schema cache reloaded. */
async function reloadSchemaCache(marker: string) {
  await asOwner(`COMMENT ON TABLE public.things IS '${marker.replaceAll("'", "''")}'; NOTIFY pgrst, 'reload schema'`);
  await poll(
    async () => {
      const r = await rest('/').catch(() => undefined);
      if (r?.status !== 200) return undefined;
      const doc = (await r.json()) as { definitions?: Record<string, { description?: string }> };
      return doc.definitions?.things?.description === marker ? true : undefined;
    },
    `the schema cache to reload (${marker})`,
    10_000,
    100,
  );
}

/**
 * Every way the server reads the project's catalog: fresh sessions (as a runtime's first
 * load has), a reload after DDL and NOTIFY, the OpenAPI root, a read, type generation.
 * Answers what each did, so that escalation is checked before whether they worked.
 */
async function readCatalogEveryWay(marker: string) {
  const ok = async (f: () => Promise<unknown>) => f().then(() => true, (e: Error) => e.message);
  const fresh = await ok(freshServerSessions);
  const reloaded = await ok(() => reloadSchemaCache(marker));
  const types = await call('GET', `/projects/${ref}/types/typescript?included_schemas=public`);
  const read = await rest('/things?select=id,label', {}, keys.anon);
  const root = await rest('/', {}, keys.anon);
  return {
    fresh,
    reloaded,
    types: types.status === 200 && /things: \{\s*Row: \{\s*id: number\s*label: string \| null/.test(types.json().types) ? 'things typed' : types.text.slice(0, 300),
    read: read.status === 200 ? await read.json() : await read.text(),
    openapi: root.status === 200 ? Object.keys(((await root.json()) as { paths: object }).paths).includes('/things') : await root.text(),
  };
}

const WORKED = { fresh: true, reloaded: true, types: 'things typed', read: [{ id: 1, label: 'one' }], openapi: true };

/** What must not change, and what the traps saw. */
async function expectNoEscalation() {
  const { rows } = await db().query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [owner]);
  expect(rows).toEqual([{ rolsuper: false }]);
  expect(await currentSuperusers()).toEqual(superusers);
  const trapped = await asOwner<{ trap: string; cur: string; sess: string; super: boolean }>('SELECT trap, cur, sess, super FROM public.trap_log ORDER BY id');
  expect(trapped.rows.filter((r) => r.super), JSON.stringify(trapped.rows)).toEqual([]);
}

const currentSuperusers = async () => (await db().query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolsuper ORDER BY 1')).rows.map((r) => r.rolname);

/**
 * The trap every planted object calls: logs the caller (through a SECURITY DEFINER helper,
 * so any caller can write the log), then makes the owner a superuser if the caller is one.
 * Its own search_path is pinned, so the operators it uses are pg_catalog's, not the traps.
 */
const trapSql = (ownerRole: string) => `
CREATE TABLE public.trap_log (id serial PRIMARY KEY, trap text NOT NULL, cur text NOT NULL, sess text NOT NULL, super boolean NOT NULL);
REVOKE ALL ON public.trap_log FROM anon, authenticated, service_role;
CREATE FUNCTION public.trap_record(trap text, cur text, sess text, super boolean) RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $f$ INSERT INTO public.trap_log (trap, cur, sess, super) VALUES (trap, cur, sess, super) $f$;
CREATE FUNCTION public.trap(trap text) RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$
DECLARE su boolean;
BEGIN
  SELECT r.rolsuper INTO su FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) current_user;
  PERFORM public.trap_record(trap, current_user::text, session_user::text, su);
  IF su THEN EXECUTE pg_catalog.format('ALTER ROLE %I SUPERUSER', '${ownerRole}'); END IF;
END $f$;
GRANT EXECUTE ON FUNCTION public.trap(text), public.trap_record(text, text, text, boolean) TO PUBLIC;
CREATE SCHEMA evil;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
CREATE TABLE public.things (id int PRIMARY KEY, label text);
INSERT INTO public.things VALUES (1, 'one');
GRANT SELECT ON public.things TO anon;
-- A foreign key and a view: the catalog queries that read them run only when they exist.
CREATE TABLE public.thing_notes (id int PRIMARY KEY, thing_id int REFERENCES public.things (id));
CREATE VIEW public.thing_labels AS SELECT id, label FROM public.things;`;

/** A function `schema.name(args)` that springs the trap, then answers as the real one (`real`) would. */
const shadowFn = (schema: string, name: string, args: string, returns: string, real: string) => ({
  install: `CREATE FUNCTION ${schema}.${name}(${args}) RETURNS ${returns}
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
    AS $f$ BEGIN PERFORM public.trap('${schema}.${name}(${args})'); RETURN ${real}; END $f$;`,
  drop: `DROP FUNCTION ${schema}.${name}(${args}) CASCADE;`,
});

let opCount = 0;
/** An operator `schema.op(left, right)` that springs the trap, then compares as `real` does. */
const shadowOp = (schema: string, op: string, left: string, right: string, real: string) => {
  const fn = `${schema}.trap_op_${++opCount}`;
  return {
    install: `CREATE FUNCTION ${fn}(${left}, ${right}) RETURNS boolean
      LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
      AS $f$ BEGIN PERFORM public.trap('${schema}.${op} (${left}, ${right})'); RETURN ${real}; END $f$;
    CREATE OPERATOR ${schema}.${op} (LEFTARG = ${left}, RIGHTARG = ${right}, FUNCTION = ${fn});`,
    drop: `DROP FUNCTION ${fn}(${left}, ${right}) CASCADE;`,
  };
};

/** The database's (or the owner's) search_path puts `evil` before pg_catalog, for sessions that start afterwards. */
const DATABASE_PATH = () => ({
  install: `ALTER DATABASE ${dbName} SET search_path = evil, pg_catalog;`,
  drop: `ALTER DATABASE ${dbName} RESET search_path;`,
});
const ROLE_PATH = () => ({
  install: `ALTER ROLE ${owner} SET search_path = evil, pg_catalog; ALTER ROLE ${owner} IN DATABASE ${dbName} SET search_path = evil, pg_catalog;`,
  drop: `ALTER ROLE ${owner} RESET search_path; ALTER ROLE ${owner} IN DATABASE ${dbName} RESET search_path;`,
});

type Plant = { install: string; drop: string };
const combine = (...p: Plant[]): Plant => ({ install: p.map((x) => x.install).join('\n'), drop: [...p].reverse().map((x) => x.drop).join('\n') });

/** pg_catalog's own signatures, in `evil`: they win only where the search_path puts evil first. */
const evilShadows = () => [
  shadowFn('evil', 'col_description', 'pg_catalog.oid, pg_catalog.int4', 'pg_catalog.text', 'pg_catalog.col_description($1, $2)'),
  shadowFn('evil', 'format_type', 'pg_catalog.oid, pg_catalog.int4', 'pg_catalog.text', 'pg_catalog.format_type($1, $2)'),
  shadowFn('evil', 'obj_description', 'pg_catalog.oid, pg_catalog.name', 'pg_catalog.text', 'pg_catalog.obj_description($1, $2)'),
  shadowFn('evil', 'pg_has_role', 'pg_catalog.name, pg_catalog.oid, pg_catalog.text', 'boolean', 'pg_catalog.pg_has_role($1, $2, $3)'),
  shadowFn('evil', 'pg_has_role', 'pg_catalog.oid, pg_catalog.text', 'boolean', 'pg_catalog.pg_has_role($1, $2)'),
  shadowOp('evil', '=', 'pg_catalog.name', 'pg_catalog.text', '$1 OPERATOR(pg_catalog.=) $2'),
];

/**
 * `text` itself: a domain evil.text whose CHECK springs the trap. Under `evil, pg_catalog`,
 * `$1::text[]` in the server's SQL becomes evil.text[] and checks every element. (A
 * non-superuser cannot CREATE CAST between built-in types; a domain is the cast it can make.)
 */
const evilText = (): Plant => ({
  install: `CREATE FUNCTION evil.text_ok(pg_catalog.text) RETURNS boolean
      LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
      AS $f$ BEGIN PERFORM public.trap('domain evil.text'); RETURN true; END $f$;
    CREATE DOMAIN evil.text AS pg_catalog.text CHECK (evil.text_ok(VALUE));`,
  drop: `DROP DOMAIN evil.text CASCADE; DROP FUNCTION evil.text_ok(pg_catalog.text);`,
});

const ATTACKS: Array<[string, () => Plant]> = [
  // Exact matches for calls in the server's catalog SQL (src/shared/catalog) and typegen's.
  ['public.col_description(oid, smallint) (col_description(c.oid, a.attnum))', () => shadowFn('public', 'col_description', 'oid, smallint', 'text', 'pg_catalog.col_description($1, $2::int4)')],
  ['public.format_type(oid, text) (format_type(t, NULL): unknown prefers text)', () => shadowFn('public', 'format_type', 'oid, text', 'text', 'pg_catalog.format_type($1, $2::int4)')],
  ["public.obj_description(oid, text) (obj_description(c.oid, 'pg_class'))", () => shadowFn('public', 'obj_description', 'oid, text', 'text', 'pg_catalog.obj_description($1, $2::name)')],
  ["public.pg_has_role(text, oid, text) (roles.sql's pg_has_role(login::text, r.oid, 'MEMBER'))", () => shadowFn('public', 'pg_has_role', 'text, oid, text', 'boolean', 'pg_catalog.pg_has_role($1::name, $2, $3)')],
  ['public.pg_total_relation_size(text) (typegen: pg_total_relation_size(format(…)))', () => shadowFn('public', 'pg_total_relation_size', 'text', 'bigint', 'pg_catalog.pg_total_relation_size($1::regclass)')],
  ['public.pg_column_is_updatable(oid, smallint, boolean) (typegen)', () => shadowFn('public', 'pg_column_is_updatable', 'oid, smallint, boolean', 'boolean', 'pg_catalog.pg_column_is_updatable($1::regclass, $2, $3)')],
  ['public.array_position(smallint[], smallint) (primary keys in order)', () => shadowFn('public', 'array_position', 'smallint[], smallint', 'integer', 'pg_catalog.array_position($1, $2)')],
  ['operator public.<> (oid, integer) (p.provariadic <> 0)', () => shadowOp('public', '<>', 'oid', 'integer', '$1 OPERATOR(pg_catalog.<>) $2::oid')],
  ['operator public.@> (smallint[], smallint[]) (i.indkey::int2[] @> con.conkey)', () => shadowOp('public', '@>', 'smallint[]', 'smallint[]', '$1 OPERATOR(pg_catalog.@>) $2')],
  // pg_catalog's exact signatures in a schema the database's search_path puts first.
  ['ALTER DATABASE … SET search_path = evil, pg_catalog with evil.col_description(oid, integer)', () => combine(evilShadows()[0], DATABASE_PATH())],
  ['ALTER DATABASE … SET search_path = evil, pg_catalog with evil.format_type(oid, integer)', () => combine(evilShadows()[1], DATABASE_PATH())],
  ['ALTER DATABASE … SET search_path = evil, pg_catalog with evil.obj_description(oid, name)', () => combine(evilShadows()[2], DATABASE_PATH())],
  ['ALTER DATABASE … SET search_path = evil, pg_catalog with evil.pg_has_role(…)', () => combine(evilShadows()[3], evilShadows()[4], DATABASE_PATH())],
  ['ALTER DATABASE … SET search_path = evil, pg_catalog with operator evil.= (name, text)', () => combine(evilShadows()[5], DATABASE_PATH())],
  ['ALTER DATABASE … SET search_path = evil, pg_catalog with a domain evil.text (casts to text)', () => combine(evilText(), DATABASE_PATH())],
  ['ALTER ROLE owner SET search_path = evil, pg_catalog (and IN DATABASE) with every evil shadow', () => combine(...evilShadows(), ROLE_PATH())],
];

beforeAll(async () => {
  call = v1((await newToken('security project-database')).token);
  const org = await newOrganization(call, 'security project-database org');
  orgSlug = org.slug;
  const [p, q] = await Promise.all([newProject(call, org.slug, 'attacker', PASS), newProject(call, org.slug, 'victim', VICTIM_PASS)]);
  ref = p.ref;
  owner = `owner_${ref}`;
  dbName = `project_${ref}`;
  victim = { ref: q.ref, dbName: `project_${q.ref}`, owner: `owner_${q.ref}` };
  const k = (await call('GET', `/projects/${ref}/api-keys`)).json() as Array<{ name: string; api_key: string }>;
  keys = { anon: k.find((x) => x.name === 'anon')!.api_key, service_role: k.find((x) => x.name === 'service_role')!.api_key };
  superusers = await currentSuperusers();
  expect(superusers).not.toContain(owner);
  await asOwner(trapSql(owner));
  const v = new pg.Client({ connectionString: urlAs(victim.owner, VICTIM_PASS, victim.dbName) });
  await v.connect();
  await v.query(`CREATE TABLE public.secrets (id int PRIMARY KEY, v text); INSERT INTO public.secrets VALUES (1, 'victim secret')`);
  await v.end();
}, 120_000);

afterAll(async () => {
  if (victim) await call('DELETE', `/projects/${victim.ref}`);
  if (ref) await call('DELETE', `/projects/${ref}`);
}, 60_000);

describe("a project owner's traps in the catalog the server reads", () => {
  let planted: Plant | undefined;

  afterEach(async () => {
    // Whatever happened, the next attack starts clean: its traps gone, no server session
    // left with the old settings, the owner not a superuser.
    if (planted) await asOwner(planted.drop);
    planted = undefined;
    await db().query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'basalt-%'`, [dbName]);
    await db().query(`ALTER ROLE ${owner} NOSUPERUSER`);
  });

  it.each(ATTACKS)('%s: the owner stays NOSUPERUSER', async (name, plant) => {
    planted = plant();
    await asOwner(`TRUNCATE public.trap_log; ${planted.install}`);
    const seen = await readCatalogEveryWay(`after ${name}`);
    await expectNoEscalation();
    expect(seen).toEqual(WORKED);
  });

  it("cannot give the server's logins a search_path of its choosing", async () => {
    await freshServerSessions();
    const logins = await serverLogins();
    expect(logins.length).toBeGreaterThan(0);
    for (const login of logins) {
      for (const sql of [`ALTER ROLE "${login}" SET search_path = evil, pg_catalog`, `ALTER ROLE "${login}" IN DATABASE ${dbName} SET search_path = evil, pg_catalog`]) {
        await expect(asOwner(sql), sql).rejects.toThrow(/permission denied|must be/);
      }
    }
    const { rows } = await db().query(`SELECT rolname, rolconfig FROM pg_roles WHERE rolname = ANY($1) AND rolconfig IS NOT NULL`, [logins]);
    expect(rows).toEqual([]);
  });
});

describe('no door out of the project database', () => {
  it('the server reaches the project database only through logins that are not superusers', async () => {
    await freshServerSessions();
    await reloadSchemaCache('logins');
    const logins = await serverLogins();
    expect(logins.length).toBeGreaterThan(0);
    const { rows } = await db().query('SELECT rolname, rolsuper FROM pg_roles WHERE rolname = ANY($1) ORDER BY 1', [logins]);
    expect(rows.filter((r) => r.rolsuper)).toEqual([]);
  });

  it('the owner cannot connect to the control database or to another project', async () => {
    expect(await tryConnect(urlAs(owner, PASS, dbName))).toBe(true);
    await expectNoConnect(urlAs(owner, PASS, CONTROL_DB));
    await expectNoConnect(urlAs(owner, PASS, victim.dbName));
  });

  it("the server's logins in a project database cannot open the control database or another project's", async () => {
    await freshServerSessions();
    const logins = await serverLogins();
    expect(logins.length).toBeGreaterThan(0);
    for (const db_ of [CONTROL_DB, victim.dbName]) {
      const { rows } = await db().query(
        `SELECT r.rolname FROM pg_roles r WHERE r.rolname = ANY($1) AND has_database_privilege(r.oid, $2, 'CONNECT')`,
        [logins, db_],
      );
      expect(rows, db_).toEqual([]);
    }
  });

  it('a project database lets in only its owner and its own data-API login', async () => {
    expect((await rest('/things?select=id', {}, keys.anon)).status).toBe(200);
    const { rows } = await db().query<{ rolname: string }>(
      `SELECT rolname FROM pg_roles WHERE rolcanlogin AND NOT rolsuper AND has_database_privilege(oid, $1, 'CONNECT') ORDER BY 1`,
      [dbName],
    );
    // Not the shared authenticator, which also opens the control database (docs/security.md).
    expect(rows.map((r) => r.rolname)).toEqual([`${dbName}_authenticator`, owner].sort());
    expect(await serverLogins()).toEqual([`${dbName}_authenticator`]);
  });

  it('neither the control database nor a project database lets PUBLIC connect', async () => {
    const { rows } = await db().query(
      `SELECT datname FROM pg_database d
        WHERE datname = ANY($1)
          AND (d.datacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(d.datacl) a WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT'))`,
      [[CONTROL_DB, dbName, victim.dbName]],
    );
    expect(rows).toEqual([]);
  });

  it("a data-API function that returns to the session's login cannot make it a key to another database", async () => {
    // Any function the owner exposes runs with the request's role, but PostgreSQL lets it
    // return to the session user (set_config('role', 'none')), and a role may change its own
    // password: the server's login in this database must be one that opens nothing else.
    const STOLEN = 'Stolen-pass-42';
    await asOwner(`CREATE FUNCTION public.hijack() RETURNS json LANGUAGE plpgsql AS $f$
      DECLARE login text := session_user;
      BEGIN
        PERFORM pg_catalog.set_config('role', 'none', true);
        EXECUTE pg_catalog.format('ALTER ROLE %I PASSWORD %L', login, '${STOLEN}');
        RETURN pg_catalog.json_build_object('login', login);
      END $f$;
      GRANT EXECUTE ON FUNCTION public.hijack() TO anon;
      NOTIFY pgrst, 'reload schema';`);
    // The login the data API's sessions use, and its password as it is now.
    const passwordOf = async (login: string) =>
      (await db().query<{ rolpassword: string | null }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [login])).rows[0]?.rolpassword;
    expect((await rest('/things?select=id', {}, keys.anon)).status).toBe(200);
    const [current] = (await db().query<{ usename: string }>(
      `SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`,
      [dbName, `basalt-rest-${ref}`],
    )).rows;
    const saved = current && { login: current.usename, rolpassword: await passwordOf(current.usename) };
    const res = await poll(async () => {
      const r = await rest('/rpc/hijack', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }, keys.anon);
      return r.status === 404 ? undefined : r;
    }, 'hijack() to be served');
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    const login: string = body.login;
    try {
      // The stolen password opens only the project's own database.
      await expectNoConnect(urlAs(login, STOLEN, CONTROL_DB));
      await expectNoConnect(urlAs(login, STOLEN, victim.dbName));
      const { rows } = await db().query(`SELECT d.datname FROM pg_database d WHERE has_database_privilege($1, d.oid, 'CONNECT') AND d.datname = ANY($2)`, [
        login,
        [CONTROL_DB, victim.dbName],
      ]);
      expect(rows).toEqual([]);
    } finally {
      // The server keeps working: its next session as this login would be refused, so put the
      // password back as the test found it (a SCRAM secret is stored as given).
      if (saved && saved.login === login) await db().query(`ALTER ROLE "${login}" PASSWORD '${saved.rolpassword}'`);
    }
  });

  it('a new project database admits no tenant login until its set-up (run as the superuser) is committed', async () => {
    // Provisioning is the one time the server works in a project database as its own login;
    // its owner, or another tenant, connecting meanwhile could lay objects in its way.
    const EARLY_PASS = 'Early-bird-pass-42';
    const r = await call('POST', '/projects', { body: { name: 'early', organization_slug: orgSlug, db_pass: EARLY_PASS } });
    expect(r.status).toBe(201);
    const early = r.json().ref as string;
    const earlyDb = `project_${early}`;
    const admitted: Array<{ user: string; ready: boolean; owner: string }> = [];
    let active = false;
    const probe = async (user: string, password: string) => {
      const c = new pg.Client({ connectionString: urlAs(user, password, earlyDb) });
      try {
        await c.connect();
        const { rows } = await c.query(
          `SELECT pg_catalog.to_regprocedure('basalt.notify_schema_change()') IS NOT NULL AS ready,
                  (SELECT d.datdba::regrole::text FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()) AS owner`,
        );
        admitted.push({ user, ...rows[0] });
      } catch {
        // refused, or the database is not there yet
      } finally {
        await c.end().catch(() => {});
      }
    };
    const watch = poll(async () => {
      const { rows } = await db().query('SELECT status FROM basalt.management_projects WHERE ref = $1', [early]);
      return rows[0]?.status === 'COMING_UP' ? undefined : rows[0]?.status;
    }, `project ${early} provisioned`, 60_000, 20).finally(() => (active = true));
    while (!active) await Promise.all([probe(`owner_${early}`, EARLY_PASS), probe(victim.owner, VICTIM_PASS)]);
    try {
      expect(await watch).toBe('ACTIVE_HEALTHY');
      // Whoever got in, got in after the set-up, into a database that is the owner's by then.
      expect(admitted.filter((a) => a.user !== `owner_${early}` || !a.ready)).toEqual([]);
      await expectNoConnect(urlAs(victim.owner, VICTIM_PASS, earlyDb));
      expect(await tryConnect(urlAs(`owner_${early}`, EARLY_PASS, earlyDb))).toBe(true);
    } finally {
      await call('DELETE', `/projects/${early}`);
    }
  }, 90_000);

  it('the legitimate paths still work: the owner in its own database, its types, its data API', async () => {
    await asOwner(`INSERT INTO public.things VALUES (2, 'two') ON CONFLICT DO NOTHING`);
    const types = await call('GET', `/projects/${ref}/types/typescript`);
    expect(types.status).toBe(200);
    expect(types.json().types).toContain('things: {');
    const read = await rest('/things?select=id,label&order=id', {}, keys.anon);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual([
      { id: 1, label: 'one' },
      { id: 2, label: 'two' },
    ]);
  });
});
