/**
 * PATCH, DELETE and PUT on /rest/v1/<table> (PostgREST 12–14 semantics) against the
 * `rest_write` fixture (test/fixtures/20_rest_write.sql): statuses, Content-Range,
 * representations, counts, transaction and handling preferences, max-affected,
 * timezone, Content-Profile, single-row upserts with PUT, singular responses that roll
 * the write back, and writes PostgreSQL refuses (a view that is not updatable).
 *
 * Every test seeds its own rows (ids 20000–29999) with a superuser connection and
 * checks the database afterwards.
 */
import { describe, expect, it } from 'vitest';
import { db, restUrl } from '../support/env.ts';
import { JSON_CT, type Json, type Param, type Reply, toReply, sender, type SendOptions } from '../support/http.ts';

const OBJECT = 'application/vnd.pgrst.object+json';

const rawSend = sender(restUrl, 'rest_write');
const send = async (method: string, path: string, o: SendOptions = {}): Promise<Reply> => toReply(await rawSend(method, path, o));

const patch = (table: string, params: Param[], body: unknown, headers: Record<string, string> = {}) =>
  send('PATCH', `/${table}`, { params, body, headers });
const del = (table: string, params: Param[], headers: Record<string, string> = {}) => send('DELETE', `/${table}`, { params, headers });
const put = (table: string, params: Param[], body: unknown, headers: Record<string, string> = {}) =>
  send('PUT', `/${table}`, { params, body, headers });

async function rows(sql: string, params: unknown[] = []): Promise<Json[]> {
  return (await db().query(sql, params)).rows;
}

/** Seeds projects (client 1) with the given ids, named `P<id>`, priority 3, status draft. */
async function seedProjects(...ids: number[]) {
  await db().query(
    "INSERT INTO rest_write.projects (id, name, client_id) SELECT i, 'P' || i, 1 FROM unnest($1::int[]) AS i",
    [ids],
  );
}

const projectRows = (ids: number[]) =>
  rows('SELECT id, name, status, priority FROM rest_write.projects WHERE id = ANY($1) ORDER BY id', [ids]);

const inIds = (...ids: number[]): Param => ['id', `in.(${ids.join(',')})`];

function expectNoBody(r: Reply) {
  expect(r.text).toBe('');
  expect(r.headers.get('content-type')).toBeNull();
}

