/**
 * The baseline for bench/rest-read.ts and bench/rest-write.ts: node:http + pg doing only
 * the database work Basalt does for the same request. The engine's parse → plan → render
 * runs once per scenario at start-up; per request this server only binds the varying
 * value (a read's query value, a write's body), runs the same pipelined transaction
 * (runStatementsInRequestTx) and writes the answer with the data API's headers. Whatever
 * Basalt spends above this is its HTTP, Express, auth, parse, plan and render layers.
 *
 * Environment: the same as Basalt's (DATABASE_URL, PORT, HOST, WEB_CONCURRENCY, DB_SCHEMAS,
 * DB_POOL_MAX, ...; loadConfig validates it), plus BENCH_SCENARIOS, a JSON array of
 * ScenarioSpec. Forked with IPC, it sends { ready: true } once every process listens.
 */
import cluster from 'node:cluster';
import http from 'node:http';
import pg from 'pg';
import { loadConfig } from '../src/shared/config.ts';
import { createPool, type Pool } from '../src/shared/db/pool.ts';
import { restConnectionUrl } from '../src/shared/control/authenticator.ts';
import { loadSchemaCache } from '../src/api/schema-cache/build.ts';
import type { SchemaCacheData } from '../src/api/schema-cache/model.ts';
import { parseQueryParams } from '../src/api/engine/parse/query-params.ts';
import { parsePrefer } from '../src/api/engine/parse/prefer.ts';
import { parseBody, payloadColumns } from '../src/api/engine/parse/body.ts';
import { combineRanges } from '../src/api/engine/parse/range.ts';
import { findTable, planRead } from '../src/api/engine/plan/read-plan.ts';
import type { ReadPlan } from '../src/api/engine/plan/types.ts';
import { renderRead } from '../src/api/engine/render/read.ts';
import { renderMutation } from '../src/api/engine/render/mutate.ts';
import { runInRequestTx, runStatementsInRequestTx, type TxContext } from '../src/api/engine/execute.ts';
import { resolveProfile, type RestContext, type RestRequest, type RestResponse } from '../src/api/engine/read.ts';
import { handleWrite, type TxEnd } from '../src/api/engine/write.ts';
import { handleRpc } from '../src/api/engine/rpc.ts';
import { contentType, negotiate } from '../src/api/engine/respond/media.ts';
import { contentRange, rangeStatus } from '../src/api/engine/respond/range-status.ts';

/** GET /rest/v1/<resource>?<query>, where `query` holds `{v}` at the one place a request varies. */
export interface ReadScenarioSpec {
  kind: 'read';
  resource: string;
  /** The query string (no `?`) with `{v}` where the per-request integer goes. */
  query: string;
}

/**
 * POST <path> (`/rest/v1/<table>` or `/rest/v1/rpc/<fn>`, no query string) with `body`,
 * compact JSON: an object or an array of objects for a table, an object of named
 * arguments for a function. Requests must send bodies of that shape; the baseline binds
 * the body text without parsing it.
 */
export interface WriteScenarioSpec {
  kind: 'write';
  path: string;
  /** The request headers that matter to the engine (content-type, prefer, accept), as the client sends them. */
  headers: Record<string, string>;
  body: string;
}

export type ScenarioSpec = ReadScenarioSpec | WriteScenarioSpec;

interface PreparedRead {
  prefix: string;
  suffix: string;
  sql: string;
  params: unknown[];
  /** Which parameter carries the varying value, and as what JS type the engine binds it. */
  slot: number;
  asNumber: boolean;
  /** Whether the page offset (for Content-Range) is the varying value itself. */
  offsetIsValue: boolean;
  fixedOffset: number;
  /** The request path Basalt puts in `request.path` (relative to /rest/v1, as routes.ts does). */
  txPath: string;
}

