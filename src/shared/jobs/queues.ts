import { randomUUID } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { ApiError, fail } from '../errors.ts';
import { failFastRedis, isRedisUnavailable, neverSent, reconnectForever, redisReady, redisUnavailableError, whileRedisUp } from '../redis.ts';
import { describeFailure, jobFailure, type JobFailure } from './client-error.ts';
import { cancelChannel, CANCELLED, JOB_TYPES, cancelKey, queueName, type JobType } from './names.ts';
import { payloadSchemas, type JobData, type JobProgress } from './payloads.ts';
import { redactSecrets } from './redact.ts';

export type JobState = 'queued' | 'active' | 'completed' | 'failed' | 'cancelling' | 'cancelled';

export interface JobStatus {
  id: string;
  type: JobType;
  state: JobState;
  progress: JobProgress | null;
  result: unknown;
  /** How a failed job failed, as text (`CODE (status): message` for the client's errors). */
  error: string | null;
  /** A failure caused by the job's input, as data; null for other failures. */
  failure: JobFailure | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface JobQueueOptions {
  attempts: number;
  resultTtlSeconds: number;
  prefix: string;
}

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);

/** The workers' connection: commands wait for Redis (BullMQ needs maxRetriesPerRequest: null for its blocking commands). */
export function redisConnection(url: string): Redis {
  const r = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy: reconnectForever });
  r.on('error', () => {}); // reconnects on its own; health reports it
  return r;
}

const NOT_ENQUEUED = 'the job was not enqueued; retry shortly';
const NOT_READ = "the job's status cannot be read now; retry shortly";

/**
 * Enqueue, look up, wait for and cancel jobs of every kind. Used by the API. While Redis is
 * away every method fails within about two seconds with a 503 ApiError (src/shared/redis.ts):
 * a job is either stored in Redis or refused, never left waiting in a client-side queue.
 */
export class JobQueues {
  readonly connection: Redis;
  private readonly queues = new Map<JobType, Queue<JobData>>();

  constructor(redisUrl: string, private readonly opts: JobQueueOptions) {
    this.connection = failFastRedis(redisUrl);
    for (const t of JOB_TYPES) this.queues.set(t, new Queue<JobData>(queueName(t), { connection: this.connection, prefix: opts.prefix }));
  }

  queue(t: JobType): Queue<JobData> {
    return this.queues.get(t)!;
  }

