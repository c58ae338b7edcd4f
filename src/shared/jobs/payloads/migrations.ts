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

