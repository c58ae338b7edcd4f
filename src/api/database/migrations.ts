import { Router } from 'express';
import { isApiError, fail } from '../../shared/errors.ts';
import { migrationPayload, type MigrationResult } from '../../shared/jobs/payloads/migrations.ts';
import { splitStatements } from '../../shared/sql/statements.ts';
import type { Services } from '../services.ts';
import { runJob } from '../jobs/respond.ts';

interface HistoryRow {
  version_text: string;
  name: string;
  statements: string[];
  created_at: Date;
}

/**
 * GET  /api/database/migrations: the history of applied custom migrations, oldest first.
 * POST /api/database/migrations: checks the request, then applies it as a `migrations` job
 * (see src/workers/migrations.ts), answered synchronously or, with Prefer: respond-async, 202.
 */
export function migrationsRoutes(s: Services): Router {
  const r = Router();

  r.get('/migrations', async (_req, res) => {
    const { rows } = await s.pool.query<HistoryRow>(
      `SELECT version_text, name, statements, created_at FROM basalt.user_migrations ORDER BY version`,
    );
    res.json({
      migrations: rows.map((m) => ({ version: m.version_text, name: m.name, statements: m.statements, createdAt: m.created_at.toISOString() })),
    });
  });

  r.post('/migrations', async (req, res) => {
    const parsed = migrationPayload.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw fail('VALIDATION_ERROR', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    }
    const p = parsed.data;
    const statements = await splitStatements(p.sql);
    if (statements.length === 0) throw fail('VALIDATION_ERROR', 'sql: contains no SQL statements');
    const tx = statements.findIndex((st) => st.type === 'TransactionStmt');
    if (tx !== -1) {
      throw fail('TRANSACTION_CONTROL_NOT_ALLOWED',
        `Statement ${tx + 1} (${statements[tx]!.text}) is transaction control; a migration already runs in its own transaction, so BEGIN, COMMIT, ROLLBACK and SAVEPOINT are not allowed`,
      );
    }
    // Early answer for the common case; the worker checks again under its lock.
    const latest = await s.pool.query<{ version_text: string }>(
      `SELECT version_text FROM basalt.user_migrations WHERE version >= $1::numeric ORDER BY version DESC LIMIT 1`,
      [p.version],
    );
    if (latest.rows[0]) throw versionConflict(p.version, latest.rows[0].version_text);

    // A failing statement (400 MIGRATION_FAILED) or a version taken meanwhile (409) comes back as is.
    await runJob(s, req, res, 'migrations', p, async (status) => {
      res.status(201).json(status.result as MigrationResult);
    });
  });

  return r;
}

const versionConflict = (version: string, latest: string) =>
  fail('MIGRATION_VERSION_CONFLICT', `Migration version ${version} must be greater than the latest applied version ${latest}`);
