/**
 * How a job that failed because of its input (a bad row, a failing migration statement) failed:
 * a catalogue code and a message, stored as the job's reason text (JSON), because BullMQ keeps
 * only that. GET /api/jobs/:id shows it as `failure` and as the text `CODE (status): message`;
 * runJob turns it back into the caller's ApiError. Workers throw it as a JobClientError
 * (./client-error.ts). Kept apart from that class so the API does not load BullMQ to read it.
 */
import { ERRORS, fail, type ApiError, type ErrorCode } from '../errors.ts';

export interface JobFailure {
  code: ErrorCode;
  message: string;
}

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