describe('PATCH', () => {
  it('updates the filtered row: 204, no body, Content-Range 0-0/*', async () => {
    await seedProjects(20001, 20002);
    const r = await patch('projects', [['id', 'eq.20001']], { status: 'active' });
    expect(r.status, r.text).toBe(204);
    expectNoBody(r);
    expect(r.headers.get('content-range')).toBe('0-0/*');
    expect(r.headers.get('preference-applied')).toBeNull();
    expect(await projectRows([20001, 20002])).toEqual([
      { id: 20001, name: 'P20001', status: 'active', priority: 3 },
      { id: 20002, name: 'P20002', status: 'draft', priority: 3 },
    ]);
  });

  it('updates every matching row: Content-Range 0-1/*', async () => {
    await seedProjects(20011, 20012, 20013);
    const r = await patch('projects', [inIds(20011, 20013)], { priority: 9 });
    expect(r.status, r.text).toBe(204);
    expect(r.headers.get('content-range')).toBe('0-1/*');
    expect((await projectRows([20011, 20012, 20013])).map((p) => p.priority)).toEqual([9, 3, 9]);
  });

  it('answers 204 with Content-Range */* when nothing matches', async () => {
    const r = await patch('projects', [['id', 'eq.29999']], { priority: 1 });
    expect(r.status, r.text).toBe(204);
    expectNoBody(r);
    expect(r.headers.get('content-range')).toBe('*/*');
  });

  it('return=representation answers 200 with the updated rows', async () => {
    await seedProjects(20021);
    const r = await patch('projects', [['id', 'eq.20021'], ['select', 'id,name,status']], { status: 'done', name: 'Renamed' }, {
      Prefer: 'return=representation',
    });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.headers.get('content-profile')).toBe('rest_write');
    expect(r.headers.get('content-range')).toBe('0-0/*');
    expect(r.headers.get('preference-applied')).toBe('return=representation');
    expect(r.json()).toEqual([{ id: 20021, name: 'Renamed', status: 'done' }]);
    expect(await projectRows([20021])).toEqual([{ id: 20021, name: 'Renamed', status: 'done', priority: 3 }]);
  });

  it('embeds related rows in the representation', async () => {
    await seedProjects(20031);
    await db().query("INSERT INTO rest_write.tasks (id, project_id, title) VALUES (20031, 20031, 'T1'), (20032, 20031, 'T2')");
    const r = await patch(
      'projects',
      [['id', 'eq.20031'], ['select', 'name,client:clients(name),tasks(id,title)'], ['tasks.order', 'id.desc']],
      { name: 'With embeds' },
      { Prefer: 'return=representation' },
    );
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([
      { name: 'With embeds', client: { name: 'Acme' }, tasks: [{ id: 20032, title: 'T2' }, { id: 20031, title: 'T1' }] },
    ]);
  });

  it('answers 200 [] with return=representation when nothing matches', async () => {
    const r = await patch('projects', [['id', 'eq.29998']], { priority: 1 }, { Prefer: 'return=representation' });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([]);
    expect(r.headers.get('content-range')).toBe('*/*');
  });

  it('Prefer: count=exact puts the number of updated rows in Content-Range', async () => {
    await seedProjects(20041, 20042);
    const r = await patch('projects', [inIds(20041, 20042)], { priority: 7 }, { Prefer: 'count=exact' });
    expect(r.status, r.text).toBe(204);
    expect(r.headers.get('content-range')).toBe('0-1/2');
    expect(r.headers.get('preference-applied')).toBe('count=exact');
    const none = await patch('projects', [['id', 'eq.29997']], { priority: 7 }, { Prefer: 'count=exact' });
    expect(none.headers.get('content-range')).toBe('*/0');
  });

  it('sets a column to NULL', async () => {
    await db().query("INSERT INTO rest_write.projects (id, name, client_id, budget) VALUES (20051, 'Budgeted', 2, 99.5)");
    const r = await patch('projects', [['id', 'eq.20051'], ['select', 'budget,client_id']], { budget: null, client_id: null }, {
      Prefer: 'return=representation',
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ budget: null, client_id: null }]);
    expect(await rows('SELECT budget, client_id FROM rest_write.projects WHERE id = 20051')).toEqual([{ budget: null, client_id: null }]);
  });

  it('with columns= ignores other keys; missing=default resets the listed columns that are absent', async () => {
    await db().query("INSERT INTO rest_write.projects (id, name, client_id, priority, status) VALUES (20061, 'Cols', 1, 8, 'active')");
    const r = await patch(
      'projects',
      [['id', 'eq.20061'], ['columns', 'name,priority'], ['select', 'name,priority,status']],
      { name: 'Cols 2', status: 'ignored' },
      { Prefer: 'return=representation, missing=default' },
    );
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('preference-applied')).toBe('missing=default, return=representation');
    expect(r.json()).toEqual([{ name: 'Cols 2', priority: 3, status: 'active' }]);
  });

  it('with columns= and no missing=default sets absent listed columns to NULL', async () => {
    await db().query("INSERT INTO rest_write.projects (id, name, client_id, priority) VALUES (20062, 'Cols null', 1, 8)");
    const r = await patch('projects', [['id', 'eq.20062'], ['columns', 'name,priority']], { name: 'Cols null 2' });
    expect(r.status, r.text).toBe(204);
    expect(await rows('SELECT name, priority FROM rest_write.projects WHERE id = 20062')).toEqual([{ name: 'Cols null 2', priority: null }]);
  });

  it('refuses invalid JSON with 400 PGRST102 and changes nothing', async () => {
    await seedProjects(20071);
    const r = await send('PATCH', '/projects', { params: [['id', 'eq.20071']], raw: '{"name": ', headers: { 'Content-Type': 'application/json' } });
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toEqual({ code: 'PGRST102', message: 'Empty or invalid json', details: null, hint: null });
    expect((await projectRows([20071]))[0].name).toBe('P20071');
  });

  it('refuses a key that is not a column with 400 PGRST204', async () => {
    await seedProjects(20072);
    const r = await patch('projects', [['id', 'eq.20072']], { name: 'x', colour: 'red' });
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toEqual({
      code: 'PGRST204',
      message: "Could not find the 'colour' column of 'projects' in the schema cache",
      details: null,
      hint: null,
    });
    expect((await projectRows([20072]))[0].name).toBe('P20072');
  });

  it('maps constraint errors like inserts do (23503 → 409)', async () => {
    await seedProjects(20073);
    const r = await patch('projects', [['id', 'eq.20073']], { client_id: 777 });
    expect(r.status, r.text).toBe(409);
    expect(r.json()).toEqual({
      code: '23503',
      message: 'insert or update on table "projects" violates foreign key constraint "projects_client_id_fkey"',
      details: 'Key (client_id)=(777) is not present in table "clients".',
      hint: null,
    });
  });

  it('returns the new timestamps in the time zone asked for with Prefer: timezone', async () => {
    await seedProjects(20081);
    const r = await patch('projects', [['id', 'eq.20081'], ['select', 'id,created_at']], { name: 'Zoned' }, {
      Prefer: 'return=representation, timezone=America/Los_Angeles',
    });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('preference-applied')).toBe('return=representation, timezone=America/Los_Angeles');
    // created_at defaults to 2024-01-01 12:00:00+00
    expect(r.json()).toEqual([{ id: 20081, created_at: '2024-01-01T04:00:00-08:00' }]);
    const other = await patch('projects', [['id', 'eq.20081'], ['select', 'created_at']], { name: 'Zoned 2' }, {
      Prefer: 'return=representation, timezone=Asia/Tokyo',
    });
    expect(other.json()).toEqual([{ created_at: '2024-01-01T21:00:00+09:00' }]);
  });
});

