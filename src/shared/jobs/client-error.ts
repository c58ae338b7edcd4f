/**
 * A job that fails because of its input (a bad row, a failing migration statement) is the
 * client's error, not the server's. Workers fail such jobs with a JobClientError: a typed
 * failure (./job-failure.ts) that travels through Redis as JSON, and that BullMQ does not retry.
 */
import { UnrecoverableError } from 'bullmq';
import type { ErrorCode } from '../errors.ts';
import type { JobFailure } from './job-failure.ts';

export { describeFailure, failureError, jobFailure, type JobFailure } from './job-failure.ts';

export class JobClientError extends UnrecoverableError {
  constructor(readonly failure: JobFailure) {
    super(JSON.stringify(failure));
    this.name = 'JobClientError';
  }
}

export const jobClientError = (code: ErrorCode, message: string) => new JobClientError({ code, message });
