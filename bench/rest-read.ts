/**
 * Read benchmark for the data API, with a baseline measured in the same run.
 *
 * Starts a private PostgreSQL and Redis, loads bench/fixture.sql, runs Basalt's API and
 * bench/baseline-server.ts (the same SQL on bare node:http + pg), drives both with
 * autocannon over the same request sequences, and prints req/s and latency side by side.
 * See bench/README.md. Tunables: BENCH_DURATION, BENCH_WARMUP (seconds), BENCH_CONNECTIONS, BENCH_CPU_PROF.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, startPostgres, startRedis, type Service } from '../scripts/local-services.ts';
import { migrateControlSchema } from '../src/shared/control/runner.ts';
import type { ScenarioSpec } from './baseline-server.ts';

const root = path.resolve(import.meta.dirname, '..');

function envInt(name: string, def: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

const DURATION = envInt('BENCH_DURATION', 10, 1);
const WARMUP = envInt('BENCH_WARMUP', 2, 0);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 50, 1);
const CORES = os.availableParallelism();
/** A directory for V8 CPU profiles of every server process (written when they exit). */
const CPU_PROF = process.env.BENCH_CPU_PROF || undefined;
const BOOKS = 200_000;

// autocannon ships no types; this is the part of its API used here.
interface AutocannonResult {
  requests: { average: number; total: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}
interface AutocannonInstance {
  stop(): void;
  on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Autocannon = (opts: object, cb: (err: Error | null, r: AutocannonResult) => void) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface Scenario extends ScenarioSpec {
  name: string;
  /** The per-request values, the same list (and order) for both servers. */
  values: number[];
}

/** mulberry32: a seeded PRNG, so every run and both servers see the same sequence. */
function sequence(seed: number, n: number, lo: number, hi: number): number[] {
  let a = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out.push(lo + Math.floor(r * (hi - lo + 1)));
  }
  return out;
}

// Offsets stay ≥ 1 (offset=0 renders different SQL) and small: deep OFFSETs measure
// PostgreSQL skipping rows, not the API.
const SCENARIOS: Scenario[] = [
  { name: 'pk: 1 row by id', resource: 'books', query: 'id=eq.{v}&select=*', values: sequence(1, 65_536, 1, BOOKS) },
  { name: 'page: 100 rows, order=id', resource: 'books', query: 'select=*&order=id&limit=100&offset={v}', values: sequence(2, 65_536, 1, 2_000) },
  { name: 'embed: 20 rows, 2 levels', resource: 'books', query: 'select=id,title,authors(name,publishers(name))&limit=20&offset={v}', values: sequence(3, 65_536, 1, 2_000) },
];

const urlPath = (s: Scenario, v: number) => `/rest/v1/${s.resource}?${s.query.replace('{v}', String(v))}`;

interface RunStats {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** CPU time per request (µs) of the server's processes and of PostgreSQL; NaN off Linux. */
  serverCpuUs: number;
  postgresCpuUs: number;
}

// ---- processes and clean-up ----

const tmp = mkdtempSync(path.join(os.tmpdir(), 'basalt-bench-'));
// PostgreSQL may run as another user (we may be root); it must reach its data dir.
chmodSync(tmp, 0o755);
const services: Service[] = [];
const children: ChildProcess[] = [];
let running: AutocannonInstance | undefined;
let cleaning: Promise<void> | undefined;

/*
 * A detached guard cleans up if this process dies without doing so itself: `tsx` SIGKILLs
 * a child that is slow to acknowledge Ctrl-C (30 ms), which happens on a loaded machine.
 * It learns our processes as "pid signal phase" lines and acts when its stdin closes
 * without a final "done".
 */
const GUARD = `
const procs = []; let done = false; let buf = '';
process.stdin.on('data', (d) => {
  buf += d;
  for (let i; (i = buf.indexOf('\\n')) >= 0; buf = buf.slice(i + 1)) {
    const line = buf.slice(0, i);
    if (line === 'done') done = true;
    else { const [pid, sig, phase] = line.split(' '); procs.push({ pid: Number(pid), sig, phase: Number(phase) }); }
  }
});
process.stdin.on('end', async () => {
  if (done) return;
  const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
  for (const phase of [1, 2]) {
    const ps = procs.filter((p) => p.phase === phase);
    for (const p of ps) try { process.kill(p.pid, p.sig); } catch {}
    const deadline = Date.now() + 15000;
    while (ps.some((p) => alive(p.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const p of ps) if (alive(p.pid)) try { process.kill(p.pid, 'SIGKILL'); } catch {}
  }
  require('node:fs').rmSync(process.argv[1], { recursive: true, force: true });
});`;
const guard = spawn(process.execPath, ['-e', GUARD, tmp], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
guard.unref();
const guardWatch = (pid: number | undefined, signal: NodeJS.Signals, phase: 1 | 2) => {
  if (pid !== undefined) guard.stdin!.write(`${pid} ${signal} ${phase}\n`);
};

function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
    c.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    c.kill('SIGTERM');
  });
}

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    running?.stop();
    await Promise.all(children.map(stopChild));
    for (const s of services.reverse()) await s.stop().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
    guard.stdin!.end('done\n');
  })();
  return cleaning;
}

