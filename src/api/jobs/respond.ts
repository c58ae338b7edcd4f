import type { Request, Response } from 'express';
import type { JobType } from '../../shared/jobs/names.ts';
import type { JobStatus } from '../../shared/jobs/queues.ts';
import { fail } from '../../shared/errors.ts';
import { failureError } from '../../shared/jobs/client-error.ts';
import type { Services } from '../services.ts';

/** RFC 7240: `Prefer: respond-async` asks for 202 at once instead of waiting. */
export const wantsAsync = (req: Request) =>
  (req.header('prefer') ?? '').split(/[,;]/).some((t) => t.trim().toLowerCase() === 'respond-async');

/**
 * Enqueues a job, then either answers 202 with Location at once (respond-async),
 * or waits up to JOB_WAIT_MS and answers like a synchronous call. A job still
 * running after the wait also gets 202, so the client can poll. Redis unavailable:
 * 503 before the job is stored, 202 once it is (src/shared/jobs/queues.ts). Every enqueue
 * of the API goes through here; `{ respondAsync: true }` always answers 202 at once.
 */
export async function runJob(
  s: Services,
  req: Request,
  res: Response,
  type: JobType,
  payload: unknown,
  then: ((status: JobStatus) => Promise<void>) | { respondAsync: true },
): Promise<void> {
  const job = await s.queues.enqueue(type, payload);
  req.log.info({ jobId: job.id, type }, 'job enqueued');
  const accepted = async (status?: JobStatus) => {
    res.status(202).setHeader('Location', `/api/jobs/${job.id}`);
    if (wantsAsync(req)) res.setHeader('Preference-Applied', 'respond-async');
    res.json(status ?? (await s.queues.statusOfEnqueued(job)));
  };
  if (wantsAsync(req) || typeof then !== 'function') return accepted();
  const status = await s.queues.waitFor(job, s.config.JOB_WAIT_MS);
  if (status.state === 'completed') return then(status);
  if (status.state === 'failed') throw status.failure ? failureError(status.failure) : fail('JOB_FAILED', `The ${type} job failed: ${status.error}`);
  if (status.state === 'cancelled') throw fail('JOB_CANCELLED', `The ${type} job was cancelled`);
  return accepted(status);
}
