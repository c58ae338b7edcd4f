/**
 * Credentials mean what they say (issue 13, attack 3): a project schema's API keys, anon and
 * service_role alike, open no admin endpoint. Every admin endpoint is tried with both keys,
 * sent as Bearer and as apikey; each answers 401/403 and nothing changes (schemas, tables,
 * rows, columns, keys, tokens, roles, migrations, extensions, functions, policies, jobs).
 * Admin credentials (Basic, service_role JWT, the operator's service_role key) still pass.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, db } from '../support/env.ts';
import { serviceKey as serviceJwt, anonKey as anonJwt } from '../support/keys.ts';
import { poll } from '../support/processes.ts';

const tag = randomBytes(3).toString('hex');
/** The tenant whose keys attack, and another tenant they must not reach. */
const A = `sec_a_${tag}`;
const B = `sec_b_${tag}`;
const PWNED = `sec_pwned_${tag}`;

const admin = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { Authorization: adminAuth, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return { res, json: text ? JSON.parse(text) : undefined };
};

let keys: { anon: string; service: string };
let operatorKey: { key: string; id: number };
let bKeyId: number;
let victimTokenId: string;
let jobId: string;
let oids: { schemaB: number; secrets: number; aUser: number; victimFn: number };

beforeAll(async () => {
  for (const schemaName of [A, B]) await admin('POST', '/api/schema/create', { schemaName, password: 'tenant-password-1' });
  keys = {
    anon: (await admin('POST', `/api/project/${A}/keys`, { keyName: 'web', keyType: 'anon' })).json.key,
    service: (await admin('POST', `/api/project/${A}/keys`, { keyName: 'server', keyType: 'service_role' })).json.key,
  };
  bKeyId = (await admin('POST', `/api/project/${B}/keys`, { keyName: 'web', keyType: 'anon' })).json.id;
  // The operator's own key: a schema that is not a project's (public, the default tenant).
  const op = (await admin('POST', '/api/project/public/keys', { keyName: `sec-operator-${tag}`, keyType: 'service_role' })).json;
  operatorKey = { key: op.key, id: op.id };
  victimTokenId = (await admin('POST', '/api/tokens', { name: `sec-victim-${tag}` })).json.id;
  // Made by the admin API, so the project's own grants apply (whatever roles its data API uses).
  await admin('POST', `/api/table/create?schema=${A}`, { tableName: 'items', columns: [{ name: 'id', type: 'integer', primaryKey: true }, { name: 'label', type: 'text' }] });
  await admin('POST', `/api/table/create?schema=${B}`, { tableName: 'secrets', columns: [{ name: 'id', type: 'integer', primaryKey: true }, { name: 'v', type: 'text' }] });
  await db().query(`
    INSERT INTO ${A}.items VALUES (1, 'own row');
    INSERT INTO ${B}.secrets VALUES (1, 'b-secret');
    CREATE FUNCTION ${B}.victim_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';
    CREATE POLICY victim_policy ON ${B}.secrets USING (true);
  `);
  const { rows } = await db().query(
    `SELECT $1::regnamespace::oid::int AS "schemaB", $2::regclass::oid::int AS secrets, $3::regrole::oid::int AS "aUser", $4::regprocedure::oid::int AS "victimFn"`,
    [B, `${B}.secrets`, `${A}_user`, `${B}.victim_fn()`],
  );
  oids = rows[0];
  const job = await admin('POST', '/api/database/advance/export', { schema: B, format: 'json' }, { Prefer: 'respond-async' });
  jobId = job.res.headers.get('location')!.split('/').pop()!;
}, 60_000);

afterAll(async () => {
  await fetch(`${apiUrl}/api/project/public/keys/${operatorKey.id}`, { method: 'DELETE', headers: { Authorization: adminAuth } });
});

