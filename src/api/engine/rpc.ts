/** Stored-function calls at /rpc/:fn: overload resolution, argument binding and result shaping. */
import { ApiError } from '../../shared/errors.ts';
import type { Column, Func, SchemaCacheData, Table } from '../schema-cache/model.ts';
import { qnKey } from '../schema-cache/model.ts';
import { qualified, quoteIdent } from '../../shared/sql/ident.ts';
import { parseQueryParams, splitQueryString } from './parse/query-params.ts';
import { checkStrict, parsePrefer } from './parse/prefer.ts';
import { combineRanges } from './parse/range.ts';
import { mediaTypeOf } from './parse/body.ts';
import { planRead } from './plan/read-plan.ts';
import { outputNames, renderRead } from './render/read.ts';
import { mediaBodySql } from './render/media-body.ts';
import { csvDocument } from './respond/csv.ts';
import { Params } from './render/params.ts';
import { runStatementsInRequestTx } from './execute.ts';
import { contentType, negotiate, type Media } from './respond/media.ts';
import { contentRange, rangeStatus } from './respond/range-status.ts';
import { explainResponse } from './respond/plan.ts';
import { applyResponseGucs } from './respond/response-gucs.ts';
import { txOutcome, type TxEnd } from './write.ts';
import { mediaOffer, type RestContext, type RestRequest, type RestResponse } from './read.ts';
import { maxAffectedError, restError, singularityError, restErrorWith } from './errors.ts';
import { editDistance } from './edit-distance.ts';

/** The request body's media type as PostgREST tells RPC calls apart. */
export type BodyKind = 'json' | 'text' | 'xml' | 'bytea' | 'form' | 'other';

export function bodyKindOf(contentType: string | undefined): BodyKind {
  switch (mediaTypeOf(contentType)) {
    case 'application/json':
      return 'json';
    case 'text/plain':
      return 'text';
    case 'text/xml':
      return 'xml';
    case 'application/octet-stream':
      return 'bytea';
    case 'application/x-www-form-urlencoded':
      return 'form';
  }
  return 'other';
}

/** The parameter type a single unnamed parameter needs for each body kind. */
const SINGLE_TYPES: Record<BodyKind, string[]> = { json: ['json', 'jsonb'], text: ['text'], xml: ['xml'], bytea: ['bytea'], form: [], other: [] };
const RAW_KINDS: BodyKind[] = ['text', 'xml', 'bytea'];

const signature = (f: Func) => `${f.schema}.${f.name}(${f.args.map((a) => `${a.name} => ${a.type}`).join(', ')})`;

const UNNAMED_TYPES = ['bytea', 'json', 'jsonb', 'text', 'xml'];
/** As PostgREST's schema cache: a function with an unnamed parameter is callable only when it is the single one, of a type a whole body can fill. */
const callable = (fs: Func[]) =>
  fs.filter((f) => {
    // Procedures are not functions to PostgREST: /rpc does not know them (404 PGRST202).
    if (f.isProcedure) return false;
    const unnamed = f.args.filter((a) => a.name === '');
    return unnamed.length === 0 || (unnamed.length === 1 && f.args.length === 1 && UNNAMED_TYPES.includes(unnamed[0].type));
  });

/** PostgREST's order of overloads: fewer parameters first, then by description and parameters. */
function overloadOrder(a: Func, b: Func): number {
  if (a.args.length !== b.args.length) return a.args.length - b.args.length;
  if ((a.comment ?? null) !== (b.comment ?? null)) return a.comment === null ? -1 : b.comment === null ? 1 : a.comment! < b.comment! ? -1 : 1;
  for (let i = 0; i < a.args.length; i++) {
    for (const k of ['name', 'type'] as const) {
      if (a.args[i][k] !== b.args[i][k]) return a.args[i][k] < b.args[i][k] ? -1 : 1;
    }
  }
  return 0;
}

/** Similarity in [0, 1] from the edit distance, as the fuzzy search behind PostgREST's hints scores. */
function similarity(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const len = Math.max(x.length, y.length);
  return len === 0 ? 1 : 1 - editDistance(x, y) / len;
}


