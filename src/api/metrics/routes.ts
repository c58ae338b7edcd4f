/**
 * GET /metrics (Prometheus text): on the API port behind the admin credentials, and on
 * METRICS_PORT without them when that is set. One scrape covers every web process of a cluster
 * and every live worker. Names and labels: docs/operations.md ("Metrics").
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { Router } from 'express';
import client from 'prom-client';
import type { Services } from '../services.ts';
import { requireAdmin } from '../admin/auth.ts';
import { apiErrorHandler } from '../api-errors.ts';
import { aggregate, collectProcessMetrics, CONTENT_TYPE, httpDuration, httpRequests, registry } from '../../shared/metrics/registry.ts';
import { readWorkerMetrics } from '../../shared/metrics/worker-metrics.ts';
import { JOB_TYPES, queueName } from '../../shared/jobs/names.ts';
import { clusterMetricsClient } from './cluster.ts';

/** Which surface a path belongs to (the label `surface`). */
export function surfaceOf(path: string): string {
  if (path.startsWith('/rest/v1') || /^\/project\/[^/]+\/rest\/v1(\/|$)/.test(path)) return 'rest';
  if (path.startsWith('/api/database')) return 'database';
  if (path.startsWith('/api/')) return 'admin';
  if (path.startsWith('/v1/')) return 'management';
  if (path === '/metrics' || path.startsWith('/admin/queues')) return 'ops';
  return 'pg-meta';
}

/** Counts and times every response, at the HTTP server (before the direct read path and Express, so refusals count too). */
export function observeHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
  const end = httpDuration.startTimer();
  // Read now: Express rewrites req.url inside mounted routers.
  const surface = surfaceOf(req.url ?? '');
  res.once('close', () => {
    const labels = { surface, method: req.method ?? '', status: String(res.statusCode) };
    end(labels);
    httpRequests.inc(labels);
  });
}

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed', 'paused'] as const;

type Values = Awaited<ReturnType<typeof registry.getMetricsAsJSON>>;

export interface Metrics {
  /** GET /metrics on the API port (admin credentials). */
  router: Router;
  /** The METRICS_PORT listener, when that is set. */
  portServer?: http.Server;
}

/** Built once per web process by the composition root. */
export function createMetrics(s: Services): Metrics {
  collectProcessMetrics('api');
  // Queue depths are the same whichever web process reads them: aggregated as "first", not summed.
  registry.removeSingleMetric('basalt_jobs');
  new client.Gauge({
    name: 'basalt_jobs',
    help: 'Jobs in each queue, by state (BullMQ counts)',
    labelNames: ['queue', 'state'] as const,
    aggregator: 'first',
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await Promise.all(JOB_TYPES.map((t) => s.queues.queue(t).getJobCounts(...STATES).catch(() => undefined)));
      JOB_TYPES.forEach((t, i) => {
        for (const state of STATES) if (counts[i]) this.set({ queue: queueName(t), state }, counts[i]![state] ?? 0);
      });
    },
  });

  const own = () => registry.getMetricsAsJSON();
  const gatherWeb = cluster.isWorker ? clusterMetricsClient(own) : async () => [await own()];
  const scrape = async () => {
    const [web, workers] = await Promise.all([
      // Should the primary not answer, this process's own values are better than nothing.
      gatherWeb().catch(async () => [await own()]),
      readWorkerMetrics(s.redis, s.config.QUEUE_PREFIX).catch(() => [] as Values[]),
    ]);
    return aggregate([...web, ...workers]);
  };

  let portServer: http.Server | undefined;
  if (s.config.METRICS_PORT) {
    // In a cluster every web process listens here too; node:cluster shares the port between them.
    const server = (portServer = http.createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: this port serves GET /metrics only\n');
        return;
      }
      scrape().then(
        (text) => res.writeHead(200, { 'Content-Type': CONTENT_TYPE }).end(text),
        (e: Error) => res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '1' }).end(`metrics unavailable: ${e.message}\n`),
      );
    }));
    server.on('error', (err) => s.log.error({ err: err.message, port: s.config.METRICS_PORT }, 'cannot serve metrics on METRICS_PORT'));
    server.listen(s.config.METRICS_PORT, s.config.HOST);
  }

  const r = Router();
  r.get('/metrics', requireAdmin(s), async (_req, res, next) => {
    try {
      res.type(CONTENT_TYPE).send(await scrape());
    } catch (e) {
      next(e);
    }
  });
  r.use('/metrics', apiErrorHandler);
  return { router: r, portServer };
}