/** Everything an attack could have changed, read as the superuser. */
async function snapshot() {
  const q = async (sql: string, params: unknown[] = []) => (await db().query(sql, params)).rows;
  return {
    // Only this file's objects (its tag): other files create and drop sec_* schemas and roles concurrently.
    schemas: await q(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sec\\_%' AND nspname LIKE $1 ORDER BY 1`, [`%${tag}%`]),
    relations: await q(`SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1) ORDER BY 1, 2`, [[A, B]]),
    columns: await q(`SELECT attname, atttypid::regtype::text FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, [oids.secrets]),
    rows: await q(`SELECT * FROM ${B}.secrets ORDER BY id`),
    keys: await q(`SELECT schema_name, key_name, key_type, is_active FROM basalt.api_keys WHERE schema_name = ANY($1) ORDER BY 1, 2`, [[A, B]]),
    tokens: await q(`SELECT name, revoked_at FROM basalt.management_tokens WHERE name LIKE $1 ORDER BY 1`, [`%${tag}%`]),
    roles: await q(`SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname LIKE 'sec\\_%' AND rolname LIKE $1 ORDER BY 1`, [`%${tag}%`]),
    migrations: await q(`SELECT version FROM basalt.user_migrations WHERE name LIKE $1`, [`%${tag}%`]),
    // The extensions the attacks name (other files create and drop others, e.g. seg, concurrently).
    extensions: await q(`SELECT extname, extnamespace::regnamespace::text AS schema FROM pg_extension WHERE extname IN ('isn', 'plpgsql') ORDER BY 1`),
    functions: await q(`SELECT p.proname, pg_get_functiondef(p.oid) AS def FROM pg_proc p WHERE p.pronamespace = ANY($1::regnamespace[]) ORDER BY 1`, [[A, B]]),
    policies: await q(`SELECT schemaname, tablename, policyname FROM pg_policies WHERE schemaname = ANY($1) ORDER BY 1, 2, 3`, [[A, B]]),
  };
}

type Body = unknown | FormData;
type Call = [method: string, path: string, body?: Body];

const sqlFile = () => {
  const f = new FormData();
  f.set('file', new Blob([`CREATE TABLE ${B}.pwned_import (id int);`], { type: 'application/sql' }), 'pwned.sql');
  return f;
};
const csvFile = () => {
  const f = new FormData();
  f.set('table', 'secrets');
  f.set('schema', B);
  f.set('file', new Blob(['id,v\n1,pwned\n2,pwned\n'], { type: 'text/csv' }), 'rows.csv');
  return f;
};

/** Every endpoint behind requireAdmin, with a body that would change something if it were let through. */
function adminEndpoints(): Call[] {
  const pwnedTable = { tableName: 'pwned_table', columns: [{ name: 'id', type: 'integer', primaryKey: true }] };
  return [
    // Admin API (/api)
    ['POST', '/api/query', { sql: `CREATE TABLE ${B}.pwned_query (id int)` }],
    ['POST', `/api/query?schema=${B}`, { sql: `UPDATE secrets SET v = 'pwned'` }],
    ['GET', '/api/schemas'],
    ['POST', '/api/schema/create', { schemaName: PWNED, password: 'pwned-password-1' }],
    ['DELETE', `/api/schema/${B}?cascade=true`],
    ['GET', `/api/schema?schema=${B}`],
    ['GET', `/api/project/${B}/keys`],
    ['POST', `/api/project/${B}/keys`, { keyName: 'pwned', keyType: 'service_role' }],
    ['DELETE', `/api/project/${B}/keys/${bKeyId}`],
    // Even its own schema's keys: minting keys is the admin's.
    ['GET', `/api/project/${A}/keys`],
    ['POST', `/api/project/${A}/keys`, { keyName: 'pwned', keyType: 'service_role' }],
    ['GET', `/api/tables?schema=${B}`],
    ['GET', `/api/table/secrets?schema=${B}`],
    ['POST', `/api/table/create?schema=${B}`, pwnedTable],
    ['POST', `/api/table/create?schema=${A}`, pwnedTable],
    ['DELETE', `/api/table/secrets?schema=${B}&cascade=true`],
    ['POST', `/api/table/secrets/clone?schema=${B}`, { newTableName: 'pwned_clone', copyData: true }],
    ['POST', `/api/table/secrets/column?schema=${B}`, { columnName: 'pwned', dataType: 'text' }],
    ['GET', `/api/table/secrets/export?schema=${B}`],
    ['POST', `/api/table/secrets/row?schema=${B}`, { id: 2, v: 'pwned' }],
    ['PATCH', `/api/table/secrets/1?schema=${B}`, { v: 'pwned' }],
    ['DELETE', `/api/table/secrets/row/1?schema=${B}`],
    ['POST', `/api/table/secrets/rows/delete?schema=${B}`, { rowIds: [1] }],
    ['POST', '/api/tokens', { name: `sec-pwned-${tag}` }],
    ['GET', '/api/tokens'],
    ['DELETE', `/api/tokens/${victimTokenId}`],
    ['GET', `/api/jobs/${jobId}`],
    ['GET', `/api/jobs/${jobId}/result`],
    ['DELETE', `/api/jobs/${jobId}`],
    ['GET', '/api/bans'],
    ['DELETE', '/api/bans', { ipv4_addresses: ['203.0.113.9'] }],
    // Database API (/api/database), all but records and rpc
    ['GET', `/api/database/functions?schema=${B}`],
    ['GET', `/api/database/indexes?schema=${B}`],
    ['GET', `/api/database/policies?schema=${B}`],
    ['GET', `/api/database/triggers?schema=${B}`],
    ['GET', '/api/database/migrations'],
    ['POST', '/api/database/migrations', { version: `9${Date.now()}`, name: `sec-pwned-${tag}`, sql: `CREATE TABLE ${B}.pwned_migration (id int)` }],
    ['POST', '/api/database/advance/rawsql', { query: `SELECT * FROM ${B}.secrets` }],
    ['POST', '/api/database/advance/rawsql/unrestricted', { query: `CREATE TABLE ${B}.pwned_raw (id int)` }],
    ['POST', '/api/database/advance/export', { schema: B, format: 'json' }],
    ['POST', '/api/database/advance/import', sqlFile()],
    ['POST', '/api/database/advance/bulk-upsert', csvFile()],
    // Postgres Admin API at the root
    ...[
      '/', '/schemas', '/tables', '/columns', '/types', '/plugins', '/config', '/config/version', '/functions', '/policies', '/triggers', '/roles', '/views',
      '/materialized-views', '/foreign-tables', '/indexes', '/publications', '/extensions', '/table-privileges', '/column-privileges', '/generators/typescript',
      `/tables/${oids.secrets}`, `/schemas/${oids.schemaB}`, `/roles/${oids.aUser}`,
    ].map((p): Call => ['GET', p]),
    ['POST', '/query', { query: `CREATE TABLE ${B}.pwned_meta (id int)` }],
    ['POST', '/schemas', { name: `${PWNED}_meta` }],
    ['PATCH', `/schemas/${oids.schemaB}`, { name: `${PWNED}_renamed` }],
    ['DELETE', `/schemas/${oids.schemaB}?cascade=true`],
    ['POST', '/tables', { name: 'pwned_t', schema: B }],
    ['PATCH', `/tables/${oids.secrets}`, { name: 'pwned_renamed' }],
    ['DELETE', `/tables/${oids.secrets}?cascade=true`],
    ['POST', '/columns', { table_id: oids.secrets, name: 'pwned', type: 'text' }],
    ['PATCH', `/columns/${oids.secrets}.2`, { name: 'pwned' }],
    ['DELETE', `/columns/${oids.secrets}.2`],
    ['POST', '/policies', { name: 'pwned_policy', schema: B, table: 'secrets' }],
    ['DELETE', '/policies/1'],
    ['POST', '/roles', { name: `${PWNED}_role`, is_superuser: true, can_login: true, password: 'pwned-password-1' }],
    ['PATCH', `/roles/${oids.aUser}`, { is_superuser: true }],
    ['DELETE', `/roles/${oids.aUser}`],
    ['POST', '/extensions', { name: 'isn', schema: B }],
    ['PATCH', '/extensions/plpgsql', { schema: B }],
    ['DELETE', '/extensions/isn'],
    ['POST', '/functions', { name: 'pwned_fn', schema: B, definition: 'SELECT 2', return_type: 'int', language: 'sql' }],
    ['PATCH', `/functions/${oids.victimFn}`, { definition: 'SELECT 2' }],
    ['DELETE', `/functions/${oids.victimFn}`],
    // Operations: metrics and the queue dashboard
    ['GET', '/metrics'],
    ['GET', '/admin/queues'],
    ['GET', '/admin/queues/api/queues'],
    ['PUT', '/admin/queues/api/queues/basalt-export/pause'],
  ];
}

async function send(method: string, path: string, body: Body, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const h: Record<string, string> = { ...headers };
  let payload: string | FormData | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  const res = await fetch(`${apiUrl}${path}`, { method, headers: h, body: payload });
  return { status: res.status, text: await res.text() };
}

describe("a project schema's API keys on the admin endpoints", () => {
  it('are refused (401/403) on every admin endpoint, as Bearer and as apikey, and nothing changes', async () => {
    const before = await snapshot();
    const letThrough: string[] = [];
    for (const [keyName, key] of [['anon', keys.anon], ['service_role', keys.service]] as const) {
      for (const [form, headers] of [['Bearer', { Authorization: `Bearer ${key}` }], ['apikey', { apikey: key }]] as const) {
        for (const [method, path, body] of adminEndpoints()) {
          const r = await send(method, path, body, headers);
          if (r.status !== 401 && r.status !== 403) letThrough.push(`${keyName} key as ${form}: ${method} ${path} → ${r.status} ${r.text.slice(0, 120)}`);
          expect(r.text).not.toContain('b-secret');
        }
      }
    }
    expect(letThrough).toEqual([]);
    expect(await snapshot()).toEqual(before);
    // The admin's job was not cancelled (whatever its own outcome).
    const state = await poll(async () => {
      const st = (await admin('GET', `/api/jobs/${jobId}`)).json.state as string;
      return ['completed', 'failed', 'cancelled'].includes(st) ? st : undefined;
    }, 'the export job to finish', 30_000, 200);
    expect(state).not.toBe('cancelled');
  }, 120_000);

  it('the service_role key gets the /api envelope: 403 FORBIDDEN, saying why', async () => {
    const r = await fetch(`${apiUrl}/api/schemas`, { headers: { apikey: keys.service } });
    expect(r.status).toBe(403);
    expect(await r.json()).toMatchObject({ error: 'FORBIDDEN', statusCode: 403, message: expect.stringMatching(/project schema/) });
    const meta = await fetch(`${apiUrl}/query`, { method: 'POST', headers: { Authorization: `Bearer ${keys.service}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ query: 'SELECT 1' }) });
    expect(meta.status).toBe(403);
    expect((await meta.json()).error).toMatch(/project schema/);
  });

  it('are refused as what they are, valid keys of a project, not as unknown keys', async () => {
    const unknown = randomBytes(32).toString('hex');
    const guessed = await fetch(`${apiUrl}/api/schemas`, { headers: { apikey: unknown } });
    expect(guessed.status).toBe(401);
    for (const key of [keys.anon, keys.service]) {
      const r = await fetch(`${apiUrl}/api/schemas`, { headers: { apikey: key } });
      expect(r.status).toBe(403);
      expect((await r.json()).message).toMatch(/project schema/);
    }
  });
});

