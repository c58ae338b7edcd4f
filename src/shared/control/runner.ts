import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import pg from 'pg';
import { serverSession, transactionOn } from '../db/pool.ts';

/** Basalt's own schema in the managed database. */
export const CONTROL_SCHEMA = 'basalt';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
// Any fixed 64-bit key works; it only has to be the same for every instance.
const LOCK_KEY = 7_403_112_001;

interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function listMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f.slice(5, -4), sql: readFileSync(path.join(MIGRATIONS_DIR, f), 'utf8') }));
}

/**
 * Creates or upgrades the control schema. Holds a session advisory lock so that
 * instances starting together apply each migration once, one after the other.
 */
export async function migrateControlSchema(databaseUrl: string): Promise<number[]> {
  const client = new pg.Client(serverSession(databaseUrl, 'basalt-control-migrations'));
  await client.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${CONTROL_SCHEMA}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${CONTROL_SCHEMA}.control_migrations (
         version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${CONTROL_SCHEMA}.control_migrations`);
    const done = new Set(rows.map((r) => r.version));
    for (const m of listMigrations()) {
      if (done.has(m.version)) continue;
      try {
        await transactionOn(client, async (c) => {
          await c.query(m.sql);
          await c.query(`INSERT INTO ${CONTROL_SCHEMA}.control_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
        });
        applied.push(m.version);
      } catch (e) {
        throw new Error(`control migration ${m.version}_${m.name} failed: ${(e as Error).message}`);
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    await client.end();
  }
  return applied;
}
