import pg from 'pg';
import { serverSession, transactionOn } from '../db/pool.ts';

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
    const lock = opts.lockKey;
    await transactionOn(client, fn, lock === undefined ? {} : { setup: async (c) => void (await c.query('SELECT pg_catalog.pg_advisory_xact_lock($1)', [lock])) });
  } finally {
    await client.end().catch(() => {});
  }
}
