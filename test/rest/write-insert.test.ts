/**
 * POST on /rest/v1/<table> (PostgREST 12–14 semantics) against the `rest_write`
 * fixture (test/fixtures/20_rest_write.sql): single and bulk inserts, the
 * `Prefer: return=` variants, Location, `columns=`, `missing=default`, CSV and form
 * bodies, counts, upserts with `resolution=` and `on_conflict=`, and PostgreSQL's
 * constraint errors with the status PostgREST maps them to.
 *
 * Every test writes rows with ids of its own (10000–19999) and checks the database
 * with a superuser connection afterwards. Projects are only ever attached to clients
 * 1 and 2 (the RPC tests read clients 3 and 4).
 */
import { describe, expect, it } from 'vitest';
import { db, restUrl } from '../support/env.ts';
import { JSON_CT, type Json, type Param, type Reply, toReply, sender, type SendOptions } from '../support/http.ts';

const rawSend = sender(restUrl, 'rest_write');
const send = async (method: string, path: string, o: SendOptions = {}): Promise<Reply> => toReply(await rawSend(method, path, o));

const post = (table: string, body: unknown, o: Omit<SendOptions, 'body'> = {}) => send('POST', `/${table}`, { ...o, body });
const prefer = (value: string) => ({ Prefer: value });

async function rows(sql: string, params: unknown[] = []): Promise<Json[]> {
  return (await db().query(sql, params)).rows;
}

/** id, name, client_id, status, priority, budget (numeric as text) of the given projects. */
const projects = (ids: number[]) =>
  rows(
    'SELECT id, name, client_id, status, priority, budget::text AS budget FROM rest_write.projects WHERE id = ANY($1) ORDER BY id',
    [ids],
  );

const accounts = (emails: string[]) =>
  rows('SELECT id, email, name, visits FROM rest_write.accounts WHERE email = ANY($1) ORDER BY email', [emails]);

function expectNoBody(r: Reply) {
  expect(r.text).toBe('');
  expect(r.headers.get('content-type')).toBeNull();
}

