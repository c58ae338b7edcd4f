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

/**
 * Progress a worker reports as it goes (GET /api/jobs/:id). Besides what is done, the total
 * when it can be known, and `percent` (0–100, 100 only when the work is done).
 */
export interface JobProgress {
  /** Rows written or read so far. */
  rows: number;
  /** Bytes so far: output written (export), upload read (import, bulk upsert), SQL run (migration). */
  bytes: number;
  /** The table being read or loaded. */
  table?: string;
  /** 0–100: rows of totalRows (export), bytes of totalBytes (import, bulk upsert), statements of totalStatements (migration). */
  percent?: number;
  /** Export: rows in all, from the planner's estimates (a count for small tables never analyzed), corrected as tables finish. */
  totalRows?: number;
  /** Export: rows read from the current table, and its estimate. */
  tableRows?: number;
  tableTotalRows?: number;
  /** Import and bulk upsert: the uploaded file's size. */
  totalBytes?: number;
  /** Migration (and import): statements run so far; a migration's count in all. */
  statements?: number;
  totalStatements?: number;
  /** What the job is doing, where that matters for percent (bulk upsert: loading, applying). */
  phase?: string;
  /** host:pid of the worker process doing the job. */
  worker?: string;
}
