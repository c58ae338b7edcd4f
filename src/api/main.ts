import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import { loadConfig } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { migrateControlSchema } from '../shared/control/runner.ts';
import { enableAuthenticatorLogin } from '../shared/control/authenticator.ts';
import { enableSqlRoleLogins } from '../shared/control/sql-roles.ts';
import { applyDefaultGrants } from '../shared/control/default-grants.ts';
import { prepareSchemaTenants } from '../shared/tenants/schema-tenants.ts';
import { relayClusterMetrics } from './metrics/cluster.ts';
import { serveHttp } from '../shared/process/serve-http.ts';

const config = loadConfig();
const log = createLogger('api', config.LOG_LEVEL);

/** Once per start, before any web process exists: control schema, then the data API's and raw SQL's logins. */
async function prepare() {
  const applied = await migrateControlSchema(config.DATABASE_URL);
  if (applied.length) log.info({ applied }, 'control schema migrated');
  await enableAuthenticatorLogin(config, log);
  await enableSqlRoleLogins(config, log);
  await applyDefaultGrants(config, log);
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
  // Loaded here, not at the top: a cluster primary only forks and never needs express, the routes or the services.
  const [{ composeServices }, { createApp }, { withDirectReads }, { observeHttp }] = await Promise.all([
    import('./compose.ts'),
    import('./app.ts'),
    import('./rest/direct-read.ts'),
    import('./metrics/routes.ts'),
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
