import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { ApiError, fail } from '../../shared/errors.ts';
import { splitStatements } from '../../shared/sql/statements.ts';
import { checkStatements, type SqlMode } from '../../shared/sql/strict-rules.ts';
import { runSqlTransaction } from '../../shared/sql/run-sql.ts';
import type { Services } from '../services.ts';

export const rawSqlBody = z.object({
  query: z.string().min(1, 'is required'),
  params: z.array(z.unknown()).optional(),
});


/**
 * POST /api/database/advance/rawsql (strict) and /advance/rawsql/unrestricted (relaxed).
 * The query is parsed by PostgreSQL's parser and checked against src/shared/sql/strict-rules.ts,
 * then run by src/shared/sql/run-sql.ts: its own transaction with SET LOCAL statement_timeout,
 * the last statement's result, the connection discarded afterwards. Each mode runs as its own
 * login (basalt_sql_strict / basalt_sql_relaxed, src/shared/control/sql-roles.ts), never the
 * server's: the rules explain refusals, the role's rights are what holds.
 */
export function rawsqlRoutes(s: Services): Router {
  const r = Router();
  const handler = (mode: SqlMode) => async (req: Request, res: Response) => {
    const parsed = rawSqlBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw fail('VALIDATION_ERROR', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    }
    const { query, params = [] } = parsed.data;
    const statements = await splitStatements(query);
    if (statements.length === 0) throw fail('VALIDATION_ERROR', 'query: contains no SQL statements');
    if (params.length > 0 && statements.length > 1) {
      throw fail('VALIDATION_ERROR', `query: with params, only one statement is allowed (found ${statements.length})`);
    }
    const violation = checkStatements(statements, mode);
    if (violation) {
      const where = statements.length > 1 ? ` (statement ${violation.index + 1})` : '';
      throw new ApiError(violation.status, 'SQL_NOT_ALLOWED', `${violation.message}${where}`);
    }

    const { result: last } = await runSqlTransaction(s.sqlRolePools.of(mode), { sql: query, params, timeoutMs: s.config.DB_STATEMENT_TIMEOUT_MS });
    res.json({
      rows: last.rows ?? [],
      rowCount: last.rowCount ?? 0,
      command: last.command ?? null,
      fields: (last.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
    });
  };
  r.post('/advance/rawsql', handler('strict'));
  r.post('/advance/rawsql/unrestricted', handler('relaxed'));
  return r;
}
