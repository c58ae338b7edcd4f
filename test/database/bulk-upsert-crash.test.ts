/**
 * A bulk upsert whose worker is killed mid-COPY is retried by another worker and
 * applied exactly once. Runs its own API + workers on a separate queue prefix, like
 * test/foundation/worker-crash.test.ts, so that killing workers disturbs no one else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, databaseUrl, db, redisUrl, testArtifactDir, testEnv } from '../support/env.ts';
import { parseConfig } from '../../src/shared/config.ts';
import { createLogger } from '../../src/shared/log.ts';
import { TenantPools } from '../../src/shared/tenants/tenant-pools.ts';
import { isolatedStack, type IsolatedStack } from '../support/isolated-stack.ts';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { createArtifactStore } from '../../src/shared/jobs/artifacts.ts';
import { runBulkUpsert } from '../../src/workers/bulk-upsert.ts';
import { poll, stopProcess } from '../support/processes.ts';

const ROWS = 400_000;
const TABLE = `bu_crash_${process.pid}`;
let stack: IsolatedStack;
const tenantPools = new TenantPools(parseConfig(testEnv({ databaseUrl, redisUrl, port: 1 }), 'worker'), createLogger('test', 'silent'));
let base: string;
const spawn = (entry: 'src/api/main.ts' | 'src/workers/main.ts') => stack.spawn(entry);
const status = (location: string) => stack.status(location);

beforeAll(async () => {
  // No unique key: a file applied twice would leave every row twice.
  await db().query(`DROP TABLE IF EXISTS public.${TABLE}; CREATE TABLE public.${TABLE} (seq bigserial, id int NOT NULL, pad text)`);
  stack = await isolatedStack('bucrash');
  base = stack.base;
}, 120_000);

afterAll(async () => {
  await tenantPools.close();
  await stack?.stop();
});

describe('bulk upsert and worker failure', () => {
  it('a worker killed mid-COPY leaves nothing; the retry on another worker writes the file exactly once', async () => {
    const first = await spawn('src/workers/main.ts');
    const pad = 'z'.repeat(80);
    const csv = 'id,pad\n' + Array.from({ length: ROWS }, (_, i) => `${i + 1},${pad}`).join('\n') + '\n';
    const form = new FormData();
    form.append('table', TABLE);
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'crash.csv');
    const res = await fetch(`${base}/api/database/advance/bulk-upsert`, { method: 'POST', headers: { Authorization: adminAuth, Prefer: 'respond-async' }, body: form });
    expect(res.status).toBe(202);
    const location = res.headers.get('location')!;
    const jobId = location.split('/').pop()!;

    const mid = await poll(async () => {
      const s = await status(location);
      return s.state === 'active' && s.progress?.rows > 0 ? s : undefined;
    }, 'progress', 60_000, 10);
    expect(mid.progress.worker).toMatch(new RegExp(`:${first.child.pid}$`));
    expect(mid.progress.rows).toBeLessThan(ROWS);
    await stopProcess(first, 'SIGKILL');
    // The killed worker's transaction is gone with its session.
    expect((await db().query(`SELECT count(*)::int AS n FROM public.${TABLE}`)).rows[0].n).toBe(0);

    const second = await spawn('src/workers/main.ts');
    const done = await poll(async () => {
      const s = await status(location);
      return s.state === 'completed' || s.state === 'failed' ? s : undefined;
    }, 'completion on the second worker', 90_000, 200);
    expect(done.state).toBe('completed');
    expect(done.result).toEqual({ rowsAffected: ROWS, totalRecords: ROWS, table: TABLE });
    expect(done.progress.worker).toMatch(new RegExp(`:${second.child.pid}$`));

    const { rows } = await db().query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids, min(id) AS lo, max(id) AS hi FROM public.${TABLE}`);
    expect(rows[0]).toEqual({ n: ROWS, ids: ROWS, lo: 1, hi: ROWS });
    // One stored result; the input was dropped when the job committed.
    const a = await db().query(`SELECT role, count(*)::int AS n FROM basalt.artifacts WHERE job_id = $1 GROUP BY role`, [jobId]);
    expect(a.rows).toEqual([{ role: 'output', n: 1 }]);
  }, 180_000);

  it('a retry after the commit (worker died before reporting) answers the stored result and writes nothing again', async () => {
    const t = `${TABLE}_again`;
    await db().query(`CREATE TABLE public.${t} (id int, v text)`);
    const store = createArtifactStore(db(), { JOB_RESULT_TTL_SECONDS: 3600, ARTIFACT_DIR: testArtifactDir() });
    const input = await store.writeInput({ filename: 'x.csv', contentType: 'text/csv' }, Readable.from([Buffer.from('id,v\n1,a\n2,b\n')]));
    const payload = { artifactId: input.id, schema: 'public', table: t, format: 'csv' as const, columns: ['id', 'v'] };
    const ctx = { jobId: randomUUID(), pool: db(), tenantPools, artifacts: store, config: { JOB_RESULT_TTL_SECONDS: 3600 }, progress: async () => {} };
    const first = await runBulkUpsert(payload, ctx);
    expect(first).toEqual({ rowsAffected: 2, totalRecords: 2, table: t });
    const again = await runBulkUpsert(payload, ctx);
    expect(again).toEqual(first);
    expect((await db().query(`SELECT count(*)::int AS n FROM public.${t}`)).rows[0].n).toBe(2);
  });

  it("in a project schema, the tenant's session writes the rows and records the outcome: a retry whose output artifact was lost writes nothing again", async () => {
    const schema = `bu_tenant_${process.pid}`;
    const made = await fetch(`${apiUrl}/api/schema/create`, {
      method: 'POST',
      headers: { Authorization: adminAuth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ schemaName: schema, password: 'tenant-password-1' }),
    });
    expect(made.status).toBe(201);
    try {
      await db().query(`CREATE TABLE ${schema}.items (id int, v text, who text DEFAULT current_user); ALTER TABLE ${schema}.items OWNER TO ${schema}_user`);
      const store = createArtifactStore(db(), { JOB_RESULT_TTL_SECONDS: 3600, ARTIFACT_DIR: testArtifactDir() });
      const input = await store.writeInput({ filename: 'x.csv', contentType: 'text/csv' }, Readable.from([Buffer.from('id,v\n1,a\n2,b\n')]));
      const payload = { artifactId: input.id, schema, table: 'items', format: 'csv' as const, columns: ['id', 'v'] };
      const ctx = { jobId: randomUUID(), pool: db(), tenantPools, artifacts: store, config: { JOB_RESULT_TTL_SECONDS: 3600 }, progress: async () => {} };
      const first = await runBulkUpsert(payload, ctx);
      expect(first).toEqual({ rowsAffected: 2, totalRecords: 2, table: 'items' });
      expect((await db().query(`SELECT DISTINCT who FROM ${schema}.items`)).rows).toEqual([{ who: `${schema}_user` }]);
      // The worker died after the commit and before storing the output: the recorded outcome answers.
      await db().query(`DELETE FROM basalt.artifacts WHERE job_id = $1 AND role = 'output'`, [ctx.jobId]);
      expect(await runBulkUpsert(payload, ctx)).toEqual(first);
      expect((await db().query(`SELECT count(*)::int AS n FROM ${schema}.items`)).rows[0].n).toBe(2);
    } finally {
      await fetch(`${apiUrl}/api/schema/${schema}?cascade=true`, { method: 'DELETE', headers: { Authorization: adminAuth } });
    }
  });
});
