/**
 * `npm start`: a private PostgreSQL and Redis when DATABASE_URL or REDIS_URL is not given,
 * then the API, one worker and the edge-functions runtime. It supervises all five: one that
 * exits is started again, after a pause that doubles from 0.5 s to 30 s and resets once it has run for 30 s. Everything stops
 * on Ctrl-C/SIGTERM, on an invalid configuration (exit 78), or when a process crashes five
 * times in a row within 30 s of its start. See docs/operations.md ("npm start supervision").
 */
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { clusterDataDir, portOr, startPostgres, startRedis } from './local-services.ts';
import { migrateControlSchema } from '../src/shared/control/runner.ts';
import { signRoleKey } from '../src/api/auth/jwt.ts';

const here = path.dirname(new URL(import.meta.url).pathname);
/** Run as dist/scripts/start.js (npm start) or as scripts/start.ts through tsx (development). */
const compiled = path.basename(path.dirname(here)) === 'dist';
const root = path.resolve(here, compiled ? '../..' : '..');
/** The API and the worker: the compiled build with plain node, or the sources through tsx. */
const DIRS = { api: 'api', worker: 'workers', functions: 'functions' } as const;
const entry = (name: keyof typeof DIRS) => (compiled ? `dist/src/${DIRS[name]}/main.js` : `src/${DIRS[name]}/main.ts`);
// A small young generation keeps an idle process near 95 MB instead of 110 (docs/operations.md).
const execArgv = compiled ? ['--max-semi-space-size=4'] : ['--import', 'tsx'];
const dataDir = path.join(root, '.data');
mkdirSync(dataDir, { recursive: true, mode: 0o755 });

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
/** Running this long counts as having started well: the next crash is restarted at once and not counted. */
const STABLE_MS = 30_000;
const MAX_START_CRASHES = 5;
/** EX_CONFIG: the API and the worker exit with it on an invalid environment, which a restart cannot fix. */
const EXIT_CONFIG = 78;

interface Secrets {
  JWT_SECRET: string;
  ADMIN_PASSWORD: string;
  PG_PASSWORD: string;
  BASALT_MASTER_KEY: string;
  CRYPTO_KEY: string;
}
/** Generated once and kept under .data/, so data and keys survive restarts; missing ones are added. */
function secrets(): Secrets {
  const file = path.join(dataDir, 'secrets.json');
  const saved: Partial<Secrets> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const s: Secrets = {
    JWT_SECRET: saved.JWT_SECRET ?? randomBytes(32).toString('hex'),
    ADMIN_PASSWORD: saved.ADMIN_PASSWORD ?? randomBytes(12).toString('base64url'),
    PG_PASSWORD: saved.PG_PASSWORD ?? randomBytes(16).toString('hex'),
    BASALT_MASTER_KEY: saved.BASALT_MASTER_KEY ?? randomBytes(32).toString('hex'),
    CRYPTO_KEY: saved.CRYPTO_KEY ?? randomBytes(24).toString('base64url'),
  };
  if (Object.keys(saved).length !== Object.keys(s).length) writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  return s;
}

const say = (msg: string) => process.stdout.write(`basalt: ${msg}\n`);
const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}
const describe = (e: Exit) => (e.signal ? `signal ${e.signal}` : `code ${e.code}`);

/** A started process: ready, with a way to watch it end and to stop it. */
interface Running {
  pid: number;
  exited: Promise<Exit>;
  stop(): Promise<void>;
}

let stopping = false;

/** One supervised process: started, watched, restarted with backoff, stopped on request. */
class Supervised {
  private running?: Running;
  private starting?: Promise<unknown>;
  private retry?: NodeJS.Timeout;
  private readonly abort = new AbortController();
  /** Crashes in a row, each within STABLE_MS of its start (or before it was ready). */
  private crashes = 0;
  private delay = FIRST_DELAY_MS;
  private started = false;
  private resolveReady!: () => void;
  /** Settles when the process is first ready. */
  readonly ready = new Promise<void>((r) => (this.resolveReady = r));

  /** `launch` resolves once the process is ready and rejects (having cleaned up) if it fails before. */
  constructor(
    readonly name: string,
    private readonly launch: (abort: AbortSignal) => Promise<Running>,
  ) {}

  get pid() {
    return this.running?.pid;
  }

  start(): Promise<void> {
    const attempt = this.launch(this.abort.signal);
    this.starting = attempt.then(
      async (r) => {
        this.starting = undefined;
        if (stopping) return r.stop();
        this.running = r;
        say(`${this.name} ${this.started ? 'restarted' : 'started'} (pid ${r.pid})`);
        this.started = true;
        this.resolveReady();
        const readyAt = Date.now();
        void r.exited.then((exit) => {
          if (this.running === r) this.running = undefined;
          if (stopping) return;
          const up = Date.now() - readyAt;
          this.crashed(`exited unexpectedly (${describe(exit)}) after ${seconds(up)}`, up < STABLE_MS, exit.code);
        });
      },
      (e: Error & { exitCode?: number | null }) => {
        this.starting = undefined;
        if (stopping) return;
        this.crashed(`failed to start: ${e.message}`, true, e.exitCode ?? null);
      },
    );
    return this.ready;
  }

