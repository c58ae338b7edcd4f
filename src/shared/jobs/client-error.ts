/**
 * A job that fails because of its input (a bad row, a failing migration statement) is the
 * client's error, not the server's. Workers fail such jobs with a JobClientError: a typed
 * failure (a catalogue code and a message) that travels through Redis as JSON, because
 * BullMQ keeps only a failed job's reason text. GET /api/jobs/:id shows it as `failure`
 * and as the text `CODE (status): message`; runJob turns it back into the caller's ApiError.
 */
import { UnrecoverableError } from 'bullmq';
import { ERRORS, fail, type ApiError, type ErrorCode } from '../errors.ts';

export interface JobFailure {
  code: ErrorCode;
  message: string;
}

export class JobClientError extends UnrecoverableError {
  constructor(readonly failure: JobFailure) {
    super(JSON.stringify(failure));
    this.name = 'JobClientError';
  }
}

export const jobClientError = (code: ErrorCode, message: string) => new JobClientError({ code, message });

/** The typed failure a worker stored as a job's reason, if it stored one. */
export function jobFailure(reason: string | null | undefined): JobFailure | undefined {
  if (!reason?.startsWith('{')) return undefined;
  try {
    const f = JSON.parse(reason) as Partial<JobFailure>;
    if (typeof f.code === 'string' && f.code in ERRORS && typeof f.message === 'string') return { code: f.code as ErrorCode, message: f.message };
  } catch {
    // a reason that is not ours
  }
  return undefined;
}

export const describeFailure = (f: JobFailure) => `${f.code} (${ERRORS[f.code].status}): ${f.message}`;

export const failureError = (f: JobFailure): ApiError => fail(f.code, f.message);
