import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { loadConfig } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { createPool } from '../shared/db/pool.ts';
import { migrateControlSchema } from '../shared/control/runner.ts';
import { enableAuthenticatorLogin, restConnectionUrl } from '../shared/control/authenticator.ts';
import { enableSqlRoleLogins } from '../shared/control/sql-roles.ts';
import { prepareSchemaTenants } from '../shared/tenants/schema-tenants.ts';
import { TenantPools } from '../shared/tenants/tenant-pools.ts';
import { JobQueues } from '../shared/jobs/queues.ts';
import { ArtifactStore } from '../shared/jobs/artifacts.ts';
import { SchemaCache } from '../shared/schema-cache/cache.ts';
import { ApiKeyStore } from '../shared/auth/api-keys.ts';
import type { Services } from './services.ts';
import { boundedRedis } from '../shared/redis.ts';
import { AuthBans } from '../shared/security/auth-bans.ts';
import { NetworkRestrictions } from '../shared/security/network-restrictions.ts';
import { relayClusterMetrics } from './metrics/cluster.ts';

const config = loadConfig();
const log = createLogger('api', config.LOG_LEVEL);

/** Once per start, before any web process exists: control schema, then the data API's and raw SQL's logins. */
async function prepare() {
  const applied = await migrateControlSchema(config.DATABASE_URL);
  if (applied.length) log.info({ applied }, 'control schema migrated');
  await enableAuthenticatorLogin(config, log);
  await enableSqlRoleLogins(config, log);
  await prepareSchemaTenants(config, log);
}

/** The primary of a cluster: forks one web process per core and restarts any that crash. */
async function runPrimary() {
  await prepare();
  relayClusterMetrics();
  let stopping = false;
  for (let i = 0; i < config.WEB_CONCURRENCY; i++) cluster.fork();
  let ready = 0;
  cluster.on('message', (_w, msg: { ready?: boolean }) => {
    if (msg?.ready && ++ready === config.WEB_CONCURRENCY) process.send?.({ ready: true });
  });
  cluster.on('exit', (w, code, signal) => {
    if (stopping) return;
    log.error({ pid: w.process.pid, code, signal }, 'web process died; starting another');
    cluster.fork();
  });
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal: sig }, 'stopping web processes');
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    const check = setInterval(() => {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        clearInterval(check);
        process.exit(0);
      }
    }, 50);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('disconnect', () => stop('parent exited'));
}

async function runServer(single: boolean) {
  if (single) await prepare();
  const pool = createPool(config, log, { applicationName: 'basalt-api' });
  const schemaCache = new SchemaCache(pool, config.DB_SCHEMAS, { databaseUrl: config.DATABASE_URL, debounceMs: config.SCHEMA_RELOAD_DEBOUNCE_MS, log });
  await schemaCache.start();
  const rest = restConnectionUrl(config);
  const restPool = createPool(config, log, { applicationName: 'basalt-rest', pipeline: true, connectionString: rest.url });
  const tenantPools = new TenantPools(config, log);
  // Bans, rate limits, pub/sub: never waits more than ~2 s for Redis (src/shared/redis.ts).
  const redis = boundedRedis(config.REDIS_URL);
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  const closers: Array<() => Promise<unknown> | unknown> = [];
  const services: Services = {
    config,
    redis,
    authBans: new AuthBans(redis, config),
    networkRestrictions: new NetworkRestrictions(pool, redis, { prefix: config.QUEUE_PREFIX, log }),
    onClose: (fn) => void closers.push(fn),
    log,
    pool,
    restPool,
    tenantPools,
    schemaCache,
    queues: new JobQueues(config.REDIS_URL, { attempts: config.JOB_ATTEMPTS, resultTtlSeconds: config.JOB_RESULT_TTL_SECONDS, prefix: config.QUEUE_PREFIX }),
    artifacts: new ArtifactStore(pool, config.JOB_RESULT_TTL_SECONDS),
    apiKeys: new ApiKeyStore(pool, log),
  };
  // Loaded here, not at the top: a cluster primary only forks and never needs express or the routes.
  const { createApp } = await import('./app.ts');
  const app = createApp(services);
  const server: Server = app.listen(config.PORT, config.HOST, () => {
    log.info({ url: `http://${config.HOST}:${config.PORT}` }, 'api listening');
    process.send?.({ ready: true });
  });
  server.on('error', (err) => {
    log.fatal({ err: err.message }, 'cannot listen');
    process.exit(1);
  });

  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal: sig }, 'draining: no new connections, finishing requests in flight');
    server.close(async () => {
      await Promise.allSettled([schemaCache.close(), services.queues.close(), services.apiKeys.close(), services.networkRestrictions.close(), ...closers.map(async (fn) => fn())]);
      redis.disconnect();
      await Promise.allSettled([pool.end(), restPool.end(), tenantPools.close()]);
      log.info('api stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => {
      log.warn('shutdown timeout: closing remaining connections');
      server.closeAllConnections();
    }, config.SHUTDOWN_TIMEOUT_MS).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Started by a supervisor (npm start, the tests) and not a cluster child: leave with it.
  if (single) process.on('disconnect', () => stop('parent exited'));
}

try {
  if (cluster.isPrimary && config.WEB_CONCURRENCY > 1) await runPrimary();
  else await runServer(cluster.isPrimary);
} catch (e) {
  log.fatal({ err: (e as Error).message }, 'api failed to start');
  process.exit(1);
}
