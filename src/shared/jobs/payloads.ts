import { z } from 'zod';
import type { JobType } from './names.ts';

const ident = z.string().min(1).max(63);

export const exportPayload = z.object({
  schema: ident.default('public'),
  tables: z.array(ident).min(1),
  format: z.enum(['json', 'sql']).default('json'),
  includeData: z.boolean().default(true),
  rowLimit: z.number().int().positive().optional(),
});
export type ExportPayload = z.infer<typeof exportPayload>;

/** Payload schemas by job kind; kinds that later issues implement accept any object until then. */
export const payloadSchemas: Record<JobType, z.ZodType> = {
  export: exportPayload,
  import: z.record(z.string(), z.unknown()),
  'bulk-upsert': z.record(z.string(), z.unknown()),
  migrations: z.record(z.string(), z.unknown()),
  license: z.record(z.string(), z.unknown()),
};

export interface JobData {
  type: JobType;
  payload: unknown;
}

/** Progress a worker reports as it goes. */
export interface JobProgress {
  rows: number;
  bytes: number;
  table?: string;
  /** host:pid of the worker process doing the job. */
  worker?: string;
}
