import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import { loadConfig } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { relayClusterMetrics } from './metrics/cluster.ts';
import { serveHttp } from '../shared/process/serve-http.ts';

const config = loadConfig();
const log = createLogger('api', config.LOG_LEVEL);

/**
 * Once per start, before any web process connects: control schema, then the data API's and raw
 * SQL's logins. Loaded here: a web process of a cluster never runs it.
 */
async function prepare() {
  const [{ migrateControlSchema }, { enableAuthenticatorLogin }, { enableSqlRoleLogins }, { applyDefaultGrants }, { prepareSchemaTenants }] = await Promise.all([
    import('../shared/control/runner.ts'),
    import('../shared/control/authenticator.ts'),
    import('../shared/control/sql-roles.ts'),
    import('../shared/control/default-grants.ts'),
    import('../shared/tenants/schema-tenants.ts'),
  ]);
  const applied = await migrateControlSchema(config.DATABASE_URL);
  if (applied.length) log.info({ applied }, 'control schema migrated');
  await enableAuthenticatorLogin(config, log);
  await enableSqlRoleLogins(config, log);
  await applyDefaultGrants(config, log);
  await prepareSchemaTenants(config, log);
}

/** A web process asks the primary whether the database is prepared; the primary answers once it is. */
interface PrepareMessage {
  awaitingPrepare?: boolean;
  prepared?: boolean;
  /** What preparing changed in the primary's environment (e.g. the data API's login fallback), for processes forked before. */
  env?: Record<string, string | null>;
}

/**
 * The primary of a cluster: forks one web process per core and restarts any that crash. The web
 * processes are forked at once: they load their modules (most of a start) while the primary
 * prepares the database, and connect only once it has (preparedByPrimary).
 */
async function runPrimary() {
  relayClusterMetrics();
  let stopping = false;
  let prepared = false;
  const awaiting = new Set<import('node:cluster').Worker>();
  let ready = 0;
  cluster.on('message', (w, msg: { ready?: boolean } & PrepareMessage) => {
    if (msg?.ready && ++ready === config.WEB_CONCURRENCY) process.send?.({ ready: true });
    if (msg?.awaitingPrepare) {
      // Forked after preparing (a restart): it inherited the environment already.
      if (prepared) w.send({ prepared: true } satisfies PrepareMessage);
      else awaiting.add(w);
    }
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
  for (let i = 0; i < config.WEB_CONCURRENCY; i++) cluster.fork();
  // Should this fail, the primary exits and its web processes with it (their IPC channel closes).
  const before = { ...process.env };
  await prepare();
  const env: Record<string, string | null> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(process.env)])) if (before[k] !== process.env[k]) env[k] = process.env[k] ?? null;
  prepared = true;
  for (const w of awaiting) if (w.isConnected()) w.send({ prepared: true, env } satisfies PrepareMessage);
  awaiting.clear();
}

/** In a web process of a cluster: resolves once the primary has prepared the database. */
function preparedByPrimary(): Promise<void> {
  return new Promise((resolve) => {
    const heard = (m: PrepareMessage) => {
      if (!m?.prepared) return;
      process.off('message', heard);
      for (const [k, v] of Object.entries(m.env ?? {})) {
        if (v === null) delete process.env[k];
        else process.env[k] = v;
      }
      resolve();
    };
    process.on('message', heard);
    process.send!({ awaitingPrepare: true } satisfies PrepareMessage);
  });
}

async function runServer(single: boolean) {
  // Loaded here, not at the top: a cluster primary only forks and never needs express, the routes or the services.
  // Loading them (CPU) overlaps preparing the database (round trips), which must finish before the services connect.
  const [[{ composeServices }, { createApp }, { withDirectReads }, { observeHttp }]] = await Promise.all([
    Promise.all([import('./compose.ts'), import('./app.ts'), import('./rest/direct-read.ts'), import('./metrics/routes.ts')]),
    single ? prepare() : preparedByPrimary(),
  ]);
  const { services, close } = await composeServices(config, log);
  // The data API's table reads skip Express (src/api/rest/direct-read.ts); the rest goes to the app.
  const handle = withDirectReads(services, createApp(services));
  const server: Server = createServer((req, res) => {
    observeHttp(req, res);
    handle(req, res);
  });
  // A cluster child leaves when its primary does; a single process when its supervisor does.
  serveHttp(server, { port: config.PORT, host: config.HOST, log, name: 'api', shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS, close, leaveWithParent: single });
}

try {
  if (cluster.isPrimary && config.WEB_CONCURRENCY > 1) await runPrimary();
  else await runServer(cluster.isPrimary);
} catch (e) {
  log.fatal({ err: (e as Error).message }, 'api failed to start');
  process.exit(1);
}
