import type { ErrorCode } from '../../errors.ts';
import { z } from 'zod';

const ident = z.string().min(1).max(63);

/** What the API hands the bulk-upsert worker: the uploaded file (an input artifact) and where it goes. */
export const bulkUpsertPayload = z.object({
  artifactId: z.uuid(),
  schema: ident.default('public'),
  table: ident,
  format: z.enum(['csv', 'json']),
  /** CSV: the header's columns, in file order, checked against the table. JSON: every writable column of the table (any row may name any of them, or leave it out). */
  columns: z.array(ident).min(1),
  /** Conflict target columns; absent means a plain INSERT. */
  upsertKey: z.array(ident).min(1).optional(),
});
export type BulkUpsertPayload = z.infer<typeof bulkUpsertPayload>;

export interface BulkUpsertResult {
  rowsAffected: number;
  totalRecords: number;
  table: string;
}

/** Client errors a bulk upsert reports (see ../client-error.ts); their statuses are the catalogue's. */
export type BulkUpsertClientError = Extract<ErrorCode, 'VALIDATION_ERROR' | 'TABLE_NOT_FOUND'>;
