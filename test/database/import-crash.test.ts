/**
 * At-least-once delivery meets the one-transaction import: a worker killed mid-import
 * leaves nothing behind, the retry on another worker loads the file once, and the table
 * ends with exactly the file's rows. Runs its own API + workers on a separate queue prefix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, db } from '../support/env.ts';
import { isolatedStack, type IsolatedStack } from '../support/isolated-stack.ts';
import { poll, stopProcess } from '../support/processes.ts';

let stack: IsolatedStack;
let base: string;
const spawn = (entry: 'src/api/main.ts' | 'src/workers/main.ts') => stack.spawn(entry);
const status = (location: string) => stack.status(location);
const ROWS = 1_500_000;

beforeAll(async () => {
  await db().query(`DROP TABLE IF EXISTS public.xio_crash; DROP TABLE IF EXISTS public.xio_crash_log`);
  stack = await isolatedStack('xiocrash');
  base = stack.base;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** A file that creates a table and loads ROWS rows into it (about 40 MB): long enough to kill the worker mid-COPY. */
function dumpFile(): Blob {
  const parts: string[] = [
    'CREATE TABLE public.xio_crash (id int PRIMARY KEY, pad text);\n',
    'CREATE TABLE public.xio_crash_log (note text);\n',
    "INSERT INTO public.xio_crash_log VALUES ('loaded once');\n",
    'COPY public.xio_crash (id, pad) FROM stdin;\n',
  ];
  const pad = 'z'.repeat(20);
  for (let start = 1; start <= ROWS; start += 100_000) {
    let block = '';
    for (let i = start; i < start + 100_000 && i <= ROWS; i++) block += `${i}\t${pad}\n`;
    parts.push(block);
  }
  parts.push('\\.\n');
  return new Blob(parts);
}

describe('import: worker killed mid-import', () => {
  it('is retried on another worker and ends with exactly the file rows', async () => {
    const first = await spawn('src/workers/main.ts');
    const form = new FormData();
    form.append('file', dumpFile(), 'crash.sql');
    const res = await fetch(`${base}/api/database/advance/import`, {
      method: 'POST',
      headers: { Authorization: adminAuth, Prefer: 'respond-async' },
      body: form,
    });
    expect(res.status).toBe(202);
    const location = res.headers.get('location')!;

    const mid = await poll(async () => {
      const s = await status(location);
      return s.state === 'active' && s.progress?.rows > 0 ? s : undefined;
    }, 'import progress', 60_000, 20);
    expect(mid.progress.worker).toMatch(new RegExp(`:${first.child.pid}$`));
    expect(mid.progress.rows).toBeLessThan(ROWS);
    await stopProcess(first, 'SIGKILL');

    // Nothing of the killed attempt is visible: its transaction died with its connection.
    await poll(async () => {
      const { rows } = await db().query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'COPY public.xio_crash%' AND pid <> pg_backend_pid()`);
      return rows[0].n === 0 ? true : undefined;
    }, 'the killed backend to go', 30_000, 50);
    expect((await db().query(`SELECT to_regclass('public.xio_crash') AS t`)).rows[0].t).toBeNull();

    const second = await spawn('src/workers/main.ts');
    const done = await poll(async () => {
      const s = await status(location);
      return s.state === 'completed' || s.state === 'failed' ? s : undefined;
    }, 'completion on the second worker', 120_000, 200);
    expect(done.state, JSON.stringify(done)).toBe('completed');
    expect(done.result).toEqual({ filename: 'crash.sql', fileSize: expect.any(Number), tables: ['xio_crash_log', 'xio_crash'], rowsImported: ROWS + 1 });
    expect(done.progress.worker).toMatch(new RegExp(`:${second.child.pid}$`));

    const { rows } = await db().query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS d, min(id) AS lo, max(id) AS hi FROM public.xio_crash`);
    expect(rows[0]).toEqual({ n: ROWS, d: ROWS, lo: 1, hi: ROWS });
    expect((await db().query('SELECT count(*)::int AS n FROM public.xio_crash_log')).rows[0].n).toBe(1);

    // The result is also the job's stored output.
    const result = await fetch(`${base}${location}/result`, { headers: { Authorization: adminAuth } });
    expect(await result.json()).toEqual(done.result);
  }, 240_000);
});