function bestMatch(word: string, candidates: string[], minScore: number): string | undefined {
  let best: string | undefined;
  let score = -1;
  for (const c of candidates) {
    const sc = similarity(word, c);
    if (sc > score) [best, score] = [c, sc];
  }
  return score >= minScore ? best : undefined;
}

/**
 * PostgREST's overload resolution (findProc): a function matches when the argument names cover
 * its required parameters and fall within all of them; failing that, a function with a single
 * unnamed parameter whose type fits the body's media type (json/jsonb, text, xml, bytea) on POST.
 */
export function chooseFunction(
  cache: SchemaCacheData,
  schema: string,
  name: string,
  given: string[],
  post: boolean,
  kind: BodyKind = 'json',
): { fn: Func; single: boolean } {
  const candidates = callable(cache.functions.get(`${schema}.${name}`) ?? []).sort(overloadOrder);
  const keys = new Set(given);
  const matches = (f: Func) => {
    if (f.args.length === 0) return keys.size === 0 && !(post && RAW_KINDS.includes(kind));
    const required = f.args.filter((a) => !a.hasDefault).map((a) => a.name);
    const all = new Set(f.args.map((a) => a.name));
    return required.every((r) => keys.has(r)) && given.every((k) => all.has(k));
  };
  const unnamedFits = (f: Func) => post && f.args.length === 1 && f.args[0].name === '' && SINGLE_TYPES[kind].includes(f.args[0].type);
  const named = candidates.filter(matches);
  const fallback = candidates.filter((f) => !matches(f) && unnamedFits(f));
  const chosen = named.length ? named : fallback;
  if (chosen.length === 1) return { fn: chosen[0], single: !named.length };
  if (chosen.length > 1) {
    throw restError('PGRST203',
      `Could not choose the best candidate function between: ${chosen.map(signature).join(', ')}`,
      null,
      'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
    );
  }
  const params = [...keys].sort();
  const onlySingle = post && RAW_KINDS.includes(kind);
  const listed = params.length ? `(${params.join(', ')})` : ' without parameters';
  const withParams = params.length ? ` with parameter${params.length > 1 ? 's' : ''} ${params.join(', ')}` : ' without parameters';
  const searched = !post ? withParams : kind === 'json' ? `${withParams} or with a single unnamed json/jsonb parameter` : onlySingle ? ` with a single unnamed ${SINGLE_TYPES[kind][0]} parameter` : withParams;
  let hint: string | null = null;
  if (!onlySingle) {
    const paramList = (names: string[]) => `(${[...names].sort().join(', ')})`;
    const near = candidates.length
      ? (() => {
          const m = bestMatch(paramList(params), candidates.map((f) => paramList(f.args.map((a) => a.name))), 0.33);
          return m ? `${name}${m}` : undefined;
        })()
      : bestMatch(
          name,
          [...cache.functions.entries()].filter(([k, fs]) => k.startsWith(`${schema}.`) && callable(fs).length).map(([k]) => k.slice(schema.length + 1)),
          0.75,
        );
    if (near) hint = `Perhaps you meant to call the function ${schema}.${near}`;
  }
  throw restError('PGRST202',
    `Could not find the function ${schema}.${name}${onlySingle ? '' : listed} in the schema cache`,
    `Searched for the function ${schema}.${name}${searched}, but no matches were found in the schema cache.`,
    hint,
  );
}

