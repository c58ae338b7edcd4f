/**
 * `npm start`: a private PostgreSQL and Redis under .data/ when DATABASE_URL or
 * REDIS_URL is not given, then the API and one worker. Ctrl-C stops everything.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { portOr, startPostgres, startRedis, type Service } from './local-services.ts';
import { migrateControlSchema } from '../src/shared/control/runner.ts';
import { signRoleKey } from '../src/shared/auth/jwt.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dataDir = path.join(root, '.data');
mkdirSync(dataDir, { recursive: true, mode: 0o755 });

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
const services: Service[] = [];
const children: ChildProcess[] = [];
let stopping = false;

async function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
        }),
    ),
  );
  for (const s of services.reverse()) await s.stop().catch(() => {});
  say('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

async function main() {
  const sec = secrets();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JWT_SECRET: process.env.JWT_SECRET ?? sec.JWT_SECRET,
    ADMIN_USER: process.env.ADMIN_USER ?? 'admin',
    ADMIN_PASSWORD: process.env.ADMIN_PASSWORD ?? sec.ADMIN_PASSWORD,
    BASALT_MASTER_KEY: process.env.BASALT_MASTER_KEY ?? sec.BASALT_MASTER_KEY,
    CRYPTO_KEY: process.env.CRYPTO_KEY ?? sec.CRYPTO_KEY,
    PORT: process.env.PORT ?? '3000',
  };
  const portsFile = path.join(dataDir, 'ports.json');
  const saved: { pg?: number; redis?: number } = existsSync(portsFile) ? JSON.parse(readFileSync(portsFile, 'utf8')) : {};
  const ports = { pg: await portOr(saved.pg), redis: await portOr(saved.redis) };
  writeFileSync(portsFile, JSON.stringify(ports));
  let privateDb: string | undefined;
  if (!env.DATABASE_URL) {
    say(`starting a private PostgreSQL in .data/pg on 127.0.0.1:${ports.pg}`);
    const pg = await startPostgres({ dataDir: path.join(dataDir, 'pg'), port: ports.pg, password: sec.PG_PASSWORD, database: 'basalt', logFile: path.join(dataDir, 'postgres.log') });
    privateDb = `postgres://postgres:<PG_PASSWORD in .data/secrets.json>@127.0.0.1:${ports.pg}/basalt`;
    services.push(pg);
    env.DATABASE_URL = pg.url;
  }
  if (!env.REDIS_URL) {
    say(`starting a private Redis in .data/redis on 127.0.0.1:${ports.redis}`);
    const redis = await startRedis({ dir: path.join(dataDir, 'redis'), port: ports.redis, logFile: path.join(dataDir, 'redis.log'), persist: true });
    services.push(redis);
    env.REDIS_URL = redis.url;
  }
  await migrateControlSchema(env.DATABASE_URL);

  const launch = (name: string, entry: string) =>
    new Promise<void>((resolve, reject) => {
      const child = fork(path.join(root, entry), [], { env, execArgv: ['--import', 'tsx'], stdio: 'inherit' });
      children.push(child);
      child.on('message', (m: { ready?: boolean }) => m?.ready && resolve());
      child.on('exit', (code, signal) => {
        if (stopping) return;
        reject(new Error(`${name} exited (code ${code}, signal ${signal})`));
        say(`${name} exited unexpectedly (code ${code}); stopping everything`);
        void stopAll(1);
      });
    });
  await Promise.all([launch('api', 'src/api/main.ts'), launch('worker', 'src/workers/main.ts')]);

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
      `  Admin credentials: ${env.ADMIN_USER} / ${env.ADMIN_PASSWORD}`,
      `  anon key:          ${anon}`,
      `  service_role key:  ${service}`,
      `  Database:          ${privateDb ?? '(from DATABASE_URL)'}`,
      '',
      '  Ctrl-C stops everything.',
      '',
    ].join('\n') + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(`basalt: ${(e as Error).message}\n`);
  void stopAll(1);
});
