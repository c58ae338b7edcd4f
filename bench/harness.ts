/**
 * What the data-API benchmarks (bench/rest-read.ts, bench/rest-write.ts) share: settings
 * from the environment, a private PostgreSQL and Redis with bench/fixture.sql loaded,
 * Basalt and bench/baseline-server.ts side by side (one web process per core each),
 * autocannon runs in A B B A order with exact latency percentiles and CPU per request
 * from /proc, the result tables, and a clean shutdown on exit, Ctrl-C or error (with a
 * detached guard for when this process is killed outright).
 *
 * Importing this module starts nothing; `runBench` does.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, startPostgres, startRedis, type Service } from '../scripts/local-services.ts';
import { migrateControlSchema } from '../src/shared/control/runner.ts';
import type { ScenarioSpec } from './baseline-server.ts';

export const root = path.resolve(import.meta.dirname, '..');

export function envInt(name: string, def: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

export const DURATION = envInt('BENCH_DURATION', 10, 1);
export const WARMUP = envInt('BENCH_WARMUP', 2, 0);
export const CONNECTIONS = envInt('BENCH_CONNECTIONS', 50, 1);
export const CORES = os.availableParallelism();
/** A directory for V8 CPU profiles of every server process (written when they exit). */
export const CPU_PROF = process.env.BENCH_CPU_PROF || undefined;
/** Servers run as production runs them: compiled (npm run build), with the Procfile's flags. BENCH_SOURCE=ts runs the sources through tsx. */
const COMPILED = process.env.BENCH_SOURCE !== 'ts';
/** Node flags of each server as production starts it (Procfile); the baseline is plain node. */
const PRODUCTION_FLAGS: Record<string, string[]> =
  JSON.parse(process.env.BENCH_FLAGS ?? 'null') ?? { 'src/api/main.ts': ['--max-semi-space-size=4'], 'src/workers/main.ts': ['--max-semi-space-size=4'] };

/**
 * How a bench starts a Basalt process: the compiled build with the Procfile's flags (built
 * first when stale), or the sources through tsx with BENCH_SOURCE=ts; with --cpu-prof under BENCH_CPU_PROF.
 */