/** A pseudo-table for functions whose rows are not a table's (RETURNS TABLE, OUT parameters). */
function resultTable(cache: SchemaCacheData, f: Func): Table | undefined {
  if (f.returnTable) return cache.tables.get(qnKey(f.returnTable));
  if (f.outArgs.length === 0) return undefined;
  const columns: Column[] = f.outArgs.map((a, i) => ({
    name: a.name, position: i + 1, type: a.type, udt: a.type, elementUdt: null, category: a.category, nullable: true,
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
  let given: string[];
  /** What a single unnamed parameter receives: the JSON text, or the raw body. */
  let whole: string | Buffer | undefined;
  let q;
  // An empty body is no arguments whatever its type (fetch labels an empty string text/plain); PostgREST would look for a text parameter.
  const kind: BodyKind = isRead || !req.body?.length ? 'json' : bodyKindOf(req.headers['content-type']);
  if (isRead) {
    q = parseQueryParams(req.query, { rpcArgNames: rpcArgKeys(req.query) });
    for (const [k, v] of Object.entries(q.rpcArgs)) args[k] = v;
    for (const [k, vs] of Object.entries(q.rpcArgValues ?? {})) {
      if (candidates.some((f) => f.variadic && f.args[f.args.length - 1]?.name === k)) args[k] = vs;
    }
    given = Object.keys(args);
  } else {
    q = parseQueryParams(req.query);
    const text = req.body?.toString('utf8') ?? '';
    if (kind === 'text' || kind === 'xml') whole = text;
    else if (kind === 'bytea') whole = req.body ?? Buffer.alloc(0);
    else if (kind === 'form') {
      // Repeated fields: the last value, or all of them for a variadic parameter (as on GET).
      const form = new URLSearchParams(text);
      args = Object.fromEntries(form);
      for (const k of Object.keys(args)) {
        if (candidates.some((f) => f.variadic && f.args[f.args.length - 1]?.name === k)) args[k] = form.getAll(k);
      }
    }
    else if (text.trim()) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw restErrorWith('PGRST102', 'Empty or invalid json', { details: (e as Error).message });
      }
      whole = text;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) args = parsed as Record<string, unknown>;
      else if (Array.isArray(parsed) && parsed[0] && typeof parsed[0] === 'object') args = parsed[0] as Record<string, unknown>;
    }
    given = q.columns ?? Object.keys(args);
  }
  req.tx.timing?.mark('parsed');
  const { fn, single } =
    prefs.params === 'single-object' && !isRead
      ? (() => {
          const one = candidates.filter((f) => f.args.length === 1 && (f.args[0].type === 'json' || f.args[0].type === 'jsonb'));
          if (one.length !== 1) return chooseFunction(ctx.cache, req.schema, req.resource, given, true, kind);
          return { fn: one[0], single: true };
        })()
      : chooseFunction(ctx.cache, req.schema, req.resource, given, !isRead, kind);
  const strictMax = prefs.handling === 'strict' && prefs.maxAffected !== undefined;
  if (strictMax && !fn.returnsSet) {
    throw restError('PGRST128', 'Function must return SETOF or TABLE when max-affected preference is used with handling=strict');
  }
  if (q.columns && !isRead) args = Object.fromEntries(Object.entries(args).filter(([k]) => q.columns!.includes(k)));

  // The call: named arguments read from one JSON parameter, typed by the function's own signature.
  const p = new Params();
  const { fromItem, scalarSelect } = callParts(fn, args, p, single ? (whole ?? '{}') : undefined);

  const readOnly = isRead || fn.volatility !== 'v';
  const tx = txOutcome(prefs, ctx.txEnd);
  const table = resultTable(ctx.cache, fn);
  const returnsRows = !!table && (fn.returnsSet || fn.returnTypType === 'c' || fn.outArgs.length > 0);
  // Handlers are looked up for the relation the rows belong to (named in the function's schema), or for the function itself.
  const plan = returnsRows
    ? planRead(ctx.cache, table, q, {
        range: combineRanges(q.ranges.find((r) => r.path.length === 0), req.headers.range, req.method),
        maxRows: ctx.maxRows,
        aggregates: ctx.aggregates,
      })
    : undefined;
  const offer = mediaOffer(ctx, { schema: fn.schema, name: fn.returnTable?.name ?? fn.name }, q.select, plan ? outputNames(plan).length : 1);
  const accepted = negotiate(req.headers.accept, false, offer);
  const media = accepted.kind === 'plan' ? accepted.for : accepted;
  const headers: Record<string, string> = {};
  if (req.echoProfile) headers['Content-Profile'] = req.schema;
  const applied = () =>
    [
      prefs.count ? `count=${prefs.count}` : '',
      tx.applied ? `tx=${tx.applied}` : '',
      prefs.handling ? `handling=${prefs.handling}` : '',
      prefs.timezone ? `timezone=${prefs.timezone}` : '',
      strictMax ? `max-affected=${prefs.maxAffected}` : '',
    ]
      .filter(Boolean)
      .join(', ');
  const txCtx = { ...req.tx, readOnly, searchPath: [req.schema, 'public'], rollback: tx.rollback, timezone: prefs.timezone };

  if (plan) {
    // Rows: the full read grammar applies (select, filters, order, range, count, embedding).
    const source = `SELECT "_f".* FROM ${fromItem}`;
    const singleRow = !fn.returnsSet && media.kind !== 'csv';
    const format = media.kind === 'csv' ? 'csv' : media.kind === 'binary' ? 'binary' : singleRow || media.kind === 'object' ? 'object' : 'json';
    const rendered = renderRead(plan, {
      format,
      stripNulls: (media.kind === 'json' || media.kind === 'object') && media.stripNulls,
      count: prefs.count ? 'exact' : undefined,
      params: p,
      withClause: `WITH "pgrst_source" AS MATERIALIZED (${source})`,
      source: '"pgrst_source"',
      responseGucs: true,
      bodyExpr: req.method === 'HEAD' ? undefined : mediaBodySql(media),
    });
    // A singular or max-affected violation rolls the call back, whatever tx says.
    const verify =
      media.kind === 'object' || strictMax
        ? ([r]: { rows: unknown[] }[]) => {
            const n = Number((r.rows[0] as { page_total: string }).page_total);
            if (media.kind === 'object' && n !== 1) throw singularityError(n);
            if (strictMax && n > prefs.maxAffected!) throw maxAffectedError(n);
          }
        : undefined;
    if (accepted.kind === 'plan') return explainResponse(ctx.pool, txCtx, rendered, accepted);
    const [result] = await runStatementsInRequestTx(ctx.pool, txCtx, [rendered], verify);
    const row = result.rows[0] as { total: string | null; page_total: string; body: string | Buffer; response_headers: string | null; response_status: string | null };
    const pageTotal = Number(row.page_total);
    const total = row.total === null ? null : Number(row.total);
    headers['Content-Type'] = contentType(singleRow && media.kind === 'json' ? { kind: 'json', stripNulls: false } : media);
    headers['Content-Range'] = contentRange(plan.offset, pageTotal, total);
    let status = fn.returnsSet ? rangeStatus(plan.offset, pageTotal, total) : 200;
    const pa = applied();
    if (pa) headers['Preference-Applied'] = pa;
    const body = media.kind === 'csv' ? csvDocument(plan, row.body as string) : row.body;
    const gucs = applyResponseGucs(headers, row.response_headers, row.response_status);
    if (gucs.status) status = gucs.status;
    return { status, headers, body: isRead && req.method === 'HEAD' ? null : body, cookies: gucs.cookies };
  }

  // Scalars (and void): the bare JSON value, or raw bytes for Accept: application/octet-stream.
  const binary = media.kind === 'binary';
  const agg = fn.returnsSet ? `coalesce(json_agg("pgrst_scalar"), '[]')::text` : `to_json("pgrst_scalar")::text`;
  const bodyExpr = binary
    ? fn.returnType === 'bytea'
      ? (fn.returnsSet ? `string_agg("pgrst_scalar", ''::bytea)` : `"pgrst_scalar"`)
      : `convert_to(${fn.returnsSet ? `string_agg("pgrst_scalar"::text, '')` : `"pgrst_scalar"::text`}, 'UTF8')`
    : agg;
  // A set of scalars takes limit/offset (and Range) like rows do.
  const setRange = fn.returnsSet ? combineRanges(q.ranges.find((r) => r.path.length === 0), req.headers.range, req.method) : { offset: 0 };
  const rangeSql = `${setRange.limit !== undefined ? ` LIMIT ${p.add(setRange.limit)}` : ''}${setRange.offset ? ` OFFSET ${p.add(setRange.offset)}` : ''}`;
  const scalarFrom = fn.returnsSet
    ? `(SELECT "_f" AS "pgrst_scalar"${prefs.count ? `, count(*) OVER () AS "pgrst_total"` : ''} FROM ${fromItem}${rangeSql})`
    : `(${scalarSelect})`;
  const handled = scalarMediaBody(media);
  // Aggregating over the call makes the response GUCs readable after the function ran.
  const sql =
    `SELECT ${handled ?? (fn.returnsSet || binary ? bodyExpr : `min(${agg})`)} AS body, ${fn.returnsSet ? `count(*)` : `1`} AS page_total, ` +
    `${fn.returnsSet && prefs.count ? `max("pgrst_total")` : 'NULL::bigint'} AS total, ` +
    `nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status ` +
    `FROM ${scalarFrom} AS "_s"`;
  const verify = strictMax
    ? ([r]: { rows: unknown[] }[]) => {
        const n = Number((r.rows[0] as { page_total: string }).page_total);
        if (n > prefs.maxAffected!) throw maxAffectedError(n);
      }
    : undefined;
  if (accepted.kind === 'plan') return explainResponse(ctx.pool, txCtx, { sql, params: p.values }, accepted);
  const [result] = await runStatementsInRequestTx(ctx.pool, txCtx, [{ sql, params: p.values }], verify);
  const row = result.rows[0] as { body: string | Buffer | null; page_total: string; total: string | null; response_headers: string | null; response_status: string | null };
  let status = 200;
  let body: string | Buffer | null = row?.body ?? 'null';
  if (fn.returnType === 'void') {
    status = 204;
    body = null;
  } else {
    headers['Content-Type'] = handled ? contentType(media) : binary ? 'application/octet-stream' : 'application/json; charset=utf-8';
    if (fn.returnsSet) {
      const pageTotal = Number(row?.page_total ?? 0);
      // An empty page has no window row to count from: the total is unknown past the first page.
      const total = row?.total != null ? Number(row.total) : prefs.count && !setRange.offset ? pageTotal : null;
      headers['Content-Range'] = contentRange(setRange.offset, pageTotal, total);
      if (total !== null && setRange.offset <= total) status = rangeStatus(setRange.offset, pageTotal, total);
    } else headers['Content-Range'] = `0-0/${prefs.count ? 1 : '*'}`;
  }
  const pa = applied();
  if (pa) headers['Preference-Applied'] = pa;
  const gucs = applyResponseGucs(headers, row?.response_headers ?? null, row?.response_status ?? null);
  if (gucs.status) status = gucs.status;
  return { status, headers, body: req.method === 'HEAD' ? null : body, cookies: gucs.cookies };
}

/**
 * A scalar result through a media type: a function returning the media type's domain answers its
 * own value as is (bytes or text); a handler aggregate or GeoJSON runs over the value's row.
 */
function scalarMediaBody(media: Media): string | undefined {
  if (media.kind === 'geojson') {
    return `json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(${qualified(media.func.schema, media.func.name)}("_s")::json), '[]'))::text`;
  }
  if (media.kind !== 'custom') return undefined;
  const h = media.handler;
  const type = h.binary ? 'bytea' : 'text';
  if (h.kind === 'function') return `coalesce((array_agg("pgrst_scalar"::${type}))[1], ''::${type})`;
  return `coalesce(${qualified(h.func!.schema, h.func!.name)}("pgrst_scalar")::${type}, ''::${type})`;
}

/** The function call as a FROM item (for rows) and as a one-row SELECT (for scalars). */
function callParts(fn: Func, args: Record<string, unknown>, p: Params, whole?: string | Buffer): { fromItem: string; scalarSelect: string } {
  const name = qualified(fn.schema, fn.name);
  if (whole !== undefined) {
    // A single unnamed parameter: the whole body, typed as the parameter is.
    const call = `${name}(${p.add(whole)}::${fn.args[0].type})`;
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
