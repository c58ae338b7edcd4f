import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, db, restUrl } from '../support/env.ts';
import { poll } from '../support/processes.ts';
import { runMigration } from '../../src/workers/migrations.ts';
import type { Logger } from '../../src/shared/log.ts';
import { serviceKey } from '../support/keys.ts';

const url = `${apiUrl}/api/database/migrations`;
const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { Authorization: adminAuth, 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
const list = async () => (await (await fetch(url, { headers: { Authorization: adminAuth } })).json()).migrations as { version: string; name: string; statements: string[]; createdAt: string }[];

// Versions only grow within the shared test database: start above anything an earlier run applied.
let next = BigInt(Date.now()) * 1000n;
const version = () => String(++next);
const uniq = (p: string) => `${p}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
const exists = async (table: string) => (await db().query(`SELECT to_regclass($1) AS r`, [`public.${table}`])).rows[0].r !== null;

describe('migrations: apply and list', () => {
  it('applies a migration, answers the seed shape and lists it', async () => {
    const t = uniq('mig_posts');
    const v = version();
    const sql = `CREATE TABLE ${t} (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), title text NOT NULL);\nINSERT INTO ${t} (title) VALUES ('a;b');`;
    const res = await post({ version: v, name: 'create_posts_table', sql });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toEqual({
      version: v,
      name: 'create_posts_table',
      statements: [`CREATE TABLE ${t} (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), title text NOT NULL);`, `INSERT INTO ${t} (title) VALUES ('a;b');`],
      createdAt: expect.any(String),
      message: 'Migration executed successfully',
    });
    expect(Number.isNaN(Date.parse(body.createdAt))).toBe(false);
    expect((await db().query(`SELECT title FROM ${t}`)).rows).toEqual([{ title: 'a;b' }]);
    const found = (await list()).find((m) => m.version === v);
    expect(found).toEqual({ version: v, name: 'create_posts_table', statements: body.statements, createdAt: body.createdAt });
  });

  it('compares versions as numbers, not text, and lists them in numeric order', async () => {
    const v = version();
    expect((await post({ version: v, name: 'n1', sql: 'SELECT 1' })).status).toBe(201);
    // Smaller as a number though longer or lexically greater: refused.
    for (const lower of ['9', `000${BigInt(v) - 1n}`, v, `0${v}`]) {
      const r = await post({ version: lower, name: 'lower', sql: 'SELECT 1' });
      expect(r.status, lower).toBe(409);
      expect((await r.json()).error).toBe('MIGRATION_VERSION_CONFLICT');
    }
    // Lexically smaller ('0…' < '1…') but numerically greater: accepted, and kept as spelled.
    const w = `0${BigInt(v) + 1n}`;
    next += 1n;
    const r = await post({ version: w, name: 'n2', sql: 'SELECT 1' });
    expect(r.status).toBe(201);
    expect((await r.json()).version).toBe(w);
    const versions = (await list()).map((m) => m.version);
    expect(versions.slice(-2)).toEqual([v, w]);
    const nums = versions.map((x) => BigInt(x));
    expect([...nums].sort((a, b) => (a < b ? -1 : 1))).toEqual(nums);
  });

  it.each([
    ['non-numeric', 'v1'],
    ['negative', '-1'],
    ['decimal', '1.5'],
    ['too long', '1'.repeat(65)],
    ['empty', ''],
  ])('refuses a %s version with 400', async (_what, v) => {
    const res = await post({ version: v, name: 'bad', sql: 'SELECT 1' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ error: 'VALIDATION_ERROR', statusCode: 400 });
    expect(body.message).toContain('version');
  });

  it('refuses a missing name or sql, and SQL that does not parse', async () => {
    const invalid = (message: string) => ({ error: 'VALIDATION_ERROR', message, statusCode: 400, nextActions: 'Check the request body against the API documentation' });
    const noName = await post({ version: version(), sql: 'SELECT 1' });
    expect(noName.status).toBe(400);
    expect(await noName.json()).toEqual(invalid('name: Invalid input: expected string, received undefined'));
    const noSql = await post({ version: version(), name: 'x' });
    expect(noSql.status).toBe(400);
    expect(await noSql.json()).toEqual(invalid('sql: Invalid input: expected string, received undefined'));
    const bad = await post({ version: version(), name: 'x', sql: 'CREATE TABLEE x ()' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: 'SQL_SYNTAX_ERROR',
      message: 'SQL syntax error: syntax error at or near "TABLEE" (at character 8)',
      statusCode: 400,
      nextActions: 'Fix the SQL syntax at the position given',
    });
  });

  it.each(['BEGIN; CREATE TABLE x_tc (id int); COMMIT;', 'CREATE TABLE x_tc2 (id int); SAVEPOINT a;', 'ROLLBACK'])(
    'refuses transaction control with 400: %s',
    async (sql) => {
      const res = await post({ version: version(), name: 'tc', sql });
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.error).toBe('TRANSACTION_CONTROL_NOT_ALLOWED');
      expect(body.nextActions).toEqual(expect.any(String));
    },
  );

  it('a failing statement applies nothing, records nothing and names the statement', async () => {
    const t = uniq('mig_fail');
    const v = version();
    const res = await post({ version: v, name: 'fails', sql: `CREATE TABLE ${t} (id int); INSERT INTO ${t}_missing VALUES (1); CREATE TABLE ${t}_b (id int);` });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toBe('MIGRATION_FAILED');
    expect(body.message).toContain('Statement 2 of 3');
    expect(body.message).toContain(`INSERT INTO ${t}_missing VALUES (1)`);
    expect(body.message).toContain(`relation "${t}_missing" does not exist`);
    expect(await exists(t)).toBe(false);
    expect((await list()).some((m) => m.version === v)).toBe(false);
    // The version is still free.
    expect((await post({ version: v, name: 'fixed', sql: `CREATE TABLE ${t} (id int)` })).status).toBe(201);
    expect(await exists(t)).toBe(true);
  });

  it('a deferred constraint failing at COMMIT is a failed migration too', async () => {
    const t = uniq('mig_defer');
    const v = version();
    const res = await post({
      version: v,
      name: 'deferred',
      sql: `CREATE TABLE ${t} (id int PRIMARY KEY, parent int REFERENCES ${t} DEFERRABLE INITIALLY DEFERRED); INSERT INTO ${t} VALUES (1, 42);`,
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toBe('MIGRATION_FAILED');
    expect(body.message).toContain('COMMIT');
    expect(await exists(t)).toBe(false);
    expect((await list()).some((m) => m.version === v)).toBe(false);
  });

  it('two concurrent migrations never interleave', async () => {
    const log = uniq('mig_log');
    await db().query(`CREATE TABLE public.${log} (tag text, at timestamptz)`);
    const sql = (tag: string) =>
      `INSERT INTO ${log} VALUES ('${tag}-start', clock_timestamp()); SELECT pg_sleep(0.6); INSERT INTO ${log} VALUES ('${tag}-end', clock_timestamp());`;
    const [v1, v2] = [version(), version()];
    const first = post({ version: v1, name: 'a', sql: sql('a') });
    await new Promise((r) => setTimeout(r, 150));
    const second = post({ version: v2, name: 'b', sql: sql('b') });
    const [r1, r2] = await Promise.all([first, second]);
    expect([r1.status, r2.status]).toEqual([201, 201]);
    const { rows } = await db().query<{ tag: string }>(`SELECT tag FROM ${log} ORDER BY at`);
    expect(rows.map((r) => r.tag)).toEqual(['a-start', 'a-end', 'b-start', 'b-end']);
  });

  it('the same version sent twice at once is applied once', async () => {
    const t = uniq('mig_race');
    const v = version();
    const rs = await Promise.all([0, 1].map((i) => post({ version: v, name: `race${i}`, sql: `CREATE TABLE IF NOT EXISTS ${t} (id int); INSERT INTO ${t} VALUES (${i})` })));
    expect(rs.map((r) => r.status).sort()).toEqual([201, 409]);
    expect((await db().query(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n).toBe(1);
  });

  it('reloads the schema cache: the new table is served at /rest/v1', async () => {
    const t = uniq('mig_rest');
    const before = await fetch(`${restUrl}/${t}`);
    expect(before.status).toBe(404);
    expect(await before.json()).toEqual({ code: 'PGRST205', message: `Could not find the table 'public.${t}' in the schema cache`, details: null, hint: null });
    const res = await post({ version: version(), name: 'rest', sql: `CREATE TABLE ${t} (id int PRIMARY KEY, note text); INSERT INTO ${t} VALUES (1, 'hi'); GRANT SELECT ON ${t} TO anon;` });
    expect(res.status).toBe(201);
    const got = await poll(async () => {
      const r = await fetch(`${restUrl}/${t}`);
      return r.status === 200 ? r : undefined;
    }, 'the migrated table at /rest/v1', 10_000, 25);
    expect(await got.json()).toEqual([{ id: 1, note: 'hi' }]);
  });

  it('a migrated table is reachable with the service_role key at once (records and /rest/v1), not by anon', async () => {
    const t = uniq('mig_svc');
    const res = await post({ version: version(), name: 'svc', sql: `CREATE TABLE ${t} (id serial PRIMARY KEY, note text NOT NULL); INSERT INTO ${t} (note) VALUES ('first');` });
    expect(res.status).toBe(201);
    const svc = { apikey: serviceKey, Authorization: `Bearer ${serviceKey}`, 'Content-Type': 'application/json', Prefer: 'return=representation' };
    const records = `${apiUrl}/api/database/records/${t}`;
    const got = await poll(async () => {
      const r = await fetch(`${restUrl}/${t}?order=id`, { headers: svc });
      return r.status === 200 ? r : undefined;
    }, 'the migrated table at /rest/v1 with the service key', 10_000, 25);
    expect(await got.json()).toEqual([{ id: 1, note: 'first' }]);
    // Write through /rest/v1 (the serial's sequence is granted too) and through records.
    const ins = await fetch(`${restUrl}/${t}`, { method: 'POST', headers: svc, body: JSON.stringify({ note: 'rest' }) });
    expect(ins.status).toBe(201);
    expect(await ins.json()).toEqual([{ id: 2, note: 'rest' }]);
    const ins2 = await fetch(records, { method: 'POST', headers: svc, body: JSON.stringify([{ note: 'records' }]) });
    expect(ins2.status).toBe(201);
    expect(await ins2.json()).toEqual([{ id: 3, note: 'records' }]);
    const read = await fetch(`${records}?order=id`, { headers: svc });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual([{ id: 1, note: 'first' }, { id: 2, note: 'rest' }, { id: 3, note: 'records' }]);
    const upd = await fetch(`${records}?id=eq.1`, { method: 'PATCH', headers: svc, body: JSON.stringify({ note: 'changed' }) });
    expect(upd.status).toBe(200);
    expect(await upd.json()).toEqual([{ id: 1, note: 'changed' }]);
    expect((await db().query(`SELECT id, note FROM ${t} ORDER BY id`)).rows).toEqual([{ id: 1, note: 'changed' }, { id: 2, note: 'rest' }, { id: 3, note: 'records' }]);
    // anon gets only what the migration grants: nothing here.
    const { anonKey } = await import('../support/keys.ts');
    const anon = await fetch(`${restUrl}/${t}`, { headers: { apikey: anonKey, Authorization: `Bearer ${anonKey}` } });
    expect(anon.status).toBe(401);
  });

  it('answers 202 with Location under Prefer: respond-async, and the job completes with the result', async () => {
    const t = uniq('mig_async');
    const v = version();
    const res = await post({ version: v, name: 'async', sql: `CREATE TABLE ${t} (id int)` }, { Prefer: 'respond-async' });
    expect(res.status).toBe(202);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/api\/jobs\/[0-9a-f-]{36}$/);
    const done = await poll(async () => {
      const s = await (await fetch(`${apiUrl}${location}`, { headers: { Authorization: adminAuth } })).json();
      return s.state === 'completed' || s.state === 'failed' ? s : undefined;
    }, 'the migration job');
    expect(done).toMatchObject({ type: 'migrations', state: 'completed', result: { version: v, name: 'async', statements: [`CREATE TABLE ${t} (id int);`] } });
    expect(await exists(t)).toBe(true);
  });

  it('a failing async migration shows as a failed job with the reason', async () => {
    const res = await post({ version: version(), name: 'async-fail', sql: 'SELECT 1/0' }, { Prefer: 'respond-async' });
    expect(res.status).toBe(202);
    const done = await poll(async () => {
      const s = await (await fetch(`${apiUrl}${res.headers.get('location')}`, { headers: { Authorization: adminAuth } })).json();
      return s.state === 'completed' || s.state === 'failed' ? s : undefined;
    }, 'the migration job');
    expect(done.state).toBe('failed');
    expect(done.error).toContain('division by zero');
  });

  it('a failed statement quoting a password is shown redacted in GET /api/jobs/:id and in the synchronous answer', async () => {
    const secret = 'mig-secret-do-not-show';
    const sql = `ALTER ROLE mig_no_such_role PASSWORD '${secret}'`;
    const res = await post({ version: version(), name: 'secret-fail', sql }, { Prefer: 'respond-async' });
    expect(res.status).toBe(202);
    const done = await poll(async () => {
      const s = await (await fetch(`${apiUrl}${res.headers.get('location')}`, { headers: { Authorization: adminAuth } })).json();
      return s.state === 'completed' || s.state === 'failed' ? s : undefined;
    }, 'the migration job');
    expect(done.state).toBe('failed');
    expect(JSON.stringify(done)).not.toContain(secret);
    expect(done.failure).toEqual({ code: 'MIGRATION_FAILED', message: expect.stringContaining("ALTER ROLE mig_no_such_role PASSWORD '[redacted]'") });
    expect(done.failure.message).toMatch(/mig_no_such_role" does not exist/);
    expect(done.error).toBe(`MIGRATION_FAILED (400): ${done.failure.message}`);

    const sync = await post({ version: version(), name: 'secret-fail-sync', sql });
    expect(sync.status).toBe(400);
    const body = await sync.json();
    expect(body.error).toBe('MIGRATION_FAILED');
    expect(JSON.stringify(body)).not.toContain(secret);
    expect(JSON.stringify(body)).toContain("PASSWORD '[redacted]'");
  });

  it('is idempotent: a retried job that already committed returns its record without running again', async () => {
    const t = uniq('mig_idem');
    const jobId = randomUUID();
    const log = { info() {}, warn() {}, error() {}, debug() {} } as unknown as Logger;
    const payload = { version: version(), name: 'idem', sql: `CREATE TABLE ${t} (id int); INSERT INTO ${t} VALUES (1)` };
    const first = await runMigration(payload, { jobId, pool: db(), log });
    const again = await runMigration(payload, { jobId, pool: db(), log });
    expect(again).toEqual(first);
    expect((await db().query(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n).toBe(1);
    // Another job with the same version is a conflict.
    await expect(runMigration(payload, { jobId: randomUUID(), pool: db(), log })).rejects.toMatchObject({ failure: { code: 'MIGRATION_VERSION_CONFLICT' } });
  });

  it('session settings made by a migration do not outlive it', async () => {
    const t = uniq('mig_role');
    const res = await post({ version: version(), name: 'role', sql: `CREATE TABLE ${t} (id int); SET ROLE anon; SET search_path = pg_temp; SELECT 1;` });
    expect(res.status).toBe(201);
    // The next migrations (whichever worker connection they get) run as the server's user again.
    for (let i = 0; i < 3; i++) {
      const next = await post({ version: version(), name: `after${i}`, sql: `CREATE TABLE public.${t}_${i} (id int)` });
      expect(next.status).toBe(201);
    }
  });

  it('needs admin credentials', async () => {
    const refused = {
      error: 'UNAUTHORIZED',
      message: 'Admin authentication required',
      statusCode: 401,
      nextActions: 'Send admin credentials: Basic auth with ADMIN_USER/ADMIN_PASSWORD, or a service_role JWT',
    };
    const list = await fetch(url);
    expect(list.status).toBe(401);
    expect(await list.json()).toEqual(refused);
    const v = version();
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ version: v, name: 'x', sql: 'SELECT 1' }) });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(refused);
    expect((await db().query('SELECT 1 FROM basalt.user_migrations WHERE version = $1', [v])).rowCount).toBe(0);
  });
});
