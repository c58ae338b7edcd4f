/**
 * How many rows an export will read from each relation, for its progress: the planner's
 * estimate (reltuples scaled to the relation's current size, as the planner does), an
 * exact count for a small table that has never been analyzed (reltuples -1, or 0 while it
 * has pages), and EXPLAIN's estimate for views and for large tables never analyzed.
 */
import type { PoolClient } from '../shared/db/pool.ts';
import { qualified } from '../shared/sql/ident.ts';
import { catalog } from '../shared/catalog/index.ts';

/** Up to this size, a table without statistics is counted (a few ms per MB). */
const COUNT_MAX_BYTES = 32 * 1024 * 1024;

export async function estimateRows(client: PoolClient, schema: string, names: string[], rowLimit?: number): Promise<Map<string, number>> {
  const { rows } = await client.query<{ name: string; relkind: string; reltuples: number; relpages: number; size: string; block: string }>( catalog.rowEstimateInputs,
    [schema, names],
  );
  const out = new Map<string, number>();
  for (const r of rows) {
    const rel = qualified(schema, r.name);
    const pages = Number(r.size) / Number(r.block);
    let n: number;
    if ((r.relkind === 'r' || r.relkind === 'm') && r.reltuples > 0) n = r.relpages > 0 ? (r.reltuples / r.relpages) * pages : r.reltuples;
    else if ((r.relkind === 'r' || r.relkind === 'm') && Number(r.size) <= COUNT_MAX_BYTES) {
      n = Number((await client.query<{ n: string }>(`SELECT pg_catalog.count(*) AS n FROM ${rel}`)).rows[0].n);
    } else {
      const plan = await client.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(`EXPLAIN (FORMAT JSON) SELECT 1 FROM ${rel}`);
      n = plan.rows[0]['QUERY PLAN'][0].Plan['Plan Rows'];
    }
    n = Math.max(0, Math.round(n));
    out.set(r.name, rowLimit ? Math.min(n, rowLimit) : n);
  }
  return out;
}
