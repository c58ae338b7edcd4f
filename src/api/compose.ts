/**
 * The API process's composition root: every long-lived service is built here, once, and
 * passed down to the routes in one Services object; `close` shuts them down in one place,
 * in order (what uses the pools first, then the pools).
 */
import { Agent } from 'node:http';
import { createPool } from '../shared/db/pool.ts';
import { restConnectionUrl } from '../shared/control/authenticator.ts';
import { TenantPools } from '../shared/tenants/tenant-pools.ts';
import { JobQueues } from '../shared/jobs/queues.ts';
import { createArtifactStore } from '../shared/jobs/artifacts.ts';
import { SchemaCache } from './schema-cache/cache.ts';
import { ApiKeyStore } from './auth/api-keys.ts';
import { boundedRedis } from '../shared/redis.ts';
import { AuthBans } from '../shared/security/auth-bans.ts';
import { NetworkRestrictions } from '../shared/security/network-restrictions.ts';
import { ActiveHostnames } from '../shared/management/custom-hostnames.ts';
import { TargetPools } from './pg-meta/target-pools.ts';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';
import { createLicensing } from './admin/license.ts';
import { ProjectRuntimes } from './projects/runtimes.ts';
import { SqlRolePools } from './database/sql-role-pools.ts';
import { createMetrics, type Metrics } from './metrics/routes.ts';
import type { Services } from './services.ts';
import { serverVersionOnce } from '../shared/management/project-database.ts';

export interface Composed {
  services: Services;
  /** Stops every service; call once the HTTP server no longer accepts requests. */
  close(): Promise<void>;
}

export async function composeServices(config: Config, log: Logger): Promise<Composed> {
  const pool = createPool(config, log, { applicationName: 'basalt-api' });
  // Catalog loads get a pool of their own, not bound by DB_STATEMENT_TIMEOUT_MS (a limit for
  // callers' queries): a large catalog on a busy server must not keep the API from starting.
  const catalogPool = createPool(config, log, { applicationName: 'basalt-schema-cache', max: 4, statementTimeoutMs: Math.max(config.DB_STATEMENT_TIMEOUT_MS, 120_000) });
  const schemaCache = new SchemaCache(catalogPool, config.DB_SCHEMAS, { databaseUrl: config.DATABASE_URL, debounceMs: config.SCHEMA_RELOAD_DEBOUNCE_MS, log });
  await schemaCache.start();
  const restPool = createPool(config, log, { applicationName: 'basalt-rest', pipeline: true, connectionString: restConnectionUrl(config).url });
  const tenantPools = new TenantPools(config, log);
  // Bans, rate limits, pub/sub: never waits more than ~2 s for Redis (src/shared/redis.ts).
  const redis = boundedRedis(config.REDIS_URL);
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  const base = {
    config,
    log,
    pool,
    restPool,
    tenantPools,
    schemaCache,
    redis,
    authBans: new AuthBans(redis, config),
    networkRestrictions: new NetworkRestrictions(pool, redis, { prefix: config.QUEUE_PREFIX, log }),
    queues: new JobQueues(config.REDIS_URL, { attempts: config.JOB_ATTEMPTS, resultTtlSeconds: config.JOB_RESULT_TTL_SECONDS, prefix: config.QUEUE_PREFIX }),
    artifacts: createArtifactStore(pool, config),
    apiKeys: new ApiKeyStore(pool, log),
    licensing: createLicensing({ config, pool, redis }),
    customHostnames: new ActiveHostnames({ pool, redis }),
    pgMetaTargets: new TargetPools({
      maxTargets: config.PG_META_MAX_TARGETS,
      poolMax: config.PG_META_TARGET_POOL_MAX,
      idleMs: config.PG_META_TARGET_IDLE_MS,
      connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: config.PG_META_STATEMENT_TIMEOUT_MS,
      log,
    }),
    sqlRolePools: new SqlRolePools(config, log),
    functionsAgent: new Agent({ keepAlive: true, maxSockets: Infinity }),
    serverVersion: serverVersionOnce(pool),
  };
  // Project runtimes and metrics use the other services, so they come last.
  const services: Services = Object.assign(base, { projectRuntimes: undefined as unknown as ProjectRuntimes, metrics: undefined as unknown as Metrics });
  services.projectRuntimes = new ProjectRuntimes(services);
  services.metrics = createMetrics(services);

  const close = async () => {
    const s = services;
    await Promise.allSettled([
      s.schemaCache.close(),
      s.queues.close(),
      s.apiKeys.close(),
      s.networkRestrictions.close(),
      s.artifacts.close(),
      s.projectRuntimes.closeAll(),
      s.pgMetaTargets.close(),
      s.sqlRolePools.close(),
      s.customHostnames.close(),
      new Promise((r) => (s.metrics.portServer ? s.metrics.portServer.close(r) : r(undefined))),
    ]);
    s.functionsAgent.destroy();
    redis.disconnect();
    await Promise.allSettled([pool.end(), catalogPool.end(), restPool.end(), tenantPools.close()]);
  };
  return { services, close };
}
