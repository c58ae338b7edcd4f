/** Which function does each job kind. One entry per kind; its module holds the work. */
import type { Pool } from '../shared/db/pool.ts';
import type { TenantPools } from '../shared/tenants/tenant-pools.ts';
import type { Logger } from '../shared/log.ts';
import type { Config } from '../shared/config.ts';
import type { ArtifactStore } from '../shared/jobs/artifacts.ts';
import type { JobType } from '../shared/jobs/names.ts';
import type { ExportPayload, JobProgress } from '../shared/jobs/payloads.ts';
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

export type JobHandler = (payload: unknown, ctx: JobContext) => Promise<unknown>;

export const handlers: Partial<Record<JobType, JobHandler>> = {
  export: (p, ctx) => runExport(p as ExportPayload, ctx),
  import: (p, ctx) => runImport(p, ctx),
  'bulk-upsert': (p, ctx) => runBulkUpsert(p, ctx),
  migrations: (p, ctx) => runMigration(p, ctx),
  license: (p, ctx) => runLicenseRevalidation(p, ctx),
};
