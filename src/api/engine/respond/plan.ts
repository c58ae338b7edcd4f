/**
 * `Accept: application/vnd.pgrst.plan…` (DB_PLAN_ENABLED): the request's statement under
 * EXPLAIN, with the options asked for, in a transaction that always rolls back (ANALYZE runs it).
 */
import type { Pool } from '../../../shared/db/pool.ts';
import { runStatementsInRequestTx, type TxContext } from '../execute.ts';
import type { RestResponse } from '../read.ts';
import { contentType, type Media } from './media.ts';

export type PlanMedia = Extract<Media, { kind: 'plan' }>;

export async function explainResponse(pool: Pool, ctx: TxContext, statement: { sql: string; params: unknown[] }, media: PlanMedia): Promise<RestResponse> {
  // The options are from a fixed list (media.ts), never the client's text.
  const options = [`FORMAT ${media.format === 'json' ? 'JSON' : 'TEXT'}`, ...media.options.map((o) => o.toUpperCase())];
  const [result] = await runStatementsInRequestTx(pool, { ...ctx, rollback: true }, [{ sql: `EXPLAIN (${options.join(', ')}) ${statement.sql}`, params: statement.params }]);
  const lines = result.rows.map((r: Record<string, unknown>) => r['QUERY PLAN']);
  const body = media.format === 'json' ? JSON.stringify(lines[0]) : lines.join('\n');
  return { status: 200, headers: { 'Content-Type': contentType(media) }, body };
}
