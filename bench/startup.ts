/**
 * `npm run bench:startup`: how long the compiled build (dist/, as the Procfile runs it) takes
 * from process spawn to serving, with PostgreSQL and Redis already up and the control schema
 * already migrated, and how much memory each process holds once idle.
 *
 * - API (`dist/src/api/main.js`, WEB_CONCURRENCY processes behind a cluster primary): spawn →
 *   first `GET /api/health` 200, and → first `GET /api/ready` 200.
 * - worker (`dist/src/workers/main.js`): spawn → its ready message.
 * - functions runtime (`dist/src/functions/main.js`): spawn → its ready message.
 * Each is started BENCH_ROUNDS times (default 5), one at a time, and the median and the worst
 * are reported; then all three run together, idle for BENCH_IDLE_S seconds (default 10), and
 * the RSS of every process (API primary, each web process, worker, functions) is read from /proc.
 * BENCH_CPU_PROF=dir writes a V8 CPU profile of each start (node --cpu-prof) there.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startPostgres, startRedis, type Service } from '../scripts/local-services.ts';
import { migrateControlSchema } from '../src/shared/control/runner.ts';
import { envInt } from './harness.ts';

const root = path.resolve(import.meta.dirname, '..');
const ROUNDS = envInt('BENCH_ROUNDS', 5, 1);
const IDLE_S = envInt('BENCH_IDLE_S', 10, 0);
const CPU_PROF = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined;
/** As the Procfile starts them. */
const FLAGS = ['--max-semi-space-size=4'];

const t0 = Date.now();
const log = (m: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);

const tmp = mkdtempSync(path.join(os.tmpdir(), 'basalt-bench-startup-'));
chmodSync(tmp, 0o755); // PostgreSQL may run as another user (we may be root)
const services: Service[] = [];
const children = new Set<ChildProcess>();

function stop(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
    c.once('exit', () => {
      clearTimeout(t);
      children.delete(c);
      resolve();
    });
    c.kill('SIGTERM');
  });
}

async function cleanup() {
  await Promise.all([...children].map(stop));
  for (const s of services.reverse()) await s.stop().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
}

interface Started {
  child: ChildProcess;
  /** Milliseconds from spawn to its ready message. */
  ready: Promise<number>;
}

