import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';
import type { Pool } from '../shared/db/pool.ts';
import type { JobQueues } from '../shared/jobs/queues.ts';
import type { ArtifactStore } from '../shared/jobs/artifacts.ts';
import type { SchemaCache } from '../shared/schema-cache/cache.ts';
import type { ApiKeyStore } from '../shared/auth/api-keys.ts';
import type { Redis } from 'ioredis';
import type { TenantPools } from '../shared/tenants/tenant-pools.ts';
import type { AuthBans } from '../shared/security/auth-bans.ts';
import type { NetworkRestrictions } from '../shared/security/network-restrictions.ts';

/** What every route handler may use; built once per process in main.ts. */
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
  /** Run on shutdown after the server stops accepting requests (pools, timers a surface owns). */
  onClose: (fn: () => Promise<unknown> | unknown) => void;
}
