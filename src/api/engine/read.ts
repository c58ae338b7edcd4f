/**
 * A read (GET/HEAD on a table or view) through the whole pipeline:
 * parse → plan → render → execute → respond. No HTTP framework in here.
 */
import type { Pool } from '../../shared/db/pool.ts';
import type { SchemaCacheData } from '../schema-cache/model.ts';
import { ApiError } from '../../shared/errors.ts';
import { parseQueryParams } from './parse/query-params.ts';
import { checkStrict, parsePrefer } from './parse/prefer.ts';
import { combineRanges } from './parse/range.ts';
import { findTable, planRead } from './plan/read-plan.ts';
import { plannedRows, renderCountExplain, renderRead, type BodyFormat } from './render/read.ts';
import { csvDocument } from './respond/csv.ts';
import { runStatementsInRequestTx, type TxContext } from './execute.ts';
import { contentType, negotiate, type Offer } from './respond/media.ts';
import { mediaBodySql } from './render/media-body.ts';
import { outputNames } from './render/read.ts';
import type { SelectItem } from './parse/types.ts';
import type { QualifiedName } from '../schema-cache/model.ts';
import { contentRange, rangeStatus } from './respond/range-status.ts';
import { singularityError, restError, restErrorWith } from './errors.ts';
import { contentLocation } from './respond/content-location.ts';
import { explainResponse } from './respond/plan.ts';
import { applyResponseGucs } from './respond/response-gucs.ts';

export interface RestRequest {
  method: string;
  /** The resource: table or view name (decoded). */
  resource: string;
  /** The raw query string, without `?`. */
  query: string;
  headers: Record<string, string | undefined>;
  schema: string;
  /** Whether to add Content-Profile (more than one schema is exposed). */
  echoProfile: boolean;
  tx: Omit<TxContext, 'readOnly' | 'searchPath'>;
}

export interface RestResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer | null;
  /** Set-Cookie lines from response.headers, each sent as its own header line. */
  cookies?: string[];
}

export interface RestContext {
  cache: SchemaCacheData;
  pool: Pool;
  maxRows?: number;
  /** DB_AGGREGATES_ENABLED */
  aggregates?: boolean;
  /** Accept: application/vnd.pgrst.plan answers EXPLAIN (DB_PLAN_ENABLED). */
  planEnabled?: boolean;
  /** DB_TX_END: whether `Prefer: tx=` is honoured (and so echoed) on reads too. */
  txEnd?: string;
}

