import { beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, db } from '../support/env.ts';
import { poll } from '../support/processes.ts';

const exportUrl = `${apiUrl}/api/database/advance/export`;
const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(exportUrl, { method: 'POST', headers: { Authorization: adminAuth, 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
const get = (path: string) => fetch(`${apiUrl}${path}`, { headers: { Authorization: adminAuth } });

beforeAll(async () => {
  await db().query(`
    DROP TABLE IF EXISTS public.job_items;
    CREATE TABLE public.job_items (id int PRIMARY KEY, name text, tags text[], data jsonb);
    INSERT INTO public.job_items
      SELECT i, 'item ' || i || E' "quoted" \\\\ back\\nslash', ARRAY['a', 'b'], jsonb_build_object('n', i, 'note', E'line\\nbreak')
        FROM generate_series(1, 100) i;
    DROP TABLE IF EXISTS public.job_slow;
    CREATE TABLE public.job_slow (id int PRIMARY KEY, pad text);
    INSERT INTO public.job_slow SELECT i, repeat('x', 400) FROM generate_series(1, 400000) i;
  `);
});

describe('jobs: synchronous answer', () => {
  it('waits for the export job and answers with its content', async () => {
    const res = await post({ tables: ['job_items'], format: 'json' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.format).toBe('json');
    expect(body.tables).toEqual(['job_items']);
    expect(body.rows).toBe(100);
    expect(body.content.job_items).toHaveLength(100);
    const { rows } = await db().query(`SELECT to_jsonb(t) AS r FROM public.job_items t WHERE id = 7`);
    expect(body.content.job_items.find((r: { id: number }) => r.id === 7)).toEqual(rows[0].r);
  });

  it('exports SQL with the DDL and the data as COPY', async () => {
    const res = await post({ tables: ['job_items'], format: 'sql', rowLimit: 3 });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.content).toContain('CREATE TABLE public.job_items (');
    expect(body.content).toMatch(/COPY "public"\."job_items" \("id", "name", "tags", "data"\) FROM stdin;\n(.*\n){3}\\\.\n/);
    expect(body.content).toContain('-- PostgreSQL database dump complete');
    expect(body.rows).toBe(3);
  });
});

describe('jobs: Prefer: respond-async', () => {
  it('answers 202 with Location, then the job is polled to completed and its result downloaded', async () => {
    const res = await post({ tables: ['job_items'], format: 'json' }, { Prefer: 'respond-async' });
    expect(res.status).toBe(202);
    expect(res.headers.get('preference-applied')).toBe('respond-async');
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/api\/jobs\/[0-9a-f-]{36}$/);
    const queued = await res.json();
    expect(queued).toMatchObject({ type: 'export', state: expect.stringMatching(/queued|active|completed/) });

    const done = await poll(async () => {
      const s = await (await get(location)).json();
      return s.state === 'completed' ? s : undefined;
    }, 'job completion');
    expect(done).toMatchObject({ id: queued.id, type: 'export', error: null, result: { format: 'json', rows: 100 } });
    expect(done.progress.rows).toBe(100);
    expect(Date.parse(done.finishedAt)).toBeGreaterThanOrEqual(Date.parse(done.startedAt));
    expect(Date.parse(done.startedAt)).toBeGreaterThanOrEqual(Date.parse(done.createdAt));

    const result = await get(`${location}/result`);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toContain('application/json');
    expect(result.headers.get('content-disposition')).toContain('export.json');
    const content = await result.json();
    expect(content.job_items).toHaveLength(100);
  });

  it('cancels an active job', async () => {
    const res = await post({ tables: ['job_slow'], format: 'json' }, { Prefer: 'respond-async' });
    const location = res.headers.get('location')!;
    await poll(async () => ((await (await get(location)).json()).state === 'active' ? true : undefined), 'job start', 30_000, 20);
    const del = await fetch(`${apiUrl}${location}`, { method: 'DELETE', headers: { Authorization: adminAuth } });
    expect([200, 202]).toContain(del.status);
    const final = await poll(async () => {
      const s = await (await get(location)).json();
      return ['cancelled', 'completed', 'failed'].includes(s.state) ? s : undefined;
    }, 'cancellation');
    expect(final.state).toBe('cancelled');
    const id = location.split('/').pop();
    const result = await get(`${location}/result`);
    expect(result.status).toBe(409);
    // JOB_NOT_FINISHED ("not ready") for a job that has finished as cancelled: see the report on issue 15.
    expect(await result.json()).toEqual({
      error: 'JOB_NOT_FINISHED',
      message: `Job ${id} is cancelled; its result is not ready`,
      statusCode: 409,
      nextActions: 'Poll GET /api/jobs/:id; a result exists only once state is completed',
    });
    const again = await fetch(`${apiUrl}${location}`, { method: 'DELETE', headers: { Authorization: adminAuth } });
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: 'JOB_FINISHED', message: `Job ${id} has already finished (cancelled) and cannot be cancelled`, statusCode: 409 });
  });
});

describe('jobs: bad input', () => {
  it('refuses an unknown table with 404 TABLE_NOT_FOUND before enqueueing', async () => {
    const res = await post({ tables: ['nope'] });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: 'TABLE_NOT_FOUND',
      message: "Table 'nope' does not exist",
      statusCode: 404,
      nextActions: 'Check table name and try again',
    });
  });

  it('refuses a bad format and a bad rowLimit with 400', async () => {
    const cases: [unknown, string][] = [
      [{ format: 'xml' }, 'format: Invalid option: expected one of "json"|"sql"'],
      [{ rowLimit: -1 }, 'rowLimit: Too small: expected number to be >0'],
      [{ tables: 'job_items' }, 'tables: Invalid input: expected array, received string'],
    ];
    for (const [body, message] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json(), JSON.stringify(body)).toEqual({ error: 'VALIDATION_ERROR', message, statusCode: 400, nextActions: 'Check the request body against the API documentation' });
    }
  });

  it('refuses malformed JSON with 400', async () => {
    const res = await fetch(exportUrl, { method: 'POST', headers: { Authorization: adminAuth, 'Content-Type': 'application/json' }, body: '{"tables": [' });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('INVALID_JSON');
  });

  it('requires admin authentication', async () => {
    const none = await fetch(exportUrl, { method: 'POST' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Basic');
    const wrong = await fetch(exportUrl, { method: 'POST', headers: { Authorization: 'Basic ' + Buffer.from('admin:wrong').toString('base64') } });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error).toBe('UNAUTHORIZED');
  });

  it('answers unknown and malformed job ids with 404 and 400', async () => {
    const unknown = await get('/api/jobs/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: 'JOB_NOT_FOUND',
      message: 'Job 00000000-0000-4000-8000-000000000000 not found',
      statusCode: 404,
      nextActions: 'Check the job id; results expire after JOB_RESULT_TTL_SECONDS',
    });
    const bad = await get('/api/jobs/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: 'VALIDATION_ERROR',
      message: "Job id must be a UUID, got 'not-a-uuid'",
      statusCode: 400,
      nextActions: 'Check the request body against the API documentation',
    });
  });
});
