/**
 * Prometheus metrics (prom-client): one registry per process, with what every process records.
 * The API serves them aggregated over its web processes and the workers (src/api/metrics/);
 * names and labels are listed in docs/operations.md ("Metrics").
 */
import client from 'prom-client';
import type pg from 'pg';

export const registry = new client.Registry();

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpRequests = new client.Counter({
  name: 'basalt_http_requests_total',
  help: 'HTTP requests answered, by surface, method and status',
  labelNames: ['surface', 'method', 'status'] as const,
  registers: [registry],
});
export const httpDuration = new client.Histogram({
  name: 'basalt_http_request_duration_seconds',
  help: 'Time from a request arriving to its response ending, by surface, method and status',
  labelNames: ['surface', 'method', 'status'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
const poolWait = new client.Histogram({
  name: 'basalt_db_pool_wait_seconds',
  help: 'Time a query or transaction waited for a connection from a pool',
  labelNames: ['pool'] as const,
  buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
  registers: [registry],
});
export const schemaReloads = new client.Counter({
  name: 'basalt_schema_cache_reloads_total',
  help: 'Schema cache loads, by outcome (ok or error)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
export const schemaReloadDuration = new client.Histogram({
  name: 'basalt_schema_cache_reload_duration_seconds',
  help: 'Time a successful schema cache load took',
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});
export const jobDuration = new client.Histogram({
  name: 'basalt_job_duration_seconds',
  help: 'Time a worker spent on a job attempt, by job type and outcome (completed, failed, cancelled)',
  labelNames: ['type', 'outcome'] as const,
  buckets: [0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600],
  registers: [registry],
});

/** Pools by kind: their application_name without a tenant's schema (`basalt-tenant-rest-acme` → `basalt-tenant-rest`). */
const pools = new Map<pg.Pool, string>();
const poolKind = (applicationName: string) => applicationName.replace(/^(basalt-tenant-(?:rest|work))-.*$/, '$1');

new client.Gauge({
  name: 'basalt_db_pool_connections',
  help: 'Connections held by the pools, by pool kind and state (idle or busy)',
  labelNames: ['pool', 'state'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [pool, name] of pools) {
      if ((pool as pg.Pool & { ending?: boolean }).ending) {
        pools.delete(pool);
        continue;
      }
      this.inc({ pool: name, state: 'idle' }, pool.idleCount);
      this.inc({ pool: name, state: 'busy' }, pool.totalCount - pool.idleCount);
    }
  },
});
new client.Gauge({
  name: 'basalt_db_pool_waiting',
  help: 'Requests waiting for a pool connection right now, by pool kind',
  labelNames: ['pool'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [pool, name] of pools) this.inc({ pool: name }, pool.waitingCount);
  },
});
new client.Gauge({
  name: 'basalt_db_pool_max',
  help: 'Connections the pools may open, by pool kind',
  labelNames: ['pool'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [pool, name] of pools) this.inc({ pool: name }, pool.options.max ?? 10);
  },
});

/** Counts a pool in the pool gauges and times each wait for one of its connections. */
export function trackPool(pool: pg.Pool, applicationName: string): void {
  const name = poolKind(applicationName);
  pools.set(pool, name);
  const wait = poolWait.labels({ pool: name });
  const connect = pool.connect.bind(pool) as (cb?: (...a: unknown[]) => void) => Promise<pg.PoolClient> | void;
  // pool.query takes its connection through connect(callback); transactions through connect().
  (pool as { connect: unknown }).connect = (cb?: (...a: unknown[]) => void) => {
    const end = wait.startTimer();
    if (cb)
      return connect((...a: unknown[]) => {
        end();
        cb(...a);
      });
    return (connect() as Promise<pg.PoolClient>).finally(end);
  };
}

/** Node's own metrics (memory, CPU, event loop lag, GC), labelled with the process's role. */
export function collectProcessMetrics(role: 'api' | 'worker'): void {
  client.collectDefaultMetrics({ register: registry, labels: { role } });
}

/** Metric values of several processes (getMetricsAsJSON of each) as one Prometheus text. */
export function aggregate(parts: client.MetricObjectWithValues<client.MetricValue<string>>[][]): Promise<string> {
  return client.AggregatorRegistry.aggregate(parts).metrics();
}

export const CONTENT_TYPE = registry.contentType;
