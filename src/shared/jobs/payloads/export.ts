import { z } from 'zod';

const ident = z.string().min(1).max(63);

/**
 * An export job, as queued (the API fills `tables` in). `csv` (one table, with a header
 * row) is for the Admin API's large table exports; the Database API offers json and sql.
 */
export const exportFields = z.object({
  schema: ident.default('public'),
  tables: z.array(ident).min(1),
  format: z.enum(['json', 'sql', 'csv']).default('sql'),
  includeData: z.boolean().default(true),
  includeFunctions: z.boolean().default(false),
  includeSequences: z.boolean().default(false),
  includeViews: z.boolean().default(false),
  rowLimit: z.number().int().positive().optional(),
});
export const exportPayload = exportFields.refine((p) => p.format !== 'csv' || p.tables.length === 1, { message: 'a CSV export holds exactly one table', path: ['tables'] });
export type ExportPayload = z.infer<typeof exportPayload>;

/** What an export job completes with (the job's `result`); the file itself is the job's output artifact. */
export interface ExportResult {
  format: ExportPayload['format'];
  tables: string[];
  rows: number;
  bytes: number;
  artifactId: string;
  contentType: string;
}
