/**
 * A job that fails because of its input (a bad row, a failing migration statement)
 * is the client's error, not the server's. Workers fail such jobs with this error;
 * its text, `CODE (status): message`, is what GET /api/jobs/:id shows, and runJob
 * turns it back into the ApiError the caller gets.
 */
import { UnrecoverableError } from 'bullmq';
import { ApiError } from '../errors.ts';

export function jobClientError(status: number, code: string, message: string): UnrecoverableError {
  return new UnrecoverableError(`${code} (${status}): ${message}`);
}

export function decodeJobClientError(reason: string | null | undefined): ApiError | undefined {
  const m = /^([A-Z][A-Z_]*) \((4\d\d)\): ([\s\S]*)$/.exec(reason ?? '');
  return m ? new ApiError(Number(m[2]), m[1], m[3]) : undefined;
}
