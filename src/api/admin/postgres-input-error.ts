import { ApiError, fail } from '../../shared/errors.ts';
import { isCallerInput, pgFailure } from '../../shared/db/sqlstate.ts';

/**
 * PostgreSQL errors that describe the caller's input rather than a server fault (bad data,
 * integrity violations, syntax/definition/privilege errors, dependent objects, unsupported
 * features): their PostgreSQL message is the clearest answer, so it is passed on as 400
 * INVALID_INPUT; anything else (connection loss, …) stays as it is.
 */
export function postgresInputError(e: unknown, prefix = ''): unknown {
  if (e instanceof ApiError) return e;
  const f = pgFailure(e);
  if (!f || !isCallerInput(f.kind)) return e;
  const detail = f.detail ? ` (${f.detail})` : '';
  return fail('INVALID_INPUT', `${prefix}${f.message}${detail}`, { fields: { code: f.sqlstate } });
}
