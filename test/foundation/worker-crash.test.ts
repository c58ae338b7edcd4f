/**
 * A stack of its own (API + workers on a separate queue prefix) so that this file
 * can kill workers without disturbing the shared ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, db } from '../support/env.ts';
import { isolatedStack, type IsolatedStack } from '../support/isolated-stack.ts';
import { poll, stopProcess } from '../support/processes.ts';

let stack: IsolatedStack;
let base: string;
const spawn = (entry: 'src/api/main.ts' | 'src/workers/main.ts') => stack.spawn(entry);
const status = (location: string) => stack.status(location);
const ROWS = 600_000;

beforeAll(async () => {
  await db().query(`
    DROP TABLE IF EXISTS public.crash_rows;
    CREATE TABLE public.crash_rows (id int PRIMARY KEY, pad text);
    INSERT INTO public.crash_rows SELECT i, repeat('y', 300) FROM generate_series(1, ${ROWS}) i;
  `);
  stack = await isolatedStack('crash');
  base = stack.base;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('worker failure', () => {
  it('a job whose worker is killed mid-way completes on another worker, applied exactly once', async () => {
    const first = await spawn('src/workers/main.ts');
    const res = await fetch(`${base}/api/database/advance/export`, {
      method: 'POST',
      headers: { Authorization: adminAuth, 'Content-Type': 'application/json', Prefer: 'respond-async' },
      body: JSON.stringify({ tables: ['crash_rows'], format: 'json' }),
    });
    expect(res.status).toBe(202);
    const location = res.headers.get('location')!;
    const jobId = location.split('/').pop()!;

    const mid = await poll(async () => {
      const s = await status(location);
      return s.state === 'active' && s.progress?.rows > 0 ? s : undefined;
    }, 'progress', 60_000, 20);
    expect(mid.progress.worker).toMatch(new RegExp(`:${first.child.pid}$`));
    expect(mid.progress.rows).toBeLessThan(ROWS);
    await stopProcess(first, 'SIGKILL');

    const second = await spawn('src/workers/main.ts');
    const done = await poll(async () => {
      const s = await status(location);
      return s.state === 'completed' || s.state === 'failed' ? s : undefined;
    }, 'completion on the second worker', 90_000, 200);
    expect(done.state).toBe('completed');
    expect(done.result.rows).toBe(ROWS);
    expect(done.progress.worker).toMatch(new RegExp(`:${second.child.pid}$`));

    // Exactly one output, holding every row once.
    const { rows } = await db().query(`SELECT count(*)::int AS n, sum(size)::bigint AS size FROM basalt.artifacts WHERE job_id = $1`, [jobId]);
    expect(rows[0].n).toBe(1);
    const result = await fetch(`${base}${location}/result`, { headers: { Authorization: adminAuth } });
    const body = await result.json();
    expect(body.crash_rows).toHaveLength(ROWS);
    expect(new Set(body.crash_rows.map((r: { id: number }) => r.id)).size).toBe(ROWS);
  }, 180_000);

  it('a worker given SIGTERM finishes its current job before it exits', async () => {
    // Only one worker may hold the job: stop the others first.
    await Promise.all(stack.started.slice(1).map((p) => stopProcess(p)));
    const w = await spawn('src/workers/main.ts');
    const res = await fetch(`${base}/api/database/advance/export`, {
      method: 'POST',
      headers: { Authorization: adminAuth, 'Content-Type': 'application/json', Prefer: 'respond-async' },
      body: JSON.stringify({ tables: ['crash_rows'], format: 'json', rowLimit: 200000 }),
    });
    const location = res.headers.get('location')!;
    await poll(async () => {
      const s = await status(location);
      return s.state === 'active' && s.progress?.worker?.endsWith(`:${w.child.pid}`) ? s : undefined;
    }, 'the job to start', 60_000, 20);
    w.child.kill('SIGTERM');
    const { code } = await w.exited;
    expect(code).toBe(0);
    const s = await status(location);
    expect(s.state).toBe('completed');
    expect(s.result.rows).toBe(200000);
  }, 120_000);
});
