import { z } from 'zod';
import type { JobType } from './names.ts';
import { migrationPayload } from './payloads/migrations.ts';
import { exportPayload } from './payloads/export.ts';
import { importPayload } from './payloads/import.ts';
import { bulkUpsertPayload } from './payloads/bulk-upsert.ts';

export { exportPayload, type ExportPayload } from './payloads/export.ts';

/** Payload schemas by job kind; kinds that later issues implement accept any object until then. */
export const payloadSchemas: Record<JobType, z.ZodType> = {
  export: exportPayload,
  import: importPayload,
  'bulk-upsert': bulkUpsertPayload,
  migrations: migrationPayload,
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