describe('DELETE', () => {
  it('deletes the filtered rows: 204, no body, Content-Range */*', async () => {
    await seedProjects(20101, 20102);
    const r = await del('projects', [['id', 'eq.20101']]);
    expect(r.status, r.text).toBe(204);
    expectNoBody(r);
    expect(r.headers.get('content-range')).toBe('*/*');
    expect((await projectRows([20101, 20102])).map((p) => p.id)).toEqual([20102]);
  });

  it('return=representation answers 200 with the deleted rows', async () => {
    await seedProjects(20111, 20112);
    const r = await del('projects', [inIds(20111, 20112), ['select', 'id,name'], ['order', 'id']], { Prefer: 'return=representation' });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.headers.get('content-range')).toBe('*/*');
    expect(r.headers.get('preference-applied')).toBe('return=representation');
    expect(r.json()).toEqual([
      { id: 20111, name: 'P20111' },
      { id: 20112, name: 'P20112' },
    ]);
    expect(await projectRows([20111, 20112])).toEqual([]);
  });

  it('Prefer: count=exact puts the number of deleted rows in Content-Range', async () => {
    await seedProjects(20121, 20122, 20123);
    const r = await del('projects', [inIds(20121, 20122, 20123)], { Prefer: 'return=representation, count=exact' });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-range')).toBe('*/3');
    expect(r.headers.get('preference-applied')).toBe('return=representation, count=exact');
    expect(r.json()).toHaveLength(3);
  });

  it('answers 204 when nothing matches, and 200 [] with return=representation', async () => {
    const r = await del('projects', [['id', 'eq.29996']]);
    expect(r.status, r.text).toBe(204);
    const rep = await del('projects', [['id', 'eq.29996']], { Prefer: 'return=representation' });
    expect(rep.status, rep.text).toBe(200);
    expect(rep.json()).toEqual([]);
  });

  it('embeds the parent of the deleted row in the representation', async () => {
    await seedProjects(20131);
    await db().query("INSERT INTO rest_write.tasks (id, project_id, title) VALUES (20131, 20131, 'Doomed')");
    const r = await del('tasks', [['id', 'eq.20131'], ['select', 'title,project:projects(id,name)']], { Prefer: 'return=representation' });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ title: 'Doomed', project: { id: 20131, name: 'P20131' } }]);
    expect(await rows('SELECT id FROM rest_write.tasks WHERE id = 20131')).toEqual([]);
  });

  it('filters with logic trees', async () => {
    await seedProjects(20141, 20142, 20143);
    await db().query('UPDATE rest_write.projects SET priority = 1 WHERE id = 20143');
    const r = await del('projects', [['or', '(id.eq.20141,and(id.gt.20142,priority.eq.1))'], ['id', 'gte.20141'], ['id', 'lte.20143']]);
    expect(r.status, r.text).toBe(204);
    expect((await projectRows([20141, 20142, 20143])).map((p) => p.id)).toEqual([20142]);
  });
});

