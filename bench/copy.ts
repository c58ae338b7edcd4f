/**
 * COPY throughput through Basalt's job API against psql's \copy, in one run:
 *
 *  1. export: 1 M rows (~100 bytes each) via POST /api/database/advance/export
 *     (format sql = COPY text, Prefer: respond-async), then at once GET
 *     /api/jobs/:id/result?follow=true (streamed while the worker writes) with curl,
 *     request to last byte; vs `psql -c "\copy bench_copy to stdout" > /dev/null`.
 *     Twice: curl --compressed (takes the stored brotli; the headline figure) and plain
 *     curl (the API decodes). Each run logs CPU seconds by process.
 *  2. bulk upsert: the same 1 M rows shifted by half (500 000 conflict, 500 000 new),
 *     CSV, via POST /api/database/advance/bulk-upsert (upload with curl -F included); vs psql:
 *     \copy into a temp staging table + one INSERT … ON CONFLICT DO UPDATE, one transaction.
 *  3. peak RSS of the API processes and the worker (VmHWM, and VmRSS sampled every 100 ms).
 *
 * The API and worker run compiled with the Procfile's flags, as npm start runs them
 * (BENCH_SOURCE=ts: the sources through tsx). ARTIFACT_STORE is fs (files in the temp dir), as
 * under npm start; BENCH_ARTIFACT_STORE=postgres measures the chunk store. The export runs once
 * each untimed (warm-up), then BENCH_COPY_ROUNDS (3) rounds of A B B A; the upsert one round
 * of A B B A (Basalt, psql, psql, Basalt); the table is reset
 * and vacuumed before every upsert. Starts its own PostgreSQL and Redis in a temp dir
 * and removes everything at the end. Writes bench/results/copy.json.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, startPostgres, startRedis, type Service } from '../scripts/local-services.ts';
import { migrateControlSchema } from '../src/shared/control/runner.ts';
import { buildIfStale, fmt, procStats, root, serverCommand, subtreeOf, table, ticksPerSecond } from './harness.ts';

const ROWS = 1_000_000;
/** BENCH_COPY_ONLY=export|upsert runs one half (while working on it); the report then shows only that half. */
const ONLY = process.env.BENCH_COPY_ONLY;
/** Rounds of the export's A B B A sequence: this machine's run-to-run spread is ±15 %, so one round decides little. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_COPY_ROUNDS ?? 3));
const ADMIN = { user: 'admin', password: 'bench-admin-password' };
const auth = 'Basic ' + Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64');
const started = Date.now();
const log = (m: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${m}\n`);

const tmp = mkdtempSync(path.join(os.tmpdir(), 'basalt-bench-copy-'));
chmodSync(tmp, 0o755);
const services: Service[] = [];
const children: ChildProcess[] = [];

async function cleanup() {
  await Promise.all(
    children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise<void>((r) => (c.once('exit', () => r()), c.kill('SIGTERM'))))),
  );
  for (const s of services.reverse()) await s.stop().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void cleanup().finally(() => process.exit(130)));

function startChild(name: string, entry: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const { file, execArgv } = serverCommand(entry);
    const child = fork(file, [], { env, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    const t = setTimeout(() => reject(new Error(`${name} not ready in 60 s`)), 60_000);
    child.on('message', (m: { ready?: boolean }) => m?.ready && (clearTimeout(t), resolve(child)));
    child.once('exit', (code) => reject(new Error(`${name} exited (code ${code})`)));
  });
}

// ---- memory: VmHWM / VmRSS of a process and its descendants ----

const tree = (pid: number) => subtreeOf(procStats(), pid);
function memKb(pid: number): { rss: number; hwm: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
    return { rss: get('VmRSS'), hwm: get('VmHWM') };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}
/** CPU seconds used by a process tree so far: live processes, plus what the root reaped (exited backends). */
function cpuSeconds(pid: number, rootOnly = false): number {
  const procs = procStats();
  const root = procs.get(pid);
  if (!root) return 0;
  const ticks = (rootOnly ? [pid] : subtreeOf(procs, pid)).reduce((a, p) => a + procs.get(p)!.ticks, 0) + root.childTicks;
  return ticks / ticksPerSecond();
}
/** Peak per process (MB) of a subtree: max of sampled VmRSS and of VmHWM. */
class MemWatch {
  peak = 0;
  private timer: NodeJS.Timeout;
  constructor(private readonly root: number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
  }
  sample() {
    for (const p of tree(this.root)) {
      const m = memKb(p);
      this.peak = Math.max(this.peak, m.rss / 1024, m.hwm / 1024);
    }
  }
  stop() {
    this.sample();
    clearInterval(this.timer);
  }
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { env, maxBuffer: 16 << 20 }, (err, _out, stderr) => (err ? reject(new Error(`${cmd} failed: ${stderr || err.message}`)) : resolve())),
  );
}