describe('POST one object', () => {
  it('answers 201 with no body, no Content-Type, no Location and Content-Range */*', async () => {
    const r = await post('projects', { id: 10001, name: 'Insert one', client_id: 1 });
    expect(r.status, r.text).toBe(201);
    expectNoBody(r);
    expect(r.headers.get('location')).toBeNull();
    expect(r.headers.get('content-range')).toBe('*/*');
    expect(r.headers.get('preference-applied')).toBeNull();
    // Columns absent from the payload take their defaults.
    expect(await projects([10001])).toEqual([
      { id: 10001, name: 'Insert one', client_id: 1, status: 'draft', priority: 3, budget: null },
    ]);
  });

  it('return=minimal answers 201 with no body and Preference-Applied: return=minimal', async () => {
    const r = await post('projects', { id: 10002, name: 'Minimal', client_id: 1 }, { headers: prefer('return=minimal') });
    expect(r.status, r.text).toBe(201);
    expectNoBody(r);
    expect(r.headers.get('location')).toBeNull();
    expect(r.headers.get('preference-applied')).toBe('return=minimal');
    expect(await projects([10002])).toHaveLength(1);
  });

  it('return=headers-only answers 201 with a Location built from the primary key', async () => {
    const r = await post('projects', { id: 10003, name: 'Headers only', client_id: 2 }, { headers: prefer('return=headers-only') });
    expect(r.status, r.text).toBe(201);
    expectNoBody(r);
    expect(r.headers.get('location')).toBe('/projects?id=eq.10003');
    expect(r.headers.get('content-range')).toBe('*/*');
    expect(r.headers.get('preference-applied')).toBe('return=headers-only');
    expect(await projects([10003])).toHaveLength(1);
  });

  it('return=headers-only puts the generated key in Location', async () => {
    const r = await post('projects', { name: 'Generated key 10004', client_id: 2 }, { headers: prefer('return=headers-only') });
    expect(r.status, r.text).toBe(201);
    const [row] = await rows("SELECT id FROM rest_write.projects WHERE name = 'Generated key 10004'");
    expect(row.id).toBeGreaterThanOrEqual(100000);
    expect(r.headers.get('location')).toBe(`/projects?id=eq.${row.id}`);
  });

  it('return=headers-only lists every primary key column of a composite key, in key order', async () => {
    const r = await post('memberships', { project_id: 10005, username: 'ann', role: 'owner' }, { headers: prefer('return=headers-only') });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('location')).toBe('/memberships?project_id=eq.10005&username=eq.ann');
    expect(await rows('SELECT * FROM rest_write.memberships WHERE project_id = 10005')).toEqual([
      { project_id: 10005, username: 'ann', role: 'owner' },
    ]);
  });

  it('sends no Location for a table without a primary key, even with return=headers-only', async () => {
    const r = await post('log_lines', { source: 'nopk-10006', line: 'x', level: 1 }, { headers: prefer('return=headers-only') });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('location')).toBeNull();
    expect(await rows("SELECT line, level FROM rest_write.log_lines WHERE source = 'nopk-10006'")).toEqual([{ line: 'x', level: 1 }]);
  });

  it('return=representation answers 201 with the inserted row, defaults included, as a JSON array', async () => {
    const r = await post('accounts', { id: 10007, email: 'rep-10007@example.com' }, { headers: prefer('return=representation') });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.headers.get('content-profile')).toBe('rest_write');
    expect(r.headers.get('location')).toBeNull();
    expect(r.headers.get('content-range')).toBe('*/*');
    expect(r.headers.get('preference-applied')).toBe('return=representation');
    expect(r.json()).toEqual([{ id: 10007, email: 'rep-10007@example.com', name: null, visits: 0 }]);
    expect(await accounts(['rep-10007@example.com'])).toEqual([{ id: 10007, email: 'rep-10007@example.com', name: null, visits: 0 }]);
  });

  it('shapes the representation with select=, renames and casts', async () => {
    const r = await post('projects', { id: 10008, name: 'Shaped', client_id: 1, budget: 12.5 }, {
      params: [['select', 'pid:id::text,name,budget']],
      headers: prefer('return=representation'),
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json()).toEqual([{ pid: '10008', name: 'Shaped', budget: 12.5 }]);
    expect(Object.keys(r.json()[0])).toEqual(['pid', 'name', 'budget']);
    expect(await projects([10008])).toEqual([{ id: 10008, name: 'Shaped', client_id: 1, status: 'draft', priority: 3, budget: '12.50' }]);
  });

  it('embeds related rows in the representation (many-to-one and one-to-many)', async () => {
    const r = await post('projects', { id: 10009, name: 'Embedded', client_id: 1 }, {
      params: [['select', 'id,name,client:clients(id,name),tasks(id)']],
      headers: prefer('return=representation'),
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json()).toEqual([{ id: 10009, name: 'Embedded', client: { id: 1, name: 'Acme' }, tasks: [] }]);
    expect(await projects([10009])).toHaveLength(1);
  });

  it('embeds the parent of an inserted child row', async () => {
    await db().query("INSERT INTO rest_write.projects (id, name, client_id) VALUES (10010, 'Parent 10010', 2)");
    const r = await post('tasks', { id: 10010, project_id: 10010, title: 'Child' }, {
      params: [['select', 'title,done,projects(name,clients(name))']],
      headers: prefer('return=representation'),
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json()).toEqual([{ title: 'Child', done: false, projects: { name: 'Parent 10010', clients: { name: 'Globex' } } }]);
    expect(await rows('SELECT project_id, title, done FROM rest_write.tasks WHERE id = 10010')).toEqual([
      { project_id: 10010, title: 'Child', done: false },
    ]);
  });

  it('ignores select= without return=representation', async () => {
    const r = await post('projects', { id: 10011, name: 'Select ignored', client_id: 1 }, { params: [['select', 'id']] });
    expect(r.status, r.text).toBe(201);
    expectNoBody(r);
    expect(await projects([10011])).toHaveLength(1);
  });

  it('stores nulls sent explicitly instead of the defaults', async () => {
    const r = await post('projects', { id: 10012, name: 'Explicit null', client_id: null, priority: null }, {
      params: [['select', 'id,client_id,priority,status']],
      headers: prefer('return=representation'),
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json()).toEqual([{ id: 10012, client_id: null, priority: null, status: 'draft' }]);
    expect(await projects([10012])).toEqual([{ id: 10012, name: 'Explicit null', client_id: null, status: 'draft', priority: null, budget: null }]);
  });
});

describe('POST an array (bulk insert)', () => {
  it('inserts every object and returns them in order', async () => {
    const r = await post(
      'projects',
      [
        { id: 10101, name: 'Bulk A', client_id: 1 },
        { id: 10102, name: 'Bulk B', client_id: 2 },
        { id: 10103, name: 'Bulk C', client_id: null },
      ],
      { params: [['select', 'id,name']], headers: prefer('return=representation') },
    );
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('location')).toBeNull();
    expect(r.json()).toEqual([
      { id: 10101, name: 'Bulk A' },
      { id: 10102, name: 'Bulk B' },
      { id: 10103, name: 'Bulk C' },
    ]);
    expect((await projects([10101, 10102, 10103])).map((p) => p.name)).toEqual(['Bulk A', 'Bulk B', 'Bulk C']);
  });

  it('is one statement: a failing object leaves none of the others inserted', async () => {
    const r = await post('projects', [
      { id: 10111, name: 'Atomic ok', client_id: 1 },
      { id: 10112, name: 'Atomic bad', client_id: 999 },
    ]);
    expect(r.status, r.text).toBe(409);
    expect(r.json().code).toBe('23503');
    expect(await projects([10111, 10112])).toEqual([]);
  });

  it('answers 201 with no body for an array without a representation', async () => {
    const r = await post('memberships', [
      { project_id: 10121, username: 'a' },
      { project_id: 10121, username: 'b' },
    ]);
    expect(r.status, r.text).toBe(201);
    expectNoBody(r);
    expect(r.headers.get('location')).toBeNull();
    expect(await rows('SELECT username, role FROM rest_write.memberships WHERE project_id = 10121 ORDER BY username')).toEqual([
      { username: 'a', role: 'viewer' },
      { username: 'b', role: 'viewer' },
    ]);
  });

  it('Prefer: count=exact puts the inserted count in Content-Range as */N', async () => {
    const r = await post(
      'memberships',
      [
        { project_id: 10131, username: 'a' },
        { project_id: 10131, username: 'b' },
        { project_id: 10131, username: 'c' },
      ],
      { headers: prefer('count=exact') },
    );
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('content-range')).toBe('*/3');
    expect(r.headers.get('preference-applied')).toBe('count=exact');
    expect(await rows('SELECT count(*)::int AS n FROM rest_write.memberships WHERE project_id = 10131')).toEqual([{ n: 3 }]);
  });

  it('lists the applied preferences in PostgREST order, not request order', async () => {
    const r = await post('memberships', [{ project_id: 10141, username: 'a' }], {
      headers: { Prefer: 'count=exact, return=representation' },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('content-range')).toBe('*/1');
    expect(r.headers.get('preference-applied')).toBe('return=representation, count=exact');
    expect(r.json()).toEqual([{ project_id: 10141, username: 'a', role: 'viewer' }]);
    expect(await rows('SELECT username FROM rest_write.memberships WHERE project_id = 10141')).toEqual([{ username: 'a' }]);
  });

  it('inserts nothing for an empty array: 201, and [] with return=representation', async () => {
    const plain = await post('projects', []);
    expect(plain.status, plain.text).toBe(201);
    expectNoBody(plain);
    const rep = await post('projects', [], { headers: { Prefer: 'return=representation, count=exact' } });
    expect(rep.status, rep.text).toBe(201);
    expect(rep.json()).toEqual([]);
    expect(rep.headers.get('content-range')).toBe('*/0');
  });

  it('inserts column defaults for an empty object (here: NULL into a NOT NULL column, 23502)', async () => {
    const count = async () => (await rows('SELECT count(*)::int AS n FROM rest_write.log_lines'))[0].n;
    const before = await count();
    const r = await post('log_lines', [{}]);
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toEqual({
      code: '23502',
      message: 'null value in column "source" of relation "log_lines" violates not-null constraint',
      details: 'Failing row contains (null, null, null).',
      hint: null,
    });
    expect(await count()).toBe(before);
  });

  it('refuses to return two inserted rows as one object: 406 PGRST116, nothing inserted', async () => {
    const r = await post(
      'memberships',
      [
        { project_id: 10151, username: 'a' },
        { project_id: 10151, username: 'b' },
      ],
      { headers: { Accept: 'application/vnd.pgrst.object+json', Prefer: 'return=representation' } },
    );
    expect(r.status, r.text).toBe(406);
    expect(r.json()).toEqual({
      code: 'PGRST116',
      message: 'Cannot coerce the result to a single JSON object',
      details: 'The result contains 2 rows',
      hint: null,
    });
    expect(await rows('SELECT * FROM rest_write.memberships WHERE project_id = 10151')).toEqual([]);
  });

  it('returns one inserted row as an object with Accept: application/vnd.pgrst.object+json', async () => {
    const r = await post('memberships', [{ project_id: 10152, username: 'solo' }], {
      headers: { Accept: 'application/vnd.pgrst.object+json', Prefer: 'return=representation' },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('content-type')).toBe('application/vnd.pgrst.object+json; charset=utf-8');
    expect(r.json()).toEqual({ project_id: 10152, username: 'solo', role: 'viewer' });
    expect(await rows('SELECT username FROM rest_write.memberships WHERE project_id = 10152')).toEqual([{ username: 'solo' }]);
  });
});

describe('payload keys and ?columns', () => {
  it('refuses objects whose keys differ with 400 PGRST102', async () => {
    const r = await post('projects', [
      { id: 10201, name: 'Keys A' },
      { id: 10202, name: 'Keys B', budget: 5 },
    ]);
    expect(r.status, r.text).toBe(400);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.json()).toEqual({ code: 'PGRST102', message: 'All object keys must match', details: null, hint: null });
    expect(await projects([10201, 10202])).toEqual([]);
  });

  it('refuses an array that mixes objects and other values with 400 PGRST102', async () => {
    const r = await post('projects', [{ id: 10203, name: 'Mixed' }, 123, 'text']);
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toEqual({ code: 'PGRST102', message: 'All object keys must match', details: null, hint: null });
    expect(await projects([10203])).toEqual([]);
  });

  it('accepts differing keys with columns=: missing keys are NULL, other keys are ignored', async () => {
    const r = await post(
      'projects',
      [
        { id: 10211, name: 'Columns A', client_id: 1, budget: 10, unknown_key: 'ignored' },
        { id: 10212, name: 'Columns B', client_id: 2 },
      ],
      { params: [['columns', 'id,name,client_id,budget,priority']], headers: prefer('return=representation') },
    );
    expect(r.status, r.text).toBe(201);
    expect(await projects([10211, 10212])).toEqual([
      // priority is listed in columns= but absent: NULL, not its default
      { id: 10211, name: 'Columns A', client_id: 1, status: 'draft', priority: null, budget: '10.00' },
      { id: 10212, name: 'Columns B', client_id: 2, status: 'draft', priority: null, budget: null },
    ]);
  });

  it('accepts quoted column names in columns=, as postgrest-js sends them', async () => {
    const r = await post(
      'projects',
      [{ id: 10213, name: 'Quoted columns', client_id: 1 }, { id: 10214, name: 'Quoted columns 2' }],
      { params: [['columns', '"id","name","client_id"']] },
    );
    expect(r.status, r.text).toBe(201);
    expect((await projects([10213, 10214])).map((p) => p.client_id)).toEqual([1, null]);
  });

  it('missing=default fills keys absent from an object with the column defaults', async () => {
    const r = await post(
      'projects',
      [
        { id: 10221, name: 'Defaults A', client_id: 1, priority: 1 },
        { id: 10222, name: 'Defaults B', client_id: 1 },
      ],
      {
        params: [['columns', 'id,name,client_id,priority,status'], ['select', 'id,priority,status']],
        headers: { Prefer: 'return=representation, missing=default' },
      },
    );
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('preference-applied')).toBe('missing=default, return=representation');
    expect(r.json()).toEqual([
      { id: 10221, priority: 1, status: 'draft' },
      { id: 10222, priority: 3, status: 'draft' },
    ]);
  });

  it('missing=default fills a generated identity key', async () => {
    const r = await post('accounts', [{ email: 'gen-10223@example.com' }, { id: 10223, email: 'set-10223@example.com' }], {
      params: [['columns', 'id,email']],
      headers: prefer('missing=default'),
    });
    expect(r.status, r.text).toBe(201);
    const got = await accounts(['gen-10223@example.com', 'set-10223@example.com']);
    expect(got[0].id).toBeGreaterThanOrEqual(100000);
    expect(got[1].id).toBe(10223);
  });

  it('refuses a payload key that is not a column with 400 PGRST204', async () => {
    const r = await post('projects', { id: 10231, name: 'Unknown column', nope: 1 });
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toEqual({
      code: 'PGRST204',
      message: "Could not find the 'nope' column of 'projects' in the schema cache",
      details: null,
      hint: null,
    });
    expect(await projects([10231])).toEqual([]);
  });

  it('refuses a columns= entry that is not a column with 400 PGRST204', async () => {
    const r = await post('projects', [{ id: 10232, name: 'x' }], { params: [['columns', 'id,name,helicopter']] });
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toEqual({
      code: 'PGRST204',
      message: "Could not find the 'helicopter' column of 'projects' in the schema cache",
      details: null,
      hint: null,
    });
    expect(await projects([10232])).toEqual([]);
  });

  it('refuses an unknown table with 404 PGRST205', async () => {
    const r = await post('zzzzqqq', { id: 1 });
    expect(r.status, r.text).toBe(404);
    expect(r.json()).toMatchObject({
      code: 'PGRST205',
      message: "Could not find the table 'rest_write.zzzzqqq' in the schema cache",
      details: null,
    });
  });
});