describe('Prefer: tx=rollback', () => {
  it('answers a PATCH as if committed and leaves the database unchanged', async () => {
    await seedProjects(20201);
    const r = await patch('projects', [['id', 'eq.20201'], ['select', 'id,status']], { status: 'active' }, {
      Prefer: 'return=representation, tx=rollback',
    });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('preference-applied')).toBe('return=representation, tx=rollback');
    expect(r.json()).toEqual([{ id: 20201, status: 'active' }]);
    expect((await projectRows([20201]))[0].status).toBe('draft');
  });

  it('rolls back a DELETE', async () => {
    await seedProjects(20202);
    const r = await del('projects', [['id', 'eq.20202']], { Prefer: 'tx=rollback' });
    expect(r.status, r.text).toBe(204);
    expect(r.headers.get('preference-applied')).toBe('tx=rollback');
    expect(await projectRows([20202])).toHaveLength(1);
  });

  it('rolls back a POST', async () => {
    const r = await send('POST', '/projects', {
      body: { id: 20203, name: 'Never stored', client_id: 1 },
      headers: { Prefer: 'return=representation, tx=rollback' },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json()).toMatchObject([{ id: 20203, name: 'Never stored' }]);
    expect(await projectRows([20203])).toEqual([]);
  });

  it('commits with tx=commit', async () => {
    await seedProjects(20204);
    const r = await patch('projects', [['id', 'eq.20204']], { status: 'active' }, { Prefer: 'tx=commit' });
    expect(r.status, r.text).toBe(204);
    expect(r.headers.get('preference-applied')).toBe('tx=commit');
    expect((await projectRows([20204]))[0].status).toBe('active');
  });
});

