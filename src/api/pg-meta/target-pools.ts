/**
 * Pools on databases other than the server's own, reached through X-Connection-Encrypted.
 * Bounded: at most `maxTargets` pools (least recently used is closed first), each of at
 * most `poolMax` clients, and a pool unused for `idleMs` is closed. Pools are keyed by a
 * hash of the connection string so the plaintext is never kept as a map key or logged.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../../shared/log.ts';

export interface TargetPoolOptions {
  maxTargets: number;
  poolMax: number;
  idleMs: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  log?: Logger;
}

interface Entry {
  id: string;
  pool: pg.Pool;
  /** Requests currently using the pool: an evicted pool is ended only when this is 0. */
  leases: number;
  lastUsed: number;
  evicted: boolean;
}

export interface TargetLease {
  pool: pg.Pool;
  /** A short, non-secret id of the target (for logs). */
  id: string;
  release(): void;
}

/** pg's PoolConfig for a postgres:// URL, with sslmode handled as postgres-meta does. */
export function targetPoolConfig(connectionString: string): pg.PoolConfig {
  const u = new URL(connectionString);
  const sslmode = u.searchParams.get('sslmode');
  // pg ignores `ssl` when any of these are in the string; keep only sslmode's meaning.
  for (const p of ['sslmode', 'sslca', 'sslkey', 'sslcert', 'sslrootcert']) u.searchParams.delete(p);
  const cfg: pg.PoolConfig = { connectionString: u.toString() };
  if (sslmode === 'disable') cfg.ssl = false;
  else if (sslmode !== null) cfg.ssl = { rejectUnauthorized: sslmode !== 'no-verify' };
  return cfg;
}

export class TargetPools {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly o: TargetPoolOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(250, Math.min(o.idleMs / 2, 30_000)));
    this.sweeper.unref();
  }

  get size(): number {
    return this.entries.size;
  }

  /** The pool for a connection string, created on first use; call release() when the request ends. */
  acquire(connectionString: string): TargetLease {
    if (this.closed) throw new Error('target pools are closed');
    const key = createHash('sha256').update(connectionString).digest('hex');
    let e = this.entries.get(key);
    if (e) {
      this.entries.delete(key); // re-insert: Map order is the LRU order
    } else {
      e = { id: key.slice(0, 12), pool: this.createPool(connectionString, key.slice(0, 12)), leases: 0, lastUsed: 0, evicted: false };
    }
    this.entries.set(key, e);
    e.leases++;
    e.lastUsed = Date.now();
    this.evictOverflow();
    const entry = e;
    let released = false;
    return {
      pool: entry.pool,
      id: entry.id,
      release: () => {
        if (released) return;
        released = true;
        entry.leases--;
        entry.lastUsed = Date.now();
        if (entry.evicted && entry.leases === 0) this.end(entry, 'evicted');
      },
    };
  }

  private createPool(connectionString: string, id: string): pg.Pool {
    const pool = new pg.Pool({
      ...targetPoolConfig(connectionString),
      max: this.o.poolMax,
      idleTimeoutMillis: this.o.idleMs,
      connectionTimeoutMillis: this.o.connectTimeoutMs,
      statement_timeout: this.o.statementTimeoutMs,
      application_name: 'basalt-pg-meta',
    } as pg.PoolConfig);
    // Errors of idle or in-use clients must not crash the process; their messages never hold the password.
    pool.on('error', (err) => this.o.log?.warn({ target: id, err: err.message }, 'pg-meta target: idle client error'));
    pool.on('connect', (c) => c.on('error', (err) => this.o.log?.warn({ target: id, err: err.message }, 'pg-meta target: connection lost')));
    return pool;
  }

  private evictOverflow() {
    while (this.entries.size > this.o.maxTargets) {
      const [key, oldest] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(key);
      oldest.evicted = true;
      if (oldest.leases === 0) this.end(oldest, 'evicted');
    }
  }

  /** Closes pools nobody used for idleMs. */
  sweep(now = Date.now()) {
    for (const [key, e] of this.entries) {
      if (e.leases === 0 && now - e.lastUsed >= this.o.idleMs) {
        this.entries.delete(key);
        this.end(e, 'idle');
      }
    }
  }

  private end(e: Entry, why: string) {
    this.o.log?.debug({ target: e.id, why }, 'pg-meta target: closing pool');
    e.pool.end().catch(() => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.pool.end().catch(() => {})));
  }
}