describe('admin credentials still open the admin endpoints', () => {
  const sample: Call[] = [
    ['GET', '/api/schemas'],
    ['GET', '/api/tokens'],
    ['GET', '/api/bans'],
    ['GET', `/api/tables?schema=${B}`],
    ['GET', '/api/database/migrations'],
    ['POST', '/api/database/advance/rawsql', { query: 'SELECT 1 AS one' }],
    ['GET', '/schemas'],
    ['POST', '/query', { query: 'SELECT 1 AS one' }],
  ];
  const credentials: Array<[string, () => Record<string, string>]> = [
    ['Basic ADMIN_USER/ADMIN_PASSWORD', () => ({ Authorization: adminAuth })],
    ['a service_role JWT signed with JWT_SECRET', () => ({ Authorization: `Bearer ${serviceJwt}` })],
    ["the operator's service_role key (schema public, not a project)", () => ({ apikey: operatorKey.key })],
  ];
  it.each(credentials)('%s', async (_name, headers) => {
    for (const [method, path, body] of sample) expect((await send(method, path, body, headers())).status, `${method} ${path}`).toBe(200);
  });

  it('an anon JWT and the default tenant\'s anon key are not admin credentials (403)', async () => {
    const anonOperator = (await admin('POST', '/api/project/public/keys', { keyName: `sec-operator-anon-${tag}`, keyType: 'anon' })).json;
    try {
      for (const headers of [{ Authorization: `Bearer ${anonJwt}` }, { apikey: anonOperator.key as string }] as Array<Record<string, string>>) {
        expect((await send('GET', '/api/schemas', undefined, headers)).status).toBe(403);
        expect((await send('GET', '/schemas', undefined, headers)).status).toBe(403);
      }
    } finally {
      await admin('DELETE', `/api/project/public/keys/${anonOperator.id}`);
    }
  });
});