describe('Prefer: handling and max-affected', () => {
  it('handling=strict refuses an unknown preference with 400 PGRST122 and changes nothing', async () => {
    await seedProjects(20301);
    const r = await patch('projects', [['id', 'eq.20301']], { status: 'active' }, { Prefer: 'handling=strict, bogus=yes' });
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toEqual({
      code: 'PGRST122',
      message: 'Invalid preferences given with handling=strict',
      details: 'Invalid preferences: bogus=yes',
      hint: null,
    });
    expect((await projectRows([20301]))[0].status).toBe('draft');
  });

  it('handling=lenient (the default) ignores unknown preferences', async () => {
    await seedProjects(20302);
    const r = await patch('projects', [['id', 'eq.20302']], { status: 'active' }, { Prefer: 'handling=lenient, bogus=yes' });
    expect(r.status, r.text).toBe(204);
    expect(r.headers.get('preference-applied')).toBe('handling=lenient');
    expect((await projectRows([20302]))[0].status).toBe('active');
  });

  it('max-affected with handling=strict refuses a PATCH touching more rows with 400 PGRST124, rolled back', async () => {
    await seedProjects(20311, 20312);
    const r = await patch('projects', [inIds(20311, 20312)], { status: 'active' }, { Prefer: 'handling=strict, max-affected=1' });
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toEqual({
      code: 'PGRST124',
      message: 'Query result exceeds max-affected preference constraint',
      details: 'The query affects 2 rows',
      hint: null,
    });
    expect((await projectRows([20311, 20312])).map((p) => p.status)).toEqual(['draft', 'draft']);
  });

  it('max-affected with handling=strict allows a PATCH within the limit', async () => {
    await seedProjects(20313, 20314);
    const r = await patch('projects', [inIds(20313, 20314)], { status: 'active' }, { Prefer: 'handling=strict, max-affected=2' });
    expect(r.status, r.text).toBe(204);
    expect(r.headers.get('preference-applied')).toBe('handling=strict, max-affected=2');
    expect((await projectRows([20313, 20314])).map((p) => p.status)).toEqual(['active', 'active']);
  });

  it('max-affected with handling=strict refuses a DELETE touching more rows, rolled back', async () => {
    await seedProjects(20321, 20322, 20323);
    const r = await del('projects', [inIds(20321, 20322, 20323)], { Prefer: 'handling=strict, max-affected=2' });
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toEqual({
      code: 'PGRST124',
      message: 'Query result exceeds max-affected preference constraint',
      details: 'The query affects 3 rows',
      hint: null,
    });
    expect(await projectRows([20321, 20322, 20323])).toHaveLength(3);
  });

  it('max-affected without handling=strict is ignored', async () => {
    await seedProjects(20331, 20332);
    const r = await del('projects', [inIds(20331, 20332)], { Prefer: 'max-affected=1' });
    expect(r.status, r.text).toBe(204);
    expect(r.headers.get('preference-applied')).toBeNull();
    expect(await projectRows([20331, 20332])).toEqual([]);
  });
});

describe('Content-Profile selects the schema of a write', () => {
  it('writes to the first exposed schema (public) without Content-Profile', async () => {
    const r = await send('PATCH', '/projects', { params: [['id', 'eq.1']], body: { name: 'x' }, profile: null });
    expect(r.status, r.text).toBe(404);
    expect(r.json()).toMatchObject({ code: 'PGRST205', message: "Could not find the table 'public.projects' in the schema cache" });
    expect((await rows('SELECT name FROM rest_write.projects WHERE id = 1'))[0].name).toBe('Website');
  });

  it('ignores Accept-Profile for a write', async () => {
    const r = await send('DELETE', '/projects', { params: [['id', 'eq.1']], profile: null, headers: { 'Accept-Profile': 'rest_write' } });
    expect(r.status, r.text).toBe(404);
    expect(r.json().code).toBe('PGRST205');
    expect(await rows('SELECT id FROM rest_write.projects WHERE id = 1')).toHaveLength(1);
  });

  it('routes the write to the named schema', async () => {
    // rest_read.books is read-only for anon: the refusal proves the write went there
    const r = await send('PATCH', '/books', { params: [['id', 'eq.1']], body: { title: 'x' }, profile: 'rest_read' });
    expect(r.status, r.text).toBe(401);
    expect(r.json()).toEqual({ code: '42501', message: 'permission denied for table books', details: null, hint: null });
    expect((await rows('SELECT title FROM rest_read.books WHERE id = 1'))[0].title).toBe('The Dispossessed');
  });

  it('echoes the profile as Content-Profile on a representation', async () => {
    await seedProjects(20401);
    const r = await patch('projects', [['id', 'eq.20401'], ['select', 'id']], { name: 'Profiled' }, { Prefer: 'return=representation' });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-profile')).toBe('rest_write');
  });

  it('refuses a schema that is not exposed with 406 PGRST106', async () => {
    const r = await send('PATCH', '/projects', { params: [['id', 'eq.1']], body: { name: 'x' }, profile: 'pg_catalog' });
    expect(r.status, r.text).toBe(406);
    expect(r.json().code).toBe('PGRST106');
    expect((await rows('SELECT name FROM rest_write.projects WHERE id = 1'))[0].name).toBe('Website');
  });
});

