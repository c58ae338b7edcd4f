/**
 * Write and RPC benchmark for the data API, with a baseline measured in the same run.
 *
 * Starts a private PostgreSQL and Redis, loads bench/fixture.sql, runs Basalt's API and
 * bench/baseline-server.ts (the same SQL on bare node:http + pg), drives both with
 * autocannon with the same POST requests, and prints req/s and latency side by side.
 * Before measuring, both servers must answer each scenario alike and write the same
 * rows; after each scenario, bench.events must hold exactly the rows the answered
 * requests wrote. See bench/README.md. Tunables: BENCH_DURATION, BENCH_WARMUP (seconds),
 * BENCH_CONNECTIONS, BENCH_CPU_PROF. The shared machinery is in bench/harness.ts.
 */
import os from 'node:os';
import type pg from 'pg';
import { fmt, runBench, type Bench, type RunCounts, type ScenarioResult, type Servers } from './harness.ts';
import type { WriteScenarioSpec } from './baseline-server.ts';

const BULK = 1_000;

interface Scenario extends WriteScenarioSpec {
  name: string;
  /** Rows each request adds to bench.events. */
  rows: number;
  /** A condition every row in bench.events must meet after the scenario. */
  rowCheck: string;
  /** The answer both servers must give, in the check before measuring. */
  expect: { status: number; body: string };
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const bulkBody = JSON.stringify(Array.from({ length: BULK }, (_, i) => ({ kind: 'bulk', payload: { n: i + 1 } })));

const SCENARIOS: Scenario[] = [
  {
    kind: 'write', name: 'insert: 1 row', path: '/rest/v1/events', headers: JSON_HEADERS,
    body: '{"kind":"click","payload":{"n":1}}',
    rows: 1, rowCheck: `kind = 'click' AND payload = '{"n":1}'`, expect: { status: 201, body: '' },
  },
  {
    kind: 'write', name: `insert: ${BULK.toLocaleString('en')} rows (bulk)`, path: '/rest/v1/events', headers: JSON_HEADERS,
    body: bulkBody,
    rows: BULK, rowCheck: `kind = 'bulk' AND (payload->>'n')::int BETWEEN 1 AND ${BULK}`, expect: { status: 201, body: '' },
  },
  {
    kind: 'write', name: 'rpc: add_them (immutable)', path: '/rest/v1/rpc/add_them', headers: JSON_HEADERS,
    body: '{"a":1,"b":2}',
    rows: 0, rowCheck: 'false', expect: { status: 200, body: '3' },
  },
  {
    kind: 'write', name: 'rpc: log_event (volatile)', path: '/rest/v1/rpc/log_event', headers: JSON_HEADERS,
    body: '{"kind":"rpc"}',
    // Each check request starts from an empty table (RESTART IDENTITY), so both answer id 1.
    rows: 1, rowCheck: `kind = 'rpc' AND payload IS NULL`, expect: { status: 200, body: '1' },
  },
];

const example = (s: Scenario) => `POST ${s.path} ${s.body.length > 80 ? `[${BULK.toLocaleString('en')} objects like ${JSON.stringify(JSON.parse(s.body)[0])}]` : s.body}`;

// The headers of the data API's answer that the two servers must agree on.
const COMPARED_HEADERS = ['content-type', 'content-range', 'location', 'preference-applied', 'content-profile'];

async function emptyEvents(db: pg.Client) {
  await db.query('TRUNCATE bench.events RESTART IDENTITY');
}

/** Rows in bench.events, and how many of them fail the scenario's row check. */
async function eventRows(db: pg.Client, s: Scenario): Promise<{ rows: number; bad: number }> {
  const r = await db.query<{ rows: string; bad: string }>(`SELECT count(*) AS rows, count(*) FILTER (WHERE NOT coalesce(${s.rowCheck}, false)) AS bad FROM bench.events`);
  return { rows: Number(r.rows[0].rows), bad: Number(r.rows[0].bad) };
}

/**
 * Waits until the servers are done: no other session of the bench database inside a
 * statement or transaction, and no new rows, for 300 ms in a row. A server keeps working
 * on requests autocannon cut off when a run stopped; they must neither overlap the next
 * run nor land after the row check or the TRUNCATE.
 */
async function quiesce(db: pg.Client) {
  const deadline = Date.now() + 15_000;
  let last = '';
  for (let quiet = 0; quiet < 3; ) {
    const r = await db.query<{ busy: string; seq: string | null }>(
      `SELECT (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND state <> 'idle') AS busy, ` +
        `pg_sequence_last_value('bench.events_id_seq') AS seq`,
    );
    const now = String(r.rows[0].seq);
    quiet = Number(r.rows[0].busy) === 0 && now === last ? quiet + 1 : 0;
    last = now;
    if (Date.now() > deadline) throw new Error('the servers were still busy 15 s after the load stopped');
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** One request to each server from an empty table: same status, body and data-API headers, and the same rows written. */
async function checkSame(db: pg.Client, servers: Servers, s: Scenario) {
  const problems: string[] = [];
  const answers: Array<{ status: number; body: string; headers: Headers }> = [];
  for (const [who, base] of [['Basalt', servers.basalt], ['baseline', servers.baseline]] as const) {
    await emptyEvents(db);
    const r = await fetch(base + s.path, { method: 'POST', headers: s.headers, body: s.body });
    const a = { status: r.status, body: await r.text(), headers: r.headers };
    answers.push(a);
    if (a.status !== s.expect.status || a.body !== s.expect.body) {
      problems.push(`${who} answered ${a.status} ${JSON.stringify(a.body.slice(0, 300))}, expected ${s.expect.status} ${JSON.stringify(s.expect.body)}`);
    }
    const { rows, bad } = await eventRows(db, s);
    if (rows !== s.rows || bad !== 0) problems.push(`after ${who}'s answer bench.events holds ${rows} row(s), ${bad} not as sent; expected ${s.rows}`);
  }
  const [a, b] = answers;
  if (a.status !== b.status) problems.push(`status differs: Basalt ${a.status}, baseline ${b.status}`);
  if (a.body !== b.body) problems.push(`bodies differ:\n  Basalt:   ${a.body.slice(0, 300)}\n  baseline: ${b.body.slice(0, 300)}`);
  for (const h of COMPARED_HEADERS) {
    if (a.headers.get(h) !== b.headers.get(h)) problems.push(`${h} differs: Basalt "${a.headers.get(h)}", baseline "${b.headers.get(h)}"`);
  }
  await emptyEvents(db);
  if (problems.length) throw new Error(`scenario "${s.name}" (${example(s)}):\n${problems.join('\n')}`);
}

/**
 * After a scenario: every answered request's rows are there, and no more than the
 * requests sent could have written (a request cut off when a run stopped may or may not
 * have committed). Fails the run otherwise.
 */
async function checkRows(db: pg.Client, s: Scenario, counts: RunCounts) {
  await quiesce(db);
  const { rows, bad } = await eventRows(db, s);
  const min = counts.ok * s.rows;
  const max = counts.sent * s.rows;
  if (rows < min || rows > max || bad !== 0) {
    throw new Error(
      `scenario "${s.name}": bench.events holds ${rows} row(s) (${bad} not as sent); ` +
        `${counts.ok} answered request(s) (${counts.sent} sent) × ${s.rows} should give ${min === max ? min : `${min}..${max}`}`,
    );
  }
  return { expectedMin: min, expectedMax: max, found: rows };
}

async function main(bench: Bench) {
  await bench.startDatabase();
  const servers = await bench.startServers(SCENARIOS.map(({ kind, path, headers, body }) => ({ kind, path, headers, body })));
  const results: ScenarioResult[] = [];
  const notes: string[] = [];
  await bench.withDb(async (db) => {
    for (const s of SCENARIOS) await checkSame(db, servers, s);
    // Sampled while both servers idle: anything else running skews every number.
    const loadBefore = os.loadavg()[0];

    for (const s of SCENARIOS) {
      const { basalt, baseline, counts } = await bench.measure(s.name, servers, () => [{ method: 'POST', path: s.path, headers: s.headers, body: s.body }], () => quiesce(db));
      const rows = await checkRows(db, s, counts);
      bench.log(`${s.name}: bench.events holds ${rows.found.toLocaleString('en')} row(s) for ${counts.ok.toLocaleString('en')} answered request(s), as expected`);
      await emptyEvents(db);
      const result: ScenarioResult = { scenario: s.name, example: example(s), basalt, baseline, ratio: basalt.rps / baseline.rps, rowsPerRequest: s.rows, rowCheck: rows };
      if (s.rows > 1) {
        result.rowsPerSecond = { basalt: basalt.rps * s.rows, baseline: baseline.rps * s.rows };
        notes.push(`\n${s.name}: Basalt ${fmt(basalt.rps * s.rows, 0)} rows/s, baseline ${fmt(baseline.rps * s.rows, 0)} rows/s`);
      }
      results.push(result);
    }
    bench.report(results, loadBefore, 'rest-write.json', { notes });
  });
}

runBench(main);