interface PreparedWrite {
  path: string;
  sql: string;
  params: unknown[];
  /** The parameter that carries the body, and whether the body goes in as `[<body>]` (one object, bound as a one-row array). */
  slot: number;
  wrap: boolean;
  /** The transaction as the engine runs it, without the request headers (those are each request's own). */
  tx: Omit<TxContext, 'headers'>;
  /** The engine's answer: status and headers; the body, if any, is the statement's `body` column. */
  status: number;
  headers: Record<string, string>;
  bodyFromRow: boolean;
}

const config = loadConfig();
// Basalt runs reads as named prepared statements; by default the baseline sends them unnamed
// (a bare pg server), BENCH_BASELINE_PREPARED=1 prepares them too, to weigh what that saves.
const PREPARE_READS = process.env.BENCH_BASELINE_PREPARED === '1';
// Both servers answer `Accept: */*` (autocannon sends no Accept) with plain JSON.
const JSON_TYPE = contentType({ kind: 'json', stripNulls: false });

/** What handleRead does before it touches the database, for a request without special headers. */
function renderReadRequest(cache: SchemaCacheData, schema: string, resource: string, query: string) {
  const q = parseQueryParams(query);
  const range = combineRanges(q.ranges.find((r) => r.path.length === 0), undefined, 'GET');
  const plan = planRead(cache, findTable(cache, schema, resource), q, { range, maxRows: config.DB_MAX_ROWS });
  return { plan, rendered: renderRead(plan, { format: 'json', stripNulls: false, count: undefined, responseGucs: true }) };
}

/**
 * Renders the scenario with two different values and keeps the SQL only if exactly one
 * parameter changes, so binding the request's value reproduces the engine's statement.
 */
function prepareRead(cache: SchemaCacheData, schema: string, s: ReadScenarioSpec): PreparedRead {
  // Both > 0: `offset=0` renders no OFFSET clause, which would change the SQL text.
  const [va, vb] = [7, 13];
  const a = renderReadRequest(cache, schema, s.resource, s.query.replace('{v}', String(va)));
  const b = renderReadRequest(cache, schema, s.resource, s.query.replace('{v}', String(vb)));
  if (a.rendered.sql !== b.rendered.sql) throw new Error(`scenario ${s.query}: the SQL text depends on the value`);
  const slots = a.rendered.params.map((_, i) => i).filter((i) => a.rendered.params[i] !== b.rendered.params[i]);
  if (slots.length !== 1) throw new Error(`scenario ${s.query}: expected one varying parameter, found ${slots.length}`);
  const slot = slots[0];
  const asNumber = typeof a.rendered.params[slot] === 'number';
  if (a.rendered.params[slot] !== (asNumber ? va : String(va))) throw new Error(`scenario ${s.query}: parameter ${slot + 1} is not the value as written`);
  const offsetIsValue = a.plan.offset !== b.plan.offset;
  if (offsetIsValue && a.plan.offset !== va) throw new Error(`scenario ${s.query}: offset is derived from the value in an unexpected way`);
  const [before, after] = s.query.split('{v}');
  return {
    prefix: `/rest/v1/${s.resource}?${before}`,
    suffix: after,
    sql: a.rendered.sql,
    params: a.rendered.params,
    slot,
    asNumber,
    offsetIsValue,
    fixedOffset: a.plan.offset,
    txPath: `/${s.resource}`,
  };
}

// ---- writes and RPC ----

type Statement = { sql: string; params: unknown[] };

/**
 * A stand-in pool that records what is sent and answers every query with `row`: running
 * the engine's own handlers against it shows the exact queries (BEGIN, set-up, statement,
 * COMMIT) Basalt sends for a request, without a database.
 */
function recordingPool(row: Record<string, unknown>): { pool: Pool; sent: Statement[] } {
  const sent: Statement[] = [];
  const client = {
    query(sql: string, params?: unknown[]) {
      sent.push({ sql, params: params ?? [] });
      return Promise.resolve({ rows: [row], rowCount: 1, command: 'SELECT', oid: 0, fields: [] });
    },
    release() {},
  };
  return { pool: { connect: async () => client } as unknown as Pool, sent };
}

