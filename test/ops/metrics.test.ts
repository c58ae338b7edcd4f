/**
 * GET /metrics: Prometheus text behind the admin credentials on the API port, without them on
 * METRICS_PORT, aggregated over the web processes of a cluster and the workers. The scrape is
 * parsed as the exposition format, and counters must move by what the test did.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, databaseUrl, redisUrl, restUrl, testEnv } from '../support/env.ts';
import { poll, startProcess, stopProcess, whenReady, type Started } from '../support/processes.ts';
import { freePort } from '../../scripts/local-services.ts';
import { anonKey } from '../support/keys.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The exposition format, strictly: every line a comment, blank, or `name{labels} value`. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = line.match(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$/);
    if (!m) throw new Error(`not Prometheus text: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { samples, types };
}

/** The sum of the samples called `name` whose labels include `labels`. */
const total = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);

async function scrape(url = `${apiUrl}/metrics`, headers: Record<string, string> = { Authorization: adminAuth }) {
  const res = await fetch(url, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await res.text());
}

describe('GET /metrics on the API port', () => {
  it('refuses without admin credentials, in the /api error shape', async () => {
    const res = await fetch(`${apiUrl}/metrics`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await res.json()).toMatchObject({ error: 'UNAUTHORIZED' });
    const wrong = await fetch(`${apiUrl}/metrics`, { headers: { Authorization: 'Basic ' + Buffer.from('admin:wrong-password').toString('base64') } });
    expect(wrong.status).toBe(401);
  });

  it('counts requests by surface, method and status, with latency histograms', async () => {
    const before = (await scrape()).samples;
    const key = { apikey: anonKey, Authorization: `Bearer ${anonKey}` };
    for (let i = 0; i < 3; i++) expect((await fetch(`${restUrl}/no_such_table_for_metrics`, { headers: key })).status).toBe(404);
    for (let i = 0; i < 2; i++) expect((await fetch(`${apiUrl}/api/health`)).status).toBe(200);
    expect((await fetch(`${apiUrl}/tables?include_system_schemas=false`, { headers: { Authorization: adminAuth } })).status).toBe(200);
    expect((await fetch(`${apiUrl}/api/database/tables`, { headers: { Authorization: adminAuth } })).status).toBeLessThan(500);
    const { samples, types } = await scrape();

    expect(types.get('basalt_http_requests_total')).toBe('counter');
    expect(types.get('basalt_http_request_duration_seconds')).toBe('histogram');
    const moved = (labels: Record<string, string>) => total(samples, 'basalt_http_requests_total', labels) - total(before, 'basalt_http_requests_total', labels);
    expect(moved({ surface: 'rest', method: 'GET', status: '404' })).toBeGreaterThanOrEqual(3);
    expect(moved({ surface: 'admin', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(2);
    expect(moved({ surface: 'pg-meta', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(moved({ surface: 'database', method: 'GET' })).toBeGreaterThanOrEqual(1);
    // The histogram counts the same requests, and its buckets are cumulative up to +Inf.
    const count = total(samples, 'basalt_http_request_duration_seconds_count', { surface: 'rest', method: 'GET', status: '404' });
    expect(count).toBe(total(samples, 'basalt_http_requests_total', { surface: 'rest', method: 'GET', status: '404' }));
    expect(total(samples, 'basalt_http_request_duration_seconds_bucket', { surface: 'rest', method: 'GET', status: '404', le: '+Inf' })).toBe(count);
    expect(total(samples, 'basalt_http_request_duration_seconds_sum', { surface: 'rest', method: 'GET', status: '404' })).toBeGreaterThan(0);
  });

  it('shows the pools, the schema cache, the queues and the processes', async () => {
    const { samples } = await scrape();
    expect(total(samples, 'basalt_db_pool_max', { pool: 'basalt-api' })).toBeGreaterThan(0);
    expect(total(samples, 'basalt_db_pool_connections', { pool: 'basalt-api' })).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'basalt_db_pool_waiting' && s.labels.pool === 'basalt-rest')).toBe(true);
    expect(total(samples, 'basalt_db_pool_wait_seconds_count', { pool: 'basalt-api' })).toBeGreaterThan(0);
    expect(total(samples, 'basalt_schema_cache_reloads_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(total(samples, 'basalt_schema_cache_reload_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    for (const queue of ['basalt-export', 'basalt-import', 'basalt-bulk-upsert', 'basalt-migrations', 'basalt-license'])
      for (const state of ['waiting', 'active', 'completed', 'failed', 'delayed'])
        expect(samples.some((s) => s.name === 'basalt_jobs' && s.labels.queue === queue && s.labels.state === state), `${queue} ${state}`).toBe(true);
    // Node's own metrics, from the API and from the worker.
    expect(total(samples, 'process_resident_memory_bytes', { role: 'api' })).toBeGreaterThan(10e6);
    expect(total(samples, 'process_resident_memory_bytes', { role: 'worker' })).toBeGreaterThan(10e6);
  });

  it('counts a job the worker ran, by type and outcome', async () => {
    const before = (await scrape()).samples;
    const done = { type: 'export', outcome: 'completed' };
    const res = await fetch(`${apiUrl}/api/database/advance/export`, {
      method: 'POST',
      headers: { Authorization: adminAuth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ tables: ['books'], schema: 'rest_read', format: 'json' }),
    });
    expect(res.status).toBe(200);
    // The worker hands its values over within a second of the job ending.
    const after = await poll(async () => {
      const { samples } = await scrape();
      return total(samples, 'basalt_job_duration_seconds_count', done) > total(before, 'basalt_job_duration_seconds_count', done) ? samples : undefined;
    }, 'the export to be counted', 15_000, 200);
    expect(total(after, 'basalt_job_duration_seconds_bucket', { ...done, le: '+Inf' })).toBe(total(after, 'basalt_job_duration_seconds_count', done));
    expect(total(after, 'basalt_jobs', { queue: 'basalt-export', state: 'completed' })).toBeGreaterThanOrEqual(1);
  });
});

describe('metrics of a cluster, on METRICS_PORT', () => {
  let api: Started | undefined;
  afterAll(async () => api && stopProcess(api));

  it('serves without credentials, and sums what both web processes counted', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const env = { ...process.env, ...testEnv({ databaseUrl, redisUrl, port }), QUEUE_PREFIX: `metrics${port}`, WEB_CONCURRENCY: '2', METRICS_PORT: String(metricsPort), DB_POOL_MAX: '7' };
    api = startProcess('src/api/main.ts', env);
    // Three processes through tsx on a busy machine: slower to start than the usual one.
    await whenReady(api, 120_000);
    const stack = { base: `http://127.0.0.1:${port}` };
    const url = `http://127.0.0.1:${metricsPort}/metrics`;
    // 40 requests spread over both web processes. /api/live, not /api/health: what is counted
    // is the point here, and on a loaded CI host a health check may rightly answer 503 when
    // Redis takes over its 2 s to answer.
    const replies = await Promise.all(Array.from({ length: 40 }, () => fetch(`${stack!.base}/api/live`).then((r) => r.status)));
    expect(new Set(replies)).toEqual(new Set([200]));
    const { samples } = await scrape(url, {});
    expect(total(samples, 'basalt_http_requests_total', { surface: 'admin', method: 'GET', status: '200' })).toBe(40);
    expect(total(samples, 'basalt_http_request_duration_seconds_count', { surface: 'admin', method: 'GET', status: '200' })).toBe(40);
    // Two processes with a pool of 7 each.
    expect(total(samples, 'basalt_db_pool_max', { pool: 'basalt-api' })).toBe(14);
    expect(total(samples, 'basalt_schema_cache_reloads_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    // Queue depths are read once, not once per process.
    expect(samples.filter((s) => s.name === 'basalt_jobs' && s.labels.queue === 'basalt-export' && s.labels.state === 'waiting')).toHaveLength(1);
    // Anything else on that port is a 404; the API port still wants credentials.
    expect((await fetch(`http://127.0.0.1:${metricsPort}/api/health`)).status).toBe(404);
    expect((await fetch(`${stack.base}/metrics`)).status).toBe(401);
  }, 180_000);
});