describe('PUT: single-row upsert', () => {
  it('inserts a missing row: 204 by default', async () => {
    const r = await put('clients', [['id', 'eq.20501']], { id: 20501, name: 'Put new' });
    expect(r.status, r.text).toBe(204);
    expectNoBody(r);
    expect(await rows('SELECT name FROM rest_write.clients WHERE id = 20501')).toEqual([{ name: 'Put new' }]);
  });

  it('replaces an existing row: 204 by default', async () => {
    await db().query("INSERT INTO rest_write.clients (id, name) VALUES (20502, 'Put old')");
    const r = await put('clients', [['id', 'eq.20502']], { id: 20502, name: 'Put replaced' }, { Prefer: 'return=minimal' });
    expect(r.status, r.text).toBe(204);
    expect(r.headers.get('preference-applied')).toBe('return=minimal');
    expect(await rows('SELECT name FROM rest_write.clients WHERE id = 20502')).toEqual([{ name: 'Put replaced' }]);
  });

  it('with return=representation answers 201 for an insert and 200 for an update', async () => {
    const created = await put('clients', [['id', 'eq.20511']], { id: 20511, name: 'First' }, { Prefer: 'return=representation' });
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get('content-type')).toBe(JSON_CT);
    expect(created.json()).toEqual([{ id: 20511, name: 'First' }]);
    const updated = await put('clients', [['id', 'eq.20511']], { id: 20511, name: 'Second' }, { Prefer: 'return=representation' });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.json()).toEqual([{ id: 20511, name: 'Second' }]);
    expect(await rows('SELECT name FROM rest_write.clients WHERE id = 20511')).toEqual([{ name: 'Second' }]);
  });

  it('works on a composite primary key given as eq filters on every key column', async () => {
    const r = await put(
      'memberships',
      [['project_id', 'eq.20521'], ['username', 'eq.carol']],
      { project_id: 20521, username: 'carol', role: 'owner' },
      { Prefer: 'return=representation', Accept: OBJECT },
    );
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('content-type')).toBe(`${OBJECT}; charset=utf-8`);
    expect(r.json()).toEqual({ project_id: 20521, username: 'carol', role: 'owner' });
  });

  it('refuses filters other than eq on the primary key with 405 PGRST105', async () => {
    const body = { id: 20531, name: 'x' };
    const expected = {
      code: 'PGRST105',
      message: "Filters must include all and only primary key columns with 'eq' operators",
      details: null,
      hint: null,
    };
    for (const params of [[['name', 'eq.x']], [['id', 'gt.20530']], [['id', 'in.(20531)']], [['id', 'eq.20531'], ['name', 'eq.x']], []] as Param[][]) {
      const r = await put('clients', params, body);
      expect(r.status, `${JSON.stringify(params)}: ${r.text}`).toBe(405);
      expect(r.json()).toEqual(expected);
    }
    const partial = await put('memberships', [['project_id', 'eq.20531']], { project_id: 20531, username: 'x', role: 'viewer' });
    expect(partial.status, partial.text).toBe(405);
    expect(partial.json()).toEqual(expected);
    expect(await rows('SELECT id FROM rest_write.clients WHERE id = 20531')).toEqual([]);
  });

  it('refuses a payload whose primary key differs from the URL with 400 PGRST115', async () => {
    const r = await put('clients', [['id', 'eq.20541']], { id: 20542, name: 'Mismatch' });
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toEqual({
      code: 'PGRST115',
      message: 'Payload values do not match URL in primary key column(s)',
      details: null,
      hint: null,
    });
    expect(await rows('SELECT id FROM rest_write.clients WHERE id IN (20541, 20542)')).toEqual([]);
  });

  it('refuses limit and offset with 400 PGRST114', async () => {
    const expected = { code: 'PGRST114', message: 'limit/offset querystring parameters are not allowed for PUT', details: null, hint: null };
    for (const extra of [['limit', '1'], ['offset', '1']] as Param[]) {
      const r = await put('clients', [['id', 'eq.20551'], extra], { id: 20551, name: 'Limited' });
      expect(r.status, r.text).toBe(400);
      expect(r.json()).toEqual(expected);
    }
    expect(await rows('SELECT id FROM rest_write.clients WHERE id = 20551')).toEqual([]);
  });
});