const sameStatements = (a: Statement[], b: Statement[]) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What handleWrite renders for a POST insert without query parameters: the same calls, with
 * the same arguments, up to renderMutation. Only the plain insert the benchmark sends is
 * covered (no on_conflict/resolution, columns=, Location or max-affected); anything else
 * fails the start-up check against handleWrite below.
 */
function renderInsert(cache: SchemaCacheData, schema: string, resource: string, headers: Record<string, string | undefined>, body: string): Statement {
  const q = parseQueryParams('');
  const prefs = parsePrefer(headers.prefer);
  const media = negotiate(headers.accept);
  const table = findTable(cache, schema, resource);
  const plan = planRead(cache, table, q, { range: { offset: 0 } });
  const returning: ReadPlan = { ...plan, where: [], order: [], offset: 0, limit: undefined };
  const payload = parseBody(headers['content-type'], Buffer.from(body));
  const columns = payloadColumns(payload, q.columns);
  const mutation = { kind: 'insert' as const, columns, json: JSON.stringify(payload.rows), rowCount: payload.rows.length, applyDefaults: prefs.missing === 'default', onConflict: undefined };
  return renderMutation(table, mutation, returning, {
    representation: (prefs.return ?? 'minimal') === 'representation',
    format: media.kind === 'csv' ? 'csv' : media.kind === 'object' ? 'object' : 'json',
    stripNulls: (media.kind === 'json' || media.kind === 'object') && media.stripNulls,
    locationKeys: undefined,
  });
}

async function prepareWrite(cache: SchemaCacheData, schema: string, s: WriteScenarioSpec): Promise<PreparedWrite> {
  const fail = (m: string) => new Error(`scenario POST ${s.path}: ${m}`);
  const m = /^\/rest\/v1\/(rpc\/)?([^/?]+)$/.exec(s.path);
  if (!m) throw fail('expected /rest/v1/<table> or /rest/v1/rpc/<function>, without a query string');
  const isRpc = !!m[1];
  const resource = decodeURIComponent(m[2]);
  const json = JSON.parse(s.body) as unknown;
  // The engine binds JSON.stringify(JSON.parse(body)); for compact JSON that is the body as sent.
  if (JSON.stringify(json) !== s.body) throw fail('the body must be compact JSON (as JSON.stringify writes it)');
  const wrap = !isRpc && !Array.isArray(json);
  const bodyParam = (body: string) => (wrap ? `[${body}]` : body);

  // The request as src/api/rest/routes.ts builds it for an anonymous caller without cookies.
  const headers: Record<string, string> = { 'content-length': String(Buffer.byteLength(s.body)), ...s.headers };
  const role = config.DB_ANON_ROLE;
  const req: RestRequest & { body: Buffer } = {
    method: 'POST',
    resource,
    query: '',
    headers,
    schema: resolveProfile(s.headers['content-profile'], config.DB_SCHEMAS),
    echoProfile: config.DB_SCHEMAS.length > 1,
    tx: {
      role,
      claims: { role },
      method: 'POST',
      path: s.path.slice('/rest/v1'.length),
      headers,
      cookies: {},
      preRequest: config.DB_PRE_REQUEST,
      authenticated: false,
    },
    body: Buffer.from(s.body),
  };

  // The engine's own handler, against the recording pool: the queries Basalt sends and the answer it gives.
  const fakeBody = '"baseline-probe"';
  const fakeRow = { page_total: String(Array.isArray(json) ? json.length : 1), inserted: true, body: fakeBody, location: null, response_headers: null, response_status: null, total: null };
  const engine = recordingPool(fakeRow);
  const ctx: RestContext & { txEnd: TxEnd } = { cache, pool: engine.pool, maxRows: config.DB_MAX_ROWS, txEnd: config.DB_TX_END };
  let answer: RestResponse;
  try {
    answer = await (isRpc ? handleRpc(ctx, req) : handleWrite(ctx, req));
  } catch (e) {
    throw fail(`the engine rejects the request: ${(e as Error).message}`);
  }
  // BEGIN, set-up, [pre-request], statement, COMMIT/ROLLBACK.
  const pre = config.DB_PRE_REQUEST ? 1 : 0;
  if (engine.sent.length !== 4 + pre) throw fail(`expected one statement in the transaction, the engine sent ${engine.sent.length - 3 - pre}`);
  const [begin] = engine.sent;
  const end = engine.sent[engine.sent.length - 1];
  const engineStatement = engine.sent[2 + pre];

  // Inserts: renderMutation, called as handleWrite calls it. RPC: handleRpc builds its
  // SQL inline (no render step to call), so the statement is the one it sent above.
  const statement = isRpc ? engineStatement : renderInsert(cache, req.schema, resource, headers, s.body);
  if (!sameStatements([statement], [engineStatement])) {
    throw fail(`renderMutation (as called here) and handleWrite disagree:\n  here:   ${JSON.stringify(statement).slice(0, 400)}\n  engine: ${JSON.stringify(engineStatement).slice(0, 400)}`);
  }
  const slots = statement.params.map((_, i) => i).filter((i) => statement.params[i] === bodyParam(s.body));
  if (slots.length !== 1) throw fail(`expected the body in exactly one parameter, found it in ${slots.length}`);

  const tx: Omit<TxContext, 'headers'> = {
    ...req.tx,
    readOnly: begin.sql.includes('READ ONLY'),
    searchPath: [req.schema, 'public'],
    rollback: end.sql === 'ROLLBACK',
  };
  // The baseline's transaction must send exactly what the engine's did.
  const mine = recordingPool(fakeRow);
  await runStatementsInRequestTx(mine.pool, { ...tx, headers }, [statement]);
  if (!sameStatements(mine.sent, engine.sent)) {
    throw fail(`the baseline's transaction differs from the engine's:\n  baseline: ${JSON.stringify(mine.sent).slice(0, 600)}\n  engine:   ${JSON.stringify(engine.sent).slice(0, 600)}`);
  }
  if (answer.body !== null && answer.body !== fakeBody) throw fail('the engine transforms the statement\'s body; the baseline cannot mirror that');

  return {
    path: s.path,
    sql: statement.sql,
    params: statement.params,
    slot: slots[0],
    wrap,
    tx,
    status: answer.status,
    headers: answer.headers,
    bodyFromRow: answer.body !== null,
  };
}

