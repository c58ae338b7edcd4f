import { UnrecoverableError } from 'bullmq';
import pg from 'pg';
import { jobClientError } from '../shared/jobs/client-error.ts';
import { copyOut } from '../shared/db/copy-out.ts';
import type { Pool, PoolClient } from '../shared/db/pool.ts';
import { becomeOwner, type TenantPools } from '../shared/tenants/tenant-pools.ts';
import { projectOwner, schemaTenant } from '../shared/tenants/schema-tenants.ts';
import { CopyTextRows } from '../shared/db/copy-text.ts';
import { qualified, quoteIdent, quoteLiteral } from '../shared/sql/ident.ts';
import type { JobProgress } from '../shared/jobs/payloads.ts';
import type { ExportPayload, ExportResult } from '../shared/jobs/payloads/export.ts';
import type { ArtifactStore } from '../shared/jobs/artifacts.ts';
import type { Config } from '../shared/config.ts';
import { tenantLoginUrl } from '../shared/tenants/schema-tenants.ts';
import { dumpSchemaDdl, pgTools } from './schema-dump.ts';
import { estimateRows } from './row-estimates.ts';
import { percentOf, ProgressTicker } from './job-progress.ts';
import { pgErrorKind } from '../shared/db/sqlstate.ts';
import { withTransaction } from '../shared/db/pool.ts';
import { catalog } from '../shared/catalog/index.ts';

interface Ctx {
  jobId: string;
  pool: Pool;
  tenantPools: TenantPools;
  artifacts: ArtifactStore;
  config: Config;
  signal?: AbortSignal;
  progress: (p: JobProgress) => Promise<void>;
}

/**
 * Streams tables out with COPY TO into the artifact store, in one REPEATABLE READ
 * snapshot so that multi-table exports are consistent. Memory stays flat. An SQL export's
 * DDL is pg_dump's, read in the same snapshot (./schema-dump.ts); its rows are our COPY.
 */