export async function handleRead(ctx: RestContext, req: RestRequest): Promise<RestResponse> {
  const q = parseQueryParams(req.query);
  const prefs = parsePrefer(req.headers.prefer);
  if (prefs.handling === 'strict' && prefs.invalid.length) {
    throw restError('PGRST122', 'Invalid preferences given with handling=strict', `Invalid preferences: ${prefs.invalid.join(', ')}`);
  }
  req.tx.timing?.mark('parsed');
  const range = combineRanges(q.ranges.find((r) => r.path.length === 0), req.headers.range, req.method);
  const table = findTable(ctx.cache, req.schema, req.resource);
  const plan = planRead(ctx.cache, table, q, { range, maxRows: ctx.maxRows, aggregates: ctx.aggregates });
  // After planning, as PostgREST: an unknown table or column answers before an unavailable media type.
  const accepted = negotiate(req.headers.accept, false, mediaOffer(ctx, table, q.select, outputNames(plan).length));
  const media = accepted.kind === 'plan' ? accepted.for : accepted;
  checkStrict(prefs);

  const format: BodyFormat = media.kind === 'csv' ? 'csv' : media.kind === 'binary' ? 'binary' : media.kind === 'object' ? 'object' : 'json';
  const stripNulls = (media.kind === 'json' || media.kind === 'object') && media.stripNulls;
  // estimated (PostgREST's rule): the exact count, capped at max-rows + 1; when that exceeds
  // max-rows (always, without max-rows) the larger of it and the planner's estimate.
  const count = prefs.count === 'exact' || (prefs.count === 'estimated' && !ctx.maxRows) ? 'exact' : prefs.count === 'estimated' ? ctx.maxRows! + 1 : undefined;
  // response.headers/status: a pre-request function may set them on reads too.
  // HEAD runs no handler (PostgREST: no aggregate for HEAD).
  const bodyExpr = req.method === 'HEAD' ? undefined : mediaBodySql(media);
  const statements = [renderRead(plan, { format, stripNulls, count, responseGucs: true, bodyExpr })];
  if (prefs.count === 'planned' || prefs.count === 'estimated') statements.push(renderCountExplain(plan));

  // Prepared statements: a read's result columns are the same whatever the table looks like.
  const txCtx = { ...req.tx, readOnly: true, searchPath: [req.schema, 'public'], timezone: prefs.timezone, prepare: accepted.kind !== 'plan' };
  if (accepted.kind === 'plan') return explainResponse(ctx.pool, txCtx, statements[0], accepted);
  const [result, explain] = await runStatementsInRequestTx(ctx.pool, txCtx, statements);
  const row = result.rows[0] as { total: string | null; page_total: string; body: string | Buffer; response_headers: string | null; response_status: string | null };
  const pageTotal = Number(row.page_total);
  let total = row.total === null ? null : Number(row.total);
  if (explain) {
    const planned = plannedRows(explain.rows[0]);
    if (prefs.count === 'planned' || total === null) total = planned;
    else if (!ctx.maxRows || total > ctx.maxRows) total = planned === null ? total : Math.max(total, planned);
  }

  if (media.kind === 'object' && pageTotal !== 1) throw singularityError(pageTotal);

  const headers: Record<string, string> = {
    'Content-Type': contentType(media),
    'Content-Range': contentRange(plan.offset, pageTotal, total),
  };
  let status = rangeStatus(plan.offset, pageTotal, total);
  if (req.echoProfile) headers['Content-Profile'] = req.schema;
  const tx = prefs.tx && ctx.txEnd?.endsWith('allow-override') ? prefs.tx : undefined;
  const applied = [prefs.count && `count=${prefs.count}`, tx && `tx=${tx}`, prefs.handling && `handling=${prefs.handling}`, prefs.timezone && `timezone=${prefs.timezone}`].filter(Boolean);
  if (applied.length) headers['Preference-Applied'] = applied.join(', ');
  headers['Content-Location'] = contentLocation(req.resource, req.query);

  const body = media.kind === 'csv' ? csvDocument(plan, row.body as string) : row.body;
  const gucs = applyResponseGucs(headers, row.response_headers, row.response_status);
  if (gucs.status) status = gucs.status;
  return { status, headers, body: req.method === 'HEAD' ? null : body, cookies: gucs.cookies };
}

/** What a relation offers to content negotiation: its handlers (with the default select only), GeoJSON, octet-stream. */
export function mediaOffer(ctx: RestContext, target: QualifiedName, select: SelectItem[], outputs: number): Offer {
  return {
    handlers: ctx.cache.mediaHandlers,
    target: { schema: target.schema, name: target.name },
    defaultSelect: select.length === 0 || (select.length === 1 && select[0].kind === 'star'),
    geoJson: ctx.cache.geoJson,
    singleColumn: outputs === 1,
    planEnabled: ctx.planEnabled,
  };
}

/** Accept-Profile/Content-Profile → the schema, or 406 PGRST106. */
export function resolveProfile(header: string | undefined, exposed: readonly string[]): string {
  if (!header) return exposed[0];
  if (!exposed.includes(header)) {
    throw restErrorWith('PGRST106', `Invalid schema: ${header}`, { hint: `Only the following schemas are exposed: ${exposed.join(', ')}` });
  }
  return header;
}
