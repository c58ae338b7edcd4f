import { ApiError } from '../../shared/errors.ts';

/**
 * SQLSTATE classes that describe the caller's input rather than a server fault: data
 * exceptions (22), integrity violations (23), syntax/definition/privilege errors (42),
 * dependent objects (2B), unsupported features (0A). Their PostgreSQL message is the
 * clearest answer, so it is passed on; anything else (connection loss, …) stays a 500.
 */
const CLIENT_CLASSES = new Set(['22', '23', '42', '2B', '0A']);

export function postgresInputError(e: unknown, prefix = ''): unknown {
  if (e instanceof ApiError) return e;
  const err = e as Error & { code?: string; detail?: string; position?: string };
  if (typeof err.code !== 'string' || !CLIENT_CLASSES.has(err.code.slice(0, 2))) return e;
  const detail = err.detail ? ` (${err.detail})` : '';
  return new ApiError(400, 'INVALID_INPUT', `${prefix}${err.message}${detail}`, { fields: { code: err.code } });
}
