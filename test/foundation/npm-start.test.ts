/**
 * `npm start`'s supervisor, through real processes: scripts/start.ts runs in a temporary copy
 * of the project (its own .data, its own PORT, free ports for its PostgreSQL and Redis), and
 * the test kills what it started. The copy lives in a mkdtemp directory (mode 0700), so as root
 * this is also the "clone in a private directory" case: the cluster must go to /var/lib/basalt.
 *
 * It runs start.ts with node rather than scripts/start.sh: start.sh only adds ensure-deps.sh,
 * whose `npm ci` must never run against the node_modules the copy borrows from this tree.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmdirSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, redisUrl, testEnv } from '../support/env.ts';
import { freePort } from '../../scripts/local-services.ts';
import { poll } from '../support/processes.ts';

const root = path.resolve(import.meta.dirname, '../..');
const ADMIN = { user: 'admin', password: 'npm-start-test-password' };
const auth = 'Basic ' + Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64');

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}
interface Supervisor {
  child: ChildProcess;
  output: () => string;
  exited: Promise<Exit>;
  /** Pids the supervisor reported for `name` ("… started/restarted (pid N)"), oldest first. */
  pids: (name: string) => number[];
  /** Resolves once the output matches. */
  waitFor: (re: RegExp, timeoutMs?: number) => Promise<void>;
}

let dir: string;
const supervisors: Supervisor[] = [];

function runStart(env: Record<string, string | undefined>): Supervisor {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: dir, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<Exit>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const s: Supervisor = {
    child,
    output: () => out,
    exited,
    pids: (name) => [...out.matchAll(new RegExp(`^basalt: ${name} (?:started|restarted) \\(pid (\\d+)\\)`, 'gm'))].map((m) => Number(m[1])),
    waitFor: (re, timeoutMs = 60_000) =>
      poll(async () => (re.test(out) ? true : child.exitCode !== null ? Promise.reject(new Error(`start.ts exited; output:\n${out}`)) : undefined), `${re} in:\n${out}`, timeoutMs, 50).then(() => {}),
  };
  supervisors.push(s);
  return s;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The environment of a user who set nothing but the port: the embedded services choose their own. */
function ownEnv(port: number): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'BASALT_MASTER_KEY', 'CRYPTO_KEY', 'QUEUE_PREFIX']) delete env[k];
  return {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    ADMIN_USER: ADMIN.user,
    ADMIN_PASSWORD: ADMIN.password,
    WEB_CONCURRENCY: '1',
    LOG_LEVEL: 'warn',
    // A killed worker's job is picked up again within seconds rather than 30.
    JOB_LOCK_MS: '2000',
    SHUTDOWN_TIMEOUT_MS: '5000',
  };
}

beforeAll(() => {
  dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'basalt-npm-start-')), 'basalt');
  for (const f of ['src', 'scripts', 'package.json', 'tsconfig.json']) cpSync(path.join(root, f), path.join(dir, f), { recursive: true });
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
});

