import { UnrecoverableError } from 'bullmq';
import { to as copyTo } from 'pg-copy-streams';
import type { Pool, PoolClient } from '../shared/db/pool.ts';
import { CopyTextRows } from '../shared/db/copy-text.ts';
import { qualified, quoteIdent } from '../shared/sql/ident.ts';
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

interface ColumnInfo {
  table: string;
  name: string;
  type: string;
  notnull: boolean;
  default: string | null;
}

interface Ctx {
  jobId: string;
  pool: Pool;
  artifacts: ArtifactStore;
  signal?: AbortSignal;
  progress: (p: JobProgress) => Promise<void>;
}

/**
 * Streams tables out with COPY TO into the artifact store, in one REPEATABLE READ
 * snapshot so that multi-table exports are consistent. Memory stays flat.
 */
export async function runExport(p: ExportPayload, ctx: Ctx): Promise<ExportResult> {
  const client = await ctx.pool.connect();
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
    const columns = await tableColumns(client, p.schema, p.tables);
    const missing = p.tables.filter((t) => !columns.has(t));
    if (missing.length) throw new UnrecoverableError(`Table '${missing[0]}' does not exist in schema '${p.schema}'`);

    const limit = p.rowLimit ? ` LIMIT ${Number(p.rowLimit)}` : '';
    async function* copyRows(sql: string): AsyncGenerator<string> {
      const stream = client.query(copyTo(sql));
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
          for await (const row of copyRows(`COPY (SELECT row_to_json(t) FROM ${qualified(p.schema, t)} t${limit}) TO STDOUT`)) {
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
      yield `-- Basalt export of schema ${p.schema}, ${new Date().toISOString()}\n`;
      for (const t of p.tables) {
        const cols = columns.get(t)!;
        yield `\nCREATE TABLE IF NOT EXISTS ${qualified(p.schema, t)} (\n${cols
          .map((c) => `  ${quoteIdent(c.name)} ${c.type}${c.notnull ? ' NOT NULL' : ''}${c.default ? ` DEFAULT ${c.default}` : ''}`)
          .join(',\n')}\n);\n`;
        if (!p.includeData) continue;
        const list = cols.map((c) => quoteIdent(c.name)).join(', ');
        yield `COPY ${qualified(p.schema, t)} (${list}) FROM stdin;\n`;
        const stream = client.query(copyTo(`COPY (SELECT ${list} FROM ${qualified(p.schema, t)}${limit}) TO STDOUT`));
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          if (ctx.signal?.aborted) throw new Error('cancelled');
          bytes += chunk.length;
          rows += countNewlines(chunk);
          yield chunk;
          await report(t);
        }
        yield '\\.\n';
      }
    }

    const contentType = p.format === 'json' ? 'application/json' : 'application/sql';
    const artifact = await ctx.artifacts.writeJobOutput(
      ctx.jobId,
      { filename: `export.${p.format}`, contentType },
      p.format === 'json' ? json() : sql(),
    );
    await client.query('COMMIT');
    await report(undefined, true);
    return { format: p.format, tables: p.tables, rows, bytes: artifact.size, artifactId: artifact.id, contentType };
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

async function tableColumns(client: PoolClient, schema: string, tables: string[]): Promise<Map<string, ColumnInfo[]>> {
  const { rows } = await client.query<ColumnInfo>(
    `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relname = ANY($2) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
      ORDER BY c.relname, a.attnum`,
    [schema, tables],
  );
  const out = new Map<string, ColumnInfo[]>();
  for (const r of rows) out.set(r.table, [...(out.get(r.table) ?? []), r]);
  return out;
}
