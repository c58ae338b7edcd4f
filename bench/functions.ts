/**
 * Edge functions: a warm hello-world at BENCH_CONNECTIONS (50) concurrent requests through
 * Basalt (API → functions process → Deno instance), against a baseline measured in the same
 * run: the same function served by a bare Deno process (Deno.serve, no proxy, no checks).
 * Also the cold start: deploy a new function, time its first request (median of 5).
 *
 * Starts a private PostgreSQL and Redis, the API (WEB_CONCURRENCY=1) and the functions
 * process; removes everything at the end. Tunables: BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { freePort, startPostgres, startRedis, type Service } from '../scripts/local-services.ts';
import { migrateControlSchema } from '../src/shared/control/runner.ts';
import { denoBinary } from '../src/functions/deno-binary.ts';
import { CONNECTIONS, DURATION, WARMUP, fmt, table } from './harness.ts';

interface Result {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (o: object, cb: (e: Error | null, r: Result) => void) => unknown;
const root = path.resolve(import.meta.dirname, '..');
const HELLO = `Deno.serve(() => new Response(JSON.stringify({ message: 'Hello World' }), { headers: { 'content-type': 'application/json' } }));`;

const load = (url: string, headers: Record<string, string>, seconds: number) =>
  new Promise<Result>((resolve, reject) => autocannon({ url, connections: CONNECTIONS, duration: seconds, headers }, (e, r) => (e ? reject(e) : resolve(r))));

async function json(res: Response) {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status}: ${text}`);
  return JSON.parse(text);
}

async function main() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'basalt-bench-fn-'));
  chmodSync(tmp, 0o755); // initdb may run as another user (root → postgres)
  const services: Service[] = [];
  const children: ChildProcess[] = [];
  const cleanup = async () => {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    for (const s of services.reverse()) await s.stop().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  };
  process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    const pgs = await startPostgres({ dataDir: path.join(tmp, 'pg'), password: 'bench', database: 'basalt', logFile: path.join(tmp, 'pg.log'), settings: { fsync: 'off', max_connections: '200' } });
    services.push(pgs);
    const redis = await startRedis({ dir: path.join(tmp, 'redis'), logFile: path.join(tmp, 'redis.log'), persist: false });
    services.push(redis);
    await migrateControlSchema(pgs.url);
    const [port, fport, bport] = [await freePort(), await freePort(), await freePort()];
    const env = {
      ...process.env,
      DATABASE_URL: pgs.url,
      REDIS_URL: redis.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: 'bench-secret-that-is-at-least-32-characters',
      ADMIN_PASSWORD: 'bench-admin-password',
      BASALT_MASTER_KEY: 'b'.repeat(64),
      WEB_CONCURRENCY: '1',
      LOG_LEVEL: 'warn',
      FUNCTIONS_PORT: String(fport),
      FUNCTIONS_URL: `http://127.0.0.1:${fport}`,
      PROJECT_BASE_DOMAIN: 'bench.test',
    };
    const start = (entry: string) =>
      new Promise<void>((resolve, reject) => {
        const c = fork(path.join(root, entry), [], { env, execArgv: ['--import', 'tsx'], stdio: 'inherit' });
        children.push(c);
        c.on('message', (m: { ready?: boolean }) => m?.ready && resolve());
        c.once('exit', (code) => reject(new Error(`${entry} exited (${code})`)));
      });
    await Promise.all([start('src/api/main.ts'), start('src/functions/main.ts')]);
    const base = `http://127.0.0.1:${port}`;

    // A token, an organization and a project, through the public endpoints.
    const admin = 'Basic ' + Buffer.from('admin:bench-admin-password').toString('base64');
    const { token } = await json(await fetch(`${base}/api/tokens`, { method: 'POST', headers: { Authorization: admin, 'Content-Type': 'application/json' }, body: '{"name":"bench"}' }));
    const v1 = (method: string, p: string, body?: string, type = 'application/json') =>
      fetch(`${base}/v1${p}`, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': type }, body }).then(json);
    const org = await v1('POST', '/organizations', '{"name":"bench"}');
    const project = await v1('POST', '/projects', JSON.stringify({ name: 'bench', organization_slug: org.id, db_pass: 'Bench-pass-12345' }));
    const ref = project.ref as string;
    for (let i = 0; (await v1('GET', `/projects/${ref}`)).status !== 'ACTIVE_HEALTHY'; i++) {
      if (i > 600) throw new Error('project never became healthy');
      await new Promise((r) => setTimeout(r, 100));
    }
    const keys = (await v1('GET', `/projects/${ref}/api-keys`)) as Array<{ name: string; api_key: string }>;
    const anon = keys.find((k) => k.name === 'anon')!.api_key;
    const headers = { Authorization: `Bearer ${anon}` };

    // Cold starts: a fresh function each time, its first request timed.
    const cold: number[] = [];
    for (let i = 0; i < 5; i++) {
      await v1('POST', `/projects/${ref}/functions?slug=cold${i}`, HELLO, 'application/typescript');
      const t0 = performance.now();
      const r = await fetch(`${base}/project/${ref}/functions/v1/cold${i}`, { headers });
      await r.text();
      if (r.status !== 200) throw new Error(`cold start answered ${r.status}`);
      cold.push(performance.now() - t0);
    }
    cold.sort((a, b) => a - b);

    // The baseline: the same source on a bare Deno.
    const dir = path.join(tmp, 'baseline');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'main.ts'), HELLO.replace('Deno.serve(', `Deno.serve({ hostname: '127.0.0.1', port: ${bport} }, `));
    const bare = spawn(denoBinary(), ['run', '--allow-net', '--no-config', path.join(dir, 'main.ts')], { stdio: 'ignore', env: { DENO_DIR: path.join(tmp, 'deno'), NO_COLOR: '1' } });
    children.push(bare);
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${bport}/`)).ok) break;
      } catch {
        if (i > 100) throw new Error('baseline Deno did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    await v1('POST', `/projects/${ref}/functions?slug=hello`, HELLO, 'application/typescript');
    const basaltUrl = `${base}/project/${ref}/functions/v1/hello`;
    const baselineUrl = `http://127.0.0.1:${bport}/`;
    if (WARMUP) await Promise.all([load(basaltUrl, headers, WARMUP), load(baselineUrl, headers, WARMUP)]);
    // A B B A, half the duration each.
    const half = Math.max(1, Math.round(DURATION / 2));
    const runs = { basalt: [] as Result[], baseline: [] as Result[] };
    runs.basalt.push(await load(basaltUrl, headers, half));
    runs.baseline.push(await load(baselineUrl, headers, half));
    runs.baseline.push(await load(baselineUrl, headers, half));
    runs.basalt.push(await load(basaltUrl, headers, half));
    const sum = (rs: Result[]) => ({
      rps: rs.reduce((a, r) => a + r.requests.total, 0) / (half * rs.length),
      p50: rs.reduce((a, r) => a + r.latency.p50, 0) / rs.length,
      p99: Math.max(...rs.map((r) => r.latency.p99)),
      bad: rs.reduce((a, r) => a + r.non2xx + r.errors, 0),
    });
    const b = sum(runs.basalt);
    const d = sum(runs.baseline);
    process.stdout.write(
      `\nEdge functions, warm hello-world, ${CONNECTIONS} connections, ${DURATION} s each (A B B A), ${os.availableParallelism()} cores\n\n` +
        table([
          ['server', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx/errors'],
          ['Basalt (API → functions → Deno)', fmt(b.rps, 0), fmt(b.p50, 1), fmt(b.p99, 1), String(b.bad)],
          ['baseline (bare Deno.serve)', fmt(d.rps, 0), fmt(d.p50, 1), fmt(d.p99, 1), String(d.bad)],
          ['ratio Basalt/baseline', fmt(b.rps / d.rps, 2), '', '', ''],
        ]) +
        `\nCold start (deploy, then first request, through Basalt): median ${fmt(cold[2]!, 0)} ms, min ${fmt(cold[0]!, 0)} ms, max ${fmt(cold[4]!, 0)} ms\n`,
    );
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
    process.exit(1);
  },
);
