/** Stored-function calls at /rpc/:fn: overload resolution, argument binding and result shaping. */
import { ApiError } from '../errors.ts';
import type { Column, Func, SchemaCacheData, Table } from '../schema-cache/model.ts';
import { qnKey } from '../schema-cache/model.ts';
import { qualified, quoteIdent } from '../sql/ident.ts';
import { parseQueryParams, splitQueryString } from './parse/query-params.ts';
import { parsePrefer } from './parse/prefer.ts';
import { combineRanges } from './parse/range.ts';
import { mediaTypeOf } from './parse/body.ts';
import { planRead } from './plan/read-plan.ts';
import { renderRead } from './render/read.ts';
import { csvDocument } from './respond/csv.ts';
import { Params } from './render/params.ts';
import { runStatementsInRequestTx } from './execute.ts';
import { contentType, negotiate } from './respond/media.ts';
import { contentRange, rangeStatus } from './respond/range-status.ts';
import { applyResponseGucs } from './respond/response-gucs.ts';
import { checkStrict, txOutcome, type TxEnd } from './write.ts';
import type { RestContext, RestRequest, RestResponse } from './read.ts';
import { restError, singularityError } from './errors.ts';
import { closest } from './plan/embed-plan.ts';

const isJsonType = (t: string) => t === 'json' || t === 'jsonb';
const signature = (f: Func) => `${f.schema}.${f.name}(${f.args.map((a) => `${a.name} => ${a.type}`).join(', ')})`;

/** PostgREST's overload resolution: by the names of the arguments given. */
export function chooseFunction(cache: SchemaCacheData, schema: string, name: string, given: string[], post: boolean): { fn: Func; singleJson: boolean } {
  const candidates = cache.functions.get(`${schema}.${name}`) ?? [];
  const names = new Set(given);
  const byName = candidates.filter(
    (f) => f.args.every((a) => a.hasDefault || names.has(a.name)) && given.every((k) => f.args.some((a) => a.name === k)),
  );
  if (byName.length === 1) return { fn: byName[0], singleJson: false };
  if (byName.length > 1) {
    throw restError(
      300,
      'PGRST203',
      `Could not choose the best candidate function between: ${byName.map(signature).join(', ')}`,
      null,
      'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
    );
  }
  // A single unnamed json/jsonb parameter takes the whole body.
  const single = candidates.filter((f) => f.args.length === 1 && f.args[0].name === '' && isJsonType(f.args[0].type));
  if (post && single.length === 1) return { fn: single[0], singleJson: true };
  // The hint names a real signature: an overload of the same name, else a function with a close name.
  const others = [...cache.functions.keys()].filter((k) => k.startsWith(`${schema}.`)).map((k) => k.slice(schema.length + 1));
  const near = candidates.length ? name : closest(name, others.filter((n) => n !== name));
  const nearFn = near ? cache.functions.get(`${schema}.${near}`)?.[0] : undefined;
  const params = [...given].sort();
  throw restError(
    404,
    'PGRST202',
    `Could not find the function ${schema}.${name}${params.length ? `(${params.join(', ')})` : ' without parameters'} in the schema cache`,
    `Searched for the function ${schema}.${name}${params.length ? ` with parameter${params.length > 1 ? 's' : ''} ${params.join(', ')}` : ' without parameters'}${post ? ' or with a single unnamed json/jsonb parameter' : ''}, but no matches were found in the schema cache.`,
    nearFn ? `Perhaps you meant to call the function ${schema}.${nearFn.name}(${nearFn.args.map((a) => a.name).join(', ')})` : null,
  );
}

/** A pseudo-table for functions whose rows are not a table's (RETURNS TABLE, OUT parameters). */
function resultTable(cache: SchemaCacheData, f: Func): Table | undefined {
  if (f.returnTable) return cache.tables.get(qnKey(f.returnTable));
  if (f.outArgs.length === 0) return undefined;
  const columns: Column[] = f.outArgs.map((a, i) => ({
    name: a.name, position: i + 1, type: a.type, udt: a.type, elementUdt: null, category: 'U', nullable: true,
    default: null, generated: false, identityAlways: false, comment: null, maxLength: null, enum: null,
  }));
  return {
    schema: f.schema, name: f.name, oid: 0, kind: 'view', comment: null, pk: [], insertable: false, updatable: false, deletable: false,
    columns, columnsByName: new Map(columns.map((c) => [c.name, c])),
  };
}

