/**
 * Long jobs report a total and a rising percent while they run, at GET /api/jobs/:id:
 * an export (rows of the planner's estimate), an import (bytes of the upload), a migration
 * (statements); a bulk upsert ends with its upload's size and 100 %.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, db } from '../support/env.ts';
import type { JobProgress } from '../../src/shared/jobs/payloads.ts';

interface Status {
  state: string;
  progress: JobProgress | null;
  error: string | null;
}

const post = (path: string, body: unknown) =>
  fetch(`${apiUrl}/api/database${path}`, {
    method: 'POST',
    headers: { Authorization: adminAuth, 'Content-Type': 'application/json', Prefer: 'respond-async' },
    body: JSON.stringify(body),
  });

/** Polls the job every 50 ms until it ends: every status seen while it was active, and the last. */
async function watch(res: Response): Promise<{ running: JobProgress[]; last: Status }> {
  expect(res.status, await res.clone().text()).toBe(202);
  const location = res.headers.get('location')!;
  const running: JobProgress[] = [];
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = (await (await fetch(`${apiUrl}${location}`, { headers: { Authorization: adminAuth } })).json()) as Status;
    if (s.state === 'active' && s.progress) running.push(s.progress);
    if (['completed', 'failed', 'cancelled'].includes(s.state)) return { running, last: s };
    if (Date.now() > deadline) throw new Error(`job ${location} still ${s.state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function expectRising(running: JobProgress[], key: keyof JobProgress) {
  expect(running.length, JSON.stringify(running)).toBeGreaterThanOrEqual(2);
  for (const p of running) {
    expect(p.percent).toBeGreaterThanOrEqual(0);
    expect(p.percent).toBeLessThan(100);
  }
  const percents = running.map((p) => p.percent!);
  for (let i = 1; i < percents.length; i++) expect(percents[i]).toBeGreaterThanOrEqual(percents[i - 1]);
  expect(percents[percents.length - 1], JSON.stringify(running)).toBeGreaterThan(percents[0]);
  const values = running.map((p) => Number(p[key]));
  expect(values[values.length - 1]).toBeGreaterThan(values[0]);
}

beforeAll(async () => {
  await db().query(`
    DROP SCHEMA IF EXISTS jp CASCADE;
    CREATE SCHEMA jp;
    CREATE TABLE jp.big (id int PRIMARY KEY, payload text);
    INSERT INTO jp.big SELECT i, repeat('x', 20) FROM generate_series(1, 2500) i;
    ANALYZE jp.big;
    -- Reading a row takes a millisecond: the export runs for a few seconds.
    CREATE FUNCTION jp.slowly(i int) RETURNS int LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM pg_sleep(0.001); RETURN i; END $$;
    CREATE VIEW jp.slow AS SELECT jp.slowly(id) AS id, payload FROM jp.big;
    CREATE TABLE jp.small (id int PRIMARY KEY, v text);
    INSERT INTO jp.small SELECT i, 'v' || i FROM generate_series(1, 7) i;
    CREATE TABLE jp.target (id int PRIMARY KEY, v text);
  `);
});

afterAll(async () => {
  await db().query('DROP SCHEMA IF EXISTS jp CASCADE');
});

describe('job progress', () => {
  it('an export reports the planner\'s row estimate and a rising percent while it runs, 100 at the end', async () => {
    const { running, last } = await watch(await post('/advance/export', { schema: 'jp', tables: ['slow'], format: 'json' }));
    expect(last.state, last.error ?? '').toBe('completed');
    // Before the estimate is in (the first moments), no total is given rather than a wrong one.
    const counted = running.filter((p) => p.totalRows !== undefined);
    expectRising(counted, 'rows');
    for (const p of counted) {
      expect(p.totalRows).toBe(2500); // reltuples of the table the view reads
      expect(p.tableTotalRows).toBe(2500);
    }
    expect(last.progress).toMatchObject({ rows: 2500, totalRows: 2500, percent: 100 });
  });

  it('a table never analyzed is counted; an SQL export ends at its exact total', async () => {
    const { last } = await watch(await post('/advance/export', { schema: 'jp', tables: ['small'], format: 'sql' }));
    expect(last.state, last.error ?? '').toBe('completed');
    expect(last.progress).toMatchObject({ rows: 7, totalRows: 7, percent: 100 });
  });

  it('an import reports the upload\'s size and the bytes read, rising while it runs', async () => {
    const lines = ['CREATE TABLE jp.imported (id int, note text);'];
    // The upload is read in 1 MiB chunks: rows over a MiB, a pause between them.
    for (let i = 0; i < 4; i++) lines.push('SELECT pg_sleep(0.4);', `COPY jp.imported (id, note) FROM stdin;\n${i}\t${'n'.repeat(1_200_000)}\n\\.`);
    const file = lines.join('\n') + '\n';
    const form = new FormData();
    form.append('file', new Blob([file]), 'slow.sql');
    const res = await fetch(`${apiUrl}/api/database/advance/import`, { method: 'POST', headers: { Authorization: adminAuth, Prefer: 'respond-async' }, body: form });
    const { running, last } = await watch(res);
    expect(last.state, last.error ?? '').toBe('completed');
    for (const p of running) expect(p.totalBytes).toBe(Buffer.byteLength(file));
    expectRising(running, 'bytes');
    expect(last.progress).toMatchObject({ rows: 4, bytes: Buffer.byteLength(file), totalBytes: Buffer.byteLength(file), percent: 100 });
  });

  it('a migration reports its statements, rising while it runs', async () => {
    // The last statement fails, so nothing is recorded: no version is taken from other tests.
    const sql = [...Array(6)].map(() => 'SELECT pg_sleep(0.3);').join('\n') + '\nSELECT 1 / 0;';
    const { running, last } = await watch(await post('/migrations', { version: '9'.repeat(40), name: 'slow progress', sql }));
    expect(last.state).toBe('failed');
    expect(last.error).toContain('Statement 7 of 7 failed');
    expectRising(running, 'statements');
    for (const p of running) expect(p.totalStatements).toBe(7);
  });

  it('a bulk upsert ends with its upload\'s size and 100 %', async () => {
    const csv = 'id,v\n' + [...Array(500)].map((_, i) => `${i},value ${i}`).join('\n') + '\n';
    const form = new FormData();
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'rows.csv');
    form.append('table', 'target');
    form.append('schema', 'jp');
    form.append('upsertKey', 'id');
    const res = await fetch(`${apiUrl}/api/database/advance/bulk-upsert`, { method: 'POST', headers: { Authorization: adminAuth, Prefer: 'respond-async' }, body: form });
    const { last } = await watch(res);
    expect(last.state, last.error ?? '').toBe('completed');
    expect(last.progress).toMatchObject({ rows: 500, bytes: csv.length, totalBytes: csv.length, percent: 100, phase: 'done' });
  });
});
