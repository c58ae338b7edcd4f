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
 * Beside wall time, the CPU time (user + system, all the API's processes) spent until healthy: on a
 * machine that other work loads, wall time mostly measures the wait for a core, CPU time does not.
 * BENCH_COMPARE=dir (a checkout with its own dist/, built by its scripts/build.mjs) starts that
 * build too, in A B B A order within each round, so both see the same background load.
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
/** How long one start may take before the run fails: generous, a loaded machine is slow. */
const LIMIT_MS = envInt('BENCH_TIMEOUT_S', 180, 1) * 1000;
const CPU_PROF = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined;
const COMPARE = process.env.BENCH_COMPARE ? path.resolve(process.env.BENCH_COMPARE) : undefined;
const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
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

function spawnEntry(entry: string, env: NodeJS.ProcessEnv, dist = path.join(root, 'dist')): Started {
  const prof = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : [];
  const start = performance.now();
  const child = fork(path.join(dist, entry), [], { env, execArgv: [...FLAGS, ...prof], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  children.add(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const ready = new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${entry} not ready in ${LIMIT_MS / 1000} s:\n${err}`)), LIMIT_MS);
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
  ready.catch(() => {}); // awaited by the caller; a failure after the run gave up is not a crash
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
    if (performance.now() - start > LIMIT_MS) throw new Error(`${url} not 200 within ${LIMIT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** CPU seconds (user + system) of a process and its direct children, from /proc. */
function cpuOfTree(pid: number): number {
  let ticks = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(d) === pid || Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // ended while we looked
    }
  }
  return ticks / clockTicks;
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

  // The first start also runs the one-off work a fresh database needs (logins, grants): not counted.
  const variants = [{ name: 'this build', dist: path.join(root, 'dist') }, ...(COMPARE ? [{ name: `BENCH_COMPARE (${COMPARE})`, dist: path.join(COMPARE, 'dist') }] : [])];
  type Times = { health: number[]; ready: number[]; cpu: number[]; worker: number[]; functions: number[] };
  const times = new Map<string, Times>(variants.map((v) => [v.name, { health: [], ready: [], cpu: [], worker: [], functions: [] }]));
  const once = async (v: (typeof variants)[number], counted: boolean) => {
    const start = performance.now();
    const api = spawnEntry('src/api/main.js', env, v.dist);
    const healthy = firstOk(`${base}/api/health`, start, api.child).then((ms) => ({ ms, cpu: cpuOfTree(api.child.pid!) }));
    const [health, ready] = await Promise.all([healthy, firstOk(`${base}/api/ready`, start, api.child)]);
    await api.ready;
    await stop(api.child);
    const worker = spawnEntry('src/workers/main.js', env, v.dist);
    const w = await worker.ready;
    await stop(worker.child);
    const functions = spawnEntry('src/functions/main.js', env, v.dist);
    const f = await functions.ready;
    await stop(functions.child);
    log(`${v.name}${counted ? '' : ' (warm-up, not counted)'}: API health ${ms(health.ms)} (${health.cpu.toFixed(2)} CPU s), ready ${ms(ready)}; worker ${ms(w)}; functions ${ms(f)}`);
    if (!counted) return;
    const t = times.get(v.name)!;
    t.health.push(health.ms);
    t.cpu.push(health.cpu);
    t.ready.push(ready);
    t.worker.push(w);
    t.functions.push(f);
  };
  for (const v of variants) await once(v, false);
  for (let round = 1; round <= ROUNDS; round++) {
    // A B B A: background load that comes and goes falls on both alike.
    for (const v of round % 2 ? variants : [...variants].reverse()) await once(v, true);
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
  out.push(`Start to ready, compiled build, PostgreSQL and Redis already up (${ROUNDS} rounds per build, ${os.availableParallelism()} cores, node ${process.version}):`);
  out.push('');
  out.push('| build | process | median | worst |');
  out.push('| --- | --- | --- | --- |');
  for (const [name, t] of times) {
    out.push(`| ${name} | API: spawn → GET /api/health 200 | ${ms(median(t.health))} | ${ms(Math.max(...t.health))} |`);
    out.push(`| ${name} | API: CPU time (all its processes) until healthy | ${median(t.cpu).toFixed(2)} s | ${Math.max(...t.cpu).toFixed(2)} s |`);
    out.push(`| ${name} | API: spawn → GET /api/ready 200 | ${ms(median(t.ready))} | ${ms(Math.max(...t.ready))} |`);
    out.push(`| ${name} | worker: spawn → ready | ${ms(median(t.worker))} | ${ms(Math.max(...t.worker))} |`);
    out.push(`| ${name} | functions runtime: spawn → ready | ${ms(median(t.functions))} | ${ms(Math.max(...t.functions))} |`);
  }
  out.push(`Load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(', ')} (wall times grow with it; CPU times much less).`);
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
