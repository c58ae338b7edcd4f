import { z } from 'zod';

/** POST /api/database/migrations body, and the migrations job's payload. */
export const migrationPayload = z.object({
  version: z.string().regex(/^\d{1,64}$/, 'must be a string of 1 to 64 digits (e.g. 0001 or 20260416170500)'),
  name: z.string().trim().min(1, 'is required').max(200),
  sql: z.string().min(1, 'is required'),
});
export type MigrationPayload = z.infer<typeof migrationPayload>;

/** What a successful migrations job returns (and the API answers). */
export interface MigrationResult {
  version: string;
  name: string;
  statements: string[];
  createdAt: string;
  message: string;
}

/**
 * A migration refused by the database (a statement failed, or its version was taken
 * in the meantime). The worker fails the job with this text, so a poller sees the
 * reason; the API recognises the prefix and answers 4xx instead of 500.
 */
export const MIGRATION_ERROR = { failed: 'MIGRATION_FAILED', conflict: 'MIGRATION_CONFLICT' } as const;
export type MigrationErrorCode = (typeof MIGRATION_ERROR)[keyof typeof MIGRATION_ERROR];

export const formatMigrationError = (code: MigrationErrorCode, message: string) => `[${code}] ${message}`;

export function parseMigrationError(text: string): { code: MigrationErrorCode; message: string } | null {
  const m = /\[(MIGRATION_FAILED|MIGRATION_CONFLICT)\] ([\s\S]*)$/.exec(text);
  return m ? { code: m[1] as MigrationErrorCode, message: m[2]! } : null;
}
