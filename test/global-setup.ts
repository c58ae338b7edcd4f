/**
 * Starts an isolated PostgreSQL and Redis on free ports (or uses TEST_DATABASE_URL /
 * TEST_REDIS_URL), loads test/fixtures/*.sql, then runs the real API, one worker and the
 * functions runtime.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { freePort, startPostgres, startRedis, type Service } from '../scripts/local-services.ts';
import { migrateControlSchema } from '../src/shared/control/runner.ts';
import { testEnv } from './support/test-env.ts';

const root = path.resolve(import.meta.dirname, '..');

export default async function setup(project: TestProject) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'basalt-test-'));
  chmodSync(tmp, 0o755);
  // Before test-env.ts is read anywhere: the API, the workers and the test files share this directory.
  process.env.TEST_ARTIFACT_DIR ??= path.join(tmp, 'artifacts');
  const services: Service[] = [];
  const children: ChildProcess[] = [];

  const teardown = async () => {
    await Promise.all(children.map((c) => new Promise<void>((r) => (c.exitCode !== null ? r() : (c.once('exit', () => r()), c.kill('SIGTERM'))))));
    for (const s of services.reverse()) await s.stop();
    rmSync(tmp, { recursive: true, force: true });
  };

  try {
    let databaseUrl = process.env.TEST_DATABASE_URL;
    if (!databaseUrl) {
      const pgs = await startPostgres({
        dataDir: path.join(tmp, 'pg'),
        password: 'basalt-test',
        database: 'basalt_test',
        logFile: path.join(tmp, 'postgres.log'),
        settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '200' },
      });
      services.push(pgs);
      databaseUrl = pgs.url;
    }
    let redisUrl = process.env.TEST_REDIS_URL;
    if (!redisUrl) {
      const r = await startRedis({ dir: path.join(tmp, 'redis'), logFile: path.join(tmp, 'redis.log'), persist: false });
      services.push(r);
      redisUrl = r.url;
    }

    await migrateControlSchema(databaseUrl);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const dir = path.join(root, 'test/fixtures');
      for (const f of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
        try {
          await client.query(readFileSync(path.join(dir, f), 'utf8'));
        } catch (e) {
          throw new Error(`fixture ${f} failed: ${(e as Error).message}`);
        }
      }
    } finally {
      await client.end();
    }

    const [port, functionsPort] = [await freePort(), await freePort()];
    const env = { ...process.env, ...testEnv({ databaseUrl, redisUrl, port, functionsPort }) };
    const start = (entry: string) =>
      new Promise<void>((resolve, reject) => {
        const child = fork(path.join(root, entry), [], { env, execArgv: ['--import', 'tsx'], stdio: 'inherit' });
        children.push(child);
        child.on('message', (m: { ready?: boolean }) => m?.ready && resolve());
        child.once('exit', (code) => reject(new Error(`${entry} exited during test setup (code ${code})`)));
      });
    await Promise.all([start('src/api/main.ts'), start('src/workers/main.ts'), start('src/functions/main.ts')]);

    project.provide('apiUrl', `http://127.0.0.1:${port}`);
    project.provide('databaseUrl', databaseUrl);
    project.provide('redisUrl', redisUrl);
  } catch (e) {
    await teardown();
    throw e;
  }
  return teardown;
}
