/**
 * POST /api/query {sql, schema} (contract: the seed's "Queries"): the admin's SQL console.
 * It runs as the API's database owner, unsandboxed, like the admin themselves, except in a
 * project schema: there it runs in the tenant's own session as the tenant's owner, so the
 * tenant's functions, operators and triggers that the SQL meets never get more. What it
 * guarantees is the frame: one transaction, search_path set to the schema (SET LOCAL,
 * the name passed as a bind parameter), and the statement timeout (DB_STATEMENT_TIMEOUT_MS,
 * default 30 s, the seed's figure). Hence the only refusals: transaction control (COMMIT
 * would end that frame early) and changing statement_timeout. Several statements run in
 * order; the answer is the last one's result. Running and error mapping are shared with
 * the Database API's raw SQL (src/shared/sql/run-sql.ts).
 */
import { Router } from 'express';
import { z } from 'zod';
import { fail } from '../../shared/errors.ts';
import { splitStatements, type ParsedStatement } from '../../shared/sql/statements.ts';
import { runSqlTransaction } from '../../shared/sql/run-sql.ts';
import type { Services } from '../services.ts';
import { targetSchema } from './table-target.ts';
import { projectOwner } from '../../shared/tenants/schema-tenants.ts';

export const adminQueryBody = z.object({
  sql: z.string({ error: 'sql is required' }).refine((x) => x.trim() !== '', 'sql is required'),
  schema: z.string({ error: 'schema must be a string' }).optional(),
});

/** Statements that would escape the request's transaction or timeout; null when all are fine. */
export function frameViolation(statements: ParsedStatement[]): string | null {
  for (const [i, st] of statements.entries()) {
    const where = statements.length > 1 ? ` (statement ${i + 1})` : '';
    if (st.type === 'TransactionStmt') return `BEGIN, COMMIT, ROLLBACK, SAVEPOINT and the like are not allowed: the query already runs in its own transaction${where}`;
    const set = st.node.VariableSetStmt as { name?: string } | undefined;
    if (st.type === 'VariableSetStmt' && set?.name?.toLowerCase() === 'statement_timeout') {
      return `Changing statement_timeout is not allowed: queries run under the server's timeout (DB_STATEMENT_TIMEOUT_MS)${where}`;
    }
  }
  return null;
}

export function adminQueryRoutes(s: Services): Router {
  const r = Router();
  r.post('/query', async (req, res) => {
    const parsed = adminQueryBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fail('VALIDATION_ERROR', parsed.error.issues.map((i) => i.message).join('; '));
    const schema = await targetSchema(s.pool, req);
    const statements = await splitStatements(parsed.data.sql);
    if (statements.length === 0) throw fail('VALIDATION_ERROR', 'sql contains no SQL statements');
    const refused = frameViolation(statements);
    if (refused) throw fail('SQL_NOT_ALLOWED', refused);
    const owner = await projectOwner(s.pool, schema);
    const { result, durationMs } = await runSqlTransaction(owner ? s.tenantPools.work(schema) : s.pool, {
      sql: parsed.data.sql,
      timeoutMs: s.config.DB_STATEMENT_TIMEOUT_MS,
      searchPath: schema,
      role: owner,
    });
    res.json({
      rows: result.rows ?? [],
      fields: (result.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
      rowCount: result.rowCount ?? 0,
      duration: durationMs,
    });
  });
  return r;
}
