import { UnrecoverableError } from 'bullmq';
import { USER_SEARCH_PATH, withTransaction, type Pool } from '../shared/db/pool.ts';
import { isServerFault, pgErrorKind } from '../shared/db/sqlstate.ts';
import type { Logger } from '../shared/log.ts';
import { splitStatements } from '../shared/sql/statements.ts';
import { isApiError } from '../shared/errors.ts';
import { jobClientError } from '../shared/jobs/client-error.ts';
import type { JobProgress } from '../shared/jobs/payloads.ts';
import { percentOf, ProgressTicker } from './job-progress.ts';
import type { MigrationPayload, MigrationResult } from '../shared/jobs/payloads/migrations.ts';

/** Serialises custom migrations across every worker; any fixed key works. */
export const MIGRATIONS_LOCK_KEY = 7_403_112_006;

interface Ctx {
  jobId: string;
  pool: Pool;
  log: Logger;
  signal?: AbortSignal;
  progress?: (p: JobProgress) => Promise<void>;
}

interface HistoryRow {
  version_text: string;
  name: string;
  statements: string[];
  job_id: string | null;
  created_at: Date;
}

// A migration the database refused is the client's error (see shared/jobs/client-error.ts).
const MIGRATION_ERROR = { failed: 'failed', conflict: 'conflict' } as const;
const refused = (kind: keyof typeof MIGRATION_ERROR, message: string) =>
  kind === 'conflict' ? jobClientError('MIGRATION_VERSION_CONFLICT', message) : jobClientError('MIGRATION_FAILED', message);

const short = (s: string, max = 200) => (s.length > max ? `${s.slice(0, max)}…` : s);

const result = (r: HistoryRow): MigrationResult => ({
  version: r.version_text,
  name: r.name,
  statements: r.statements,
  createdAt: r.created_at.toISOString(),
  message: 'Migration executed successfully',
});

/**
 * Applies one custom migration: every statement in one transaction, under an
 * advisory lock so that two migrations never interleave, recorded in
 * basalt.user_migrations only if all succeed. The schema cache reload (NOTIFY)
 * is sent in the same transaction, so listeners hear it only on commit.
 *
 * Idempotent: a retry of a job whose earlier attempt committed finds its own
 * record (same job id) and returns it without running anything again.
 * Refusals (bad SQL, a failing statement, a version already taken) fail the job
 * without retries; anything else (lost connection, …) is retried by BullMQ.
 */
export async function runMigration(p: MigrationPayload, ctx: Ctx): Promise<MigrationResult> {
  let statements;
  try {
    statements = await splitStatements(p.sql);
  } catch (e) {
    if (isApiError(e)) throw refused(MIGRATION_ERROR.failed, e.message);
    throw e;
  }
  if (statements.length === 0) throw refused(MIGRATION_ERROR.failed, 'The migration contains no SQL statements');
  const tx = statements.find((s) => s.type === 'TransactionStmt');
  if (tx) throw refused(MIGRATION_ERROR.failed, `Transaction control is not allowed in a migration: ${short(tx.text)}`);

  // The connection is discarded afterwards: a migration may SET ROLE, search_path, … for the
  // session, and none of that may reach the next job that borrows it.
  let done = 0;
  let rowsAffected = 0;
  let bytes = 0;
  const ticker = new ProgressTicker(ctx.progress ?? (async () => {}), () => ({
    rows: rowsAffected,
    bytes,
    statements: done,
    totalStatements: statements.length,
    percent: percentOf(done, statements.length),
  }));
  let pid: number | undefined;
  // Cancelling the job cancels the statement in flight; the transaction then rolls back.
  const onAbort = () => void (pid && ctx.pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => {}));
  ctx.signal?.addEventListener('abort', onAbort);
  let committing = false;
  try {
    const out = await withTransaction(
      ctx.pool,
      async (client) => {
        const own = await client.query<HistoryRow>(
          `SELECT version_text, name, statements, job_id, created_at FROM basalt.user_migrations WHERE version = $1::numeric`,
          [p.version],
        );
        if (own.rows[0]?.job_id === ctx.jobId) {
          ctx.log.info({ version: p.version }, 'migration already applied by an earlier attempt of this job');
          return { row: own.rows[0], applied: false };
        }
        const latest = await client.query<{ version_text: string }>(
          `SELECT version_text FROM basalt.user_migrations WHERE version >= $1::numeric ORDER BY version DESC LIMIT 1`,
          [p.version],
        );
        if (latest.rows[0]) {
          throw refused(
            MIGRATION_ERROR.conflict,
            `Migration version ${p.version} must be greater than the latest applied version ${latest.rows[0].version_text}`,
          );
        }

        for (const [i, s] of statements.entries()) {
          if (ctx.signal?.aborted) throw new Error('cancelled');
          try {
            const r = await client.query(s.text);
            rowsAffected += (Array.isArray(r) ? 0 : r.rowCount) ?? 0;
            bytes += Buffer.byteLength(s.text);
            done++;
          } catch (e) {
            if (ctx.signal?.aborted) throw e;
            const pg = e as Error & { code?: string; detail?: string; hint?: string };
            const extra = [pg.detail, pg.hint && `Hint: ${pg.hint}`].filter(Boolean).join(' ');
            throw refused(
              MIGRATION_ERROR.failed,
              `Statement ${i + 1} of ${statements.length} failed: ${short(s.text)}: ${pg.message}${pg.code ? ` (SQLSTATE ${pg.code})` : ''}${extra ? `. ${extra}` : ''}. Nothing was applied.`,
            );
          }
        }

        const texts = statements.map((s) => `${s.text};`);
        // The migration may have switched roles for the session; record it as ourselves.
        await client.query('RESET SESSION AUTHORIZATION; RESET ROLE');
        const { rows } = await client.query<HistoryRow>(
          `INSERT INTO basalt.user_migrations (version, version_text, name, statements, job_id)
           VALUES ($1::numeric, $2::text, $3, $4, $5)
           RETURNING version_text, name, statements, job_id, created_at`,
          [p.version, p.version, p.name, texts, ctx.jobId],
        );
        await client.query(`NOTIFY pgrst, 'reload schema'`);
        committing = true; // deferred constraints are checked at COMMIT, right after this
        return { row: rows[0]!, applied: true };
      },
      {
        setup: async (client) => {
          pid = (await client.query<{ pid: number }>('SELECT pg_catalog.pg_backend_pid() AS pid')).rows[0]!.pid;
          await client.query('SELECT pg_catalog.pg_advisory_xact_lock($1)', [MIGRATIONS_LOCK_KEY]);
          // The migration's own SQL resolves names as a psql session would.
          await client.query(`SELECT pg_catalog.set_config('search_path', $1, true)`, [USER_SEARCH_PATH]);
        },
        // A migration may SET ROLE, search_path, … for the session: none of that may reach the next job.
        discard: true,
      },
    );
    if (out.applied) ctx.log.info({ version: p.version, name: p.name, statements: statements.length }, 'migration applied');
    await ticker.finish();
    return result(out.row);
  } catch (e) {
    const kind = pgErrorKind(e);
    // A failing COMMIT is the migration's fault (a deferred constraint), unless the connection or server failed: then BullMQ retries.
    if (committing && kind && !isServerFault(kind)) {
      throw refused(MIGRATION_ERROR.failed, `The migration failed at COMMIT: ${(e as Error).message} (SQLSTATE ${(e as { code: string }).code}). Nothing was applied.`);
    }
    throw e;
  } finally {
    ticker.stop();
    ctx.signal?.removeEventListener('abort', onAbort);
  }
}
