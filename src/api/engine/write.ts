/** Writes (POST, PATCH, PUT, DELETE on a table or view) through parse → plan → render → execute → respond. */
import { ApiError } from '../../shared/errors.ts';
import type { Table } from '../schema-cache/model.ts';
import { parseQueryParams } from './parse/query-params.ts';
import { checkStrict, parsePrefer } from './parse/prefer.ts';
import { parseBody, payloadColumns, type Payload } from './parse/body.ts';
import type { Preferences } from './parse/types.ts';
import { findTable, planRead } from './plan/read-plan.ts';
import type { PlanCond, ReadPlan } from './plan/types.ts';
import { csvDocument } from './respond/csv.ts';
import { renderMutation, type Mutation } from './render/mutate.ts';
import { runStatementsInRequestTx } from './execute.ts';
import { contentType, negotiate } from './respond/media.ts';
import { contentRange } from './respond/range-status.ts';
import { applyResponseGucs } from './respond/response-gucs.ts';
import { mediaOffer, type RestContext, type RestRequest, type RestResponse } from './read.ts';
import { mediaBodySql } from './render/media-body.ts';
import { outputNames } from './render/read.ts';
import { maxAffectedError, restError, singularityError, restErrorWith, putNotSingleObject } from './errors.ts';
import { explainResponse } from './respond/plan.ts';

export type TxEnd = 'commit' | 'commit-allow-override' | 'rollback' | 'rollback-allow-override';

function checkColumns(t: Table, cols: string[]) {
  for (const c of cols) {
    if (!t.columnsByName.has(c)) throw restError('PGRST204', `Could not find the '${c}' column of '${t.name}' in the schema cache`);
  }
}

/** The payload as the JSON array text PostgreSQL will expand (restricted to `columns=` when given). */
function rowsJson(p: Payload, columns?: string[]): string {
  // Unrestricted JSON goes through as sent; json_populate_recordset ignores unknown keys anyway.
  if (p.jsonText !== undefined && (!columns || p.isArray)) return p.isArray ? p.jsonText : `[${p.jsonText}]`;
  if (!columns) return JSON.stringify(p.rows);
  return JSON.stringify(p.rows.map((r) => Object.fromEntries(columns.filter((c) => c in r).map((c) => [c, r[c]]))));
}

/** `id=eq.5` style filters on exactly the primary key, as PUT requires (PGRST105). */
function pkFilterValues(t: Table, where: PlanCond[]): Record<string, string> {
  const fail = () => restError('PGRST105', 'Filters must include all and only primary key columns with \'eq\' operators');
  const values: Record<string, string> = {};
  for (const c of where) {
    if (c.kind !== 'filter' || c.negated || c.expr.kind !== 'simple' || c.expr.op !== 'eq' || c.expr.quant || c.field.jsonPath.length || !c.field.column) throw fail();
    values[c.field.name] = c.expr.value;
  }
  const keys = Object.keys(values).sort();
  if (t.pk.length === 0 || keys.join(',') !== [...t.pk].sort().join(',')) throw fail();
  return values;
}

function preferenceApplied(prefs: Preferences, honoured: { tx?: string }): string | undefined {
  const out: string[] = [];
  if (prefs.resolution) out.push(`resolution=${prefs.resolution}`);
  if (prefs.missing) out.push(`missing=${prefs.missing}`);
  if (prefs.return) out.push(`return=${prefs.return}`);
  if (prefs.count) out.push(`count=${prefs.count}`);
  if (honoured.tx) out.push(`tx=${honoured.tx}`);
  if (prefs.handling) out.push(`handling=${prefs.handling}`);
  if (prefs.timezone) out.push(`timezone=${prefs.timezone}`);
  if (prefs.maxAffected !== undefined && prefs.handling === 'strict') out.push(`max-affected=${prefs.maxAffected}`);
  return out.length ? out.join(', ') : undefined;
}

