/**
 * X-Connection-Encrypted: a connection string encrypted as CryptoJS.AES.encrypt does it
 * (postgres-meta's scheme) reaches a second, separate PostgreSQL cluster started here.
 * Bad headers are 400s, unreachable targets 502s, and the plaintext never reaches the logs.
 */
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl } from '../support/env.ts';
import { TEST_CRYPTO_KEY } from '../support/test-env.ts';
import { isolatedStack, type IsolatedStack } from '../support/isolated-stack.ts';
import { toReply, type Reply } from '../support/http.ts';
import { freePort, startPostgres, type Service } from '../../scripts/local-services.ts';
import { encryptCryptoJsAes } from '../../src/api/pg-meta/crypto-js-aes.ts';
import { TargetPools, targetPoolConfig } from '../../src/api/pg-meta/target-pools.ts';

// A password that would stand out in any log line.
const SECOND_PASSWORD = 'second-cluster-Pa55-zq81';
const MARKER_TABLE = 'only_on_second_cluster';
let tmp: string;
let second: Service;
let secondUrl: string;

/** A URL of the second cluster with another database or password. */
const variant = (o: { db?: string; password?: string }) => {
  const u = new URL(secondUrl);
  if (o.db) u.pathname = `/${o.db}`;
  if (o.password) u.password = o.password;
  return u.toString();
};

async function query(sql: string, headers: Record<string, string> = {}, base = apiUrl): Promise<Reply> {
  return toReply(
    await fetch(`${base}/query`, {
      method: 'POST',
      headers: { Authorization: adminAuth, 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ query: sql }),
    }),
  );
}
const via = (url: string, key = TEST_CRYPTO_KEY) => ({ 'X-Connection-Encrypted': encryptCryptoJsAes(url, key) });

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'basalt-pgmeta-second-'));
  chmodSync(tmp, 0o755);
  second = await startPostgres({
    dataDir: path.join(tmp, 'pg'),
    password: SECOND_PASSWORD,
    database: 'second_db',
    logFile: path.join(tmp, 'postgres.log'),
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
  });
  secondUrl = second.url;
  const c = new pg.Client({ connectionString: secondUrl });
  await c.connect();
  await c.query(`CREATE TABLE ${MARKER_TABLE} (id int, cluster text); INSERT INTO ${MARKER_TABLE} VALUES (1, 'second')`);
  await c.end();
}, 120_000);

afterAll(async () => {
  await second?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('X-Connection-Encrypted', () => {
  it('runs the query on the second cluster named by the encrypted connection string', async () => {
    const r = await query(`SELECT cluster, current_database() AS db, current_setting('port') AS port FROM ${MARKER_TABLE}`, via(secondUrl));
    expect(r.status).toBe(200);
    expect(r.json()).toEqual([{ cluster: 'second', db: 'second_db', port: new URL(secondUrl).port }]);
    // Without the header, the server's own database, where that table does not exist.
    const own = await query(`SELECT to_regclass('${MARKER_TABLE}') AS t, current_database() AS db`);
    expect(own.json()[0]).toMatchObject({ t: null });
    expect(own.json()[0].db).not.toBe('second_db');
  });

  it('accepts a header made by real CryptoJS / OpenSSL (fixed vector)', async () => {
    // `printf %s "$URL" | openssl enc -aes-256-cbc -md md5 -salt -a -A -pass pass:$KEY` is the same format as
    // CryptoJS.AES.encrypt(url, key).toString(); the unit test pins a fixed vector, here one through HTTP.
    const { execFileSync } = await import('node:child_process');
    let header: string;
    try {
      header = execFileSync('openssl', ['enc', '-aes-256-cbc', '-md', 'md5', '-salt', '-a', '-A', '-pass', `pass:${TEST_CRYPTO_KEY}`], {
        input: secondUrl,
        stdio: ['pipe', 'pipe', 'ignore'],
      }).toString();
    } catch {
      return; // no openssl binary: the unit test's fixed vectors still cover the format
    }
    expect(header.startsWith('U2FsdGVkX1')).toBe(true);
    const r = await query(`SELECT cluster FROM ${MARKER_TABLE}`, { 'X-Connection-Encrypted': header });
    expect(r.json()).toEqual([{ cluster: 'second' }]);
  });

  it('a Postgres error on the target is a 400 with its fields, like on the server database', async () => {
    const r = await query('SELECT * FROM no_such_table_here', via(secondUrl));
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ code: '42P01', position: '15' });
  });

  it('a header encrypted with another key → 400, no connection attempted', async () => {
    const r = await query('SELECT 1', via(secondUrl, 'not-the-server-key'));
    expect(r.status).toBe(400);
    expect(r.json().error).toMatch(/X-Connection-Encrypted could not be decrypted/);
    expect(r.text).not.toContain(SECOND_PASSWORD);
  });

  it('garbage, or ciphertext of something that is not a postgres URL → 400', async () => {
    for (const header of ['%%%not-base64%%%', 'U2FsdGVkX1+AAAAAAAAAAA==', encryptCryptoJsAes('mysql://u:p@h/db', TEST_CRYPTO_KEY), encryptCryptoJsAes('not a url', TEST_CRYPTO_KEY)]) {
      const r = await query('SELECT 1', { 'X-Connection-Encrypted': header });
      expect(r.status, header).toBe(400);
      expect(r.json().error).toMatch(/X-Connection-Encrypted/);
    }
  });

  it('an unreachable target → 502 with a clear message and without the connection string', async () => {
    const port = await freePort();
    const url = `postgres://someone:${SECOND_PASSWORD}@127.0.0.1:${port}/nowhere`;
    const r = await query('SELECT 1', via(url));
    expect(r.status).toBe(502);
    expect(r.json().error).toBe('could not connect to the target database (X-Connection-Encrypted): connection refused');
    expect(r.text).not.toContain(SECOND_PASSWORD);
    expect(r.text).not.toContain('someone');
  });

  it('a wrong password or an unknown database on a reachable target → 502', async () => {
    const bad = await query('SELECT 1', via(variant({ password: 'wrong-password-77' })));
    expect(bad.status).toBe(502);
    expect(bad.json().error).toMatch(/authentication failed/);
    expect(bad.text).not.toContain('wrong-password-77');
    const nodb = await query('SELECT 1', via(variant({ db: 'no_such_db' })));
    expect(nodb.status).toBe(502);
    expect(nodb.json().error).toMatch(/database does not exist/);
  });
});

