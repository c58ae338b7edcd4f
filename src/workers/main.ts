import { UnrecoverableError, Worker, type Job, type Processor } from 'bullmq';
import { loadConfig } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { createPool } from '../shared/db/pool.ts';
import { createArtifactStore } from '../shared/jobs/artifacts.ts';
import { cancelChannel, CANCELLED, cancelKey, queueName, type JobType } from '../shared/jobs/names.ts';
import os from 'node:os';
import { redisConnection } from '../shared/jobs/queues.ts';
import { redactSecrets } from '../shared/jobs/redact.ts';
import type { JobData, JobPayloads, JobProgress } from '../shared/jobs/payloads.ts';
import { handlers, type JobContext, type JobHandler } from './handlers.ts';
import { TenantPools } from '../shared/tenants/tenant-pools.ts';
import { scheduleLicenseRevalidation } from './license.ts';
import { createClockSource } from '../shared/license/clock.ts';
import { collectProcessMetrics, jobDuration } from '../shared/metrics/registry.ts';
import { publishWorkerMetrics } from '../shared/metrics/worker-metrics.ts';

const config = loadConfig('worker');
const log = createLogger('worker', config.LOG_LEVEL);
const pool = createPool(config, log, { applicationName: 'basalt-worker', statementTimeoutMs: config.JOB_STATEMENT_TIMEOUT_MS });
const artifacts = createArtifactStore(pool, config);
const tenantPools = new TenantPools(config, log, { statementTimeoutMs: config.JOB_STATEMENT_TIMEOUT_MS });
const connection = redisConnection(config.REDIS_URL);
const WORKER_ID = `${os.hostname()}:${process.pid}`;
// Its own Redis connection, opened on first use: only licence jobs read the clock.
let clockRedis: ReturnType<typeof redisConnection> | undefined;
const licenseClock = createClockSource(process.env, () => (clockRedis ??= redisConnection(config.REDIS_URL)), config.QUEUE_PREFIX);
// The API serves these with its own at /metrics (src/shared/metrics/worker-metrics.ts).
collectProcessMetrics('worker');
const metrics = publishWorkerMetrics(connection, config.QUEUE_PREFIX, WORKER_ID);

// Licence revalidation: daily, and once now (stable ids, so many workers do not multiply it).
// Before any worker takes jobs: a bad licence setting ends the process here.
scheduleLicenseRevalidation(config, log, connection);

type Handler = (job: Job<JobData>, signal: AbortSignal) => Promise<unknown>;

/** A job's data carries its kind with its payload, so the kind's handler takes that payload. */
const handle = <T extends JobType>(data: JobData<T>, ctx: JobContext) => (handlers[data.type as T] as JobHandler<T>)(data.payload as JobPayloads[T], ctx);

const bound: Partial<Record<JobType, Handler>> = Object.fromEntries(
  Object.keys(handlers).map((type) => [
    type,
    (job: Job<JobData>, signal: AbortSignal) =>
      handle(job.data, {
        jobId: job.id!,
        attempt: job.attemptsMade + 1,
        pool,
        tenantPools,
        artifacts,
        config,
        log: log.child({ jobId: job.id, type }),
        signal,
        progress: (p: JobProgress) => job.updateProgress({ ...p, worker: WORKER_ID } as unknown as object),
        licenseClock,
      }),
  ]),
);

/** Wraps a handler with cancellation, logging and clear failure reasons. */
function processor(type: JobType, handler: Handler): Processor<JobData> {
  return async (job, _token, signal) => {
    const jlog = log.child({ jobId: job.id, type, attempt: job.attemptsMade + 1 });
    if (await connection.exists(cancelKey(config.QUEUE_PREFIX, job.id!))) throw new UnrecoverableError(CANCELLED);
    const abort = new AbortController();
    signal?.addEventListener('abort', () => abort.abort());
    const started = Date.now();
    const timer = jobDuration.startTimer({ type });
    let outcome = 'failed';
    jlog.info('job started');
    try {
      const result = await handler(job, abort.signal);
      outcome = 'completed';
      jlog.info({ ms: Date.now() - started }, 'job completed');
      return result;
    } catch (e) {
      if (abort.signal.aborted) {
        outcome = 'cancelled';
        jlog.info('job cancelled');
        throw new UnrecoverableError(CANCELLED);
      }
      // A failed statement is quoted in the message, PASSWORD '…' and all.
      jlog.warn({ err: redactSecrets((e as Error).message) }, 'job failed');
      throw e;
    } finally {
      timer({ outcome });
      metrics.soon();
    }
  };
}

const workers = Object.entries(bound).map(
  ([type, handler]) =>
    new Worker<JobData>(queueName(type as JobType), processor(type as JobType, handler!), {
      connection: redisConnection(config.REDIS_URL),
      prefix: config.QUEUE_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      lockDuration: config.JOB_LOCK_MS,
      stalledInterval: config.JOB_LOCK_MS,
      maxStalledCount: 2,
    }),
);
for (const w of workers) w.on('error', (err) => log.error({ err: err.message }, 'worker error'));

// The API asks for cancellation over pub/sub; whichever worker holds the job aborts it.
const subscriber = redisConnection(config.REDIS_URL);
await subscriber.subscribe(cancelChannel(config.QUEUE_PREFIX));
subscriber.on('message', (_ch, id: string) => {
  for (const w of workers) w.cancelJob(id, CANCELLED);
});

const sweeper = setInterval(() => {
  artifacts.deleteExpired().then(
    (n) => n && log.info({ deleted: n }, 'expired artifacts deleted'),
    (err) => log.warn({ err: err.message }, 'artifact sweep failed'),
  );
}, 10 * 60_000);
sweeper.unref();

log.info({ queues: Object.keys(bound), concurrency: config.WORKER_CONCURRENCY, worker: WORKER_ID }, 'worker ready');
process.send?.({ ready: true });

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'worker stopping: finishing current jobs');
  const force = setTimeout(() => {
    // Exiting lets the job locks lapse; BullMQ's stalled-job check hands the jobs to another worker.
    log.warn({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown timeout: exiting; active jobs go back to the queue when their locks lapse');
    process.exit(1);
  }, config.SHUTDOWN_TIMEOUT_MS);
  force.unref();
  await Promise.all(workers.map((w) => w.close()));
  clearTimeout(force);
  await metrics.stop();
  subscriber.disconnect();
  connection.disconnect();
  clockRedis?.disconnect();
  await Promise.allSettled([pool.end(), tenantPools.close()]);
  log.info('worker stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
// Started by a supervisor (npm start, the tests): leave with it rather than linger.
process.on('disconnect', () => void shutdown('parent exited'));