/** Whether the transaction commits or rolls back, and the `tx` preference honoured, if any. */
export function txOutcome(prefs: Preferences, txEnd: TxEnd): { rollback: boolean; applied?: string } {
  const base = txEnd.startsWith('rollback');
  if (prefs.tx && txEnd.endsWith('allow-override')) return { rollback: prefs.tx === 'rollback', applied: prefs.tx };
  return { rollback: base };
}


export async function handleWrite(ctx: RestContext & { txEnd: TxEnd }, req: RestRequest & { body?: Buffer }): Promise<RestResponse> {
  const q = parseQueryParams(req.query);
  const prefs = parsePrefer(req.headers.prefer);
  checkStrict(prefs);
  req.tx.timing?.mark('parsed');
  const table = findTable(ctx.cache, req.schema, req.resource);
  const plan = planRead(ctx.cache, table, q, { range: { offset: 0 }, aggregates: ctx.aggregates });
  // Raw bytes are for reads; a write answers JSON, CSV or a handler's type.
  const accepted = negotiate(req.headers.accept, false, { ...mediaOffer(ctx, table, q.select, outputNames(plan).length), singleColumn: false });
  const media = accepted.kind === 'plan' ? accepted.for : accepted;
  const where = plan.where;
  // The representation shows the affected rows as they are now, in the requested order: no filters or range again.
  const returning: ReadPlan = { ...plan, where: [], offset: 0, limit: undefined };
  const method = req.method;

  let mutation: Mutation;
  let isUpsert = false;
  if (method === 'POST' || method === 'PUT') {
    const payload = parseBody(req.headers['content-type'], req.body);
    const columns = payloadColumns(payload, q.columns);
    checkColumns(table, columns);
    let onConflict: { columns: string[]; action: 'update' | 'nothing' } | undefined;
    if (method === 'PUT') {
      if (q.ranges.some((r) => r.path.length === 0)) throw restError('PGRST114', 'limit/offset querystring parameters are not allowed for PUT');
      const keyValues = pkFilterValues(table, where);
      if (payload.isArray && payload.rows.length !== 1) throw putNotSingleObject(payload.rows.length);
      const row = payload.rows[0];
      for (const [k, v] of Object.entries(keyValues)) {
        if (!(k in row) || String(row[k]) !== v) throw restError('PGRST115', 'Payload values do not match URL in primary key column(s)');
      }
      onConflict = { columns: table.pk, action: 'update' };
      isUpsert = true;
    } else if (prefs.resolution && (q.onConflict || table.pk.length)) {
      // Without a primary key or on_conflict, PostgREST ignores the resolution preference.
      const target = q.onConflict ?? table.pk;
      checkColumns(table, target);
      onConflict = { columns: target, action: prefs.resolution === 'merge-duplicates' ? 'update' : 'nothing' };
      isUpsert = true;
    }
    mutation = {
      kind: 'insert',
      columns,
      json: rowsJson(payload, q.columns),
      rowCount: payload.rows.length,
      applyDefaults: prefs.missing === 'default',
      onConflict,
    };
  } else if (method === 'PATCH') {
    const payload = parseBody(req.headers['content-type'], req.body);
    // `[]` changes nothing, as `{}` does.
    if (payload.isArray && payload.rows.length > 1) throw restError('PGRST102', 'Expected a single JSON object for PATCH');
    const columns = payloadColumns(payload, q.columns);
    checkColumns(table, columns);
    const json = payload.jsonText !== undefined && !payload.isArray ? payload.jsonText : JSON.stringify(payload.rows[0] ?? {});
    mutation = { kind: 'update', columns, json, where, applyDefaults: prefs.missing === 'default' };
  } else {
    mutation = { kind: 'delete', where };
  }

  const ret = prefs.return ?? 'minimal';
  const representation = ret === 'representation';
  const wantLocation = method === 'POST' && ret === 'headers-only' && table.pk.length > 0;
  const strictMax = prefs.handling === 'strict' && prefs.maxAffected !== undefined && (method === 'PATCH' || method === 'DELETE');
  const format = media.kind === 'csv' ? 'csv' : media.kind === 'object' ? 'object' : 'json';
  const rendered = renderMutation(table, mutation, returning, {
    representation,
    format,
    stripNulls: (media.kind === 'json' || media.kind === 'object') && media.stripNulls,
    locationKeys: wantLocation ? table.pk : undefined,
    wantInserted: isUpsert,
    bodyExpr: representation ? mediaBodySql(media) : undefined,
  });
  const tx = txOutcome(prefs, ctx.txEnd);
  if (accepted.kind === 'plan') {
    return explainResponse(ctx.pool, { ...req.tx, readOnly: false, searchPath: [req.schema, 'public'], timezone: prefs.timezone }, rendered, accepted);
  }
  // Checked before the transaction ends, so a violation rolls back even under tx=commit.
  const verify =
    strictMax || media.kind === 'object'
      ? ([r]: { rows: unknown[] }[]) => {
          const n = Number((r.rows[0] as { page_total: string }).page_total);
          if (media.kind === 'object' && n !== 1) throw singularityError(n);
          if (strictMax && n > prefs.maxAffected!) throw maxAffectedError(n);
        }
      : undefined;
  const [result] = await runStatementsInRequestTx(
    ctx.pool,
    { ...req.tx, readOnly: false, searchPath: [req.schema, 'public'], rollback: tx.rollback, timezone: prefs.timezone },
    [rendered],
    verify,
  );
  const row = result.rows[0] as { page_total: string; inserted: boolean; body: string; location: string | null; response_headers: string | null; response_status: string | null };
  const affected = Number(row.page_total);

  const headers: Record<string, string> = {};
  if (method === 'POST' || method === 'DELETE') headers['Content-Range'] = `*/${prefs.count === 'exact' ? affected : '*'}`;
  else headers['Content-Range'] = contentRange(0, affected, prefs.count === 'exact' ? affected : null);
  if (req.echoProfile) headers['Content-Profile'] = req.schema;
  // As PostgREST echoes them: missing only on POST and PATCH, max-affected only on PATCH and DELETE.
  const applied = preferenceApplied(
    {
      ...prefs,
      resolution: isUpsert && method === 'POST' ? prefs.resolution : undefined,
      missing: method === 'POST' || method === 'PATCH' ? prefs.missing : undefined,
      maxAffected: method === 'PATCH' || method === 'DELETE' ? prefs.maxAffected : undefined,
    },
    { tx: tx.applied },
  );
  if (applied) headers['Preference-Applied'] = applied;
  if (row.location) {
    const values = JSON.parse(row.location) as (string | null)[];
    headers.Location = `/${encodeURIComponent(table.name)}?${table.pk
      .map((k, i) => `${queryEncode(k)}=${values[i] === null ? 'is.null' : `eq.${queryEncode(values[i]!)}`}`)
      .join('&')}`;
  }

  let status: number;
  // merge-duplicates that inserted nothing answers 200; ignore-duplicates stays 201.
  if (method === 'POST') status = isUpsert && prefs.resolution === 'merge-duplicates' && !row.inserted ? 200 : 201;
  else if (method === 'PUT') status = representation ? (row.inserted ? 201 : 200) : 204;
  else status = representation ? 200 : 204;

  let body: string | null = null;
  if (representation) {
    headers['Content-Type'] = contentType(media);
    body = media.kind === 'csv' ? csvDocument(returning, row.body) : row.body;
  }
  const gucs = applyResponseGucs(headers, row.response_headers, row.response_status);
  if (gucs.status) status = gucs.status;
  if (status === 204) body = null;
  return { status, headers, body, cookies: gucs.cookies };
}

/** As PostgREST renders Location's query: RFC 3986 unreserved characters kept, spaces as `+`. */
const queryEncode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');

export function assertWritable(method: string) {
  if (!['POST', 'PATCH', 'PUT', 'DELETE'].includes(method)) throw restErrorWith('PGRST117', `Unsupported HTTP method: ${method}`);
}