for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.on(sig, () => {
    // tsx forwards the terminal's signal too, so it can arrive twice.
    if (cleaning) return;
    process.stderr.write(`\n${sig}: shutting down\n`);
    cleanup().finally(() => process.exit(code));
  });
}

function startChild(name: string, entry: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const execArgv = ['--import', 'tsx', ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(CPU_PROF)}`] : [])];
    const child = fork(path.join(root, entry), [], { env, execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    children.push(child);
    guardWatch(child.pid, 'SIGTERM', 1);
    // Server output (logs) goes to stderr, keeping stdout for the results. On Ctrl-C the
    // terminal also stops PostgreSQL under requests in flight; the complaints are noise then.
    const relay = (d: Buffer) => {
      if (!cleaning) process.stderr.write(d);
    };
    child.stdout!.on('data', relay);
    child.stderr!.on('data', relay);
    const t = setTimeout(() => reject(new Error(`${name} did not report ready within 60 s`)), 60_000);
    child.on('message', (m: { ready?: boolean }) => {
      if (m?.ready) {
        clearTimeout(t);
        resolve(child.pid!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      reject(new Error(`${name} exited (code ${code}, signal ${signal})`));
      if (!cleaning) process.stderr.write(`${name} exited unexpectedly (code ${code}, signal ${signal})\n`);
    });
  });
}

// ---- measuring ----

// Throughput alone hides how much of the shared cores each side burns; CPU time per
// request is much less sensitive to what else runs on the machine.
let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
} catch {
  // not fatal: 100 Hz is the Linux default
}

/** user+system CPU seconds of each process subtree rooted at `roots`, from /proc (Linux only). */
function cpuSeconds(roots: Record<string, number | undefined>): Record<string, number> {
  const procs = new Map<number, { ppid: number; ticks: number }>();
  try {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        // The command name may hold spaces; the fields after its closing parenthesis do not.
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        procs.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
      } catch {
        // the process ended while we looked
      }
    }
  } catch {
    return Object.fromEntries(Object.keys(roots).map((k) => [k, NaN]));
  }
  const kids = new Map<number, number[]>();
  for (const [pid, p] of procs) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), pid]);
  const subtree = (pid: number): number => (procs.get(pid)?.ticks ?? 0) + (kids.get(pid) ?? []).reduce((a, c) => a + subtree(c), 0);
  return Object.fromEntries(Object.entries(roots).map(([k, pid]) => [k, pid === undefined || !procs.has(pid) ? NaN : subtree(pid) / clockTicks]));
}

/** Our child process running `command` (the postmaster, redis-server). */
function childPid(command: string): number | undefined {
  try {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === command && ppid === process.pid) return Number(d);
    }
  } catch {
    // not Linux
  }
  return undefined;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** One server's measurement of one scenario, accumulated over its segments. */
class Tally {
  /** Position in the scenario's value sequence: segments continue where the last one stopped. */
  next = 0;
  seconds = 0;
  n = 0;
  lat = new Float64Array(1 << 16);
  serverCpu = 0;
  postgresCpu = 0;

  record(ms: number) {
    if (this.n === this.lat.length) {
      const bigger = new Float64Array(this.lat.length * 2);
      bigger.set(this.lat);
      this.lat = bigger;
    }
    this.lat[this.n++] = ms;
  }

  stats(): RunStats {
    const sorted = this.lat.subarray(0, this.n).sort();
    return {
      rps: this.n / this.seconds,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      requests: this.n,
      serverCpuUs: (this.serverCpu / this.n) * 1e6,
      postgresCpuUs: (this.postgresCpu / this.n) * 1e6,
    };
  }
}

/** Drives `base` for `seconds`; with a tally, the responses, time and CPU count towards it. */
function cannon(base: string, s: Scenario, seconds: number, tally?: Tally, pids: { server?: number; postgres?: number } = {}): Promise<void> {
  const t = tally ?? new Tally();
  const cpu0 = tally ? cpuSeconds(pids) : undefined;
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      {
        url: base,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [
          {
            method: 'GET',
            setupRequest: (req: { path: string }) => {
              req.path = urlPath(s, s.values[t.next++ % s.values.length]);
              return req;
            },
          },
        ],
      },
      (err, r) => {
        running = undefined;
        if (err) return reject(err);
        const bad = r.non2xx + r.errors + r.timeouts;
        if (bad > 0) {
          return reject(new Error(`${base}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts (status counts ${JSON.stringify(r.statusCodeStats)})`));
        }
        if (cpu0) {
          const cpu1 = cpuSeconds(pids);
          t.serverCpu += cpu1.server - cpu0.server;
          t.postgresCpu += cpu1.postgres - cpu0.postgres;
        }
        t.seconds += r.duration;
        resolve();
      },
    );
    // autocannon's own latency histogram has 1 ms resolution; keep the exact times instead.
    if (tally) inst.on('response', (_c, _status, _bytes, ms) => tally.record(ms));
    running = inst;
  });
}

/** The first request of a scenario must give 200 and the same body (and range) on both servers. */
async function checkSame(basalt: string, baseline: string, s: Scenario) {
  const p = urlPath(s, s.values[0]);
  const [a, b] = await Promise.all([fetch(basalt + p), fetch(baseline + p)]);
  const [ab, bb] = await Promise.all([a.text(), b.text()]);
  const problems: string[] = [];
  if (a.status !== 200) problems.push(`Basalt answered ${a.status}: ${ab.slice(0, 300)}`);
  if (b.status !== 200) problems.push(`baseline answered ${b.status}: ${bb.slice(0, 300)}`);
  if (ab !== bb) problems.push(`bodies differ:\n  Basalt:   ${ab.slice(0, 300)}\n  baseline: ${bb.slice(0, 300)}`);
  for (const h of ['content-type', 'content-range']) {
    if (a.headers.get(h) !== b.headers.get(h)) problems.push(`${h} differs: Basalt "${a.headers.get(h)}", baseline "${b.headers.get(h)}"`);
  }
  if (ab.length < 3) problems.push(`empty result for ${p}; the fixture is not loaded as expected`);
  if (problems.length) throw new Error(`scenario "${s.name}" (${p}):\n${problems.join('\n')}`);
}

// ---- output ----

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

const fmt = (n: number, d: number) => n.toFixed(d);

async function main() {
  const started = Date.now();
  const log = (m: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${m}\n`);

  log(`temp dir ${tmp}; starting PostgreSQL and Redis`);
  const pgs = await startPostgres({
    dataDir: path.join(tmp, 'pg'),
    password: 'basalt-bench',
    database: 'basalt_bench',
    logFile: path.join(tmp, 'postgres.log'),
    settings: {
      shared_buffers: '256MB',
      max_connections: '200',
      // Nothing here needs to survive a crash; loading is faster and reads are unaffected.
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
    },
  });
  services.push(pgs);
  // SIGINT is PostgreSQL's fast shutdown.
  guardWatch(childPid('postgres'), 'SIGINT', 2);
  const redis = await startRedis({ dir: path.join(tmp, 'redis'), logFile: path.join(tmp, 'redis.log'), persist: false });
  services.push(redis);
  guardWatch(childPid('redis-server'), 'SIGTERM', 2);

  await migrateControlSchema(pgs.url);
  log('loading bench/fixture.sql');
  const db = new pg.Client({ connectionString: pgs.url });
  await db.connect();
  let pgVersion: string;
  try {
    await db.query(readFileSync(path.join(root, 'bench/fixture.sql'), 'utf8'));
    // VACUUM sets hint bits and the visibility map now rather than during the first run.
    await db.query('VACUUM (ANALYZE) bench.publishers, bench.authors, bench.books');
    pgVersion = (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
  } finally {
    await db.end();
  }

  const [apiPort, basePort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: pgs.url,
    REDIS_URL: redis.url,
    HOST: '127.0.0.1',
    JWT_SECRET: 'bench-secret-that-is-at-least-32-characters-long',
    ADMIN_PASSWORD: 'bench-admin-password',
    WEB_CONCURRENCY: String(CORES),
    DB_SCHEMAS: 'bench',
    LOG_LEVEL: 'warn',
  };
  log(`starting Basalt and the baseline, ${CORES} process(es) each`);
  const [apiPid, basePid] = await Promise.all([
    startChild('Basalt API', 'src/api/main.ts', { ...env, PORT: String(apiPort) }),
    startChild('baseline', 'bench/baseline-server.ts', {
      ...env,
      PORT: String(basePort),
      BENCH_SCENARIOS: JSON.stringify(SCENARIOS.map(({ resource, query }) => ({ resource, query }))),
    }),
  ]);
  const basalt = `http://127.0.0.1:${apiPort}`;
  const baseline = `http://127.0.0.1:${basePort}`;
  const pgPid = childPid('postgres');
  for (const s of SCENARIOS) await checkSame(basalt, baseline, s);
  // Sampled while both servers idle: anything else running skews every number.
  const loadBefore = os.loadavg()[0];

  const results: Array<{ scenario: string; example: string; basalt: RunStats; baseline: RunStats; ratio: number }> = [];
  for (const s of SCENARIOS) {
    if (WARMUP > 0) {
      log(`${s.name}: warming up both, ${WARMUP} s each`);
      await cannon(basalt, s, WARMUP);
      await cannon(baseline, s, WARMUP);
    }
    // Two halves in A B B A order, so load that comes and goes (and drift over the run)
    // falls on both servers alike.
    const a = new Tally();
    const b = new Tally();
    const half = DURATION / 2;
    log(`${s.name}: ${DURATION} s per server (halves, A B B A), ${CONNECTIONS} connections`);
    await cannon(basalt, s, half, a, { server: apiPid, postgres: pgPid });
    await cannon(baseline, s, half, b, { server: basePid, postgres: pgPid });
    await cannon(baseline, s, half, b, { server: basePid, postgres: pgPid });
    await cannon(basalt, s, half, a, { server: apiPid, postgres: pgPid });
    const sa = a.stats();
    const sb = b.stats();
    results.push({ scenario: s.name, example: urlPath(s, s.values[0]), basalt: sa, baseline: sb, ratio: sa.rps / sb.rps });
  }

  const machine = {
    cores: CORES,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    postgres: pgVersion,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverageBefore: Math.round(loadBefore * 100) / 100,
  };
  const settings = { durationSeconds: DURATION, warmupSeconds: WARMUP, connections: CONNECTIONS, webConcurrency: CORES };

  const rows = [
    ['scenario', 'Basalt req/s', 'p50 ms', 'p99 ms', 'baseline req/s', 'p50 ms', 'p99 ms', 'ratio'],
    ...results.map((r) => [
      r.scenario,
      fmt(r.basalt.rps, 0), fmt(r.basalt.p50, 2), fmt(r.basalt.p99, 2),
      fmt(r.baseline.rps, 0), fmt(r.baseline.p50, 2), fmt(r.baseline.p99, 2),
      `${fmt(r.ratio * 100, 0)}%`,
    ]),
  ];
  console.log(
    `\nmachine: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, PostgreSQL ${machine.postgres}, ${machine.platform}` +
      `\nrun: ${CONNECTIONS} connections, ${DURATION} s per server and scenario after ${WARMUP} s warm-up; ${CORES} web process(es) per server; load generator on the same machine` +
      `\nload average before measuring: ${loadBefore.toFixed(2)}${loadBefore > CORES / 2 ? ' — the machine was busy with other work; expect noisy numbers' : ''}\n`,
  );
  console.log(table(rows));
  console.log('\nCPU time per request, µs (server = all its processes; PostgreSQL = all backends):\n');
  console.log(
    table([
      ['scenario', 'Basalt server', 'PostgreSQL', 'baseline server', 'PostgreSQL', 'Basalt extra'],
      ...results.map((r) => [
        r.scenario,
        fmt(r.basalt.serverCpuUs, 0), fmt(r.basalt.postgresCpuUs, 0),
        fmt(r.baseline.serverCpuUs, 0), fmt(r.baseline.postgresCpuUs, 0),
        fmt(r.basalt.serverCpuUs - r.baseline.serverCpuUs, 0),
      ]),
    ]),
  );
  console.log('\nratio = Basalt req/s ÷ baseline req/s (the baseline runs the same SQL without Basalt\'s HTTP/parse/plan/render layers)');

  const outDir = path.join(root, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const outFile = path.join(outDir, 'latest.json');
  const round = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1000) / 1000 : v);
  writeFileSync(outFile, JSON.stringify({ date: new Date().toISOString(), machine, settings, results }, round, 2) + '\n');
  console.log(`results written to ${path.relative(process.cwd(), outFile) || outFile}`);
  log('done; shutting down');
}

main()
  .then(() => cleanup())
  .catch(async (e) => {
    process.stderr.write(`\nbench failed: ${(e as Error).stack ?? e}\n`);
    await cleanup();
    process.exit(1);
  });
