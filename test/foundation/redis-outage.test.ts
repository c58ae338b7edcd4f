/**
 * Redis going away while jobs are submitted, as a client sees it: every answer within 3 s,
 * refusals are 503 with Retry-After in the /api envelope (never a 500 or a hang), a 202 means
 * the job is stored, surfaces that do not need Redis keep serving, and after Redis comes back
 * (same port, same append-only file) the API and the worker reconnect by themselves and every
 * job answered 202 completes. The stack has a Redis of its own: the shared one is not touched.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, db } from '../support/env.ts';
import { anonKey } from '../support/keys.ts';
import { isolatedStack, type IsolatedStack } from '../support/isolated-stack.ts';
import { poll } from '../support/processes.ts';
import { freePort, startRedis, type Service } from '../../scripts/local-services.ts';
import { queueName } from '../../src/shared/jobs/names.ts';
import { JobQueues } from '../../src/shared/jobs/queues.ts';
import { exportPayload } from '../../src/shared/jobs/payloads/export.ts';
import { ApiError } from '../../src/shared/errors.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'basalt-redis-outage-'));
const PREFIX = `redisout${process.pid}`;
let redisPort = 0;
let redis: Service;
let stack: IsolatedStack;
/** The test's own handle on the export queue, to hold jobs back (pause) across the restart. */
let exportQueue: Queue | undefined;

function openExportQueue(): Queue {
  const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
  conn.on('error', () => {});
  return (exportQueue = new Queue(queueName('export'), { connection: conn, prefix: PREFIX }));
}

async function closeExportQueue() {
  const q = exportQueue;
  exportQueue = undefined;
  if (!q) return;
  await q.close();
  (await q.client).disconnect();
}

const startOwnRedis = () => startRedis({ dir: path.join(tmp, 'redis'), port: redisPort, logFile: path.join(tmp, 'redis.log'), persist: true });

interface Answer {
  what: string;
  phase: 'before' | 'down' | 'after';
  status: number;
  ms: number;
  retryAfter: string | null;
  location: string | null;
  body: string;
}

let phase: Answer['phase'] = 'before';
/** The background clients run while this is true. */
let running = false;

/** One request; no answer within 5 s is recorded as status 0 (and fails the 3 s check). */
async function call(what: string, pathname: string, init: RequestInit = {}): Promise<Answer> {
  const at = phase;
  const t0 = Date.now();
  try {
    const r = await fetch(`${stack.base}${pathname}`, { ...init, signal: AbortSignal.timeout(5_000) });
    const body = await r.text();
    return { what, phase: at, status: r.status, ms: Date.now() - t0, retryAfter: r.headers.get('retry-after'), location: r.headers.get('location'), body };
  } catch (e) {
    return { what, phase: at, status: 0, ms: Date.now() - t0, retryAfter: null, location: null, body: String((e as Error).message) };
  }
}

const submitExport = () =>
  call('export', '/api/database/advance/export', {
    method: 'POST',
    // Not loopback (which is exempt from bans), so the admin ban check asks Redis too.
    headers: { Authorization: adminAuth, 'Content-Type': 'application/json', Prefer: 'respond-async', 'X-Forwarded-For': '203.0.113.7' },
    body: JSON.stringify({ tables: ['redis_outage_rows'], format: 'json' }),
  });

const readDataApi = () => call('data API', '/rest/v1/books?id=eq.1', { headers: { apikey: anonKey, Authorization: `Bearer ${anonKey}`, 'Accept-Profile': 'rest_read' } });
const readAdminTables = () => call('admin tables', '/api/tables', { headers: { Authorization: adminAuth, 'X-Forwarded-For': '203.0.113.7' } });

beforeAll(async () => {
  await db().query(`
    DROP TABLE IF EXISTS public.redis_outage_rows;
    CREATE TABLE public.redis_outage_rows (id int PRIMARY KEY, label text);
    INSERT INTO public.redis_outage_rows SELECT i, 'row ' || i FROM generate_series(1, 50) i;
  `);
  redisPort = await freePort();
  redis = await startOwnRedis();
  stack = await isolatedStack('redisout', { REDIS_URL: redis.url, QUEUE_PREFIX: PREFIX });
  await stack.spawn('src/workers/main.ts');
}, 60_000);