export async function runExport(p: ExportPayload, ctx: Ctx): Promise<ExportResult> {
  // A project schema is read in its tenant's own session, as its owner: its views and
  // functions run with the tenant's rights, never the worker's.
  const owner = await projectOwner(ctx.pool, p.schema);
  let rows = 0;
  let bytes = 0;
  let finished = false;
  // Progress: rows of the planner's estimates, each table's replaced by its count once read.
  let table: string | undefined;
  let tableRows = 0;
  let tableTotal = 0;
  let doneRows = 0; // rows of the tables finished
  let pendingTotal = 0; // estimates of the tables not yet started
  const totalRows = () => doneRows + Math.max(tableTotal, tableRows) + pendingTotal;
  let estimated = false; // totals are left out until the estimates are in
  const ticker = new ProgressTicker(ctx.progress, () => ({
    rows,
    bytes,
    table,
    ...(estimated ? { tableRows, tableTotalRows: tableTotal, totalRows: totalRows() } : {}),
    percent: percentOf(rows, totalRows()),
  }));
  const estimates = new Map<string, number>();
  const startTable = (t: string) => {
    table = t;
    tableRows = 0;
    tableTotal = estimates.get(t) ?? 0;
    pendingTotal -= tableTotal;
  };
  const endTable = () => {
    doneRows += tableRows;
    tableRows = 0;
    tableTotal = 0;
  };
  try {
    const result = await withTransaction(
      owner ? ctx.tenantPools.work(p.schema) : ctx.pool,
      async (client) => {
      const kinds = await relkinds(client, p.schema, p.tables);
      const missing = p.tables.filter((t) => !kinds.has(t));
      if (missing.length) throw new UnrecoverableError(`Table '${missing[0]}' does not exist in schema '${p.schema}'`);

      const limit = p.rowLimit ? ` LIMIT ${Number(p.rowLimit)}` : '';
      const estimate = async (names: string[]) => {
        if (!p.includeData) return;
        for (const [t, n] of await estimateRows(client, p.schema, names, p.rowLimit)) estimates.set(t, n);
        pendingTotal = names.reduce((s, t) => s + (estimates.get(t) ?? 0), 0);
        estimated = true;
      };

      async function* copyRows(sql: string): AsyncGenerator<string> {
        // Cancelled before this COPY began (the abort event has fired already): stop now.
        if (ctx.signal?.aborted) throw new Error('cancelled');
        const stream = client.query(copyOut(sql));
        const rowStream = stream.pipe(new CopyTextRows());
        stream.on('error', (e) => rowStream.destroy(e));
        const onAbort = () => rowStream.destroy(new Error('cancelled'));
        ctx.signal?.addEventListener('abort', onAbort);
        try {
          for await (const row of rowStream) yield row as string;
        } finally {
          ctx.signal?.removeEventListener('abort', onAbort);
        }
      }

      async function* json(): AsyncGenerator<string> {
        await estimate(p.tables);
        yield '{';
        for (const [i, t] of p.tables.entries()) {
          yield `${i ? ',' : ''}${JSON.stringify(t)}:[`;
          if (p.includeData) {
            startTable(t);
            let first = true;
            // `t.*` is the whole row even when the table has a column named t (a bare `t` is that column).
            for await (const row of copyRows(`COPY (SELECT row_to_json(t.*) FROM ${qualified(p.schema, t)} t${limit}) TO STDOUT`)) {
              yield (first ? '' : ',') + row;
              first = false;
              rows++;
              tableRows++;
              bytes += row.length;
            }
            endTable();
          }
          yield ']';
        }
        yield '}';
      }

      async function* sql(): AsyncGenerator<string | Buffer> {
        // Rows hidden by a policy (FORCE ROW LEVEL SECURITY on a tenant's table) fail the export
        // rather than leave a backup without them, as pg_dump does.
        await client.query('SET LOCAL row_security = off');
        const plan = await sqlPlan(client, p);
        const major = Math.floor(Number((await client.query<{ v: string }>(`SELECT pg_catalog.current_setting('server_version_num') AS v`)).rows[0].v) / 10000);
        const tools = await pgTools(major, ctx.config.PG_BIN_DIR);
        const { s: snapshot } = (await client.query<{ s: string }>('SELECT pg_catalog.pg_export_snapshot() AS s')).rows[0];
        // pg_dump writes the DDL in its own session, in this snapshot, while this session
        // starts on the rows: everything it asks the catalog comes first, since COPY keeps it busy.
        const ddlRun = dumpSchemaDdl({
          tools,
          url: owner ? tenantLoginUrl(ctx.config, p.schema) : ctx.config.DATABASE_URL,
          role: owner,
          snapshot,
          schema: p.schema,
          roots: plan.roots,
          exclude: plan.skip,
          lockWaitMs: LOCK_WAIT_MS,
          signal: ctx.signal,
        });
        ddlRun.catch(() => {}); // met below; a failure while this session works must not go unhandled
        // Rows of the tables asked for, and of the partitions of a partitioned table asked for,
        // in pg_dump's order for table data (by schema, then name).
        const data = p.includeData ? (await relationsByOid(client, [...plan.dataTables])).sort(byName) : [];
        await estimate(data.map((r) => r.name));
        const copyTable = (t: Relation) => {
          const rel = qualified(t.schema, t.name);
          const list = t.columns.map(quoteIdent).join(', ');
          const out = copyOut(`COPY (SELECT ${list} FROM ONLY ${rel}${limit}) TO STDOUT`);
          return { rel, list, out, stream: client.query(out) as AsyncIterable<Buffer> };
        };
        // The first table's COPY starts now: the server begins while pg_dump works, as far as
        // the socket's buffers take it. (Reading ahead into memory cost the worker more CPU than it saved.)
        let first: ReturnType<typeof copyTable> | undefined = data[0] && copyTable(data[0]);
        const ddl = await ddlRun;
        yield `-- Basalt export of schema ${p.schema.replace(/\s+/g, ' ')} (${p.tables.length} table${p.tables.length === 1 ? '' : 's'}), ${new Date().toISOString()}\n`;
        yield '-- Schema by pg_dump; load it with psql -v ON_ERROR_STOP=1, or POST /api/database/advance/import.\n';
        yield ddl.preData;
        for (const t of data) {
          if (ctx.signal?.aborted) throw new Error('cancelled');
          startTable(t.name);
          const { rel, list, out, stream } = first ?? copyTable(t);
          first = undefined;
          yield `\n-- Data for ${rel.replace(/\s+/g, ' ')}\nCOPY ${rel} (${list}) FROM stdin;\n`;
          let counted = 0;
          for await (const chunk of stream) {
            if (ctx.signal?.aborted) throw new Error('cancelled');
            bytes += chunk.length;
            // One CopyData message per row, counted as the protocol is decoded.
            const n = out.messages - counted;
            counted = out.messages;
            rows += n;
            tableRows += n;
            yield chunk;
          }
          yield '\\.\n';
          endTable();
        }
        const rels = await relationsByOid(client, ddl.relations);
        if (p.includeData) {
          const seqs = rels.filter((r) => r.relkind === 'S');
          if (seqs.length) {
            // As pg_dump's data section: each sequence carries on where the source's stands.
            const values = await client.query<{ i: number; last_value: string; is_called: boolean }>(
              seqs.map((q, i) => `SELECT ${i} AS i, last_value::text, is_called FROM ${qualified(q.schema, q.name)}`).join(' UNION ALL '),
            );
            yield '\n';
            for (const v of values.rows.sort((a, b) => a.i - b.i)) {
              const q = seqs[v.i];
              yield `SELECT pg_catalog.setval(${quoteLiteral(qualified(q.schema, q.name))}, ${v.last_value}, ${v.is_called});\n`;
            }
          }
        }
        yield ddl.postData;
        if (p.includeData) {
          const views = rels.filter((r) => r.relkind === 'm' && r.populated);
          for (const v of views) yield `REFRESH MATERIALIZED VIEW ${qualified(v.schema, v.name)};\n`;
        }
      }

      async function* csv(): AsyncGenerator<Buffer> {
        const t = p.tables[0];
        await estimate([t]);
        startTable(t);
        const out = copyOut(`COPY (SELECT * FROM ${qualified(p.schema, t)}${limit}) TO STDOUT WITH (FORMAT csv, HEADER true)`);
        const stream = client.query(out);
        let header = true;
        let counted = 0;
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          if (ctx.signal?.aborted) throw new Error('cancelled');
          bytes += chunk.length;
          // One CopyData message per row (quoted newlines included); the header is not a row.
          const n = out.messages - counted - (header ? 1 : 0);
          counted = out.messages;
          rows += n;
          tableRows += n;
          header = false;
          yield chunk;
        }
        endTable();
      }

      const contentType = { json: 'application/json', sql: 'application/sql', csv: 'text/csv' }[p.format];
      const artifact = await ctx.artifacts.writeJobOutput(
        ctx.jobId,
        { filename: `export.${p.format}`, contentType, compress: true },
        p.format === 'json' ? json() : p.format === 'csv' ? csv() : sql(),
      );
      finished = true;
        return { format: p.format, tables: p.tables, rows, bytes: artifact.contentSize, artifactId: artifact.id, contentType };
      },
      {
        mode: 'snapshot',
        setup: owner ? (c) => becomeOwner(c, schemaTenant(p.schema, owner)) : undefined,
        // A failed export's connection may be stuck mid-COPY: discarded, never returned to the pool.
        discard: () => !finished,
      },
    );
    table = undefined;
    await ticker.finish();
    return result;
  } catch (e) {
    // A table the export's role may not read (a tenant's), or rows a forced policy would hide.
    if (pgErrorKind(e) === 'insufficient_privilege') throw jobClientError('FORBIDDEN', `The export cannot read everything it was asked for: ${(e as Error).message}`);
    throw e;
  } finally {
    ticker.stop();
  }
}

