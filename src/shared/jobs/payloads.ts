import type { JobType } from './names.ts';
import type { MigrationPayload } from './payloads/migrations.ts';
import type { ExportPayload } from './payloads/export.ts';
import type { ImportPayload } from './payloads/import.ts';
import type { BulkUpsertPayload } from './payloads/bulk-upsert.ts';

export type { ExportPayload } from './payloads/export.ts';

/**
 * What each job kind carries. The route that accepts a job validates its input with the
 * kind's schema (src/shared/jobs/payloads/*.ts) once; from there on the payload is typed.
 */
export interface JobPayloads {
  export: ExportPayload;
  import: ImportPayload;
  'bulk-upsert': BulkUpsertPayload;
  migrations: MigrationPayload;
  /** Licence revalidation reads everything it needs from the licence store. */
  license: Record<string, never>;
}

/** A queued job's data: its kind and that kind's payload. */
export type JobData<T extends JobType = JobType> = { [K in T]: { type: K; payload: JobPayloads[K] } }[T];

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