afterAll(async () => {
  running = false;
  await stack?.stop();
  await closeExportQueue();
  await redis?.stop();
  await db().query('DROP TABLE IF EXISTS public.redis_outage_rows');
  rmSync(tmp, { recursive: true, force: true });
});

describe('Redis unavailable', () => {
  it('jobs are refused fast with 503 + Retry-After or accepted for good; the rest keeps serving; every accepted job completes after Redis returns', async () => {
    // Held back until after the restart, so the jobs accepted before the outage must survive it in Redis.
    await openExportQueue().pause();
    const answers: Answer[] = [];
    for (let i = 0; i < 3; i++) answers.push(await submitExport());
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    const acceptedBefore = answers[0]!.location!;

    // Clients keep submitting and reading throughout.
    running = true;
    const clients = [submitExport, readDataApi, readAdminTables].map(async (send) => {
      while (running) {
        answers.push(await send());
        await new Promise((r) => setTimeout(r, 100));
      }
    });

    await new Promise((r) => setTimeout(r, 300));
    await closeExportQueue();
    await redis.stop();
    phase = 'down';

    // What a client sees for a job's status and result while Redis is down.
    await new Promise((r) => setTimeout(r, 500));
    const statusRead = await call('job status', acceptedBefore, { headers: { Authorization: adminAuth } });
    const resultRead = await call('job result', `${acceptedBefore}/result`, { headers: { Authorization: adminAuth } });
    answers.push(statusRead, resultRead);
    for (const a of [statusRead, resultRead]) {
      expect(a.status, `${a.what}: ${a.body}`).toBe(503);
      expect(a.retryAfter).toMatch(/^\d+$/);
      expect(a.ms).toBeLessThan(3000);
      expect(JSON.parse(a.body)).toMatchObject({ error: 'REDIS_UNAVAILABLE', statusCode: 503, message: expect.stringMatching(/^Redis is unavailable/) });
    }

    await new Promise((r) => setTimeout(r, 3000));
    phase = 'after'; // from the moment Redis starts, a job may be accepted again
    redis = await startOwnRedis();
    // Until both the API and clients have seen Redis again: an export accepted after the restart.
    await poll(async () => (answers.some((a) => a.what === 'export' && a.phase === 'after' && a.status === 202) ? true : undefined), 'an export accepted after Redis returned', 15_000, 100);
    running = false;
    await Promise.all(clients);
    // Let the held jobs run while the answers are checked (and whatever the checks find).
    await openExportQueue().resume();

    const during = answers.filter((a) => a.phase === 'down');
    // While Redis is down nothing waits for it (about 2 s at most); before and after, only a
    // loaded machine slows answers, so those get a looser bound that still catches a hang.
    const slow = answers.filter((a) => a.ms >= (a.phase === 'down' ? 3000 : 10_000)).map((a) => `${a.phase} ${a.what} ${a.status} ${a.ms} ms`);
    expect(slow, 'answers that took too long (3 s while Redis is down, 10 s otherwise)').toEqual([]);
    expect(answers.filter((a) => a.status === 0 || (a.status >= 500 && a.status !== 503)).map((a) => `${a.phase} ${a.what} ${a.status} ${a.body}`)).toEqual([]);
    // Submissions are either stored (202) or refused with 503 + Retry-After in the /api envelope.
    // One in flight while Redis shut down cannot know whether it was stored: its 503 says so and names it.
    const NOT_ENQUEUED = 'Redis is unavailable: the job was not enqueued; retry shortly';
    for (const a of answers.filter((a) => a.what === 'export')) {
      expect([202, 503], `${a.phase} export: ${a.body}`).toContain(a.status);
      if (a.status !== 503) continue;
      expect(a.retryAfter).toMatch(/^\d+$/);
      const body = JSON.parse(a.body);
      expect(body).toMatchObject({ error: 'REDIS_UNAVAILABLE', statusCode: 503 });
      if (body.message !== NOT_ENQUEUED) expect(body.message).toBe(`Redis is unavailable: job ${body.jobId} was sent but not confirmed, so it may still run; check GET /api/jobs/${body.jobId} before submitting it again`);
    }
    // Submitted once Redis was stopped: never sent, so certainly not stored.
    const refused = during.filter((a) => a.what === 'export');
    expect(refused.length, 'exports submitted while Redis was down').toBeGreaterThan(3);
    expect(refused.filter((a) => a.status !== 503 || JSON.parse(a.body).message !== NOT_ENQUEUED).map((a) => `${a.status} ${a.body}`)).toEqual([]);
    // Surfaces that do not need Redis served every request.
    for (const a of answers.filter((a) => a.what === 'data API' || a.what === 'admin tables')) {
      expect(a.status, `${a.phase} ${a.what}: ${a.body}`).toBe(200);
    }
    expect(during.filter((a) => a.what === 'data API').length).toBeGreaterThan(3);

    // Every job answered 202, before or after the outage, completes.
    const accepted = answers.filter((a) => a.what === 'export' && a.status === 202).map((a) => a.location!);
    expect(accepted.length).toBeGreaterThanOrEqual(4);
    for (const location of accepted) {
      const done = await poll(async () => {
        const s = await stack.status(location);
        return s.state === 'completed' || s.state === 'failed' ? s : undefined;
      }, `job ${location} to finish`, 30_000, 100);
      expect(done.state, `${location}: ${done.error}`).toBe('completed');
      expect(done.result.rows).toBe(50);
    }
    const refusedMs = refused.map((a) => a.ms);
    console.log(`redis-outage: ${answers.length} answers; ${refused.length} exports refused while down in ${Math.min(...refusedMs)}–${Math.max(...refusedMs)} ms; ${accepted.length} accepted jobs completed`);
  }, 60_000);

  it('a Redis that stops answering: a job sent to it is refused within about 2 s, naming the job, which may still run; it does once Redis answers', async () => {
    process.kill(redis.pid, 'SIGSTOP');
    let submitted: Answer, dataApi: Answer;
    try {
      [submitted, dataApi] = await Promise.all([submitExport(), readDataApi()]);
    } finally {
      process.kill(redis.pid, 'SIGCONT');
    }
    expect(dataApi.status).toBe(200);
    expect(submitted.status, submitted.body).toBe(503);
    expect(submitted.ms).toBeLessThan(3000);
    expect(submitted.retryAfter).toMatch(/^\d+$/);
    const body = JSON.parse(submitted.body);
    expect(body).toMatchObject({ error: 'REDIS_UNAVAILABLE', jobId: expect.any(String), message: expect.stringContaining('was sent but not confirmed, so it may still run') });
    // Redis ran the command once it woke: the job exists and runs, as the answer warned.
    const done = await poll(async () => {
      const s = await stack.status(`/api/jobs/${body.jobId}`);
      return s.state === 'completed' || s.state === 'failed' ? s : undefined;
    }, 'the unconfirmed job to finish', 30_000, 100);
    expect(done.state).toBe('completed');
  }, 40_000);

  it('the job queues of an API that has never reached Redis (down at start) refuse with 503 instead of waiting for it', async () => {
    const nowhere = `redis://127.0.0.1:${await freePort()}`;
    const queues = new JobQueues(nowhere, { attempts: 1, resultTtlSeconds: 60, prefix: PREFIX });
    try {
      for (const attempt of [() => queues.enqueue('export', exportPayload.parse({ tables: ['redis_outage_rows'], format: 'json' })), () => queues.status('00000000-0000-4000-8000-000000000000')]) {
        const t0 = Date.now();
        const err = await attempt().then(() => undefined, (e: unknown) => e);
        expect(Date.now() - t0).toBeLessThan(3000);
        expect(err).toBeInstanceOf(ApiError);
        expect(err).toMatchObject({ status: 503, code: 'REDIS_UNAVAILABLE', headers: { 'Retry-After': expect.stringMatching(/^\d+$/) } });
      }
    } finally {
      await queues.close();
    }
  });
});
