import pg from 'pg';
import { serverSession } from '../db/pool.ts';

/**
 * One transaction on a connection of its own, as the server's user: set-up work such as the
 * start-up steps that change roles and their passwords, or a new project database's bootstrap.
 * With `lockKey`, under a transaction-level advisory lock, so that processes or instances
 * starting together do not race ("tuple concurrently updated").
 */
export async function setupTransaction(
  databaseUrl: string,
  fn: (c: pg.Client) => Promise<void>,
  opts: { lockKey?: number; applicationName?: string } = {},
): Promise<void> {
  const client = new pg.Client(serverSession(databaseUrl, opts.applicationName ?? 'basalt-setup'));
  try {
    await client.connect();
    await client.query('BEGIN');
    if (opts.lockKey !== undefined) await client.query('SELECT pg_catalog.pg_advisory_xact_lock($1)', [opts.lockKey]);
    await fn(client);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    await client.end().catch(() => {});
  }
}
