import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type pg from 'pg';
import { ApiError } from '../../shared/errors.ts';
import { splitStatements } from '../../shared/sql/statements.ts';
import { checkStatements, type SqlMode } from '../../shared/sql/strict-rules.ts';
import type { Services } from '../services.ts';

const body = z.object({
  query: z.string().min(1, 'is required'),
  params: z.array(z.unknown()).optional(),
});

/**
 * POST /api/database/advance/rawsql (strict) and /advance/rawsql/unrestricted (relaxed).
 * The query is parsed by PostgreSQL's parser and checked against src/shared/sql/strict-rules.ts,
 * then run in its own transaction with SET LOCAL statement_timeout. Several statements
 * (without params) run in that one transaction; the answer is the last one's result.
 * The connection is discarded afterwards, so no session state (SET, temp tables,
 * prepared statements, locks) outlives the request.
 */
export function rawsqlRoutes(s: Services): Router {
  const r = Router();
  const handler = (mode: SqlMode) => async (req: Request, res: Response) => {
    const parsed = body.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw new ApiError(400, 'VALIDATION_ERROR', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    }
    const { query, params = [] } = parsed.data;
    const statements = await splitStatements(query);
    if (statements.length === 0) throw new ApiError(400, 'VALIDATION_ERROR', 'query: contains no SQL statements');
    if (params.length > 0 && statements.length > 1) {
      throw new ApiError(400, 'VALIDATION_ERROR', `query: with params, only one statement is allowed (found ${statements.length})`);
    }
    const violation = checkStatements(statements, mode);
    if (violation) {
      const where = statements.length > 1 ? ` (statement ${violation.index + 1})` : '';
      throw new ApiError(violation.status, 'SQL_NOT_ALLOWED', `${violation.message}${where}`);
    }

    const client = await s.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL statement_timeout = ${Number(s.config.DB_STATEMENT_TIMEOUT_MS)}`);
      let out: pg.QueryResult | pg.QueryResult[];
      try {
        out = params.length ? await client.query(query, params) : await client.query(query);
        await client.query('COMMIT'); // deferred constraints are checked here
      } catch (e) {
        throw queryError(e, s.config.DB_STATEMENT_TIMEOUT_MS);
      }
      const last: pg.QueryResult = Array.isArray(out) ? out.at(-1)! : out;
      res.json({
        rows: last.rows ?? [],
        rowCount: last.rowCount ?? 0,
        command: last.command ?? null,
        fields: (last.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
      });
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release(true);
    }
  };
  r.post('/advance/rawsql', handler('strict'));
  r.post('/advance/rawsql/unrestricted', handler('relaxed'));
  return r;
}

/** PostgreSQL errors are the caller's: 400 with PostgreSQL's message, 408 on timeout. */
function queryError(e: unknown, timeoutMs: number): unknown {
  const err = e as Error & { code?: string; detail?: string; hint?: string; position?: string };
  if (typeof err.code !== 'string' || !/^[0-9A-Z]{5}$/.test(err.code)) return e;
  if (err.code === '57014') {
    return new ApiError(408, 'QUERY_TIMEOUT', `The query was cancelled after the statement timeout of ${timeoutMs} ms (DB_STATEMENT_TIMEOUT_MS): ${err.message}`);
  }
  const extra = [err.detail, err.position && `at character ${err.position}`].filter(Boolean).join('; ');
  return new ApiError(400, 'QUERY_FAILED', `${err.message} (SQLSTATE ${err.code})${extra ? `: ${extra}` : ''}`, { hint: err.hint ?? null });
}