afterAll(async () => {
  // Whatever happened: stop the supervisors, then anything they reported that still runs.
  for (const s of supervisors) {
    if (s.child.exitCode === null && s.child.signalCode === null) {
      s.child.kill('SIGTERM');
      const t = setTimeout(() => s.child.kill('SIGKILL'), 30_000);
      await s.exited;
      clearTimeout(t);
    }
    for (const name of ['api', 'worker', 'redis', 'postgres']) for (const pid of s.pids(name)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  if (!dir) return;
  const link = path.join(dir, '.data', 'pg');
  if (lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) {
    rmSync(path.dirname(readlinkSync(link)), { recursive: true, force: true });
    try {
      rmdirSync('/var/lib/basalt'); // only when no other clone keeps a cluster there
    } catch {}
  }
  rmSync(path.dirname(dir), { recursive: true, force: true });
}, 60_000);

describe('npm start supervises its processes', () => {
  it('restarts a killed worker, Redis, PostgreSQL and API; jobs complete; Ctrl-C stops in order', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const s = runStart(ownEnv(port));
    await s.waitFor(/Basalt is running at/, 120_000);

    // Where the cluster went: as root in a private (0700) directory it cannot live under the copy.
    const pg = lstatSync(path.join(dir, '.data', 'pg'));
    if (process.getuid?.() === 0) {
      expect(pg.isSymbolicLink()).toBe(true);
      expect(readlinkSync(path.join(dir, '.data', 'pg'))).toMatch(/^\/var\/lib\/basalt\/[0-9a-f]{16}\/pg$/);
      expect(s.output()).toContain('the cluster lives in /var/lib/basalt/');
    } else {
      expect(pg.isDirectory()).toBe(true);
    }

    // Health, ten times a second, for the whole test: what each phase saw.
    const seen: Record<string, Array<number | string>> = {};
    let phase = 'worker';
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const p = phase;
        // A 503 is kept with what was down and why (admin credentials get the reason).
        const status = await fetch(`${base}/api/health`, { headers: { Authorization: auth }, signal: AbortSignal.timeout(10_000) }).then(
          async (r) => (r.status === 200 ? 200 : `${r.status} ${JSON.stringify((await r.json().catch(() => ({}))).checks)}`),
          // A failed fetch keeps its cause (ECONNRESET, ECONNREFUSED…), and when it happened.
          (e: Error & { cause?: { code?: string } }) => `${e.name} ${e.cause?.code ?? ''} at ${new Date().toISOString()}`,
        );
        (seen[p] ??= []).push(status);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const post = (url: string, body: unknown) =>
      fetch(`${base}${url}`, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json', Prefer: 'respond-async' }, body: JSON.stringify(body) });
    const job = async (location: string) => (await fetch(`${base}${location}`, { headers: { Authorization: auth } })).json();
    const finished = (location: string, timeoutMs = 60_000) =>
      poll(async () => {
        const j = await job(location).catch(() => undefined);
        return j?.state === 'completed' || j?.state === 'failed' ? j : undefined;
      }, `job ${location}`, timeoutMs, 200);
    /** Submitted until accepted: while Redis or PostgreSQL is restarting the API may answer 503. */
    const exportJob = () =>
      poll(async () => {
        const r = await post('/api/database/advance/export', { tables: ['sup_rows'], format: 'json' }).catch(() => undefined);
        return r?.status === 202 ? r.headers.get('location')! : undefined;
      }, 'an accepted export', 60_000, 250);

    const setup = await fetch(`${base}/api/database/migrations`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ version: '1', name: 'rows', sql: 'CREATE TABLE sup_rows AS SELECT generate_series(1, 1000) AS id' }),
    });
    expect(setup.status).toBe(201);

    // 1. The worker, killed in the middle of a job.
    const before = await post('/api/database/migrations', { version: '2', name: 'slow', sql: 'SELECT pg_sleep(3); CREATE TABLE sup_before (id int)' });
    expect(before.status).toBe(202);
    const beforeAt = before.headers.get('location')!;
    await poll(async () => ((await job(beforeAt)).state === 'active' ? true : undefined), 'the migration to start', 30_000, 50);
    const [worker] = s.pids('worker');
    process.kill(worker, 'SIGKILL');
    const afterAt = await exportJob(); // accepted while the worker is down or restarting
    await s.waitFor(/^basalt: worker exited unexpectedly \(signal SIGKILL\) after [\d.]+ s; restarting in 0\.5 s$/m, 10_000);
    await s.waitFor(/^basalt: worker restarted \(pid \d+\)$/m, 30_000);
    expect(s.pids('worker')[1]).not.toBe(worker);
    expect(alive(worker)).toBe(false);
    expect(await finished(beforeAt)).toMatchObject({ state: 'completed', result: { version: '2' } });
    expect(await finished(afterAt)).toMatchObject({ state: 'completed', result: { rows: 1000 } });
    const migrations = (await (await fetch(`${base}/api/database/migrations`, { headers: { Authorization: auth } })).json()).migrations;
    expect(migrations.filter((m: { version: string }) => m.version === '2')).toHaveLength(1);
    // The API answered every health check meanwhile, and all was well. On a loaded host Redis
    // (its AOF on a busy disk) or PostgreSQL can take over the checks' 2 s now and then, which
    // health rightly reports as 503; a lost worker must not make it so for long.
    const unwell = seen.worker.filter((st) => st !== 200);
    for (const st of unwell) expect(String(st)).toMatch(/^503 /);
    expect(unwell.length, `health during the worker's restart: ${JSON.stringify(unwell)}`).toBeLessThanOrEqual(seen.worker.length / 10);
    expect(seen.worker.at(-1)).toBe(200);

    // 2. Redis: restarted on its port; the API and the worker reconnect by themselves.
    phase = 'redis';
    process.kill(s.pids('redis')[0], 'SIGKILL');
    await s.waitFor(/^basalt: redis exited unexpectedly \(signal SIGKILL\)/m, 10_000);
    await s.waitFor(/^basalt: redis restarted \(pid \d+\)$/m, 30_000);
    expect(await finished(await exportJob())).toMatchObject({ state: 'completed' });

    // 3. PostgreSQL: restarted (crash recovery) on its port; the pools reconnect.
    phase = 'postgres';
    process.kill(s.pids('postgres')[0], 'SIGKILL');
    await s.waitFor(/^basalt: postgres exited unexpectedly \(signal SIGKILL\)/m, 10_000);
    await s.waitFor(/^basalt: postgres restarted \(pid \d+\)$/m, 60_000);
    expect(await finished(await exportJob())).toMatchObject({ state: 'completed' });

    // The API never crashed through Redis's and PostgreSQL's restarts (its supervisor would have restarted it).
    expect(s.output()).not.toMatch(/^basalt: api exited unexpectedly/m);

    // 4. The API itself.
    phase = 'api';
    const [api] = s.pids('api');
    process.kill(api, 'SIGKILL');
    await s.waitFor(/^basalt: api restarted \(pid \d+\)$/m, 60_000);
    phase = 'end';
    await poll(async () => (seen.end?.includes(200) ? true : undefined), 'the restarted API to answer', 30_000);
    polling = false;
    await poller;
    // Through Redis's and PostgreSQL's restarts the API kept answering (503 while one was down).
    // A connection the loaded test host itself dropped (fetch's TypeError) is tolerated now and
    // then; a 500, a hang (TimeoutError) or a crash (above) is not.
    for (const p of ['redis', 'postgres']) {
      const said = `${p} phase: ${JSON.stringify(seen[p])}; npm start said:\n${s.output().slice(-4000)}`;
      for (const st of seen[p]) expect(String(st), said).toMatch(/^(200|503 .*|TypeError .*)$/);
      expect(seen[p].filter((st) => String(st).startsWith('TypeError')).length, said).toBeLessThanOrEqual(Math.max(1, seen[p].length / 10));
    }

    // Ctrl-C (SIGINT to the supervisor only): the API and the worker stop before Redis and PostgreSQL.
    const last = { api: s.pids('api').at(-1)!, worker: s.pids('worker').at(-1)!, redis: s.pids('redis').at(-1)!, postgres: s.pids('postgres').at(-1)! };
    s.child.kill('SIGINT');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    const order = [...s.output().matchAll(/^basalt: (api|worker|redis|postgres) stopped$/gm)].map((m) => m[1]);
    expect(order.slice(0, 2).sort()).toEqual(['api', 'worker']);
    expect(order.slice(2)).toEqual(['redis', 'postgres']);
    for (const pid of Object.values(last)) expect(alive(pid)).toBe(false);
    expect(s.output()).not.toMatch(/giving up|not restarted again/);
  }, 300_000);
});

