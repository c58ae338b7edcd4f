import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';
import type { Pool } from '../shared/db/pool.ts';
import type { JobQueues } from '../shared/jobs/queues.ts';
import type { ArtifactStore } from '../shared/jobs/artifacts.ts';
import type { SchemaCache } from './schema-cache/cache.ts';
import type { ApiKeyStore } from './auth/api-keys.ts';
import type { Agent } from 'node:http';
import type { Redis } from 'ioredis';
import type { TenantPools } from '../shared/tenants/tenant-pools.ts';
import type { AuthBans } from '../shared/security/auth-bans.ts';
import type { NetworkRestrictions } from '../shared/security/network-restrictions.ts';
import type { ActiveHostnames } from '../shared/management/custom-hostnames.ts';
import type { TargetPools } from './pg-meta/target-pools.ts';
import type { Licensing } from './admin/license.ts';
import type { ProjectRuntimes } from './projects/runtimes.ts';
import type { SqlRolePools } from './database/sql-role-pools.ts';
import type { Metrics } from './metrics/routes.ts';

/** What every route handler may use; built once per process by the composition root (compose.ts). */
export interface Services {
  config: Config;
  log: Logger;
  pool: Pool;
  /** Pipelined connections for the data API: set-up and statement in one round trip. */
  restPool: Pool;
  /** Per project schema: its tenant's own login (data API and admin work on its objects). */
  tenantPools: TenantPools;
  queues: JobQueues;
  artifacts: ArtifactStore;
  schemaCache: SchemaCache;
  apiKeys: ApiKeyStore;
  /** One shared client for counters, bans and pub/sub publishing (not for blocking commands). */
  redis: Redis;
  authBans: AuthBans;
  networkRestrictions: NetworkRestrictions;
  licensing: Licensing;
  /** Management API projects: their databases' pools and data API schema caches. */
  projectRuntimes: ProjectRuntimes;
  /** Which project an active custom hostname names. */
  customHostnames: ActiveHostnames;
  /** Postgres Admin API: pools to other databases named by X-Connection-Encrypted. */
  pgMetaTargets: TargetPools;
  /** Raw SQL: one pool per mode, as that mode's own login. */
  sqlRolePools: SqlRolePools;
  /** Keep-alive connections to the edge-functions process. */
  functionsAgent: Agent;
  /** GET /metrics and the METRICS_PORT listener. */
  metrics: Metrics;
  /** The PostgreSQL server's version, read once (Management API projects' database.version). */
  serverVersion: () => Promise<string>;
}