/** How long pg_dump waits for a table's lock before the export fails (it locks every table of the schema it reads). */
const LOCK_WAIT_MS = 30_000;

/** pg_dump's order for table data: by schema, then name, as bytes (strcmp). */
const byName = (a: Relation, b: Relation) => Buffer.compare(Buffer.from(a.schema), Buffer.from(b.schema)) || Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));

/**
 * What an SQL export asks pg_dump for (pg_class and pg_proc oids): the tables asked for and
 * the partitions of those that are partitioned; with the flags, every view, materialized
 * view, sequence and function of the schema. Rows come from the tables asked for and those partitions.
 */
async function sqlPlan(client: PoolClient, p: ExportPayload) {
  const rels = await client.query<{ oid: number; relkind: string; requested: boolean }>( catalog.exportRelations,
    [p.schema, p.tables, p.includeViews, p.includeSequences],
  );
  const relations = new Set(rels.rows.map((r) => Number(r.oid)));
  const dataTables = new Set(rels.rows.filter((r) => r.requested && r.relkind === 'r').map((r) => Number(r.oid)));
  const parted = rels.rows.filter((r) => r.requested && r.relkind === 'p').map((r) => r.oid);
  if (parted.length) {
    const parts = await client.query<{ oid: number; relkind: string }>( catalog.partitions,
      [parted],
    );
    for (const r of parts.rows) {
      relations.add(Number(r.oid));
      if (r.relkind === 'r') dataTables.add(Number(r.oid));
    }
  }
  const functions = new Set<number>();
  if (p.includeFunctions) {
    const fns = await client.query<{ oid: number }>( catalog.schemaFunctions,
      [p.schema],
    );
    for (const r of fns.rows) functions.add(Number(r.oid));
  }
  // pg_dump locks every table of the schema it reads, and waits for locks others hold: it is
  // told to leave out the tables the export does not need (those the export's role may not
  // read among them). Needed: the roots, their partitions and ancestors, the relations a
  // view reads and a column's row type names, and so on.
  const skip = await client.query<{ name: string }>( catalog.exportSkipTables,
    [p.schema, [...relations]],
  );
  // A table asked for that the export's role may not read is refused, not left out.
  const denied = await client.query<{ name: string }>( catalog.unreadableRelations,
    [[...relations]],
  );
  if (denied.rows[0]) throw jobClientError('FORBIDDEN', `The export cannot read everything it was asked for: permission denied for table ${denied.rows[0].name}`);
  const fks = await client.query<{ oid: number; target: number }>( catalog.schemaForeignKeys,
    [p.schema],
  );
  const foreignKeys = new Map(fks.rows.map((r) => [Number(r.oid), Number(r.target)]));
  return { roots: { relations, functions, foreignKeys }, dataTables, skip: skip.rows.map((r) => r.name) };
}

interface Relation {
  oid: number;
  schema: string;
  name: string;
  relkind: string;
  populated: boolean;
  /** The columns COPY writes (not the generated ones), in order. */
  columns: string[];
}

/** The relations pg_dump wrote, in its order. */
async function relationsByOid(client: PoolClient, oids: number[]): Promise<Relation[]> {
  const { rows } = await client.query<Relation>( catalog.relationsByOid,
    [oids],
  );
  const byOid = new Map(rows.map((r) => [Number(r.oid), { ...r, oid: Number(r.oid) }]));
  return oids.map((o) => byOid.get(o)).filter((r): r is Relation => !!r);
}

async function relkinds(client: PoolClient, schema: string, tables: string[]): Promise<Map<string, string>> {
  const { rows } = await client.query<{ name: string; relkind: string }>( catalog.relationKinds,
    [schema, tables],
  );
  return new Map(rows.map((r) => [r.name, r.relkind]));
}