export function serverCommand(entry: string): { file: string; execArgv: string[] } {
  const prof = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(CPU_PROF)}`] : [];
  if (!COMPILED) return { file: path.join(root, entry), execArgv: ['--import', 'tsx', ...prof] };
  return { file: path.join(root, 'dist', entry.replace(/\.ts$/, '.js')), execArgv: [...(PRODUCTION_FLAGS[entry] ?? []), ...prof] };
}

/** Builds dist/ when a source changed since (a no-op for BENCH_SOURCE=ts). */
export function buildIfStale(): void {
  if (COMPILED) execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit' });
}


// ---- autocannon (it ships no types; this is the part of its API used here) ----

/** One autocannon request template; `setupRequest` may rewrite it before each send. */
export interface LoadRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  setupRequest?: (req: { path: string; body?: string | Buffer }) => { path: string; body?: string | Buffer };
}
interface AutocannonResult {
  requests: { average: number; total: number; sent: number };
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

// ---- measuring ----

export interface RunStats {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** CPU time per request (µs) of the server's processes and of PostgreSQL; NaN off Linux. */
  serverCpuUs: number;
  postgresCpuUs: number;
}

/** What one or more runs did: 2xx responses, and requests written (an upper bound: it includes any still unanswered when a run stopped). */
export interface RunCounts {
  ok: number;
  sent: number;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The measured responses of one server in one scenario, over all its segments. */
export class Tally {
  /** Position in the scenario's value sequence: segments continue where the last one stopped. */
  next = 0;
  seconds = 0;
  n = 0;
  lat = new Float64Array(1 << 16);
  serverCpu = 0;
  postgresCpu = 0;
  /** The requests the CPU time above was spent on (see Bench.cannon). */
  cpuRequests = 0;

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
      serverCpuUs: (this.serverCpu / this.cpuRequests) * 1e6,
      postgresCpuUs: (this.postgresCpu / this.cpuRequests) * 1e6,
    };
  }
}

// Throughput alone hides how much of the shared cores each side burns; CPU time per
// request is much less sensitive to what else runs on the machine.
let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
} catch {
  // not fatal: 100 Hz is the Linux default
}

/** One process as /proc/<pid>/stat shows it: its parent, CPU ticks (its own, and its reaped children's), resident pages. */
export interface ProcStat {
  ppid: number;
  ticks: number;
  childTicks: number;
  rssPages: number;
}

/** Every process's /proc/<pid>/stat, read once (Linux only; empty elsewhere). */
export function procStats(): Map<number, ProcStat> {
  const procs = new Map<number, ProcStat>();
  let dirs: string[];
  try {
    dirs = readdirSync('/proc');
  } catch {
    return procs;
  }
  for (const d of dirs) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // The command name may hold spaces; the fields after its closing parenthesis do not.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 4 (ppid), 14-17 (utime stime cutime cstime) and 24 (rss) of proc(5).
      procs.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), childTicks: Number(f[13]) + Number(f[14]), rssPages: Number(f[21]) });
    } catch {
      // the process ended while we looked
    }
  }
  return procs;
}

/** `root` and its descendants in `procs`, root first. */
export function subtreeOf(procs: Map<number, ProcStat>, root: number): number[] {
  const kids = new Map<number, number[]>();
  for (const [pid, p] of procs) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), pid]);
  const out: number[] = [];
  const walk = (pid: number) => (out.push(pid), (kids.get(pid) ?? []).sort((a, b) => a - b).forEach(walk));
  if (procs.has(root)) walk(root);
  return out;
}

/** CPU ticks per second, for the ticks procStats reports. */
export const ticksPerSecond = () => clockTicks;

/** user+system CPU seconds of each process subtree rooted at `roots`, from /proc (Linux only). */
export function cpuSeconds(roots: Record<string, number | undefined>): Record<string, number> {
  const procs = procStats();
  const sum = (root: number) => subtreeOf(procs, root).reduce((a, pid) => a + procs.get(pid)!.ticks, 0);
  return Object.fromEntries(Object.entries(roots).map(([k, pid]) => [k, pid === undefined || !procs.has(pid) ? NaN : sum(pid) / clockTicks]));
}

/** Resident memory (MB) of each process in the subtree rooted at `root`, root first (Linux only). */
export function residentMb(root: number | undefined): number[] {
  if (root === undefined) return [];
  const procs = procStats();
  return subtreeOf(procs, root).map((pid) => Math.round((procs.get(pid)!.rssPages * 4096) / 2 ** 20));
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

// ---- output ----

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export const fmt = (n: number, d: number) => n.toFixed(d);

export interface ScenarioResult {
  scenario: string;
  example: string;
  basalt: RunStats;
  baseline: RunStats;
  ratio: number;
  [more: string]: unknown;
}

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

/** The two servers under test, once both are ready. */
export interface Servers {
  basalt: string;
  baseline: string;
  basaltPid: number;
  baselinePid: number;
  postgresPid: number | undefined;
}

/** One benchmark run: its temp dir, services, servers and clean-up. Create it through runBench. */
export class Bench {
  readonly started = Date.now();
  readonly tmp = mkdtempSync(path.join(os.tmpdir(), 'basalt-bench-'));
  private readonly services: Service[] = [];
  private readonly children: ChildProcess[] = [];
  private readonly guard: ChildProcess;
  private running: AutocannonInstance | undefined;
  private cleaning: Promise<void> | undefined;
  /** Set by startDatabase. */
  databaseUrl = '';
  redisUrl = '';
  postgresVersion = '';

  constructor() {
    // PostgreSQL may run as another user (we may be root); it must reach its data dir.
    chmodSync(this.tmp, 0o755);
    this.guard = spawn(process.execPath, ['-e', GUARD, this.tmp], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    this.guard.unref();
    for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      process.on(sig, () => {
        // tsx forwards the terminal's signal too, so it can arrive twice.
        if (this.cleaning) return;
        process.stderr.write(`\n${sig}: shutting down\n`);
        this.cleanup().finally(() => process.exit(code));
      });
    }
  }

  get stopping(): boolean {
    return this.cleaning !== undefined;
  }

  log(m: string) {
    process.stderr.write(`[${((Date.now() - this.started) / 1000).toFixed(1)}s] ${m}\n`);
  }

  private guardWatch(pid: number | undefined, signal: NodeJS.Signals, phase: 1 | 2) {
    if (pid !== undefined) this.guard.stdin!.write(`${pid} ${signal} ${phase}\n`);
  }

  cleanup(): Promise<void> {
    this.cleaning ??= (async () => {
      this.running?.stop();
      await Promise.all(this.children.map(stopChild));
      for (const s of this.services.reverse()) await s.stop().catch(() => {});
      rmSync(this.tmp, { recursive: true, force: true });
      this.guard.stdin!.end('done\n');
    })();
    return this.cleaning;
  }

  /** Private PostgreSQL and Redis, the control schema, and bench/fixture.sql, vacuumed. */
  async startDatabase(): Promise<void> {
    this.log(`temp dir ${this.tmp}; starting PostgreSQL and Redis`);
    const pgs = await startPostgres({
      dataDir: path.join(this.tmp, 'pg'),
      password: 'basalt-bench',
      database: 'basalt_bench',
      logFile: path.join(this.tmp, 'postgres.log'),
      settings: {
        shared_buffers: '256MB',
        max_connections: '200',
        // Nothing here needs to survive a crash: loading and commits are faster, reads unaffected.
        fsync: 'off',
        synchronous_commit: 'off',
        full_page_writes: 'off',
      },
    });
    this.services.push(pgs);
    // SIGINT is PostgreSQL's fast shutdown.
    this.guardWatch(childPid('postgres'), 'SIGINT', 2);
    const redis = await startRedis({ dir: path.join(this.tmp, 'redis'), logFile: path.join(this.tmp, 'redis.log'), persist: false });
    this.services.push(redis);
    this.guardWatch(childPid('redis-server'), 'SIGTERM', 2);
    this.databaseUrl = pgs.url;
    this.redisUrl = redis.url;

    await migrateControlSchema(pgs.url);
    this.log('loading bench/fixture.sql');
    await this.withDb(async (db) => {
      await db.query(readFileSync(path.join(root, 'bench/fixture.sql'), 'utf8'));
      // VACUUM sets hint bits and the visibility map now rather than during the first run.
      await db.query('VACUUM (ANALYZE) bench.publishers, bench.authors, bench.books, bench.events');
      this.postgresVersion = (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
    });
  }

  /** A short-lived superuser connection to the bench database. */
  async withDb<T>(fn: (db: pg.Client) => Promise<T>): Promise<T> {
    const db = new pg.Client({ connectionString: this.databaseUrl });
    await db.connect();
    try {
      return await fn(db);
    } finally {
      await db.end();
    }
  }

  private startChild(name: string, entry: string, env: NodeJS.ProcessEnv): Promise<number> {
    return new Promise((resolve, reject) => {
      const { file, execArgv } = serverCommand(entry);
      const child = fork(file, [], { env, execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
      this.children.push(child);
      this.guardWatch(child.pid, 'SIGTERM', 1);
      // Server output (logs) goes to stderr, keeping stdout for the results. On Ctrl-C the
      // terminal also stops PostgreSQL under requests in flight; the complaints are noise then.
      const relay = (d: Buffer) => {
        if (!this.cleaning) process.stderr.write(d);
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
        if (!this.cleaning) process.stderr.write(`${name} exited unexpectedly (code ${code}, signal ${signal})\n`);
      });
    });
  }

  /** Basalt (src/api/main.ts) and bench/baseline-server.ts serving `scenarios`, CORES processes each. */
  async startServers(scenarios: ScenarioSpec[]): Promise<Servers> {
    const [apiPort, basePort] = [await freePort(), await freePort()];
    // Without DB_REST_URL every web process runs ALTER ROLE authenticator at start-up; run
    // side by side, some fail ("tuple concurrently updated") and that process's data API
    // then connects as the superuser. Enable the login once, here, so that every process
    // of both servers connects as authenticator.
    const restPassword = randomBytes(16).toString('hex');
    await this.withDb((db) => db.query(`ALTER ROLE authenticator WITH LOGIN NOINHERIT PASSWORD '${restPassword}'`));
    const restUrl = new URL(this.databaseUrl);
    restUrl.username = 'authenticator';
    restUrl.password = restPassword;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: this.databaseUrl,
      DB_REST_URL: restUrl.toString(),
      REDIS_URL: this.redisUrl,
      HOST: '127.0.0.1',
      JWT_SECRET: 'bench-secret-that-is-at-least-32-characters-long',
      ADMIN_PASSWORD: 'bench-admin-password',
      WEB_CONCURRENCY: String(CORES),
      DB_SCHEMAS: 'bench',
      LOG_LEVEL: 'warn',
    };
    buildIfStale();
    this.log(`starting Basalt and the baseline, ${CORES} process(es) each${COMPILED ? ', compiled (dist/)' : ', through tsx'}`);
    const [basaltPid, baselinePid] = await Promise.all([
      this.startChild('Basalt API', 'src/api/main.ts', { ...env, PORT: String(apiPort) }),
      this.startChild('baseline', 'bench/baseline-server.ts', { ...env, PORT: String(basePort), BENCH_SCENARIOS: JSON.stringify(scenarios) }),
    ]);
    return {
      basalt: `http://127.0.0.1:${apiPort}`,
      baseline: `http://127.0.0.1:${basePort}`,
      basaltPid,
      baselinePid,
      postgresPid: childPid('postgres'),
    };
  }

  /**
   * Drives `base` for `seconds` with the requests `requests(t)` describes; with a tally,
   * the responses, time and CPU count towards it. Any non-2xx answer, socket error or
   * timeout fails the run.
   *
   * CPU time: without `settle`, from start to the moment autocannon stops, per answered
   * request. With `settle` (which must return once the servers are idle again), until
   * it returns, per request sent: the servers then finish the requests autocannon cut
   * off (one per connection at most), and their whole cost is counted, not a fraction.
   */
  async cannon(
    base: string,
    requests: (t: Tally) => LoadRequest[],
    seconds: number,
    tally?: Tally,
    pids: { server?: number; postgres?: number } = {},
    settle?: () => Promise<void>,
  ): Promise<RunCounts> {
    const t = tally ?? new Tally();
    const cpu0 = tally ? cpuSeconds(pids) : undefined;
    let ok = 0;
    const counts = await new Promise<RunCounts>((resolve, reject) => {
      const inst = autocannon({ url: base, connections: CONNECTIONS, duration: seconds, requests: requests(t) }, (err, r) => {
        this.running = undefined;
        if (err) return reject(err);
        const bad = r.non2xx + r.errors + r.timeouts;
        if (bad > 0) {
          return reject(new Error(`${base}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts (status counts ${JSON.stringify(r.statusCodeStats)})`));
        }
        t.seconds += r.duration;
        if (cpu0 && !settle) {
          const cpu1 = cpuSeconds(pids);
          t.serverCpu += cpu1.server - cpu0.server;
          t.postgresCpu += cpu1.postgres - cpu0.postgres;
          t.cpuRequests += ok;
        }
        resolve({ ok, sent: r.requests.sent });
      });
      // autocannon's own latency histogram has 1 ms resolution; keep the exact times instead.
      inst.on('response', (_c, status, _bytes, ms) => {
        if (status >= 200 && status < 300) ok++;
        if (tally) tally.record(ms);
      });
      this.running = inst;
    });
    if (settle) {
      await settle();
      if (cpu0) {
        const cpu1 = cpuSeconds(pids);
        t.serverCpu += cpu1.server - cpu0.server;
        t.postgresCpu += cpu1.postgres - cpu0.postgres;
        t.cpuRequests += counts.sent;
      }
    }
    return counts;
  }

  /**
   * One scenario against both servers: a warm-up against each, then DURATION seconds per
   * server in two halves in A B B A order (Basalt, baseline, baseline, Basalt), so load
   * that comes and goes (and drift over the run) falls on both alike. The counts cover
   * every run, warm-ups included. `settle`, when given, runs after every run: a server
   * keeps working on the requests autocannon cut off when it stopped (up to one per
   * connection), and that tail should not overlap the next run.
   */
  async measure(
    name: string,
    servers: Servers,
    requests: (t: Tally) => LoadRequest[],
    settle?: () => Promise<void>,
  ): Promise<{ basalt: RunStats; baseline: RunStats; counts: RunCounts }> {
    const counts: RunCounts = { ok: 0, sent: 0 };
    const add = (c: RunCounts) => {
      counts.ok += c.ok;
      counts.sent += c.sent;
    };
    if (WARMUP > 0) {
      this.log(`${name}: warming up both, ${WARMUP} s each`);
      add(await this.cannon(servers.basalt, requests, WARMUP, undefined, {}, settle));
      add(await this.cannon(servers.baseline, requests, WARMUP, undefined, {}, settle));
    }
    const a = new Tally();
    const b = new Tally();
    const half = DURATION / 2;
    const pa = { server: servers.basaltPid, postgres: servers.postgresPid };
    const pb = { server: servers.baselinePid, postgres: servers.postgresPid };
    this.log(`${name}: ${DURATION} s per server (halves, A B B A), ${CONNECTIONS} connections`);
    add(await this.cannon(servers.basalt, requests, half, a, pa, settle));
    add(await this.cannon(servers.baseline, requests, half, b, pb, settle));
    add(await this.cannon(servers.baseline, requests, half, b, pb, settle));
    add(await this.cannon(servers.basalt, requests, half, a, pa, settle));
    return { basalt: a.stats(), baseline: b.stats(), counts };
  }

  /** Prints the two tables (throughput/latency, CPU per request) and writes bench/results/<file>. */
  report(results: ScenarioResult[], loadBefore: number, file: string, opts: { notes?: string[] } = {}) {
    const machine = {
      cores: CORES,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      postgres: this.postgresVersion,
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      loadAverageBefore: Math.round(loadBefore * 100) / 100,
    };
    const settings = { durationSeconds: DURATION, warmupSeconds: WARMUP, connections: CONNECTIONS, webConcurrency: CORES };
    console.log(
      `\nmachine: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, PostgreSQL ${machine.postgres}, ${machine.platform}` +
        `\nrun: ${CONNECTIONS} connections, ${DURATION} s per server and scenario after ${WARMUP} s warm-up; ${CORES} web process(es) per server; load generator on the same machine` +
        `\nload average before measuring: ${loadBefore.toFixed(2)}${loadBefore > CORES / 2 ? ' — the machine was busy with other work; expect noisy numbers' : ''}\n`,
    );
    console.log(
      table([
        ['scenario', 'Basalt req/s', 'p50 ms', 'p99 ms', 'baseline req/s', 'p50 ms', 'p99 ms', 'ratio'],
        ...results.map((r) => [
          r.scenario,
          fmt(r.basalt.rps, 0), fmt(r.basalt.p50, 2), fmt(r.basalt.p99, 2),
          fmt(r.baseline.rps, 0), fmt(r.baseline.p50, 2), fmt(r.baseline.p99, 2),
          `${fmt(r.ratio * 100, 0)}%`,
        ]),
      ]),
    );
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
    for (const n of opts.notes ?? []) console.log(n);
    console.log('\nratio = Basalt req/s ÷ baseline req/s (the baseline runs the same SQL without Basalt\'s HTTP/parse/plan/render layers)');

    const outDir = path.join(root, 'bench/results');
    mkdirSync(outDir, { recursive: true });
    const outFile = path.join(outDir, file);
    const round = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1000) / 1000 : v);
    writeFileSync(outFile, JSON.stringify({ date: new Date().toISOString(), machine, settings, results }, round, 2) + '\n');
    console.log(`results written to ${path.relative(process.cwd(), outFile) || outFile}`);
  }
}

/** Runs a benchmark's `main` and always cleans up after it; exits 1 on failure. */
export function runBench(main: (b: Bench) => Promise<void>): void {
  const bench = new Bench();
  main(bench)
    .then(async () => {
      bench.log('done; shutting down');
      await bench.cleanup();
    })
    .catch(async (e) => {
      process.stderr.write(`\nbench failed: ${(e as Error).stack ?? e}\n`);
      await bench.cleanup();
      process.exit(1);
    });
}
