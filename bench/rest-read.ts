/**
 * Read benchmark for the data API, with a baseline measured in the same run.
 *
 * Starts a private PostgreSQL and Redis, loads bench/fixture.sql, runs Basalt's API and
 * bench/baseline-server.ts (the same SQL on bare node:http + pg), drives both with
 * autocannon over the same request sequences, and prints req/s and latency side by side.
 * See bench/README.md. Tunables: BENCH_DURATION, BENCH_WARMUP (seconds), BENCH_CONNECTIONS, BENCH_CPU_PROF.
 * The shared machinery (services, servers, measuring, output) is in bench/harness.ts.
 */
import os from 'node:os';
import { residentMb, runBench, type Bench, type ScenarioResult, type Servers } from './harness.ts';
import type { ReadScenarioSpec } from './baseline-server.ts';

const BOOKS = 200_000;

interface Scenario extends ReadScenarioSpec {
  name: string;
  /** The per-request values, the same list (and order) for both servers. */
  values: number[];
}

/** mulberry32: a seeded PRNG, so every run and both servers see the same sequence. */
function sequence(seed: number, n: number, lo: number, hi: number): number[] {
  let a = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out.push(lo + Math.floor(r * (hi - lo + 1)));
  }
  return out;
}

// Offsets stay ≥ 1 (offset=0 renders different SQL) and small: deep OFFSETs measure
// PostgreSQL skipping rows, not the API.
const SCENARIOS: Scenario[] = [
  { kind: 'read', name: 'pk: 1 row by id', resource: 'books', query: 'id=eq.{v}&select=*', values: sequence(1, 65_536, 1, BOOKS) },
  { kind: 'read', name: 'page: 100 rows, order=id', resource: 'books', query: 'select=*&order=id&limit=100&offset={v}', values: sequence(2, 65_536, 1, 2_000) },
  { kind: 'read', name: 'embed: 20 rows, 2 levels', resource: 'books', query: 'select=id,title,authors(name,publishers(name))&limit=20&offset={v}', values: sequence(3, 65_536, 1, 2_000) },
];

const urlPath = (s: Scenario, v: number) => `/rest/v1/${s.resource}?${s.query.replace('{v}', String(v))}`;

/** The first request of a scenario must give 200 and the same body (and range) on both servers. */
async function checkSame(servers: Servers, s: Scenario) {
  const p = urlPath(s, s.values[0]);
  const [a, b] = await Promise.all([fetch(servers.basalt + p), fetch(servers.baseline + p)]);
  const [ab, bb] = await Promise.all([a.text(), b.text()]);
  const problems: string[] = [];
  if (a.status !== 200) problems.push(`Basalt answered ${a.status}: ${ab.slice(0, 300)}`);
  if (b.status !== 200) problems.push(`baseline answered ${b.status}: ${bb.slice(0, 300)}`);
  if (ab !== bb) problems.push(`bodies differ:\n  Basalt:   ${ab.slice(0, 300)}\n  baseline: ${bb.slice(0, 300)}`);
  for (const h of ['content-type', 'content-range']) {
    if (a.headers.get(h) !== b.headers.get(h)) problems.push(`${h} differs: Basalt "${a.headers.get(h)}", baseline "${b.headers.get(h)}"`);
  }
  if (ab.length < 3) problems.push(`empty result for ${p}; the fixture is not loaded as expected`);
  if (problems.length) throw new Error(`scenario "${s.name}" (${p}):\n${problems.join('\n')}`);
}

async function main(bench: Bench) {
  await bench.startDatabase();
  const servers = await bench.startServers(SCENARIOS.map(({ kind, resource, query }) => ({ kind, resource, query })));
  for (const s of SCENARIOS) await checkSame(servers, s);
  // Sampled while both servers idle: anything else running skews every number.
  const loadBefore = os.loadavg()[0];
  // Resident memory idle after start-up and idle after the load (the primary first, then the web processes).
  const rss = () => `Basalt ${residentMb(servers.basaltPid).join(', ')} MB; baseline ${residentMb(servers.baselinePid).join(', ')} MB`;
  const rssBefore = rss();

  const results: ScenarioResult[] = [];
  for (const s of SCENARIOS) {
    const { basalt, baseline } = await bench.measure(s.name, servers, (t) => [
      {
        method: 'GET',
        setupRequest: (req) => {
          req.path = urlPath(s, s.values[t.next++ % s.values.length]);
          return req;
        },
      },
    ]);
    results.push({ scenario: s.name, example: urlPath(s, s.values[0]), basalt, baseline, ratio: basalt.rps / baseline.rps });
  }
  await new Promise((r) => setTimeout(r, 3_000));
  bench.report(results, loadBefore, 'latest.json', { notes: [`resident memory idle after start-up: ${rssBefore}`, `resident memory idle 3 s after the load: ${rss()}`] });
}

runBench(main);
