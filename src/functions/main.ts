/**
 * The `functions` process: runs edge functions in Deno for the API, which routes each
 * project's /functions/v1 requests here (FUNCTIONS_URL). A process of its own, not part of
 * the web processes or the workers: function code is the tenant's, its instances hold
 * memory and CPU that the API must not share, and it scales on its own. The workers' queues
 * cannot carry a streamed HTTP exchange. Listens on loopback by default; each request must
 * carry the gateway key only the API can compute.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../shared/config.ts';
import { createLogger } from '../shared/log.ts';
import { createPool } from '../shared/db/pool.ts';
import { functionsGatewayKey } from '../shared/functions/gateway.ts';
import { denoBinary } from './deno-binary.ts';
import { FunctionPools } from './pools.ts';
import { invocationHandler } from './invoke.ts';
import { serveHttp } from '../shared/process/serve-http.ts';

const config = loadConfig();
const log = createLogger('functions', config.LOG_LEVEL);

/** host:port spellings of a loopback service, so that a function cannot reach it by another name. */
function denied(host: string, port: number): string[] {
  const loopback = ['localhost', '127.0.0.1', '0.0.0.0', '[::1]'];
  const h = host.replace(/^\[|\]$/g, '');
  const names = loopback.includes(h) || loopback.includes(`[${h}]`) || h === '::1' ? loopback : [host];
  return names.map((n) => `${n}:${port}`);
}

function main() {
  const deno = denoBinary();
  const root = mkdtempSync(path.join(os.tmpdir(), 'basalt-functions-'));
  const bootstrap = path.join(root, 'bootstrap.js');
  copyFileSync(new URL('./deno/bootstrap.js', import.meta.url), bootstrap);
  const redis = new URL(config.REDIS_URL);
  const pool = createPool(config, log, { applicationName: 'basalt-functions' });
  const pools = new FunctionPools(
    {
      perVersion: config.FUNCTIONS_INSTANCES_PER_VERSION,
      concurrency: config.FUNCTIONS_INSTANCE_CONCURRENCY,
      maxInstances: config.FUNCTIONS_MAX_INSTANCES,
      idleMs: config.FUNCTIONS_IDLE_MS,
      // The V8 heap is capped by --max-old-space-size; this catches ArrayBuffers, which live outside it.
      rssLimitBytes: Math.round(config.FUNCTIONS_MEMORY_MB * 1.5 + 64) * 1048576,
    },
    log,
  );
  const invoke = invocationHandler({
    config,
    pool,
    pools,
    log,
    gatewayKey: functionsGatewayKey(config),
    base: {
      deno,
      bootstrap,
      denoDir: path.join(root, 'deno-cache'),
      memoryMb: config.FUNCTIONS_MEMORY_MB,
      denyNet: [...denied(redis.hostname, Number(redis.port || 6379)), ...denied(config.FUNCTIONS_HOST, config.FUNCTIONS_PORT)],
    },
    sourcesDir: path.join(root, 'fn'),
  });

  const server = http.createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ status: 'ok', instances: pools.size }));
    }
    void invoke(req, res);
  });
  // Longer than the API's idle keep-alive sockets live, so a reused one is not closed under a request.
  server.keepAliveTimeout = 65_000;
  serveHttp(server, {
    port: config.FUNCTIONS_PORT,
    host: config.FUNCTIONS_HOST,
    log,
    describe: { deno },
    name: 'functions runtime',
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    close: async () => {
      await pools.closeAll();
      await pool.end().catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
    leaveWithParent: true,
  });
}

try {
  main();
} catch (e) {
  log.fatal({ err: (e as Error).message }, 'functions runtime failed to start');
  process.exit(1);
}