export async function handleRpc(ctx: RestContext & { txEnd: TxEnd }, req: RestRequest & { body?: Buffer }): Promise<RestResponse> {
  const isRead = req.method === 'GET' || req.method === 'HEAD';
  const prefs = parsePrefer(req.headers.prefer);
  checkStrict(prefs);
  const candidates = ctx.cache.functions.get(`${req.schema}.${req.resource}`) ?? [];

  let args: Record<string, unknown> = {};
  let bodyText: string | undefined;
  let q;
  if (isRead) {
    q = parseQueryParams(req.query, { rpcArgNames: rpcArgKeys(req.query) });
    for (const [k, v] of Object.entries(q.rpcArgs)) args[k] = v;
    for (const [k, vs] of Object.entries(q.rpcArgValues ?? {})) {
      if (candidates.some((f) => f.variadic && f.args[f.args.length - 1]?.name === k)) args[k] = vs;
    }
  } else {
    q = parseQueryParams(req.query);
    const type = mediaTypeOf(req.headers['content-type']);
    const text = req.body?.toString('utf8') ?? '';
    if (type === 'application/x-www-form-urlencoded') args = Object.fromEntries(new URLSearchParams(text));
    else if (text.trim()) {
      try {
        const parsed = JSON.parse(text);
        bodyText = text;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) args = parsed;
        else args = {};
      } catch (e) {
        throw new ApiError(400, 'PGRST102', 'Empty or invalid json', { details: (e as Error).message });
      }
    }
  }
  const given = Object.keys(args);
  const { fn, singleJson } = prefs.params === 'single-object' && !isRead
    ? (() => {
        const one = candidates.filter((f) => f.args.length === 1 && isJsonType(f.args[0].type));
        if (one.length !== 1) return chooseFunction(ctx.cache, req.schema, req.resource, given, true);
        return { fn: one[0], singleJson: true };
      })()
    : chooseFunction(ctx.cache, req.schema, req.resource, given, !isRead);
  if (fn.isProcedure) throw restError(404, 'PGRST202', `Could not find the function ${req.schema}.${req.resource} in the schema cache`, 'Procedures cannot be called through /rpc');

  // The call: named arguments read from one JSON parameter, typed by the function's own signature.
  const p = new Params();
  const { fromItem, scalarSelect } = callParts(fn, args, p, singleJson, bodyText);

  const readOnly = isRead || fn.volatility !== 'v';
  const tx = txOutcome(prefs, ctx.txEnd);
  const media = negotiate(req.headers.accept);
  const table = resultTable(ctx.cache, fn);
  const headers: Record<string, string> = {};
  if (req.echoProfile) headers['Content-Profile'] = req.schema;

  if (table && (fn.returnsSet || fn.returnTypType === 'c' || fn.outArgs.length > 0)) {
    // Rows: the full read grammar applies (select, filters, order, range, count, embedding).
    const range = combineRanges(q.ranges.find((r) => r.path.length === 0), req.headers.range, req.method === 'HEAD' ? 'GET' : req.method);
    const plan = planRead(ctx.cache, table, q, { range, maxRows: ctx.maxRows, aggregates: ctx.aggregates });
    const source = `SELECT "_f".* FROM ${fromItem}`;
    const single = !fn.returnsSet && media.kind !== 'csv';
    const format = media.kind === 'csv' ? 'csv' : media.kind === 'binary' ? 'binary' : single || media.kind === 'object' ? 'object' : 'json';
    const rendered = renderRead(plan, {
      format,
      stripNulls: (media.kind === 'json' || media.kind === 'object') && media.stripNulls,
      count: prefs.count ? 'exact' : undefined,
      params: p,
      withClause: `WITH "pgrst_source" AS MATERIALIZED (${source})`,
      source: '"pgrst_source"',
      responseGucs: true,
    });
    const [result] = await runStatementsInRequestTx(ctx.pool, { ...req.tx, readOnly, searchPath: [req.schema, 'public'], rollback: tx.rollback, timezone: prefs.timezone }, [rendered]);
    const row = result.rows[0] as { total: string | null; page_total: string; body: string | Buffer; response_headers: string | null; response_status: string | null };
    const pageTotal = Number(row.page_total);
    const total = row.total === null ? null : Number(row.total);
    if (media.kind === 'object' && pageTotal !== 1) throw singularityError(pageTotal);
    headers['Content-Type'] = contentType(single && media.kind === 'json' ? { kind: 'json', stripNulls: false } : media);
    headers['Content-Range'] = contentRange(plan.offset, pageTotal, total);
    let status = fn.returnsSet ? rangeStatus(plan.offset, pageTotal, total) : 200;
    const applied = [prefs.count ? `count=${prefs.count}` : '', tx.applied ? `tx=${tx.applied}` : ''].filter(Boolean).join(', ');
    if (applied) headers['Preference-Applied'] = applied;
    const body = media.kind === 'csv' ? csvDocument(plan, row.body as string) : row.body;
    const override = applyResponseGucs(headers, row.response_headers, row.response_status);
    if (override) status = override;
    return { status, headers, body: isRead && req.method === 'HEAD' ? null : body };
  }

  // Scalars (and void): the bare JSON value, or raw bytes for Accept: application/octet-stream.
  const binary = media.kind === 'binary';
  const agg = fn.returnsSet ? `coalesce(json_agg("pgrst_scalar"), '[]')::text` : `to_json("pgrst_scalar")::text`;
  const bodyExpr = binary
    ? fn.returnType === 'bytea'
      ? (fn.returnsSet ? `string_agg("pgrst_scalar", ''::bytea)` : `"pgrst_scalar"`)
      : `convert_to(${fn.returnsSet ? `string_agg("pgrst_scalar"::text, '')` : `"pgrst_scalar"::text`}, 'UTF8')`
    : agg;
  const scalarFrom = fn.returnsSet ? `(SELECT "_f" AS "pgrst_scalar" FROM ${fromItem})` : `(${scalarSelect})`;
  // Aggregating over the call makes the response GUCs readable after the function ran.
  const sql =
    `SELECT ${fn.returnsSet || binary ? bodyExpr : `min(${agg})`} AS body, ` +
    `nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status ` +
    `FROM ${scalarFrom} AS "_s"`;
  const [result] = await runStatementsInRequestTx(ctx.pool, { ...req.tx, readOnly, searchPath: [req.schema, 'public'], rollback: tx.rollback, timezone: prefs.timezone }, [{ sql, params: p.values }]);
  const row = result.rows[0] as { body: string | Buffer | null; response_headers: string | null; response_status: string | null };
  let status = 200;
  let body: string | Buffer | null = row?.body ?? 'null';
  if (fn.returnType === 'void') {
    status = 204;
    body = null;
  } else {
    headers['Content-Type'] = binary ? 'application/octet-stream' : 'application/json; charset=utf-8';
    headers['Content-Range'] = fn.returnsSet ? '0-*/*' : `0-0/${prefs.count ? 1 : '*'}`;
    if (prefs.count) headers['Preference-Applied'] = `count=${prefs.count}`;
  }
  if (tx.applied) headers['Preference-Applied'] = [headers['Preference-Applied'], `tx=${tx.applied}`].filter(Boolean).join(', ');
  const override = applyResponseGucs(headers, row?.response_headers ?? null, row?.response_status ?? null);
  if (override) status = override;
  return { status, headers, body: req.method === 'HEAD' ? null : body };
}

