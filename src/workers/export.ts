import { UnrecoverableError } from 'bullmq';
import { copyOut } from '../shared/db/copy-out.ts';
import type { Pool, PoolClient } from '../shared/db/pool.ts';
import { becomeOwner, type TenantPools } from '../shared/tenants/tenant-pools.ts';
import { projectOwner, schemaTenant } from '../shared/tenants/schema-tenants.ts';
import { CopyTextRows } from '../shared/db/copy-text.ts';
import { qualified, quoteIdent, quoteLiteral } from '../shared/sql/ident.ts';
import { catalog } from '../shared/catalog/index.ts';
import type { ExportPayload, JobProgress } from '../shared/jobs/payloads.ts';
import type { ArtifactStore } from '../shared/jobs/artifacts.ts';

export interface ExportResult {
  format: ExportPayload['format'];
  tables: string[];
  rows: number;
  bytes: number;
  artifactId: string;
  contentType: string;
}

interface Ctx {
  jobId: string;
  pool: Pool;
  tenantPools: TenantPools;
  artifacts: ArtifactStore;
  signal?: AbortSignal;
  progress: (p: JobProgress) => Promise<void>;
}

/**
 * Streams tables out with COPY TO into the artifact store, in one REPEATABLE READ
 * snapshot so that multi-table exports are consistent. Memory stays flat.
 */
export async function runExport(p: ExportPayload, ctx: Ctx): Promise<ExportResult> {
  // A project schema is read in its tenant's own session, as its owner: its views and
  // functions run with the tenant's rights, never the worker's.
  const owner = await projectOwner(ctx.pool, p.schema);
  const client = owner ? await ctx.tenantPools.work(p.schema).connect() : await ctx.pool.connect();
  let rows = 0;
  let bytes = 0;
  let lastReport = 0;
  let failed = false;
  const report = async (table?: string, force = false) => {
    if (!force && Date.now() - lastReport < 250) return;
    lastReport = Date.now();
    await ctx.progress({ rows, bytes, table });
  };
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    if (owner) await becomeOwner(client, schemaTenant(p.schema, owner));
    const kinds = await relkinds(client, p.schema, p.tables);
    const missing = p.tables.filter((t) => !kinds.has(t));
    if (missing.length) throw new UnrecoverableError(`Table '${missing[0]}' does not exist in schema '${p.schema}'`);

    const limit = p.rowLimit ? ` LIMIT ${Number(p.rowLimit)}` : '';
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
      yield '{';
      for (const [i, t] of p.tables.entries()) {
        yield `${i ? ',' : ''}${JSON.stringify(t)}:[`;
        if (p.includeData) {
          let first = true;
          // `t.*` is the whole row even when the table has a column named t (a bare `t` is that column).
          for await (const row of copyRows(`COPY (SELECT row_to_json(t.*) FROM ${qualified(p.schema, t)} t${limit}) TO STDOUT`)) {
            yield (first ? '' : ',') + row;
            first = false;
            rows++;
            bytes += row.length;
            await report(t);
          }
        }
        yield ']';
      }
      yield '}';
    }

    async function* sql(): AsyncGenerator<string | Buffer> {
      const ddl = await loadDdl(client, p);
      const schema = quoteIdent(p.schema);
      yield `-- Basalt export of schema ${p.schema}, ${new Date().toISOString()}\n`;
      yield `SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\nSET check_function_bodies = false;\n`;
      if (p.schema !== 'public') yield `CREATE SCHEMA IF NOT EXISTS ${schema};\n`;
      for (const q of ddl.sequences.filter((q) => !q.identity)) {
        yield `CREATE SEQUENCE IF NOT EXISTS ${qualified(p.schema, q.name)} AS ${q.type} INCREMENT BY ${q.increment} MINVALUE ${q.min} MAXVALUE ${q.max} START WITH ${q.start} CACHE ${q.cache}${q.cycle ? ' CYCLE' : ' NO CYCLE'};\n`;
      }
      for (const f of ddl.functions) yield `\n${f.definition.trimEnd()};\n`;
      for (const t of ddl.tables) {
        const body = [
          ...t.columns.map((c) => `  ${columnDef(c)}`),
          ...t.constraints.map((k) => `  CONSTRAINT ${quoteIdent(k.name)} ${k.def}`),
        ];
        yield `\nCREATE TABLE IF NOT EXISTS ${qualified(p.schema, t.name)} (\n${body.join(',\n')}\n)${t.partition_key ? ` PARTITION BY ${t.partition_key}` : ''};\n`;
        if (!p.includeData) continue;
        if (ctx.signal?.aborted) throw new Error('cancelled');
        const list = t.columns.filter((c) => !c.generated).map((c) => quoteIdent(c.name)).join(', ');
        yield `COPY ${qualified(p.schema, t.name)} (${list}) FROM stdin;\n`;
        const stream = client.query(copyOut(`COPY (SELECT ${list} FROM ${qualified(p.schema, t.name)}${limit}) TO STDOUT`));
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          if (ctx.signal?.aborted) throw new Error('cancelled');
          bytes += chunk.length;
          rows += countNewlines(chunk);
          yield chunk;
          await report(t.name);
        }
        yield '\\.\n';
      }
      const tail: string[] = [];
      for (const q of ddl.sequences) {
        const seq = q.identity
          ? `pg_catalog.pg_get_serial_sequence(${quoteLiteral(qualified(p.schema, q.owned_by_table!))}, ${quoteLiteral(q.owned_by_column!)})`
          : quoteLiteral(qualified(p.schema, q.name));
        tail.push(`SELECT pg_catalog.setval(${seq}, ${q.last_value ?? q.start}, ${q.last_value !== null});`);
        if (!q.identity && q.owned_by_table && ddl.tableNames.has(q.owned_by_table)) {
          tail.push(`ALTER SEQUENCE ${qualified(p.schema, q.name)} OWNED BY ${qualified(p.schema, q.owned_by_table)}.${quoteIdent(q.owned_by_column!)};`);
        }
      }
      for (const t of ddl.tables) for (const ix of t.indexes) tail.push(ix.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS ') + ';');
      for (const t of ddl.tables) {
        for (const fk of t.foreign_keys) {
          // Idempotent, so that a file loads again over what it created (import with truncate).
          const check = `SELECT 1 FROM pg_catalog.pg_constraint WHERE conname = ${quoteLiteral(fk.name)} AND conrelid = ${quoteLiteral(qualified(p.schema, t.name))}::regclass`;
          tail.push(`DO $basalt$ BEGIN IF NOT EXISTS (${check}) THEN ALTER TABLE ${qualified(p.schema, t.name)} ADD CONSTRAINT ${quoteIdent(fk.name)} ${fk.def}; END IF; END $basalt$;`);
        }
      }
      for (const v of ddl.views) {
        const def = v.definition.trim().replace(/;$/, '');
        tail.push(
          v.relkind === 'm'
            ? `CREATE MATERIALIZED VIEW IF NOT EXISTS ${qualified(p.schema, v.name)} AS\n${def}\nWITH DATA;`
            : `CREATE OR REPLACE VIEW ${qualified(p.schema, v.name)} AS\n${def};`,
        );
      }
      if (tail.length) yield `\n${tail.join('\n')}\n`;
    }

    async function* csv(): AsyncGenerator<Buffer> {
      const t = p.tables[0];
      const stream = client.query(copyOut(`COPY (SELECT * FROM ${qualified(p.schema, t)}${limit}) TO STDOUT WITH (FORMAT csv, HEADER true)`));
      let header = true;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (ctx.signal?.aborted) throw new Error('cancelled');
        bytes += chunk.length;
        // Line count: exact unless values hold newlines; the header line is not a row.
        rows += countNewlines(chunk) - (header ? 1 : 0);
        header = false;
        yield chunk;
        await report(t);
      }
    }

    const contentType = { json: 'application/json', sql: 'application/sql', csv: 'text/csv' }[p.format];
    const artifact = await ctx.artifacts.writeJobOutput(
      ctx.jobId,
      { filename: `export.${p.format}`, contentType, compress: true },
      p.format === 'json' ? json() : p.format === 'csv' ? csv() : sql(),
    );
    await client.query('COMMIT');
    await report(undefined, true);
    return { format: p.format, tables: p.tables, rows, bytes: artifact.contentSize, artifactId: artifact.id, contentType };
  } catch (e) {
    // The connection may be stuck mid-COPY: discard it rather than return it to the pool.
    failed = true;
    throw e;
  } finally {
    if (failed) client.release(true);
    else {
      await client.query('ROLLBACK').catch(() => {});
      client.release();
    }
  }
}