describe('request bodies other than JSON', () => {
  it('inserts text/csv with a header row; NULL is a null', async () => {
    const r = await send('POST', '/log_lines', {
      raw: 'source,line,level\ncsv-10301,first,1\ncsv-10301,NULL,2',
      headers: { 'Content-Type': 'text/csv' },
    });
    expect(r.status, r.text).toBe(201);
    expectNoBody(r);
    expect(await rows("SELECT line, level FROM rest_write.log_lines WHERE source = 'csv-10301' ORDER BY level")).toEqual([
      { line: 'first', level: 1 },
      { line: null, level: 2 },
    ]);
  });

  it('answers a CSV insert with CSV when asked', async () => {
    const r = await send('POST', '/log_lines', {
      raw: 'source,line,level\ncsv-10302,first,1\ncsv-10302,NULL,2',
      headers: { 'Content-Type': 'text/csv', Accept: 'text/csv', Prefer: 'return=representation' },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.text).toBe('source,line,level\ncsv-10302,first,1\ncsv-10302,,2');
    expect(await rows("SELECT line FROM rest_write.log_lines WHERE source = 'csv-10302' ORDER BY level")).toEqual([{ line: 'first' }, { line: null }]);
  });

  it('refuses CSV lines with a different number of fields with 400 PGRST102', async () => {
    const r = await send('POST', '/log_lines', {
      raw: 'source,line,level\ncsv-10303,first,1\ncsv-10303,second',
      headers: { 'Content-Type': 'text/csv' },
    });
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toEqual({ code: 'PGRST102', message: 'All lines must have same number of fields', details: null, hint: null });
    expect(await rows("SELECT * FROM rest_write.log_lines WHERE source = 'csv-10303'")).toEqual([]);
  });

  it('inserts an application/x-www-form-urlencoded body as one row', async () => {
    const r = await send('POST', '/log_lines', {
      raw: 'source=form-10304&line=hello+form+world&level=7',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(r.status, r.text).toBe(201);
    expect(await rows("SELECT line, level FROM rest_write.log_lines WHERE source = 'form-10304'")).toEqual([
      { line: 'hello form world', level: 7 },
    ]);
  });

  it('refuses invalid JSON with 400 PGRST102', async () => {
    const r = await send('POST', '/projects', { raw: '}{ x = 2', headers: { 'Content-Type': 'application/json' } });
    expect(r.status, r.text).toBe(400);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.json()).toEqual({ code: 'PGRST102', message: 'Empty or invalid json', details: null, hint: null });
  });

  it('refuses an empty body with 400 PGRST102', async () => {
    const r = await send('POST', '/projects', { raw: '', headers: { 'Content-Type': 'application/json' } });
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toEqual({ code: 'PGRST102', message: 'Empty or invalid json', details: null, hint: null });
  });

  it('accepts JSON surrounded by insignificant whitespace', async () => {
    const r = await send('POST', '/memberships', {
      raw: '\t \n \r [{"project_id": 10305, "username": "ws"}] \t \n ',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(r.status, r.text).toBe(201);
    expect(await rows('SELECT username FROM rest_write.memberships WHERE project_id = 10305')).toEqual([{ username: 'ws' }]);
  });
});

describe('upsert: POST with Prefer: resolution', () => {
  it('merge-duplicates updates rows that exist and inserts the others: 201', async () => {
    await db().query("INSERT INTO rest_write.clients (id, name) VALUES (10401, 'Old name')");
    const r = await post(
      'clients',
      [
        { id: 10401, name: 'New name' },
        { id: 10402, name: 'Brand new' },
      ],
      { headers: { Prefer: 'return=representation, resolution=merge-duplicates' } },
    );
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('preference-applied')).toBe('resolution=merge-duplicates, return=representation');
    expect(r.json()).toEqual([
      { id: 10401, name: 'New name' },
      { id: 10402, name: 'Brand new' },
    ]);
    expect(await rows('SELECT id, name FROM rest_write.clients WHERE id IN (10401, 10402) ORDER BY id')).toEqual([
      { id: 10401, name: 'New name' },
      { id: 10402, name: 'Brand new' },
    ]);
  });

  it('merge-duplicates answers 200 when every row already existed', async () => {
    await db().query("INSERT INTO rest_write.clients (id, name) VALUES (10411, 'A'), (10412, 'B')");
    const r = await post(
      'clients',
      [
        { id: 10411, name: 'A2' },
        { id: 10412, name: 'B2' },
      ],
      { headers: prefer('resolution=merge-duplicates') },
    );
    expect(r.status, r.text).toBe(200);
    expectNoBody(r);
    expect(r.headers.get('preference-applied')).toBe('resolution=merge-duplicates');
    expect(await rows('SELECT name FROM rest_write.clients WHERE id IN (10411, 10412) ORDER BY id')).toEqual([{ name: 'A2' }, { name: 'B2' }]);
  });

  it('merge-duplicates with an empty array answers 200 []', async () => {
    const r = await post('clients', [], { headers: { Prefer: 'return=representation, resolution=merge-duplicates' } });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([]);
    expect(r.headers.get('preference-applied')).toBe('resolution=merge-duplicates, return=representation');
  });

  it('ignore-duplicates keeps existing rows, inserts the others and answers 201 with only those', async () => {
    await db().query("INSERT INTO rest_write.clients (id, name) VALUES (10421, 'Keep me')");
    const r = await post(
      'clients',
      [
        { id: 10421, name: 'Ignored' },
        { id: 10422, name: 'Inserted' },
      ],
      { headers: { Prefer: 'return=representation, resolution=ignore-duplicates' } },
    );
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('preference-applied')).toBe('resolution=ignore-duplicates, return=representation');
    expect(r.json()).toEqual([{ id: 10422, name: 'Inserted' }]);
    expect(await rows('SELECT id, name FROM rest_write.clients WHERE id IN (10421, 10422) ORDER BY id')).toEqual([
      { id: 10421, name: 'Keep me' },
      { id: 10422, name: 'Inserted' },
    ]);
  });

  it('ignore-duplicates answers 201 even when nothing was inserted', async () => {
    await db().query("INSERT INTO rest_write.clients (id, name) VALUES (10425, 'Only one')");
    const r = await post('clients', [{ id: 10425, name: 'Dup' }], {
      headers: { Prefer: 'return=representation, resolution=ignore-duplicates' },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json()).toEqual([]);
    expect(await rows('SELECT name FROM rest_write.clients WHERE id = 10425')).toEqual([{ name: 'Only one' }]);
  });

  it('merge-duplicates on a composite primary key', async () => {
    await db().query("INSERT INTO rest_write.memberships (project_id, username, role) VALUES (10431, 'ann', 'viewer')");
    const r = await post(
      'memberships',
      [
        { project_id: 10431, username: 'ann', role: 'owner' },
        { project_id: 10431, username: 'bob', role: 'editor' },
      ],
      { headers: prefer('resolution=merge-duplicates') },
    );
    expect(r.status, r.text).toBe(201);
    expect(await rows('SELECT username, role FROM rest_write.memberships WHERE project_id = 10431 ORDER BY username')).toEqual([
      { username: 'ann', role: 'owner' },
      { username: 'bob', role: 'editor' },
    ]);
  });

  it('on_conflict= upserts on a UNIQUE column other than the primary key', async () => {
    await db().query("INSERT INTO rest_write.accounts (id, email, name, visits) VALUES (10441, 'uniq-10441@example.com', 'Before', 5)");
    const r = await post(
      'accounts',
      [
        { email: 'uniq-10441@example.com', name: 'After' },
        { email: 'uniq-10442@example.com', name: 'Fresh' },
      ],
      {
        params: [['on_conflict', 'email'], ['select', 'email,name,visits']],
        headers: { Prefer: 'return=representation, resolution=merge-duplicates' },
      },
    );
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('preference-applied')).toBe('resolution=merge-duplicates, return=representation');
    expect(r.json()).toEqual([
      { email: 'uniq-10441@example.com', name: 'After', visits: 5 },
      { email: 'uniq-10442@example.com', name: 'Fresh', visits: 0 },
    ]);
    const got = await accounts(['uniq-10441@example.com', 'uniq-10442@example.com']);
    expect(got[0]).toEqual({ id: 10441, email: 'uniq-10441@example.com', name: 'After', visits: 5 });
    expect(got[1].name).toBe('Fresh');
  });

  it('on_conflict= with ignore-duplicates leaves the existing row alone', async () => {
    await db().query("INSERT INTO rest_write.accounts (id, email, name) VALUES (10451, 'uniq-10451@example.com', 'Untouched')");
    const r = await post(
      'accounts',
      [
        { email: 'uniq-10451@example.com', name: 'Ignored' },
        { email: 'uniq-10452@example.com', name: 'Added' },
      ],
      {
        params: [['on_conflict', 'email'], ['select', 'email,name']],
        headers: { Prefer: 'return=representation, resolution=ignore-duplicates' },
      },
    );
    expect(r.status, r.text).toBe(201);
    expect(r.json()).toEqual([{ email: 'uniq-10452@example.com', name: 'Added' }]);
    expect((await accounts(['uniq-10451@example.com']))[0].name).toBe('Untouched');
  });

  it('merge-duplicates with missing=default keeps generated keys for new rows', async () => {
    await db().query("INSERT INTO rest_write.accounts (id, email, name) VALUES (10461, 'surr-10461@example.com', 'Existing')");
    const r = await post(
      'accounts',
      [
        { id: 10461, email: 'surr-10461@example.com', name: 'Updated' },
        { email: 'surr-10462@example.com', name: 'New' },
      ],
      {
        params: [['columns', 'id,email,name'], ['select', 'email,name']],
        headers: { Prefer: 'return=representation, resolution=merge-duplicates, missing=default' },
      },
    );
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('preference-applied')).toBe('resolution=merge-duplicates, missing=default, return=representation');
    expect(r.json()).toEqual([
      { email: 'surr-10461@example.com', name: 'Updated' },
      { email: 'surr-10462@example.com', name: 'New' },
    ]);
    const got = await accounts(['surr-10461@example.com', 'surr-10462@example.com']);
    expect(got[0].id).toBe(10461);
    expect(got[1].id).toBeGreaterThanOrEqual(100000);
  });

  it('ignores resolution (and leaves it out of Preference-Applied) for a table without a primary key', async () => {
    const r = await post('log_lines', [{ source: 'nopk-10471', line: 'a', level: 1 }], {
      headers: { Prefer: 'return=representation, resolution=merge-duplicates' },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('preference-applied')).toBe('return=representation');
    expect(r.json()).toEqual([{ source: 'nopk-10471', line: 'a', level: 1 }]);
    expect(await rows("SELECT line FROM rest_write.log_lines WHERE source = 'nopk-10471'")).toEqual([{ line: 'a' }]);
  });
});

describe('constraint and type errors carry PostgreSQL code, message, details and hint', () => {
  it('a duplicate key is 409 23505', async () => {
    await db().query("INSERT INTO rest_write.accounts (id, email) VALUES (10501, 'dup-10501@example.com')");
    const r = await post('accounts', { id: 10502, email: 'dup-10501@example.com' });
    expect(r.status, r.text).toBe(409);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.json()).toEqual({
      code: '23505',
      message: 'duplicate key value violates unique constraint "accounts_email_key"',
      details: 'Key (email)=(dup-10501@example.com) already exists.',
      hint: null,
    });
    expect(await rows('SELECT id FROM rest_write.accounts WHERE id = 10502')).toEqual([]);
  });

  it('a duplicate primary key is 409 23505 without a resolution preference', async () => {
    await db().query("INSERT INTO rest_write.clients (id, name) VALUES (10503, 'Taken')");
    const r = await post('clients', { id: 10503, name: 'Again' });
    expect(r.status, r.text).toBe(409);
    expect(r.json()).toEqual({
      code: '23505',
      message: 'duplicate key value violates unique constraint "clients_pkey"',
      details: 'Key (id)=(10503) already exists.',
      hint: null,
    });
    expect(await rows('SELECT name FROM rest_write.clients WHERE id = 10503')).toEqual([{ name: 'Taken' }]);
  });

  it('a missing foreign key target is 409 23503', async () => {
    const r = await post('projects', { id: 10504, name: 'Orphan', client_id: 999 });
    expect(r.status, r.text).toBe(409);
    expect(r.json()).toEqual({
      code: '23503',
      message: 'insert or update on table "projects" violates foreign key constraint "projects_client_id_fkey"',
      details: 'Key (client_id)=(999) is not present in table "clients".',
      hint: null,
    });
    expect(await projects([10504])).toEqual([]);
  });

  it('a NULL in a NOT NULL column is 400 23502', async () => {
    const r = await post('accounts', { id: 10505, name: 'No email' });
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toEqual({
      code: '23502',
      message: 'null value in column "email" of relation "accounts" violates not-null constraint',
      details: 'Failing row contains (10505, null, No email, 0).',
      hint: null,
    });
    expect(await rows('SELECT id FROM rest_write.accounts WHERE id = 10505')).toEqual([]);
  });

  it('a value of the wrong type is 400 22P02', async () => {
    const r = await post('projects', { id: 10506, name: 'Bad priority', priority: 'high' });
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toEqual({
      code: '22P02',
      message: 'invalid input syntax for type integer: "high"',
      details: null,
      hint: null,
    });
    expect(await projects([10506])).toEqual([]);
  });

  it('a CHECK violation is 400 23514', async () => {
    const r = await post('accounts', { id: 10507, email: 'check-10507@example.com', visits: -1 });
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toEqual({
      code: '23514',
      message: 'new row for relation "accounts" violates check constraint "accounts_visits_check"',
      details: 'Failing row contains (10507, check-10507@example.com, null, -1).',
      hint: null,
    });
    expect(await rows('SELECT id FROM rest_write.accounts WHERE id = 10507')).toEqual([]);
  });

  it('never answers a constraint error with a representation or Location', async () => {
    const r = await post('projects', { id: 10508, name: 'Orphan 2', client_id: 998 }, { headers: prefer('return=headers-only') });
    expect(r.status, r.text).toBe(409);
    expect(r.headers.get('location')).toBeNull();
  });
});

describe('JSON bodies reach PostgreSQL as sent', () => {
  it('keeps integers above 2^53 and numeric trailing zeros exact, for one object and for arrays', async () => {
    await db().query(`CREATE TABLE IF NOT EXISTS rest_write.precise (id int PRIMARY KEY, big bigint, amount numeric); GRANT ALL ON rest_write.precise TO anon`);
    await db().query(`NOTIFY pgrst, 'reload schema'`);
    let r = await post('precise', undefined, { raw: '{"id": 10901, "big": 9007199254740993, "amount": 1.10}', headers: { 'Content-Type': 'application/json' } });
    for (let i = 0; r.status === 404 && i < 100; i++) {
      await new Promise((res) => setTimeout(res, 25));
      r = await post('precise', undefined, { raw: '{"id": 10901, "big": 9007199254740993, "amount": 1.10}', headers: { 'Content-Type': 'application/json' } });
    }
    expect(r.status, r.text).toBe(201);
    const bulk = await post('precise', undefined, { raw: '[{"id": 10902, "big": 9223372036854775807, "amount": 2.500}]', headers: { 'Content-Type': 'application/json' } });
    expect(bulk.status, bulk.text).toBe(201);
    expect(await rows(`SELECT id, big::text, amount::text FROM rest_write.precise WHERE id IN (10901, 10902) ORDER BY id`)).toEqual([
      { id: 10901, big: '9007199254740993', amount: '1.10' },
      { id: 10902, big: '9223372036854775807', amount: '2.500' },
    ]);
  });
});