async function main() {
  log(`temp dir ${tmp}; starting PostgreSQL and Redis`);
  const pgs = await startPostgres({
    dataDir: path.join(tmp, 'pg'),
    password: 'basalt-bench',
    database: 'basalt_bench',
    logFile: path.join(tmp, 'postgres.log'),
    settings: { shared_buffers: '256MB', max_connections: '100', fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_wal_size: '4GB' },
  });
  services.push(pgs);
  const redis = await startRedis({ dir: path.join(tmp, 'redis'), logFile: path.join(tmp, 'redis.log'), persist: false });
  services.push(redis);
  await migrateControlSchema(pgs.url);
  const db = new pg.Client({ connectionString: pgs.url });
  await db.connect();
  const pgVersion = (await db.query("SELECT current_setting('server_version') AS v")).rows[0].v as string;

  log(`creating bench_copy with ${ROWS} rows`);
  const fill = (from: number, to: number, tag: string) =>
    `SELECT i AS id, 'user ' || i AS name, 'user' || i || '@example.com' AS email, ${tag === 'new' ? 'i % 997' : 'i % 1000'} AS score,
            md5(i::text || '${tag}') AS token, timestamptz '2024-01-01' + i * interval '1 second' AS created
       FROM generate_series(${from}, ${to}) i`;
  await db.query(`CREATE TABLE public.bench_copy (id int PRIMARY KEY, name text NOT NULL, email text, score int, token text, created timestamptz)`);
  await db.query(`INSERT INTO public.bench_copy ${fill(1, ROWS, 'old')}`);
  await db.query('VACUUM (ANALYZE) public.bench_copy');
  const width = (await db.query(`SELECT avg(length(t::text))::int AS w FROM (SELECT * FROM public.bench_copy LIMIT 10000) t`)).rows[0].w as number;

  // The upsert file: ids ROWS/2+1 … ROWS*3/2, so half of them conflict.
  const csvPath = path.join(tmp, 'upsert.csv');
  await db.query(`CREATE TABLE public.upsert_src AS ${fill(ROWS / 2 + 1, (ROWS * 3) / 2, 'new')}`);
  await run('psql', ['-X', '-q', pgs.url, '-c', `\\copy (SELECT * FROM public.upsert_src) to '${csvPath}' with (format csv, header)`]);
  await db.query('DROP TABLE public.upsert_src');
  const csvFile = csvPath;
  const csvBytes = statSync(csvFile).size;

  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: pgs.url,
    REDIS_URL: redis.url,
    HOST: '127.0.0.1',
    PORT: String(port),
    JWT_SECRET: 'bench-secret-that-is-at-least-32-characters-long',
    ADMIN_USER: ADMIN.user,
    ADMIN_PASSWORD: ADMIN.password,
    WEB_CONCURRENCY: '1',
    WORKER_CONCURRENCY: '1',
    LOG_LEVEL: 'warn',
    // As npm start runs it (files in a local directory), unless BENCH_ARTIFACT_STORE=postgres.
    ...(process.env.BENCH_ARTIFACT_STORE === 'postgres' ? { ARTIFACT_STORE: 'postgres' } : { ARTIFACT_STORE: 'fs', ARTIFACT_DIR: path.join(tmp, 'artifacts') }),
  };
  buildIfStale();
  log('starting Basalt API and worker (compiled, as the Procfile runs them; BENCH_SOURCE=ts for the sources)');
  const [api, worker] = await Promise.all([startChild('API', 'src/api/main.ts', env), startChild('worker', 'src/workers/main.ts', env)]);
  const apiMem = new MemWatch(api.pid!);
  const workerMem = new MemWatch(worker.pid!);
  log(`RSS at start: API ${fmt(apiMem.peak, 0)} MB, worker ${fmt(workerMem.peak, 0)} MB`);
  const base = `http://127.0.0.1:${port}`;
  const pgPid = Number(readFileSync(path.join(tmp, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  // CPU seconds by part, between two calls: where an export's time goes on this machine.
  const cpuNow = () => ({ pg: cpuSeconds(pgPid), api: cpuSeconds(api.pid!), worker: cpuSeconds(worker.pid!), client: cpuSeconds(process.pid, true) });
  // PostgreSQL's share by backend (application_name, or the background process type).
  const backends = async () => {
    const { rows } = await db.query<{ pid: number; who: string }>(`SELECT pid, coalesce(nullif(application_name, ''), backend_type) AS who FROM pg_stat_activity`);
    return new Map(rows.map((r) => [r.pid, { who: r.who, cpu: cpuSeconds(r.pid, true) }]));
  };
  const backendsSince = async (before: Map<number, { who: string; cpu: number }>) => {
    const sums = new Map<string, number>();
    for (const [pid, b] of await backends()) sums.set(b.who, (sums.get(b.who) ?? 0) + b.cpu - (before.get(pid)?.cpu ?? 0));
    return [...sums].filter(([, v]) => v >= 0.01).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
  };
  const cpuSince = (a: ReturnType<typeof cpuNow>) => {
    const b = cpuNow();
    return `CPU s: PostgreSQL ${(b.pg - a.pg).toFixed(2)}, API ${(b.api - a.api).toFixed(2)}, worker ${(b.worker - a.worker).toFixed(2)}, client ${(b.client - a.client).toFixed(2)}`;
  };

  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const jobMs = (s: { startedAt: string; finishedAt: string }) => Date.parse(s.finishedAt) - Date.parse(s.startedAt);
  const waitJob = async (location: string) => {
    for (;;) {
      const s = await (await fetch(base + location, { headers: { Authorization: auth } })).json();
      if (s.state === 'completed') return s;
      if (s.state === 'failed' || s.state === 'cancelled') throw new Error(`job ${location} ${s.state}: ${s.error}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  // ---- export ----
  // What a client of a big export does: enqueue (respond-async), then at once GET the
  // result with ?follow=true, which streams chunks as the worker commits them. Timed
  // from the POST to the last byte.
  const apiExport = async (encoded: boolean) => {
    const pg0 = process.env.BENCH_PG_CPU ? await backends() : undefined;
    const cpu0 = cpuNow();
    const t0 = performance.now();
    const res = await fetch(`${base}/api/database/advance/export`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/json', Prefer: 'respond-async' },
      body: JSON.stringify({ tables: ['bench_copy'], format: 'sql' }),
    });
    if (res.status !== 202) throw new Error(`export answered ${res.status}: ${await res.text()}`);
    const location = res.headers.get('location')!;
    const t1 = performance.now();
    // curl, as psql: a C client on each side. With the file store both get the stored bytes as
    // they are; with the chunk store --compressed takes the stored brotli, and without it the
    // API decodes. wc counts the decoded bytes.
    const compressed = encoded ? '--compressed' : '';
    const counted = await new Promise<string>((resolve, reject) =>
      execFile(
        'bash',
        ['-o', 'pipefail', '-c', `curl -sS --fail-with-body ${compressed} -H "Authorization: $AUTH" "$URL" | wc -c`],
        { env: { ...process.env, AUTH: auth, URL: `${base}${location}/result?follow=true` } },
        (err, out, stderr) => (err ? reject(new Error(`curl failed: ${stderr || out || err.message}`)) : resolve(out)),
      ),
    );
    const bytes = Number(counted.trim());
    const t3 = performance.now();
    const s = await waitJob(location);
    if (s.result.rows !== ROWS) throw new Error(`export wrote ${s.result.rows} rows`);
    if (s.result.bytes !== bytes) throw new Error(`read ${bytes} bytes of ${s.result.bytes}`);
    log(
      `    request→202 ${ms(t1 - t0)}, job ${ms(jobMs(s))}, ` +
        `last byte ${ms(t3 - t0)} (${ms(performance.timeOrigin + t3 - Date.parse(s.finishedAt))} after the job finished); ${cpuSince(cpu0)}`,
    );
    if (pg0) log(`    PostgreSQL CPU s by backend: ${await backendsSince(pg0)}`);
    return { seconds: (t3 - t0) / 1000, bytes };
  };
  const psqlExport = async () => {
    const cpu0 = cpuNow();
    const t0 = performance.now();
    await run('bash', ['-c', `psql -X -q "$URL" -c '\\copy public.bench_copy to stdout' > /dev/null`], { ...process.env, URL: pgs.url });
    log(`    ${cpuSince(cpu0)} (client: psql)`);
    return { seconds: (performance.now() - t0) / 1000 };
  };
  const ex = { basalt: [] as number[], identity: [] as number[], psql: [] as number[], bytes: 0 };
  if (ONLY !== 'upsert') {
    // Untimed, once each: a server is measured warm (its JIT, pg_dump's binaries and the
    // catalog caches of a new backend), as it runs in production; psql has nothing to warm.
    log('export: warm-up (untimed), Basalt and psql');
    await apiExport(false);
    await psqlExport();
  }
  log(`export: ${ROUNDS} round(s) of Basalt (br), Basalt (identity), psql, psql, Basalt (identity), Basalt (br)`);
  const order = ['basalt', 'identity', 'psql', 'psql', 'identity', 'basalt'] as const;
  for (const who of ONLY === 'upsert' ? [] : Array.from({ length: ROUNDS }, () => order).flat()) {
    if (who === 'psql') ex.psql.push((await psqlExport()).seconds);
    else {
      const r = await apiExport(who === 'basalt');
      ex[who].push(r.seconds);
      ex.bytes = r.bytes;
    }
    log(`  ${who === 'basalt' ? 'Basalt, curl --compressed' : who === 'identity' ? 'Basalt, curl (no Accept-Encoding)' : 'psql'}: ${ex[who].at(-1)!.toFixed(2)} s`);
  }

  // ---- bulk upsert ----
  const reset = async () => {
    await db.query(`DELETE FROM public.bench_copy WHERE id > ${ROWS}`);
    await db.query('VACUUM (ANALYZE) public.bench_copy');
    // Bulk-upsert jobs leave outputs only; keep the artifact store small between runs.
    await db.query('VACUUM basalt.artifact_chunks');
  };
  const check = async () => {
    const { rows } = await db.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE score = id % 997)::int AS updated FROM public.bench_copy`);
    if (rows[0].n !== (ROWS * 3) / 2 || rows[0].updated < ROWS) throw new Error(`unexpected table state after upsert: ${JSON.stringify(rows[0])}`);
  };
  const apiUpsert = async () => {
    const cpu0 = cpuNow();
    const t0 = performance.now();
    // curl, as psql: a C client on each side (Node's fetch spent more CPU sending the form than
    // the API spent receiving it).
    const answer = await new Promise<string>((resolve, reject) =>
      execFile(
        'curl',
        ['-sS', '-D', '-', '-o', '/dev/null', '-H', 'Expect:', '-H', `Authorization: ${auth}`, '-H', 'Prefer: respond-async', '-F', 'table=bench_copy', '-F', 'upsertKey=id', '-F', `file=@${csvFile};type=text/csv`, `${base}/api/database/advance/bulk-upsert`],
        (err, out, stderr) => (err ? reject(new Error(`curl failed: ${stderr || err.message}`)) : resolve(out)),
      ),
    );
    const status = Number([...answer.matchAll(/^HTTP\/[\d.]+ (\d+)/gm)].at(-1)?.[1]);
    if (status !== 202) throw new Error(`bulk-upsert answered ${status}: ${answer}`);
    const location = /^location: (\S+)/im.exec(answer)![1]!;
    const t1 = performance.now();
    const s = await waitJob(location);
    const seconds = (performance.now() - t0) / 1000;
    log(`    upload+check→202 ${ms(t1 - t0)}, job ${ms(jobMs(s))} (202→completed seen ${ms(performance.now() - t1)}); ${cpuSince(cpu0)}`);
    if (s.result.totalRecords !== ROWS || s.result.rowsAffected !== ROWS) throw new Error(`bulk-upsert result ${JSON.stringify(s.result)}`);
    return seconds;
  };
  const sqlFile = path.join(tmp, 'upsert.sql');
  writeFileSync(
    sqlFile,
    `BEGIN;
CREATE TEMP TABLE staging (LIKE public.bench_copy INCLUDING DEFAULTS) ON COMMIT DROP;
\\copy staging (id, name, email, score, token, created) from '${csvFile}' with (format csv, header)
INSERT INTO public.bench_copy (id, name, email, score, token, created) SELECT id, name, email, score, token, created FROM staging
  ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, score = EXCLUDED.score, token = EXCLUDED.token, created = EXCLUDED.created;
COMMIT;
`,
  );
  const psqlUpsert = async () => {
    const cpu0 = cpuNow();
    const t0 = performance.now();
    await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', pgs.url, '-f', sqlFile]);
    log(`    ${cpuSince(cpu0)} (client: psql)`);
    return (performance.now() - t0) / 1000;
  };
  log('bulk upsert: Basalt, psql, psql, Basalt');
  const up = { basalt: [] as number[], psql: [] as number[] };
  for (const who of ONLY === 'export' ? [] : (['basalt', 'psql', 'psql', 'basalt'] as const)) {
    await reset();
    up[who].push(who === 'basalt' ? await apiUpsert() : await psqlUpsert());
    await check();
    log(`  ${who}: ${up[who].at(-1)!.toFixed(2)} s`);
  }
  apiMem.stop();
  workerMem.stop();
  await db.end();

  // ---- report ----
  const best = (xs: number[]) => Math.min(...xs);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const exRatio = best(ex.psql) / best(ex.basalt);
  const idRatio = best(ex.psql) / best(ex.identity);
  const upRatio = best(up.psql) / best(up.basalt);
  const rowsPerS = (s: number) => fmt(ROWS / s / 1000, 0) + 'k';
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(
    `\nmachine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, PostgreSQL ${pgVersion}; ` +
      `artifact store ${env.ARTIFACT_STORE}; ${ROWS} rows of ~${width} bytes; upsert file ${(csvBytes / 1e6).toFixed(0)} MB CSV, half conflicting; export: best of ${2 * ROUNDS} runs each (${ROUNDS} × A B B A, after a warm-up); upsert: best of 2 (A B B A)\n`,
  );
  console.log(
    table([
      ['measure', 'Basalt s', 'rows/s', 'psql s', 'rows/s', 'ratio', 'target', ''],
      ...[['export (COPY TO), curl --compressed', fmt(best(ex.basalt), 2), rowsPerS(best(ex.basalt)), fmt(best(ex.psql), 2), rowsPerS(best(ex.psql)), `${fmt(exRatio * 100, 0)}%`, '≥ 85%', verdict(exRatio >= 0.85)],
      ['export (COPY TO), curl, no Accept-Encoding', fmt(best(ex.identity), 2), rowsPerS(best(ex.identity)), fmt(best(ex.psql), 2), rowsPerS(best(ex.psql)), `${fmt(idRatio * 100, 0)}%`, '≥ 85%', verdict(idRatio >= 0.85)],
      ['bulk upsert (COPY FROM + ON CONFLICT)', fmt(best(up.basalt), 2), rowsPerS(best(up.basalt)), fmt(best(up.psql), 2), rowsPerS(best(up.psql)), `${fmt(upRatio * 100, 0)}%`, '≥ 80%', verdict(upRatio >= 0.8)],
      ].filter((_, i) => (i < 2 ? ONLY !== 'upsert' : ONLY !== 'export')),
    ]),
  );
  if (ONLY !== 'upsert')
    console.log(
      `\nexport medians: Basalt --compressed ${fmt(median(ex.basalt), 2)} s (${fmt((median(ex.psql) / median(ex.basalt)) * 100, 0)}% of psql's median), ` +
        `no Accept-Encoding ${fmt(median(ex.identity), 2)} s (${fmt((median(ex.psql) / median(ex.identity)) * 100, 0)}%), psql ${fmt(median(ex.psql), 2)} s`,
    );
  console.log('\n' + table([
    ['process', 'peak RSS MB', 'target', ''],
    ['API (primary + web process)', fmt(apiMem.peak, 0), '< 250', verdict(apiMem.peak < 250)],
    ['worker', fmt(workerMem.peak, 0), '< 250', verdict(workerMem.peak < 250)],
  ]));
  const out = {
    date: new Date().toISOString(),
    machine: { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model, node: process.version, postgres: pgVersion },
    artifactStore: env.ARTIFACT_STORE,
    rows: ROWS,
    rowBytes: width,
    export: {
      basaltSeconds: ex.basalt,
      basaltIdentitySeconds: ex.identity,
      psqlSeconds: ex.psql,
      bytes: ex.bytes,
      ratioBest: exRatio,
      ratioMean: mean(ex.psql) / mean(ex.basalt),
      identityRatioBest: idRatio,
      ratioMedian: median(ex.psql) / median(ex.basalt),
      identityRatioMedian: median(ex.psql) / median(ex.identity),
      rounds: ROUNDS,
      target: 0.85,
    },
    bulkUpsert: { basaltSeconds: up.basalt, psqlSeconds: up.psql, fileBytes: csvBytes, ratioBest: upRatio, ratioMean: mean(up.psql) / mean(up.basalt), target: 0.8 },
    peakRssMb: { api: apiMem.peak, worker: workerMem.peak, target: 250 },
  };
  if (ONLY) return log('BENCH_COPY_ONLY set: bench/results/copy.json left as it was');
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/copy.json'), JSON.stringify(out, null, 2) + '\n');
  log('wrote bench/results/copy.json');
}

main()
  .catch((e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
