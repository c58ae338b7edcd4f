/**
 * Private PostgreSQL and Redis on free loopback ports, for `npm start` without
 * DATABASE_URL/REDIS_URL and for the test suite. initdb refuses root, so when we
 * are root the cluster runs as an unprivileged system user.
 */
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, chownSync, openSync, rmSync, lstatSync, readlinkSync, renameSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';

export interface Service {
  url: string;
  pid: number;
  /** Settles when the server process ends, for whatever reason (a supervisor restarts it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

const exitOf = (child: ChildProcess): Service['exited'] =>
  new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

/** The saved port when it is still free, so the private services keep their addresses across restarts. */
export async function portOr(saved: number | undefined): Promise<number> {
  if (saved && (await new Promise<boolean>((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(saved, '127.0.0.1', () => srv.close(() => resolve(true)));
  }))) return saved;
  return freePort();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function pgBinDir(): string {
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => Number(v) >= 15).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(path.join(base, v, 'bin', 'initdb'))) return path.join(base, v, 'bin');
  }
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('PostgreSQL 15+ server binaries not found; install the Debian package "postgresql" (npm start does this when run as root)');
  }
}

/** The user the cluster runs as: ourselves, or an unprivileged account when root. */
export function clusterUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':'));
  const entry = passwd.find((f) => f[0] === 'postgres') ?? passwd.find((f) => f[0] === 'nobody');
  if (!entry) throw new Error('running as root, and neither a "postgres" nor a "nobody" user exists to run PostgreSQL');
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

function ensureDir(dir: string, owner?: { uid: number; gid: number }, mode = 0o700) {
  mkdirSync(dir, { recursive: true, mode });
  if (owner) chownSync(dir, owner.uid, owner.gid);
}

/** Whether `user` can reach `dir`: tried as that user, exactly as initdb and postgres will run. */
function reachable(dir: string, user: { uid: number; gid: number }): boolean {
  return spawnSync('sh', ['-c', 'cd -- "$1"', 'sh', dir], { uid: user.uid, gid: user.gid, stdio: 'ignore' }).status === 0;
}

/**
 * Where `npm start`'s cluster lives. Normally `preferred` (.data/pg). As root the cluster runs
 * as an unprivileged user (see clusterUser), who cannot reach a clone in /root or under any 0700
 * parent; then the cluster lives in `<base>/<key>/pg`, owned by that user, and `preferred` is a
 * symlink to it, so the project records which cluster is its own (its password is in .data).
 */
