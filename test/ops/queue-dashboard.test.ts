/**
 * The queue dashboard (bull-board) at /admin/queues: admin credentials only; its API lists real
 * jobs with their secrets redacted, progress as GET /api/jobs/:id shows it, failure reason and
 * attempts; retry and remove work, adding or editing jobs does not, nor a cross-site request.
 * Its own API and worker on a queue prefix of their own, so the listings hold only this file's jobs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, db } from '../support/env.ts';
import { poll } from '../support/processes.ts';
import { isolatedStack, type IsolatedStack } from '../support/isolated-stack.ts';

let stack: IsolatedStack;
const SECRET = 'hunter2-do-not-show';
const URL_SECRET = 'pw-do-not-show';

beforeAll(async () => {
  stack = await isolatedStack('qdash');
  await stack.spawn('src/workers/main.ts');
  await db().query('DROP TABLE IF EXISTS public.qdash_rows; CREATE TABLE public.qdash_rows AS SELECT generate_series(1, 250) AS id');
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await db().query('DROP TABLE IF EXISTS public.qdash_rows');
});

const board = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.base}/admin/queues${path}`, { ...init, headers: { Authorization: adminAuth, ...(init.headers as Record<string, string>) } });
/** A job as the dashboard's API shows it. */
const boardJob = async (queue: string, id: string) => {
  const res = await board(`/api/queues/${queue}/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { status: string; job: Record<string, any> };
};
const submit = async (path: string, body: unknown) => {
  const res = await fetch(`${stack.base}${path}`, {
    method: 'POST',
    headers: { Authorization: adminAuth, 'Content-Type': 'application/json', Prefer: 'respond-async' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  return res.headers.get('location')!.split('/').pop()!;
};
const finished = (id: string) =>
  poll(async () => {
    const j = await stack.status(`/api/jobs/${id}`);
    return j.state === 'completed' || j.state === 'failed' ? j : undefined;
  }, `job ${id}`, 60_000, 200);

describe('queue dashboard', () => {
  it('refuses without admin credentials, page and API alike', async () => {
    for (const path of ['', '/', '/api/queues']) {
      const res = await fetch(`${stack.base}/admin/queues${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
    }
    const wrong = await fetch(`${stack.base}/admin/queues`, { headers: { Authorization: 'Basic ' + Buffer.from('admin:not-the-password').toString('base64') } });
    expect(wrong.status).toBe(401);
  });

  it('serves the page and lists every queue with admin credentials', async () => {
    const page = await board('');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<base href="/admin/queues/"');
    const res = await board('/api/queues?activeQueue=basalt-export&status=latest&page=1&jobsPerPage=10');
    expect(res.status).toBe(200);
    const names = ((await res.json()).queues as { name: string }[]).map((q) => q.name).sort();
    expect(names).toEqual(['basalt-bulk-upsert', 'basalt-export', 'basalt-import', 'basalt-license', 'basalt-migrations']);
  });

  it('shows a failed job with its payload redacted, its failure reason and attempts; retry runs it again; remove deletes it', async () => {
    const sql = `ALTER ROLE qdash_no_such_role PASSWORD '${SECRET}'; -- from postgres://bob:${URL_SECRET}@db/x`;
    // A version above any other test's: it is never applied (the SQL fails), and the test database is shared.
    const id = await submit('/api/database/migrations', { version: '9'.repeat(40), name: 'secret', sql });
    expect(await finished(id)).toMatchObject({ state: 'failed' });

    const list = await board('/api/queues?activeQueue=basalt-migrations&status=failed&page=1&jobsPerPage=50');
    const queue = ((await list.json()).queues as { name: string; jobs: Record<string, any>[] }[]).find((q) => q.name === 'basalt-migrations')!;
    const listed = queue.jobs.find((j) => j.id === id)!;
    expect(listed).toBeDefined();
    expect(JSON.stringify(listed)).not.toContain(SECRET);
    expect(JSON.stringify(listed)).not.toContain(URL_SECRET);
    expect(listed.data).toEqual({ type: 'migrations', payload: { version: '9'.repeat(40), name: 'secret', sql: "ALTER ROLE qdash_no_such_role PASSWORD '[redacted]'; -- from postgres://bob:[redacted]@db/x" } });
    expect(listed.failedReason).toMatch(/qdash_no_such_role/);
    expect(listed.attempts).toBeGreaterThanOrEqual(1);

    const first = (await boardJob('basalt-migrations', id)).job;
    expect(first.processedOn).toBeGreaterThan(0);
    // From another site, a browser's cached credentials change nothing.
    const forged = await board(`/api/queues/basalt-migrations/${id}/retry`, { method: 'PUT', headers: { Origin: 'https://evil.example' } });
    expect(forged.status).toBe(403);
    expect((await boardJob('basalt-migrations', id)).status).toBe('failed');

    expect((await board(`/api/queues/basalt-migrations/${id}/retry`, { method: 'PUT' })).status).toBe(204);
    const again = await poll(async () => {
      const j = await boardJob('basalt-migrations', id);
      return j.status === 'failed' && j.job.processedOn > first.processedOn ? j : undefined;
    }, 'the retried job to run again', 60_000, 200);
    expect(JSON.stringify(again)).not.toContain(SECRET);

    expect((await board(`/api/queues/basalt-migrations/${id}/clean`, { method: 'PUT' })).status).toBe(204);
    expect((await board(`/api/queues/basalt-migrations/${id}`)).status).toBe(404);
    expect((await fetch(`${stack.base}/api/jobs/${id}`, { headers: { Authorization: adminAuth } })).status).toBe(404);
  }, 120_000);

  it("shows a job's progress as GET /api/jobs/:id does", async () => {
    const id = await submit('/api/database/advance/export', { tables: ['qdash_rows'], format: 'sql' });
    const status = await finished(id);
    expect(status).toMatchObject({ state: 'completed', progress: { rows: 250 } });
    const { job } = await boardJob('basalt-export', id);
    expect(job.progress).toMatchObject({ rows: status.progress.rows, bytes: status.progress.bytes });
    expect(job.returnValue).toMatchObject({ rows: 250 });
  }, 60_000);

  it('refuses adding jobs or editing their data', async () => {
    const add = await board('/api/queues/basalt-export/add', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'export', data: {} }) });
    expect(add.status).toBe(405);
    expect(await add.json()).toMatchObject({ error: 'METHOD_NOT_ALLOWED' });
    const edit = await board('/api/queues/basalt-export/some-id/update-data', { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(edit.status).toBe(405);
  });
});