  private crashed(what: string, early: boolean, code: number | null) {
    if (code === EXIT_CONFIG) {
      say(`${this.name} ${what}: its configuration is invalid, which a restart cannot fix; stopping everything`);
      return void stopAll(1);
    }
    if (!early) {
      // It ran a while: a fresh failure, not a crash loop.
      this.crashes = 0;
      this.delay = FIRST_DELAY_MS;
    } else if (++this.crashes >= MAX_START_CRASHES) {
      say(`${this.name} ${what}; it crashed ${this.crashes} times in a row within ${seconds(STABLE_MS)} of starting, so it is not restarted again: stopping everything`);
      return void stopAll(1);
    }
    say(`${this.name} ${what}; restarting in ${seconds(this.delay)}`);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!stopping) void this.start();
    }, this.delay);
    this.delay = Math.min(this.delay * 2, MAX_DELAY_MS);
  }

  async stop() {
    clearTimeout(this.retry);
    this.abort.abort();
    await this.starting?.catch(() => {});
    const r = this.running;
    if (!r) return;
    await r.stop();
    say(`${this.name} stopped`);
  }

  /** A second Ctrl-C: no more waiting for running jobs or requests. */
  kill() {
    try {
      if (this.running) process.kill(this.running.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

let env: NodeJS.ProcessEnv = {};

const redisPidFile = path.join(dataDir, 'redis.pid');
const pidIn = (file: string) => {
  try {
    return Number(readFileSync(file, 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * PostgreSQL and Redis outlive an npm start killed with SIGKILL (nothing can stop them then), and
 * would keep this one from their data directory: stop such a leftover first. `marker` must be in
 * its command line, so a pid reused by an unrelated process is left alone.
 */
async function stopLeftover(what: string, pid: number | undefined, marker: string, signal: NodeJS.Signals) {
  if (!pid || !alive(pid)) return;
  let cmd: string;
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return;
  }
  if (!cmd.includes(marker)) return;
  say(`stopping the ${what} an earlier npm start left running (pid ${pid})`);
  process.kill(pid, signal);
  for (let waited = 0; alive(pid); waited += 100) {
    if (waited === 30_000) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The API or the worker, as a child process that says `{ ready: true }` over IPC once it serves. */
const forked = (file: string) => (abort: AbortSignal) =>
  new Promise<Running>((resolve, reject) => {
    // Its own process group: Ctrl-C reaches only us, and we stop things in order.
    const child = fork(path.join(root, file), [], { env, execArgv, stdio: 'inherit', detached: true });
    const exited = new Promise<Exit>((r) => child.once('exit', (code, signal) => r({ code, signal })));
    const cancel = () => child.kill('SIGTERM');
    abort.addEventListener('abort', cancel, { once: true });
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    };
    child.on('message', (m: { ready?: boolean }) => {
      if (!m?.ready) return;
      abort.removeEventListener('abort', cancel);
      resolve({ pid: child.pid!, exited, stop });
    });
    void exited.then((e) => reject(Object.assign(new Error(`exited before it was ready (${describe(e)})`), { exitCode: e.code })));
  });

const apps: Supervised[] = [];
const services: Supervised[] = [];

async function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  // The API and the worker first (they finish requests and jobs), then Redis and PostgreSQL.
  await Promise.all(apps.map((s) => s.stop()));
  for (const s of [...services].reverse()) await s.stop().catch(() => {});
  say('stopped');
  process.exit(code);
}
const onSignal = () => {
  if (!stopping) return void stopAll(0);
  say('stopping now: the API and the worker are killed; their jobs are retried at the next start');
  for (const s of apps) s.kill();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

async function main() {
  const sec = secrets();
  env = {
    ...process.env,
    JWT_SECRET: process.env.JWT_SECRET ?? sec.JWT_SECRET,
    ADMIN_USER: process.env.ADMIN_USER ?? 'admin',
    ADMIN_PASSWORD: process.env.ADMIN_PASSWORD ?? sec.ADMIN_PASSWORD,
    BASALT_MASTER_KEY: process.env.BASALT_MASTER_KEY ?? sec.BASALT_MASTER_KEY,
    CRYPTO_KEY: process.env.CRYPTO_KEY ?? sec.CRYPTO_KEY,
    PORT: process.env.PORT ?? '3000',
  };
  const portsFile = path.join(dataDir, 'ports.json');
  const saved: { pg?: number; redis?: number; functions?: number } = existsSync(portsFile) ? JSON.parse(readFileSync(portsFile, 'utf8')) : {};
  let clusterDir: string | undefined;
  if (!env.DATABASE_URL) {
    // The key names this clone, for when the cluster cannot live under it (root, private parents).
    const key = createHash('sha256').update(realpathSync(root)).digest('hex').slice(0, 16);
    const where = clusterDataDir(path.join(dataDir, 'pg'), key);
    for (const note of where.notes) say(note);
    clusterDir = where.dir;
    await stopLeftover('PostgreSQL', pidIn(path.join(clusterDir, 'postmaster.pid')), `-D ${clusterDir} `, 'SIGINT');
  }
  if (!env.REDIS_URL && saved.redis) await stopLeftover('Redis', pidIn(redisPidFile), `redis-server 127.0.0.1:${saved.redis}`, 'SIGTERM');
  // The functions runtime takes 3001 (or its last port) when free, another one when not.
  const ports = { pg: await portOr(saved.pg), redis: await portOr(saved.redis), functions: Number(env.FUNCTIONS_PORT) || (await portOr(saved.functions ?? 3001)) };
  env.FUNCTIONS_PORT = String(ports.functions);
  env.FUNCTIONS_URL ??= `http://127.0.0.1:${ports.functions}`;
  writeFileSync(portsFile, JSON.stringify(ports));
  // The API and the worker run here, on one host: job files go to a directory both read
  // (docs/operations.md, "Artifact store"), unless ARTIFACT_STORE=postgres asks otherwise.
  if (env.ARTIFACT_STORE !== 'postgres') env.ARTIFACT_DIR ??= path.join(dataDir, 'artifacts');
  let privateDb: string | undefined;
  if (clusterDir) {
    say(`starting a private PostgreSQL in ${path.relative(root, clusterDir).startsWith('..') ? clusterDir : path.relative(root, clusterDir)} on 127.0.0.1:${ports.pg}`);
    // Restarts reuse the port and password, so the API's and the worker's DATABASE_URL stays valid.
    const options = { dataDir: clusterDir, port: ports.pg, password: sec.PG_PASSWORD, database: 'basalt', logFile: path.join(dataDir, 'postgres.log'), detached: true };
    services.push(new Supervised('postgres', () => startPostgres(options)));
    env.DATABASE_URL = `postgres://postgres:${encodeURIComponent(sec.PG_PASSWORD)}@127.0.0.1:${ports.pg}/basalt`;
    privateDb = `postgres://postgres:<PG_PASSWORD in .data/secrets.json>@127.0.0.1:${ports.pg}/basalt`;
  }
  if (!env.REDIS_URL) {
    say(`starting a private Redis in .data/redis on 127.0.0.1:${ports.redis}`);
    const options = { dir: path.join(dataDir, 'redis'), port: ports.redis, logFile: path.join(dataDir, 'redis.log'), persist: true, detached: true };
    services.push(new Supervised('redis', async () => {
      const r = await startRedis(options);
      writeFileSync(redisPidFile, String(r.pid));
      return r;
    }));
    env.REDIS_URL = `redis://127.0.0.1:${ports.redis}`;
  }
  await Promise.all(services.map((s) => s.start()));
  await migrateControlSchema(env.DATABASE_URL!);

  apps.push(
    new Supervised('api', forked(entry('api'))),
    new Supervised('worker', forked(entry('worker'))),
    new Supervised('functions', forked(entry('functions'))),
  );
  await Promise.all(apps.map((s) => s.start()));

  const url = `http://localhost:${env.PORT}`;
  // With a JWK/JWKS secret the keys come from the issuer, not from us.
  const hmac = !env.JWT_SECRET!.trim().startsWith('{');
  const [anon, service] = hmac
    ? await Promise.all([signRoleKey('anon', env.JWT_SECRET!), signRoleKey('service_role', env.JWT_SECRET!)])
    : ['(JWT_SECRET is a JWK: sign keys with your issuer)', '(same)'];
  process.stdout.write(
    [
      '',
      `  Basalt is running at ${url}`,
      `  Health:            ${url}/api/health`,
      `  Data API:          ${url}/rest/v1`,
      `  Edge functions:    ${url}/project/<ref>/functions/v1/<slug> (runtime on 127.0.0.1:${env.FUNCTIONS_PORT})`,
      `  Admin credentials: ${env.ADMIN_USER} / ${env.ADMIN_PASSWORD}`,
      `  anon key:          ${anon}`,
      `  service_role key:  ${service}`,
      `  Database:          ${privateDb ?? '(from DATABASE_URL)'}`,
      ...(clusterDir ? [`  Cluster directory: ${clusterDir}`] : []),
      '',
      '  A process that crashes is restarted. Ctrl-C stops everything.',
      '',
    ].join('\n') + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(`basalt: ${(e as Error).message}\n`);
  void stopAll(1);
});
