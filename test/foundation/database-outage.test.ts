/**
 * PostgreSQL going away, as a client of each surface sees it: 503 (504 for a pool wait) with
 * Retry-After in the surface's envelope, never a 500 or a hang, and recovery without a restart.
 * The API under test is its own process on a database of its own, reached through a TCP proxy
 * that the test takes down and brings back (test/support/tcp-proxy.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, databaseUrl, db, redisUrl, testEnv } from '../support/env.ts';
import { freePort } from '../../scripts/local-services.ts';
import { poll, startProcess, stopProcess, whenReady, type Started } from '../support/processes.ts';
import { tcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { anonKey } from '../support/keys.ts';

const DB = `basalt_outage_${process.pid}`;
let proxy: TcpProxy;
let api: Started;
let base = '';

interface Answer {
  what: string;
  status: number;
  retryAfter: string | null;
  ms: number;
  body: string;
}

const PROBES: { what: string; path: string; headers?: Record<string, string> }[] = [
  { what: 'data API read', path: '/rest/v1/items?id=eq.1' },
  { what: 'admin tables', path: '/api/tables', headers: { Authorization: adminAuth } },
  { what: 'admin rows', path: '/api/table/items', headers: { Authorization: adminAuth } },
  { what: 'pg-meta tables', path: '/tables', headers: { Authorization: adminAuth } },
  { what: 'database records', path: '/api/database/records/items', headers: { apikey: anonKey } },
];

async function probe(p: (typeof PROBES)[number]): Promise<Answer> {
  const t0 = Date.now();
  const headers = { ...(p.headers ?? {}) };
  const r = await fetch(`${base}${p.path}`, { headers, signal: AbortSignal.timeout(10_000) });
  return { what: p.what, status: r.status, retryAfter: r.headers.get('retry-after'), ms: Date.now() - t0, body: await r.text() };
}

beforeAll(async () => {
  await db().query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await db().query(`CREATE DATABASE ${DB}`);
  const target = new URL(databaseUrl);
  proxy = await tcpProxy(target.hostname, Number(target.port));
  const via = new URL(databaseUrl);
  via.port = String(proxy.port);
  via.pathname = `/${DB}`;
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...testEnv({ databaseUrl: via.toString(), redisUrl, port }),
    DB_SCHEMAS: 'public',
    QUEUE_PREFIX: `outage${port}`,
    DB_CONNECT_TIMEOUT_MS: '1000',
    DB_POOL_MAX: '2',
  };
  delete env.DB_PRE_REQUEST; // the shared fixtures' hook does not exist in this database
  api = startProcess('src/api/main.ts', env);
  await whenReady(api);
  const c = new URL(databaseUrl);
  c.pathname = `/${DB}`;
  const { default: pg } = await import('pg');
  const own = new pg.Client({ connectionString: c.toString() });
  await own.connect();
  await own.query(`CREATE TABLE public.items (id int PRIMARY KEY, name text); INSERT INTO public.items VALUES (1, 'one'); GRANT SELECT ON public.items TO anon;
    CREATE FUNCTION public.slow() RETURNS int LANGUAGE sql AS 'SELECT 1 FROM pg_sleep(2.5)'; GRANT EXECUTE ON FUNCTION public.slow() TO anon;
    NOTIFY pgrst, 'reload schema'`);
  await own.end();
  await poll(async () => ((await probe(PROBES[0])).status === 200 ? true : undefined), 'the table to be served', 10_000, 50);
}, 60_000);

afterAll(async () => {
  if (api) await stopProcess(api, 'SIGKILL');
  await proxy?.close();
  await db().query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
});

describe('PostgreSQL unavailable', () => {
  it('while it is down for 3 s under load: 503/504 with Retry-After in each surface’s envelope, no 500, no hang; then it serves again without a restart', async () => {
    for (const p of PROBES) expect((await probe(p)).status, p.what).toBe(200);
    const answers: (Answer & { phase: string })[] = [];
    let phase = 'before';
    let stop = false;
    const load = async () => {
      for (let i = 0; !stop; i++) {
        const p = PROBES[i % PROBES.length];
        const at = phase;
        answers.push({ ...(await probe(p)), phase: at });
      }
    };
    const loops = Array.from({ length: 4 }, load);
    await new Promise((r) => setTimeout(r, 300));
    phase = 'down';
    await proxy.down();
    await new Promise((r) => setTimeout(r, 3000));
    phase = 'up';
    await proxy.up();
    // Recovery: every surface answers 200 again, by itself.
    await poll(async () => {
      const all = await Promise.all(PROBES.map(probe));
      return all.every((a) => a.status === 200) ? true : undefined;
    }, 'every surface to recover', 15_000, 200);
    stop = true;
    await Promise.all(loops);

    expect(api.child.exitCode).toBeNull();
    const fiveHundreds = answers.filter((a) => a.status === 500);
    expect(fiveHundreds, JSON.stringify(fiveHundreds.slice(0, 3))).toEqual([]);
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused.length, 'some requests met the outage').toBeGreaterThan(0);
    for (const a of refused) {
      expect([503, 504], `${a.what}: ${a.status} ${a.body}`).toContain(a.status);
      expect(Number(a.retryAfter), `${a.what}: Retry-After`).toBeGreaterThan(0);
      const body = JSON.parse(a.body);
      if (a.what === 'data API read') expect(body.code, a.body).toMatch(/^PGRST00[0-3]$|^57P0\d$/);
      else if (a.what === 'pg-meta tables') expect(typeof body.error, a.body).toBe('string');
      else if (a.what === 'database records') expect(a.body).toMatch(/"code"|"error"/);
      else expect(body, a.body).toMatchObject({ error: expect.stringMatching(/^DATABASE_/), statusCode: a.status });
    }
    // No request hung: each answered within the connect timeout and a margin.
    const slowest = Math.max(...answers.map((a) => a.ms));
    expect(slowest).toBeLessThan(3500);
  }, 60_000);

  it('every backend terminated: the next requests succeed', async () => {
    for (const p of PROBES) expect((await probe(p)).status, p.what).toBe(200);
    const { rows } = await db().query(`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1`, [DB]);
    expect(rows[0].n).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    for (let round = 0; round < 3; round++) {
      for (const p of PROBES) {
        const a = await probe(p);
        expect(a.status, `${p.what}: ${a.body}`).toBe(200);
      }
    }
  }, 30_000);

  it('every pooled connection busy: 504 PGRST003 after DB_CONNECT_TIMEOUT_MS, with Retry-After', async () => {
    const busy = [1, 2].map(() => fetch(`${base}/rest/v1/rpc/slow`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }));
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const r = await fetch(`${base}/rest/v1/items?id=eq.1`);
    const ms = Date.now() - t0;
    expect(r.status).toBe(504);
    expect(await r.json()).toEqual({ code: 'PGRST003', message: 'Timed out acquiring connection from connection pool.', details: null, hint: null });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(ms).toBeLessThan(2000);
    for (const b of await Promise.all(busy)) expect(b.status).toBe(200);
    expect((await fetch(`${base}/rest/v1/items?id=eq.1`)).status).toBe(200);
  }, 30_000);

  it('/api/live answers while the database is down; /api/ready says 503 until it is back', async () => {
    await proxy.down();
    try {
      expect((await fetch(`${base}/api/live`)).status).toBe(200);
      const ready = await fetch(`${base}/api/ready`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).not.toBeNull();
    } finally {
      await proxy.up();
    }
    await poll(async () => ((await fetch(`${base}/api/ready`)).status === 200 ? true : undefined), 'ready again', 10_000, 100);
  }, 30_000);
});