// ---- the server ----

async function runServer() {
  const specs: ScenarioSpec[] = JSON.parse(process.env.BENCH_SCENARIOS ?? '[]');
  const schema = config.DB_SCHEMAS[0];
  // A pool, not one client: loadSchemaCache runs its catalog queries concurrently.
  const loader = new pg.Pool({ connectionString: config.DATABASE_URL, application_name: 'basalt-bench-baseline', max: 5 });
  let cache: SchemaCacheData;
  try {
    cache = await loadSchemaCache(loader, config.DB_SCHEMAS);
  } finally {
    await loader.end();
  }
  const reads = specs.filter((s): s is ReadScenarioSpec => s.kind === 'read').map((s) => prepareRead(cache, schema, s));
  // By path, then by the body's first character: the single-object and bulk inserts share a path.
  const writes = new Map<string, Map<string, PreparedWrite>>();
  for (const s of specs) {
    if (s.kind !== 'write') continue;
    if (!writes.has(s.path)) writes.set(s.path, new Map());
    writes.get(s.path)!.set(s.body[0], await prepareWrite(cache, schema, s));
  }
  // Same login role and pool settings as Basalt's restPool: the env is shared, only the name differs.
  const rest = restConnectionUrl(config);
  const pool = createPool(config, undefined, { applicationName: 'basalt-bench-baseline', pipeline: true, connectionString: rest.url });
  const role = config.DB_ANON_ROLE;
  const claims = { role };

  const fail = (res: http.ServerResponse) => (e: unknown) => {
    res.statusCode = 500;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(`baseline: ${(e as Error).message}`);
  };

  function serveRead(req: http.IncomingMessage, res: http.ServerResponse, sc: PreparedRead, raw: string) {
    const value = Number(raw);
    const params = sc.params.slice();
    params[sc.slot] = sc.asNumber ? value : raw;
    runInRequestTx<{ total: string | null; page_total: string; body: string }>(
      pool,
      // The context src/api/rest/routes.ts builds for an anonymous request without cookies.
      {
        role,
        claims,
        method: req.method ?? 'GET',
        path: sc.txPath,
        headers: req.headers as Record<string, string>,
        cookies: {},
        preRequest: config.DB_PRE_REQUEST,
        authenticated: false,
        readOnly: true,
        searchPath: [schema, 'public'],
        prepare: PREPARE_READS,
      },
      { sql: sc.sql, params },
    ).then((result) => {
      const row = result.rows[0];
      const offset = sc.offsetIsValue ? value : sc.fixedOffset;
      const pageTotal = Number(row.page_total);
      // setHeader + end(body), as Basalt's send() does, so Node adds Content-Length (no chunking).
      res.setHeader('Content-Type', JSON_TYPE);
      res.setHeader('Content-Range', contentRange(offset, pageTotal, null));
      res.statusCode = rangeStatus(offset, pageTotal, null);
      res.end(row.body);
    }, fail(res));
  }

  function serveWrite(req: http.IncomingMessage, res: http.ServerResponse, byShape: Map<string, PreparedWrite>) {
    const chunks: Buffer[] = [];
    // A client that goes away mid-body: nothing to run (as Express's body parser).
    req.on('error', () => {});
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8');
      const sc = byShape.get(body[0]);
      if (!sc) {
        res.statusCode = 400;
        res.end(`baseline: no scenario for ${req.url} takes a body starting with ${JSON.stringify(body[0] ?? '')}`);
        return;
      }
      const params = sc.params.slice();
      params[sc.slot] = sc.wrap ? `[${body}]` : body;
      runStatementsInRequestTx(pool, { ...sc.tx, headers: req.headers as Record<string, string> }, [{ sql: sc.sql, params }]).then(([result]) => {
        const row = result.rows[0] as { body?: string | null };
        for (const [k, v] of Object.entries(sc.headers)) res.setHeader(k, v);
        res.statusCode = sc.status;
        res.end(sc.bodyFromRow ? (row?.body ?? 'null') : undefined);
      }, fail(res));
    });
  }

  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (req.method === 'POST') {
      const w = writes.get(url);
      if (w) return serveWrite(req, res, w);
    } else {
      for (const c of reads) {
        if (url.length > c.prefix.length + c.suffix.length && url.startsWith(c.prefix) && url.endsWith(c.suffix)) {
          const raw = url.slice(c.prefix.length, url.length - c.suffix.length);
          if (/^[0-9]+$/.test(raw)) return serveRead(req, res, c, raw);
        }
      }
    }
    res.statusCode = 404;
    res.end(`baseline: no scenario matches ${req.method} ${url}`);
  });
  server.listen(config.PORT, config.HOST, () => process.send?.({ ready: true }));
  server.on('error', (err) => {
    process.stderr.write(`baseline: cannot listen: ${err.message}\n`);
    process.exit(1);
  });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close(() => {
      pool.end().finally(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2_000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function runPrimary() {
  const n = config.WEB_CONCURRENCY;
  let ready = 0;
  let stopping = false;
  for (let i = 0; i < n; i++) cluster.fork();
  cluster.on('message', (_w, msg: { ready?: boolean }) => {
    if (msg?.ready && ++ready === n) process.send?.({ ready: true });
  });
  cluster.on('exit', (_w, code) => {
    if (stopping) return;
    // A crashed worker would skew the numbers; end the run rather than restart it.
    process.stderr.write(`baseline: a worker exited (code ${code})\n`);
    process.exit(1);
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    const check = setInterval(() => {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        clearInterval(check);
        process.exit(0);
      }
    }, 50);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

try {
  if (cluster.isPrimary && config.WEB_CONCURRENCY > 1) runPrimary();
  else await runServer();
} catch (e) {
  process.stderr.write(`baseline failed to start: ${(e as Error).message}\n`);
  process.exit(1);
}
