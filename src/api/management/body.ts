/** Request-body validation for the Management API: zod issues → one 400 { message }. */
import type { z } from 'zod';
import { fail } from '../../shared/errors.ts';

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  throw fail('BAD_REQUEST', r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
}

/** The query string, parsed here: the app leaves each surface to parse its own. */
export function queryOf(originalUrl: string): URLSearchParams {
  const i = originalUrl.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : originalUrl.slice(i + 1));
}
