/** Which function does each job kind. One entry per kind; its module holds the work. */
import type { Pool } from '../shared/db/pool.ts';
import type { TenantPools } from '../shared/tenants/tenant-pools.ts';
import type { Logger } from '../shared/log.ts';
import type { Config } from '../shared/config.ts';
import type { ArtifactStore } from '../shared/jobs/artifacts.ts';
import type { JobType } from '../shared/jobs/names.ts';
import type { JobPayloads, JobProgress } from '../shared/jobs/payloads.ts';
import { runExport } from './export.ts';
import { runImport } from './import.ts';
import { runBulkUpsert } from './bulk-upsert.ts';
import { runMigration } from './migrations.ts';
import { runLicenseRevalidation } from './license.ts';
import type { ClockSource } from '../shared/license/clock.ts';

export interface JobContext {
  jobId: string;
  /** 1 on the first try; higher when BullMQ retries (e.g. after a worker died). */
  attempt: number;
  pool: Pool;
  /** Sessions of project schemas' own logins: work on a tenant's tables runs there. */
  tenantPools: TenantPools;
  artifacts: ArtifactStore;
  config: Config;
  log: Logger;
  signal: AbortSignal;
  progress: (p: JobProgress) => Promise<void>;
  /** The licence clock (real time, or the test clock's offset in Redis); one per process. */
  licenseClock: ClockSource;
}

/** Runs one kind's job; the payload was validated by the route that accepted it. */
export type JobHandler<T extends JobType> = (payload: JobPayloads[T], ctx: JobContext) => Promise<unknown>;

export const handlers: { [T in JobType]: JobHandler<T> } = {
  export: runExport,
  import: runImport,
  'bulk-upsert': runBulkUpsert,
  migrations: runMigration,
  license: runLicenseRevalidation,
};