describe('X-Connection-Encrypted on an API of its own', () => {
  let stack: IsolatedStack | undefined;
  let noKey: IsolatedStack | undefined;
  beforeAll(async () => {
    [stack, noKey] = await Promise.all([
      isolatedStack('pgmetaconn', { LOG_LEVEL: 'trace' }),
      isolatedStack('pgmetanokey', { CRYPTO_KEY: '' }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([stack?.stop(), noKey?.stop()]);
  });

  it('without CRYPTO_KEY the header is refused with 400 "encrypted connections are not enabled"', async () => {
    const r = await query('SELECT 1', via(secondUrl), noKey!.base);
    expect(r.status).toBe(400);
    expect(r.json().error).toMatch(/^encrypted connections are not enabled/);
    // The server's own database still answers without the header.
    expect((await query('SELECT 1 AS one', {}, noKey!.base)).json()).toEqual([{ one: 1 }]);
  });

  it('never writes the plaintext connection string or password to its log, even at trace level', async () => {
    const s = stack!;
    expect((await query(`SELECT cluster FROM ${MARKER_TABLE}`, via(secondUrl), s.base)).status).toBe(200);
    expect((await query('SELECT * FROM nope', via(secondUrl), s.base)).status).toBe(400);
    expect((await query('SELECT 1', via(variant({ password: `${SECOND_PASSWORD}-wrong` })), s.base)).status).toBe(502);
    const deadPort = await freePort();
    expect((await query('SELECT 1', via(`postgres://u:${SECOND_PASSWORD}@127.0.0.1:${deadPort}/x`), s.base)).status).toBe(502);
    await new Promise((r) => setTimeout(r, 300)); // let the last log lines flush
    const out = s.started[0].output();
    expect(out).toMatch(/"url":"\/query"/); // it does log requests at this level
    expect(out).not.toContain(SECOND_PASSWORD);
    expect(out).not.toContain(encodeURIComponent(SECOND_PASSWORD));
    expect(out).not.toContain(secondUrl);
    expect(out).not.toContain('postgres://');
  });
});

describe('target pools (bounded, LRU, idle close)', () => {
  it('reads sslmode as postgres-meta does', () => {
    expect(targetPoolConfig('postgres://u:p@h/db').ssl).toBeUndefined();
    expect(targetPoolConfig('postgres://u:p@h/db?sslmode=disable').ssl).toBe(false);
    expect(targetPoolConfig('postgres://u:p@h/db?sslmode=no-verify').ssl).toEqual({ rejectUnauthorized: false });
    const req = targetPoolConfig('postgres://u:p@h/db?sslmode=require&application_name=x');
    expect(req.ssl).toEqual({ rejectUnauthorized: true });
    expect(req.connectionString).toBe('postgres://u:p@h/db?application_name=x');
  });


  it('keeps at most maxTargets pools, closes the least recently used and idle ones', async () => {
    const pools = new TargetPools({ maxTargets: 2, poolMax: 2, idleMs: 1000, connectTimeoutMs: 5000, statementTimeoutMs: 5000 });
    try {
      const a = pools.acquire(variant({ db: 'second_db' }));
      const b = pools.acquire(variant({ db: 'postgres' }));
      expect(pools.acquire(variant({ db: 'second_db' })).pool).toBe(a.pool); // same target, same pool
      await a.pool.query('SELECT 1');
      await b.pool.query('SELECT 1');
      a.release();
      b.release();
      // A third target evicts the least recently used (postgres: second_db was used again after it).
      const c = pools.acquire(variant({ db: 'template1' }));
      expect(pools.size).toBe(2);
      await expect(b.pool.query('SELECT 1')).rejects.toThrow(/after calling end/);
      // A pool in use when evicted is closed only when released.
      const d = pools.acquire(variant({ db: 'postgres' })); // evicts second_db (a, still leased twice)
      await expect(a.pool.query('SELECT 1')).resolves.toBeTruthy();
      c.release();
      d.release();
      // Idle: nothing uses them for idleMs → closed.
      pools.sweep(Date.now() + 1500);
      expect(pools.size).toBe(0);
      await expect(d.pool.query('SELECT 1')).rejects.toThrow(/after calling end/);
    } finally {
      await pools.close();
    }
  });
});