  async enqueue(type: JobType, payload: unknown): Promise<Job<JobData>> {
    const parsed = payloadSchemas[type].safeParse(payload);
    if (!parsed.success) {
      const msg = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      throw fail('VALIDATION_ERROR', `Invalid ${type} request: ${msg}`);
    }
    if (!(await redisReady(this.connection))) throw redisUnavailableError(NOT_ENQUEUED);
    const jobId = randomUUID();
    try {
      return await this.queue(type).add(type, { type, payload: parsed.data }, {
        jobId,
        attempts: this.opts.attempts,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: this.opts.resultTtlSeconds },
        removeOnFail: { age: this.opts.resultTtlSeconds },
      });
    } catch (e) {
      if (!isRedisUnavailable(e)) throw e;
      if (neverSent(e)) throw redisUnavailableError(NOT_ENQUEUED);
      // Sent, but Redis stopped answering (stuck, or gone mid-reply): it may have stored the job.
      throw redisUnavailableError(`job ${jobId} was sent but not confirmed, so it may still run; check GET /api/jobs/${jobId} before submitting it again`, { jobId });
    }
  }

  async find(id: string): Promise<Job<JobData> | undefined> {
    return whileRedisUp(this.connection, NOT_READ, async () => {
      const found = await Promise.all([...this.queues.values()].map((q) => q.getJob(id)));
      return found.find((j): j is Job<JobData> => !!j);
    });
  }

  status(jobOrId: string | Job<JobData>): Promise<JobStatus | undefined> {
    return whileRedisUp(this.connection, NOT_READ, () => this.readStatus(jobOrId));
  }

  /**
   * The status of a job this process has just enqueued. If Redis went away right after
   * storing it, the job is still accepted: it is described as stored (queued), not refused.
   */
  async statusOfEnqueued(job: Job<JobData>): Promise<JobStatus> {
    try {
      return (await this.status(job)) ?? this.asStored(job);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'REDIS_UNAVAILABLE') return this.asStored(job);
      throw e;
    }
  }

  private asStored(job: Job<JobData>): JobStatus {
    return {
      id: job.id!,
      type: job.data.type,
      state: 'queued',
      progress: null,
      result: null,
      error: null,
      failure: null,
      createdAt: iso(job.timestamp)!,
      startedAt: null,
      finishedAt: null,
    };
  }

  private async readStatus(jobOrId: string | Job<JobData>): Promise<JobStatus | undefined> {
    let job = typeof jobOrId === 'string' ? await this.find(jobOrId) : jobOrId;
    if (!job?.id) return undefined;
    const [raw, cancelled] = await Promise.all([job.getState(), this.connection.exists(cancelKey(this.opts.prefix, job.id))]);
    // The state may have moved on since the job was read; re-read it for the final fields.
    if ((raw === 'completed' || raw === 'failed') && !job.finishedOn) job = (await this.queue(job.data.type).getJob(job.id!)) ?? job;
    let state: JobState;
    if (raw === 'completed') state = 'completed';
    else if (raw === 'failed') state = job.failedReason === CANCELLED ? 'cancelled' : 'failed';
    else if (raw === 'active') state = cancelled ? 'cancelling' : 'active';
    else state = cancelled ? 'cancelled' : 'queued';
    const progress = typeof job.progress === 'object' ? (job.progress as unknown as JobProgress) : null;
    // A failed statement is quoted in the reason, PASSWORD '…' and all: shown redacted, as in the dashboard.
    const typed = jobFailure(job.failedReason);
    const failure = state === 'failed' && typed ? { ...typed, message: redactSecrets(typed.message) as string } : null;
    const reason = redactSecrets(job.failedReason) as string | undefined;
    return {
      id: job.id!,
      type: job.data.type,
      state,
      progress,
      result: raw === 'completed' ? (job.returnvalue ?? null) : null,
      error: state === 'failed' ? (failure ? describeFailure(failure) : reason || 'failed') : null,
      failure,
      createdAt: iso(job.timestamp)!,
      startedAt: iso(job.processedOn),
      finishedAt: iso(job.finishedOn),
    };
  }

  /**
   * Polls a job this process enqueued until it finishes or `ms` pass; cheap, and immune to
   * missed events. Should Redis go away meanwhile, answers with the last status seen: the
   * job is stored, so the caller reports it accepted (202) rather than refused.
   */
  async waitFor(job: Job<JobData>, ms: number): Promise<JobStatus> {
    const deadline = Date.now() + ms;
    let delay = 20;
    let last = this.asStored(job);
    for (;;) {
      let s: JobStatus;
      try {
        const fresh = await whileRedisUp(this.connection, NOT_READ, () => this.queue(job.data.type).getJob(job.id!));
        s = (await this.status(fresh ?? job))!;
      } catch (e) {
        if (e instanceof ApiError && e.code === 'REDIS_UNAVAILABLE') return last;
        throw e;
      }
      last = s;
      if (s.state === 'completed' || s.state === 'failed' || s.state === 'cancelled') return s;
      if (Date.now() >= deadline) return s;
      await new Promise((r) => setTimeout(r, Math.min(delay, deadline - Date.now())));
      delay = Math.min(delay * 2, 250);
    }
  }

  /**
   * Cancels a queued or active job. A queued job is skipped when a worker picks
   * it up; an active one is aborted by the worker that holds it.
   */
  async cancel(id: string): Promise<JobStatus | undefined> {
    const job = await this.find(id);
    if (!job) return undefined;
    const before = (await this.status(job))!;
    if (['completed', 'failed', 'cancelled'].includes(before.state)) {
      throw fail('JOB_FINISHED', `Job ${id} has already finished (${before.state}) and cannot be cancelled`);
    }
    await whileRedisUp(this.connection, 'the job was not cancelled; retry shortly', async () => {
      await this.connection.set(cancelKey(this.opts.prefix, id), '1', 'EX', this.opts.resultTtlSeconds);
      await this.connection.publish(cancelChannel(this.opts.prefix), id);
    });
    return this.status(job);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.connection.disconnect();
  }
}