/** The function call as a FROM item (for rows) and as a one-row SELECT (for scalars). */
function callParts(fn: Func, args: Record<string, unknown>, p: Params, singleJson: boolean, bodyText?: string): { fromItem: string; scalarSelect: string } {
  const name = qualified(fn.schema, fn.name);
  if (singleJson) {
    const call = `${name}(${p.add(bodyText ?? '{}')}::${fn.args[0].type})`;
    return { fromItem: `${call} AS "_f"`, scalarSelect: `SELECT ${call} AS "pgrst_scalar"` };
  }
  const used = fn.args.filter((a) => a.name in args);
  if (used.length === 0) return { fromItem: `${name}() AS "_f"`, scalarSelect: `SELECT ${name}() AS "pgrst_scalar"` };
  // One JSON parameter holds every argument; json_to_record types each by the signature.
  const argsFrom = `json_to_record(${p.add(JSON.stringify(args))}::json) AS "_args"(${used.map((a) => `${quoteIdent(a.name)} ${a.type}`).join(', ')})`;
  const named = used.map((a) => `${a.mode === 'v' ? 'VARIADIC ' : ''}${quoteIdent(a.name)} := "_args".${quoteIdent(a.name)}`).join(', ');
  return {
    fromItem: `${argsFrom} CROSS JOIN LATERAL ${name}(${named}) AS "_f"`,
    scalarSelect: `SELECT ${name}(${named}) AS "pgrst_scalar" FROM ${argsFrom}`,
  };
}

const RESERVED = new Set(['select', 'order', 'limit', 'offset', 'columns', 'on_conflict', 'and', 'or', 'not.and', 'not.or']);
const OPERATOR = /^(not\.)?(eq|neq|gt|gte|lt|lte|like|ilike|match|imatch|in|is|isdistinct|fts|plfts|phfts|wfts|cs|cd|ov|sl|sr|nxr|nxl|adj)(\([^)]*\))?\./;

/** On GET, a top-level parameter whose value is not an operator expression is a function argument. */
function rpcArgKeys(query: string): Set<string> {
  const keys = new Set<string>();
  for (const [k, v] of splitQueryString(query)) {
    if (v !== undefined && !k.includes('.') && !RESERVED.has(k) && !OPERATOR.test(v)) keys.add(k);
  }
  return keys;
}