function spawnEntry(entry: string, env: NodeJS.ProcessEnv): Started {
  const prof = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : [];
  const start = performance.now();
  const child = fork(path.join(root, 'dist', entry), [], { env, execArgv: [...FLAGS, ...prof], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  children.add(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const ready = new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${entry} not ready in 60 s:\n${err}`)), 60_000);
    child.on('message', (m: { ready?: boolean }) => {
      if (m?.ready) {
        clearTimeout(t);
        resolve(performance.now() - start);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      reject(new Error(`${entry} exited (code ${code}, signal ${signal}) before ready:\n${err}`));
    });
  });
  return { child, ready };
}

/** Milliseconds from `start` until GET `url` answers 200, polling every 10 ms. */
async function firstOk(url: string, start: number, child: ChildProcess): Promise<number> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited before ${url} answered`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - start;
    } catch {
      // not listening yet
    }
    if (performance.now() - start > 60_000) throw new Error(`${url} not 200 within 60 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resident set size (kB) of a process, and of its direct children, from /proc. */
function rssTree(pid: number): { pid: number; kb: number; child: boolean }[] {
  const rss = (p: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? NaN);
  const out = [{ pid, kb: rss(pid), child: false }];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push({ pid: Number(d), kb: rss(Number(d)), child: true });
    } catch {
      // ended while we looked
    }
  }
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (n: number) => `${Math.round(n)} ms`;

async function main() {
  log('building dist/ when stale (npm run build)');
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--if-stale'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  log(`temp dir ${tmp}; starting PostgreSQL and Redis`);
  const pgs = await startPostgres({ dataDir: path.join(tmp, 'pg'), password: 'basalt-bench', database: 'basalt_bench', logFile: path.join(tmp, 'postgres.log') });
  services.push(pgs);
  const redis = await startRedis({ dir: path.join(tmp, 'redis'), logFile: path.join(tmp, 'redis.log'), persist: false });
  services.push(redis);
  // The services are up and the control schema current, as on any start but the first.
  await migrateControlSchema(pgs.url);

  const [port, functionsPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: pgs.url,
    REDIS_URL: redis.url,
    HOST: '127.0.0.1',
    PORT: String(port),
    FUNCTIONS_PORT: String(functionsPort),
    FUNCTIONS_URL: `http://127.0.0.1:${functionsPort}`,
    JWT_SECRET: 'bench-secret-that-is-at-least-32-characters-long',
    ADMIN_USER: 'admin',
    ADMIN_PASSWORD: 'bench-admin-password',
    BASALT_MASTER_KEY: 'b'.repeat(64),
    CRYPTO_KEY: 'bench-crypto-key',
    LOG_LEVEL: 'warn',
  };
  const base = `http://127.0.0.1:${port}`;

  // The first start of each also runs the one-off work a fresh database needs (logins, grants): not counted.
  const times = { health: [] as number[], ready: [] as number[], worker: [] as number[], functions: [] as number[] };
  for (let round = 0; round <= ROUNDS; round++) {
    const start = performance.now();
    const api = spawnEntry('src/api/main.js', env);
    const [health, ready] = await Promise.all([firstOk(`${base}/api/health`, start, api.child), firstOk(`${base}/api/ready`, start, api.child)]);
    await api.ready;
    await stop(api.child);
    const worker = spawnEntry('src/workers/main.js', env);
    const w = await worker.ready;
    await stop(worker.child);
    const functions = spawnEntry('src/functions/main.js', env);
    const f = await functions.ready;
    await stop(functions.child);
    log(`round ${round}${round === 0 ? ' (warm-up, not counted)' : ''}: API health ${ms(health)}, ready ${ms(ready)}; worker ${ms(w)}; functions ${ms(f)}`);
    if (round === 0) continue;
    times.health.push(health);
    times.ready.push(ready);
    times.worker.push(w);
    times.functions.push(f);
  }

  log(`all three running, idle for ${IDLE_S} s`);
  const api = spawnEntry('src/api/main.js', env);
  const worker = spawnEntry('src/workers/main.js', env);
  const functions = spawnEntry('src/functions/main.js', env);
  await Promise.all([api.ready, worker.ready, functions.ready]);
  await new Promise((r) => setTimeout(r, IDLE_S * 1000));
  const rss = [
    ...rssTree(api.child.pid!).map((p) => ({ name: p.child ? `API web process (pid ${p.pid})` : `API cluster primary (pid ${p.pid})`, kb: p.kb })),
    ...rssTree(worker.child.pid!).map((p) => ({ name: p.child ? `worker child (pid ${p.pid})` : `worker (pid ${p.pid})`, kb: p.kb })),
    ...rssTree(functions.child.pid!).map((p) => ({ name: p.child ? `functions child: ${readFileSync(`/proc/${p.pid}/comm`, 'utf8').trim()} (pid ${p.pid})` : `functions runtime (pid ${p.pid})`, kb: p.kb })),
  ];

  const out: string[] = [];
  out.push(`Start to ready, compiled build, PostgreSQL and Redis already up (${ROUNDS} rounds, ${os.availableParallelism()} cores, node ${process.version}):`);
  out.push('');
  out.push('| process | median | worst |');
  out.push('| --- | --- | --- |');
  out.push(`| API: spawn → GET /api/health 200 | ${ms(median(times.health))} | ${ms(Math.max(...times.health))} |`);
  out.push(`| API: spawn → GET /api/ready 200 | ${ms(median(times.ready))} | ${ms(Math.max(...times.ready))} |`);
  out.push(`| worker: spawn → ready | ${ms(median(times.worker))} | ${ms(Math.max(...times.worker))} |`);
  out.push(`| functions runtime: spawn → ready | ${ms(median(times.functions))} | ${ms(Math.max(...times.functions))} |`);
  out.push('');
  out.push(`Idle RSS after ${IDLE_S} s:`);
  out.push('');
  out.push('| process | RSS |');
  out.push('| --- | --- |');
  for (const r of rss) out.push(`| ${r.name} | ${(r.kb / 1024).toFixed(1)} MB |`);
  process.stdout.write(out.join('\n') + '\n');
}

for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.on(sig, () => void cleanup().finally(() => process.exit(code)));
}
main()
  .then(cleanup)
  .catch(async (e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    await cleanup();
    process.exit(1);
  });