export function clusterDataDir(preferred: string, key: string, base = '/var/lib/basalt'): { dir: string; notes: string[] } {
  const owner = clusterUser();
  if (!owner) return { dir: preferred, notes: [] };
  const link = lstatSync(preferred, { throwIfNoEntry: false });
  if (link?.isSymbolicLink()) return { dir: path.resolve(path.dirname(preferred), readlinkSync(preferred)), notes: [] };
  const home = path.join(base, key);
  const target = path.join(home, 'pg');
  if (link) {
    if (reachable(preferred, owner)) return { dir: preferred, notes: [] };
    throw new Error(
      `the PostgreSQL cluster in ${preferred} runs as uid ${owner.uid}, which cannot reach it (a parent directory is private). ` +
        `Make the parents traversable (chmod o+x), or move it: mkdir -p ${home} && mv ${preferred} ${target} && chown ${owner.uid}:${owner.gid} ${home} && ln -s ${target} ${preferred}`,
    );
  }
  if (reachable(path.dirname(preferred), owner)) return { dir: preferred, notes: [] };
  const notes = [`${path.dirname(preferred)} is not reachable by uid ${owner.uid}, which PostgreSQL runs as: the cluster lives in ${target} (${preferred} links to it)`];
  ensureDir(base, undefined, 0o755);
  ensureDir(home, owner, 0o700);
  if (!reachable(home, owner)) throw new Error(`${home} is not reachable by uid ${owner.uid} either; make ${base} and its parents traversable (chmod o+x)`);
  if (existsSync(path.join(target, 'PG_VERSION'))) {
    // Left by a deleted .data: its password went with it, so it cannot serve this one. Kept, not deleted.
    const aside = `${target}.orphaned-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(target, aside);
    notes.push(`an older cluster without a .data/pg link was moved to ${aside}; delete it if you do not need it`);
  }
  symlinkSync(target, preferred);
  return { dir: target, notes };
}

async function waitFor(what: string, probe: () => Promise<void>, child: ChildProcess, logFile: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${what} exited with code ${child.exitCode}; see ${logFile}:\n${tail(logFile)}`);
    }
    try {
      await probe();
      return;
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${what} did not become ready in ${timeoutMs} ms (${(last as Error)?.message}); see ${logFile}`);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill(signal);
  });
}

export interface PostgresOptions {
  dataDir: string;
  port?: number;
  user?: string;
  password: string;
  database: string;
  logFile: string;
  /** Extra server settings, e.g. { fsync: 'off' } for tests. */
  settings?: Record<string, string>;
  /** Its own process group, so a terminal's Ctrl-C reaches only the supervisor, which stops it last. */
  detached?: boolean;
}

export async function startPostgres(o: PostgresOptions): Promise<Service> {
  const bin = pgBinDir();
  const owner = clusterUser();
  // Not 'basalt': "$user" in the default search_path would then resolve to the control schema.
  const user = o.user ?? 'postgres';
  const port = o.port ?? (await freePort());
  ensureDir(path.dirname(o.dataDir), undefined, 0o755);
  if (!existsSync(path.join(o.dataDir, 'PG_VERSION'))) {
    ensureDir(o.dataDir, owner);
    const pwfile = `${o.dataDir}.pwfile`;
    writeFileSync(pwfile, o.password + '\n', { mode: 0o600 });
    if (owner) chownSync(pwfile, owner.uid, owner.gid);
    try {
      execFileSync(
        path.join(bin, 'initdb'),
        ['-D', o.dataDir, '-U', user, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C.UTF-8'],
        { stdio: 'pipe', uid: owner?.uid, gid: owner?.gid },
      );
    } catch (e) {
      throw new Error(`initdb failed: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim()}`);
    } finally {
      rmSync(pwfile, { force: true });
    }
  }
  const logFd = openSync(o.logFile, 'a');
  if (owner) chownSync(o.logFile, owner.uid, owner.gid);
  const settings = { listen_addresses: '127.0.0.1', port: String(port), unix_socket_directories: '', ...o.settings };
  const args = ['-D', o.dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const child = spawn(path.join(bin, 'postgres'), args, { stdio: ['ignore', logFd, logFd], uid: owner?.uid, gid: owner?.gid, detached: o.detached });
  const exited = exitOf(child);
  const admin = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(o.password)}@127.0.0.1:${port}`;
  const stop = () => stopChild(child, 'SIGINT');
  await waitFor('PostgreSQL', async () => {
    const c = new pg.Client({ connectionString: `${admin}/postgres` });
    await c.connect();
    try {
      const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [o.database]);
      if (r.rowCount === 0) await c.query(`CREATE DATABASE ${pg.escapeIdentifier(o.database)}`);
    } finally {
      await c.end();
    }
  }, child, o.logFile).catch(async (e) => {
    await stop();
    throw e;
  });
  // SIGINT is PostgreSQL's "fast" shutdown: roll back sessions, checkpoint, exit.
  return { url: `${admin}/${encodeURIComponent(o.database)}`, pid: child.pid!, exited, stop };
}

export interface RedisOptions {
  dir: string;
  port?: number;
  logFile: string;
  persist: boolean;
  /** As for PostgresOptions. */
  detached?: boolean;
}

export async function startRedis(o: RedisOptions): Promise<Service> {
  const port = o.port ?? (await freePort());
  ensureDir(o.dir);
  let binary = 'redis-server';
  for (const p of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) if (existsSync(p)) binary = p;
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', o.dir,
    '--maxmemory-policy', 'noeviction', // BullMQ must never lose keys
    // Persisting: every write in the append-only file, fsynced each second, so a restart keeps every accepted job.
    ...(o.persist ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no']),
    '--save', '', '--daemonize', 'no', '--logfile', '',
  ];
  const logFd = openSync(o.logFile, 'a');
  const child = spawn(binary, args, { stdio: ['ignore', logFd, logFd], detached: o.detached });
  const exited = exitOf(child);
  child.on('error', () => {}); // reported by waitFor below
  const url = `redis://127.0.0.1:${port}`;
  const stop = () => stopChild(child, 'SIGTERM');
  await waitFor('Redis', async () => {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => {});
    try {
      await r.connect();
      await r.ping();
    } finally {
      r.disconnect();
    }
  }, child, o.logFile).catch(async (e) => {
    await stop();
    throw e;
  });
  return { url, pid: child.pid!, exited, stop };
}