function countNewlines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}

interface TableDdl {
  name: string;
  relkind: string;
  partition_key: string | null;
  columns: ColumnDdl[];
  constraints: { name: string; def: string }[];
  foreign_keys: { name: string; def: string }[];
  indexes: string[];
}
interface ColumnDdl {
  name: string;
  type: string;
  notnull: boolean;
  default: string | null;
  generated: string | null;
  identity: 'a' | 'd' | null;
  collation: string | null;
}
interface SequenceDdl {
  name: string;
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  last_value: string | null;
  owned_by_table: string | null;
  owned_by_column: string | null;
  identity: boolean;
}

function columnDef(c: ColumnDdl): string {
  let s = `${quoteIdent(c.name)} ${c.type}`;
  if (c.collation) s += ` COLLATE ${c.collation}`;
  if (c.generated) s += ` GENERATED ALWAYS AS (${c.generated}) STORED`;
  if (c.identity) s += ` GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`;
  if (c.notnull) s += ' NOT NULL';
  if (c.default !== null) s += ` DEFAULT ${c.default}`;
  return s;
}

/**
 * The DDL of an SQL export: the requested tables; the sequences they use (owned, identity,
 * or named in a default) or all of the schema's; its views and functions if asked for.
 */
async function loadDdl(client: PoolClient, p: ExportPayload) {
  const tables = (await client.query<TableDdl>(catalog.tableDdl, [p.schema, p.tables])).rows;
  const tableNames = new Set(tables.map((t) => t.name));
  const defaults = tables.flatMap((t) => t.columns.map((c) => c.default ?? '')).filter((d) => d.includes('nextval('));
  const sequences = (await client.query<SequenceDdl>(catalog.sequences, [p.schema])).rows.filter((q) =>
    q.identity
      ? tableNames.has(q.owned_by_table!)
      : p.includeSequences || (q.owned_by_table !== null && tableNames.has(q.owned_by_table)) || defaults.some((d) => d.includes(q.name)),
  );
  const requested = new Set(p.tables);
  const views = (await client.query<{ name: string; relkind: string; definition: string }>(catalog.views, [p.schema])).rows.filter(
    (v) => p.includeViews || requested.has(v.name),
  );
  const functions = p.includeFunctions ? (await client.query<{ name: string; definition: string }>(catalog.functionsDdl, [p.schema])).rows : [];
  return { tables, tableNames, sequences, views, functions };
}

async function relkinds(client: PoolClient, schema: string, tables: string[]): Promise<Map<string, string>> {
  const { rows } = await client.query<{ name: string; relkind: string }>(
    `SELECT c.relname AS name, c.relkind::text AS relkind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
    [schema, tables],
  );
  return new Map(rows.map((r) => [r.name, r.relkind]));
}