describe('singular responses on writes', () => {
  it('a PATCH touching two rows with Accept: vnd.pgrst.object+json is 406 PGRST116 and rolled back', async () => {
    await seedProjects(20601, 20602);
    const r = await patch('projects', [inIds(20601, 20602)], { status: 'active' }, { Accept: OBJECT, Prefer: 'return=representation' });
    expect(r.status, r.text).toBe(406);
    expect(r.json()).toEqual({
      code: 'PGRST116',
      message: 'Cannot coerce the result to a single JSON object',
      details: 'The result contains 2 rows',
      hint: null,
    });
    expect((await projectRows([20601, 20602])).map((p) => p.status)).toEqual(['draft', 'draft']);
  });

  it('a PATCH touching two rows is refused even without return=representation', async () => {
    await seedProjects(20603, 20604);
    const r = await patch('projects', [inIds(20603, 20604)], { status: 'active' }, { Accept: OBJECT });
    expect(r.status, r.text).toBe(406);
    expect(r.json().code).toBe('PGRST116');
    expect((await projectRows([20603, 20604])).map((p) => p.status)).toEqual(['draft', 'draft']);
  });

  it('a PATCH touching no row with Accept: vnd.pgrst.object+json is 406 PGRST116', async () => {
    const r = await patch('projects', [['id', 'eq.29995']], { status: 'active' }, { Accept: OBJECT, Prefer: 'return=representation' });
    expect(r.status, r.text).toBe(406);
    expect(r.json().details).toBe('The result contains 0 rows');
  });

  it('a PATCH touching one row returns it as an object', async () => {
    await seedProjects(20611);
    const r = await patch('projects', [['id', 'eq.20611'], ['select', 'id,status']], { status: 'active' }, {
      Accept: OBJECT,
      Prefer: 'return=representation',
    });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe(`${OBJECT}; charset=utf-8`);
    expect(r.json()).toEqual({ id: 20611, status: 'active' });
  });

  it('a DELETE of two rows with Accept: vnd.pgrst.object+json is 406 and deletes nothing', async () => {
    await seedProjects(20621, 20622);
    const r = await del('projects', [inIds(20621, 20622)], { Accept: OBJECT });
    expect(r.status, r.text).toBe(406);
    expect(r.json().details).toBe('The result contains 2 rows');
    expect(await projectRows([20621, 20622])).toHaveLength(2);
  });
});

describe('writes PostgreSQL refuses', () => {
  /** PostgreSQL's refusal for a view that is not automatically updatable. */
  const notUpdatable = (verb: string, gerund: string, command: string) => ({
    code: '55000',
    message: `cannot ${verb} view "client_totals"`,
    details: 'Views containing GROUP BY are not automatically updatable.',
    hint: `To enable ${gerund} the view, provide an INSTEAD OF ${command} trigger or an unconditional ON ${command} DO INSTEAD rule.`,
  });

  it('a PATCH on a view that is not updatable answers PostgreSQL 55000 with status 500', async () => {
    const r = await patch('client_totals', [['client_id', 'eq.3']], { projects: 0 });
    expect(r.status, r.text).toBe(500);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.json()).toEqual(notUpdatable('update', 'updating', 'UPDATE'));
  });

  it('a DELETE on a view that is not updatable answers PostgreSQL 55000 with status 500', async () => {
    const r = await del('client_totals', [['client_id', 'eq.3']]);
    expect(r.status, r.text).toBe(500);
    expect(r.json()).toEqual(notUpdatable('delete from', 'deleting from', 'DELETE'));
    expect(await rows('SELECT id FROM rest_write.projects WHERE client_id = 3 ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  it('a POST on a view that is not updatable answers PostgreSQL 55000 with status 500', async () => {
    const r = await send('POST', '/client_totals', { body: { client_id: 9, projects: 1 } });
    expect(r.status, r.text).toBe(500);
    expect(r.json()).toEqual(notUpdatable('insert into', 'inserting into', 'INSERT'));
  });
});