describe('npm start gives up', () => {
  // These use the suite's PostgreSQL and Redis (DATABASE_URL/REDIS_URL), which start.ts then
  // neither starts nor supervises: only the API and the worker are under test here.
  const external = async () => ({ ...process.env, ...testEnv({ databaseUrl, redisUrl, port: await freePort() }), QUEUE_PREFIX: `npmstart${process.pid}` });

  it('when a process crashes five times in a row soon after starting', async () => {
    const s = runStart(await external());
    // Kill each worker as soon as it is reported: a crash loop.
    let killed = 0;
    const killer = setInterval(() => {
      for (const pid of s.pids('worker').slice(killed)) {
        killed++;
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
    }, 20);
    try {
      const { code } = await s.exited;
      expect(code).toBe(1);
    } finally {
      clearInterval(killer);
    }
    const out = s.output();
    expect(killed).toBe(5);
    expect([...out.matchAll(/^basalt: worker exited unexpectedly \(signal SIGKILL\) after [\d.]+ s; restarting in ([\d.]+) s$/gm)].map((m) => m[1])).toEqual(['0.5', '1', '2', '4']);
    expect(out).toMatch(/^basalt: worker exited unexpectedly \(signal SIGKILL\) after [\d.]+ s; it crashed 5 times in a row within 30 s of starting, so it is not restarted again: stopping everything$/m);
    expect(out).toMatch(/^basalt: api stopped$/m);
    for (const pid of s.pids('api')) expect(alive(pid)).toBe(false);
  }, 120_000);

  it('at once when the configuration is invalid (exit 78), which no restart can fix', async () => {
    const s = runStart({ ...(await external()), JOB_LOCK_MS: '5' });
    expect((await s.exited).code).toBe(1);
    const out = s.output();
    expect(out).toMatch(/JOB_LOCK_MS/);
    expect(out).toMatch(/failed to start: exited before it was ready \(code 78\): its configuration is invalid, which a restart cannot fix; stopping everything/);
    expect(out).not.toMatch(/restarting in/);
  }, 60_000);
});

describe('npm start runs the compiled build', () => {
  const built = (f: string) => path.join(dir, 'dist', f);
  const build = (...args: string[]) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['scripts/build.mjs', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (out += d));
      child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`build exited ${code}:\n${out}`))));
    });

  it('builds dist/ (again only when a source changed), and the API and worker it starts are plain node serving /api/health', async () => {
    rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
    expect(await build('--if-stale')).toMatch(/^basalt: built dist\/ in \d+ ms$/m);
    for (const f of ['src/api/main.js', 'src/workers/main.js', 'scripts/start.js', 'src/shared/license/vendor-public-key.pem', 'package.json']) expect(existsSync(built(f)), f).toBe(true);
    // Migrations and the catalog's SQL sit beside the modules that read them.
    expect(existsSync(built('src/shared/control/migrations'))).toBe(true);
    expect(await build('--if-stale')).toBe('');
    const source = path.join(dir, 'src/api/health.ts');
    const later = new Date(Date.now() + 2000);
    utimesSync(source, later, later);
    expect(await build('--if-stale')).toMatch(/built dist\//);

    const port = await freePort();
    const env = { ...process.env, ...testEnv({ databaseUrl, redisUrl, port }), QUEUE_PREFIX: `npmbuilt${process.pid}`, WEB_CONCURRENCY: '2' };
    const child = spawn(process.execPath, ['dist/scripts/start.js'], { cwd: dir, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<Exit>((r) => child.once('exit', (code, signal) => r({ code, signal })));
    try {
      await poll(async () => (/Basalt is running at/.test(out) ? true : child.exitCode !== null ? Promise.reject(new Error(out)) : undefined), `start in:\n${out}`, 60_000, 50);
      const health = await fetch(`http://127.0.0.1:${port}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      const pids = [...out.matchAll(/^basalt: (?:api|worker) started \(pid (\d+)\)$/gm)].map((m) => Number(m[1]));
      expect(pids).toHaveLength(2);
      // The API's primary and its two web processes, and the worker: compiled JavaScript, no tsx loader.
      const web = readFileSync(`/proc/${pids[0]}/task/${pids[0]}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      for (const pid of [...pids, ...web]) {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        expect(cmd.join(' ')).not.toMatch(/tsx|\.ts\b/);
        expect(cmd.some((a) => /dist\/src\/(api|workers)\/main\.js$/.test(a))).toBe(true);
      }
    } finally {
      child.kill('SIGINT');
      expect(await exited).toEqual({ code: 0, signal: null });
    }
  }, 180_000);
});
