/**
 * The baseline for bench/rest-read.ts: node:http + pg doing only the database work Basalt
 * does for the same request. The engine's parse → plan → render runs once per scenario at
 * start-up; per request this server only binds the varying value, runs the same pipelined
 * transaction (runInRequestTx) and writes the body with the data API's headers. Whatever
 * Basalt spends above this is its HTTP, Express, auth, parse, plan and render layers.
 *
 * Environment: the same as Basalt's (DATABASE_URL, PORT, HOST, WEB_CONCURRENCY, DB_SCHEMAS,
 * DB_POOL_MAX, ...; loadConfig validates it), plus BENCH_SCENARIOS, a JSON array of
 * { resource, query } where `query` holds `{v}` at the one place a request varies.
 * Forked with IPC, it sends { ready: true } once every process listens.
 */
import cluster from 'node:cluster';
import http from 'node:http';
import pg from 'pg';
import { loadConfig } from '../src/shared/config.ts';
import { createLogger } from '../src/shared/log.ts';
import { createPool } from '../src/shared/db/pool.ts';
import { restConnectionUrl } from '../src/shared/control/authenticator.ts';
import { loadSchemaCache } from '../src/shared/schema-cache/build.ts';
import type { SchemaCacheData } from '../src/shared/schema-cache/model.ts';
import { parseQueryParams } from '../src/shared/rest/parse/query-params.ts';
import { combineRanges } from '../src/shared/rest/parse/range.ts';
import { findTable, planRead } from '../src/shared/rest/plan/read-plan.ts';
import { renderRead } from '../src/shared/rest/render/read.ts';
import { runInRequestTx } from '../src/shared/rest/execute.ts';
import { contentType } from '../src/shared/rest/respond/media.ts';
import { contentRange, rangeStatus } from '../src/shared/rest/respond/range-status.ts';

export interface ScenarioSpec {
  resource: string;
  /** The query string (no `?`) with `{v}` where the per-request integer goes. */
  query: string;
}

interface Prepared {
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
  /** The request path Basalt puts in `request.path`. */
  txPath: string;
}

const config = loadConfig();
// Both servers answer `Accept: */*` (autocannon sends no Accept) with plain JSON.
const JSON_TYPE = contentType({ kind: 'json', stripNulls: false });

/** What handleRead does before it touches the database, for a request without special headers. */
function render(cache: SchemaCacheData, schema: string, resource: string, query: string) {
  const q = parseQueryParams(query);
  const range = combineRanges(q.ranges.find((r) => r.path.length === 0), undefined, 'GET');
  const plan = planRead(cache, findTable(cache, schema, resource), q, { range, maxRows: config.DB_MAX_ROWS });
  return { plan, rendered: renderRead(plan, { format: 'json', stripNulls: false, count: undefined }) };
}

/**
 * Renders the scenario with two different values and keeps the SQL only if exactly one
 * parameter changes, so binding the request's value reproduces the engine's statement.
 */
function prepare(cache: SchemaCacheData, schema: string, s: ScenarioSpec): Prepared {
  // Both > 0: `offset=0` renders no OFFSET clause, which would change the SQL text.
  const [va, vb] = [7, 13];
  const a = render(cache, schema, s.resource, s.query.replace('{v}', String(va)));
  const b = render(cache, schema, s.resource, s.query.replace('{v}', String(vb)));
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
    txPath: `/rest/v1/${s.resource}`,
  };
}

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
  const scenarios = specs.map((s) => prepare(cache, schema, s));
  // Same login role and pool settings as Basalt's restPool: the env is shared, only the name differs.
  const rest = await restConnectionUrl(config, createLogger('bench-baseline', config.LOG_LEVEL));
  const pool = createPool(config, undefined, { applicationName: 'basalt-bench-baseline', pipeline: true, connectionString: rest.url });
  const role = config.DB_ANON_ROLE;
  const claims = { role };

  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    let s: Prepared | undefined;
    let raw = '';
    for (const c of scenarios) {
      if (url.length > c.prefix.length + c.suffix.length && url.startsWith(c.prefix) && url.endsWith(c.suffix)) {
        raw = url.slice(c.prefix.length, url.length - c.suffix.length);
        if (/^[0-9]+$/.test(raw)) {
          s = c;
          break;
        }
      }
    }
    if (!s) {
      res.statusCode = 404;
      res.end(`baseline: no scenario matches ${url}`);
      return;
    }
    const sc = s;
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
        readOnly: true,
        searchPath: [schema, 'public'],
      },
      { sql: sc.sql, params },
    ).then(
      (result) => {
        const row = result.rows[0];
        const offset = sc.offsetIsValue ? value : sc.fixedOffset;
        const pageTotal = Number(row.page_total);
        // setHeader + end(body), as Basalt's send() does, so Node adds Content-Length (no chunking).
        res.setHeader('Content-Type', JSON_TYPE);
        res.setHeader('Content-Range', contentRange(offset, pageTotal, null));
        res.statusCode = rangeStatus(offset, pageTotal, null);
        res.end(row.body);
      },
      (e: unknown) => {
        res.statusCode = 500;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end(`baseline: ${(e as Error).message}`);
      },
    );
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
