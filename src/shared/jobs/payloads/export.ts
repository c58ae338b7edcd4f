import { z } from 'zod';

const ident = z.string().min(1).max(63);

/** POST /api/database/advance/export, as queued (the API fills `tables` in). */
export const exportPayload = z.object({
  schema: ident.default('public'),
  tables: z.array(ident).min(1),
  format: z.enum(['json', 'sql']).default('sql'),
  includeData: z.boolean().default(true),
  includeFunctions: z.boolean().default(false),
  includeSequences: z.boolean().default(false),
  includeViews: z.boolean().default(false),
  rowLimit: z.number().int().positive().optional(),
});
export type ExportPayload = z.infer<typeof exportPayload>;
