import { randomUUID } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UnrecoverableError } from 'bullmq';
import { CsvError, parse as parseCsv } from 'csv-parse';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Config } from '../shared/config.ts';
import type { Pool, PoolClient } from '../shared/db/pool.ts';
import { JsonArrayError, JsonArrayStream, type JsonArrayElement } from '../shared/db/json-array-stream.ts';
import { qualified, quoteIdent } from '../shared/sql/ident.ts';
import type { ArtifactStore } from '../shared/jobs/artifacts.ts';
import type { JobProgress } from '../shared/jobs/payloads.ts';
import { BULK_UPSERT_CLIENT_ERRORS, bulkUpsertPayload, type BulkUpsertClientError, type BulkUpsertPayload, type BulkUpsertResult } from '../shared/jobs/payloads/bulk-upsert.ts';
import { jobClientError } from '../shared/jobs/client-error.ts';

interface Ctx {
  jobId: string;
  pool: Pool;
  artifacts: ArtifactStore;
  config: Pick<Config, 'JOB_RESULT_TTL_SECONDS'>;
  signal?: AbortSignal;
  progress: (p: JobProgress) => Promise<void>;
}

/** The temporary table COPY fills; PostgreSQL names it in COPY errors ("COPY bulk_upsert_staging, line 42, column age: …"). */
const STAGING = 'bulk_upsert_staging';

/** csv-parse options shared by the API (header peek) and the worker, so both read the file alike. */
export const CSV_OPTIONS = { bom: true, skip_empty_lines: true } as const;

/** A problem with one record of the file that the parsers do not see (not an object, an unexpected key). */
class RecordError extends Error {}

const clientError = (code: BulkUpsertClientError, message: string) => jobClientError(BULK_UPSERT_CLIENT_ERRORS[code], code, message);

/**
 * Streams the uploaded CSV or JSON file through its parser into COPY on a temporary
 * staging table, then applies it with one INSERT … SELECT (ON CONFLICT … DO UPDATE
 * when there is an upsertKey), all in one transaction. Backpressure runs from the
 * artifact store through the parser to the COPY socket, so memory stays flat.
 *
 * Delivery is at least once: a worker that dies mid-way leaves nothing (its session
 * ends, PostgreSQL rolls back), and the retry starts over. The job's result is stored
 * as its output artifact in the same transaction, under the one-output-per-job unique
 * index; a retry that finds it answers it again instead of applying the file twice,
 * so even a plain insert (no upsertKey) is applied exactly once.
 */
export async function runBulkUpsert(payload: unknown, ctx: Ctx): Promise<BulkUpsertResult> {
  const p = bulkUpsertPayload.parse(payload);
  const client = await ctx.pool.connect();
  let discard = false;
  try {
    await client.query('BEGIN');
    const prior = await client.query<{ data: Buffer }>(
      `SELECT c.data FROM basalt.artifacts a JOIN basalt.artifact_chunks c ON c.artifact_id = a.id AND c.seq = 0
        WHERE a.job_id = $1 AND a.role = 'output' AND a.complete`,
      [ctx.jobId],
    );
    if (prior.rows[0]) {
      await client.query('ROLLBACK');
      return JSON.parse(prior.rows[0].data.toString('utf8')) as BulkUpsertResult;
    }
    const input = await ctx.artifacts.info(p.artifactId);
    if (!input?.complete) throw clientError('VALIDATION_ERROR', 'The uploaded file is no longer stored (it expired); upload it again');

    const target = qualified(p.schema, p.table);
    const cols = p.columns.map(quoteIdent).join(', ');
    await stagingTable(client, target, p);

    let records = 0;
    let lastReport = 0;
    const counted = (n: number) => {
      records = n;
      if (Date.now() - lastReport >= 250) {
        lastReport = Date.now();
        ctx.progress({ rows: n, bytes: 0, table: p.table }).catch(() => {});
      }
    };
    const copy = client.query(copyFrom(`COPY pg_temp.${quoteIdent(STAGING)} (${cols}) FROM STDIN WITH (FORMAT csv)`));
    discard = true; // until COPY is over, the connection may be mid-protocol
    try {
      await pipeline(ctx.artifacts.stream(p.artifactId), ...parseStages(p, counted), copy, ctx.signal ? { signal: ctx.signal } : {});
    } catch (e) {
      throw await explain(e, p, ctx.artifacts);
    }
    discard = false;

    const upsert = p.upsertKey;
    const updates = upsert ? p.columns.filter((c) => !upsert.includes(c)) : [];
    const conflict = !upsert
      ? ''
      : updates.length === 0
        ? ` ON CONFLICT (${upsert.map(quoteIdent).join(', ')}) DO NOTHING`
        : ` ON CONFLICT (${upsert.map(quoteIdent).join(', ')}) DO UPDATE SET ${updates.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(', ')}`;
    let rowsAffected: number;
    try {
      const r = await client.query(`INSERT INTO ${target} (${cols}) SELECT ${cols} FROM pg_temp.${quoteIdent(STAGING)}${conflict}`);
      rowsAffected = r.rowCount ?? 0;
    } catch (e) {
      throw await explain(e, p, ctx.artifacts);
    }

    const result: BulkUpsertResult = { rowsAffected, totalRecords: records, table: p.table };
    await storeResult(client, ctx.jobId, result, ctx.config.JOB_RESULT_TTL_SECONDS);
    // The input has served its purpose; a retry of this job reads the stored result instead.
    await client.query('DELETE FROM basalt.artifacts WHERE id = $1', [p.artifactId]);
    await client.query('COMMIT');
    await ctx.progress({ rows: records, bytes: input.size, table: p.table }).catch(() => {});
    return result;
  } catch (e) {
    if (!discard) await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release(discard);
  }
}

/** `CREATE TEMP TABLE … (LIKE target INCLUDING DEFAULTS)`, keeping only the file's columns. */
async function stagingTable(client: PoolClient, target: string, p: BulkUpsertPayload): Promise<void> {
  try {
    await client.query(`CREATE TEMP TABLE ${quoteIdent(STAGING)} (LIKE ${target} INCLUDING DEFAULTS) ON COMMIT DROP`);
  } catch (e) {
    if ((e as pg.DatabaseError).code === '42P01') throw clientError('TABLE_NOT_FOUND', `Table '${p.table}' does not exist`);
    throw e;
  }
  const { rows } = await client.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
    [`pg_temp.${quoteIdent(STAGING)}`],
  );
  const have = new Set(rows.map((r) => r.name));
  const unknown = p.columns.find((c) => !have.has(c));
  if (unknown) throw clientError('VALIDATION_ERROR', `Column '${unknown}' does not exist in table '${p.table}'`);
  const drop = rows.filter((r) => !p.columns.includes(r.name));
  if (drop.length) await client.query(`ALTER TABLE pg_temp.${quoteIdent(STAGING)} ${drop.map((r) => `DROP COLUMN ${quoteIdent(r.name)}`).join(', ')}`);
}

async function storeResult(client: PoolClient, jobId: string, result: BulkUpsertResult, ttlSeconds: number): Promise<void> {
  const id = randomUUID();
  const data = Buffer.from(JSON.stringify(result));
  await client.query(
    `INSERT INTO basalt.artifacts (id, job_id, role, filename, content_type, size, complete, expires_at)
     VALUES ($1, $2, 'output', 'bulk-upsert.json', 'application/json', $3, true, now() + make_interval(secs => $4))`,
    [id, jobId, data.length, ttlSeconds],
  );
  await client.query('INSERT INTO basalt.artifact_chunks (artifact_id, seq, data) VALUES ($1, 0, $2)', [id, data]);
}

// ---- parsing: file bytes → records → COPY CSV text ----

/** CSV field for COPY's csv format: every string quoted, so an unquoted empty field means NULL. */
function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s: string;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  else s = JSON.stringify(v);
  return s.includes('"') ? `"${s.replace(/"/g, '""')}"` : `"${s}"`;
}

/** Collects COPY lines into ~64 KiB writes; counts records. Object mode in, bytes out. */
abstract class ToCopyCsv extends Transform {
  protected n = 0;
  private buf = '';
  constructor(private readonly counted: (n: number) => void) {
    super({ writableObjectMode: true, readableObjectMode: false, writableHighWaterMark: 1024 });
  }
  protected abstract line(record: unknown): string;
  override _transform(record: unknown, _enc: BufferEncoding, cb: TransformCallback) {
    try {
      this.buf += this.line(record);
    } catch (e) {
      return cb(e as Error);
    }
    this.n++;
    if (this.buf.length >= 65536) {
      this.push(this.buf);
      this.buf = '';
      this.counted(this.n);
    }
    cb();
  }
  override _flush(cb: TransformCallback) {
    if (this.buf) this.push(this.buf);
    this.counted(this.n);
    cb();
  }
}

class CsvRecordsToCopy extends ToCopyCsv {
  private header = true;
  protected line(record: unknown): string {
    if (this.header) {
      // The header row: the API already read the columns from it.
      this.header = false;
      this.n--;
      return '';
    }
    // csv-parse has checked the record's shape; its original text is already CSV, and COPY's
    // CSV format reads it with the file's own NULL rule (unquoted empty = NULL, "" = empty).
    const raw = (record as { raw: string }).raw;
    return raw.endsWith('\n') ? raw : raw + '\n';
  }
}

class JsonRecordsToCopy extends ToCopyCsv {
  private readonly known: Set<string>;
  constructor(
    private readonly columns: string[],
    counted: (n: number) => void,
  ) {
    super(counted);
    this.known = new Set(columns);
  }
  protected line(record: unknown): string {
    const { value, index, line } = record as JsonArrayElement;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new RecordError(`Row ${index} (line ${line}) is not a JSON object`);
    }
    const o = value as Record<string, unknown>;
    for (const k in o) {
      if (!this.known.has(k)) {
        throw new RecordError(`Row ${index} (line ${line}) has key '${k}', which the first row lacks; the first row's keys are the columns: ${this.columns.join(', ')}`);
      }
    }
    let out = '';
    for (let i = 0; i < this.columns.length; i++) out += (i ? ',' : '') + csvField(o[this.columns[i]]);
    return out + '\n';
  }
}

/** The parse stages for the file's format: parser, then records → COPY CSV. */
function parseStages(p: BulkUpsertPayload, counted: (n: number) => void): [Transform, Transform] {
  if (p.format === 'json') return [new JsonArrayStream(), new JsonRecordsToCopy(p.columns, counted)];
  // `raw` rather than a per-field cast callback: the callback made parsing ~4x slower.
  const parser = parseCsv({ ...CSV_OPTIONS, raw: true });
  return [parser, new CsvRecordsToCopy(counted)];
}

// ---- errors: name the row and the column ----

const DATA_ERROR_CLASSES = ['22', '23'];
const DATA_ERROR_CODES = new Set(['21000', '42703', '42804', '42P10', '428C9']);

/** Maps a failure to a client error naming the file's row, line and column where it can; anything else is rethrown as is (retried). */
async function explain(e: unknown, p: BulkUpsertPayload, artifacts: ArtifactStore): Promise<unknown> {
  if (e instanceof UnrecoverableError) return e;
  if (e instanceof CsvError) {
    const line = (e as { lines?: number }).lines;
    return clientError('VALIDATION_ERROR', `Malformed CSV${line ? ` at line ${line}` : ''}: ${e.message}; nothing was written`);
  }
  if (e instanceof JsonArrayError || e instanceof RecordError) return clientError('VALIDATION_ERROR', `Invalid JSON file: ${e.message}; nothing was written`);
  if (!(e instanceof pg.DatabaseError) || !e.code) return e;
  if (e.code === '42P01') return clientError('TABLE_NOT_FOUND', `Table '${p.table}' does not exist`);
  if (!DATA_ERROR_CLASSES.includes(e.code.slice(0, 2)) && !DATA_ERROR_CODES.has(e.code)) return e;

  // COPY's context: "COPY bulk_upsert_staging, line 42, column age: "abc"" (line = the record's position).
  const m = /\bCOPY [^,]+, line (\d+)(?:, column ([^:]+))?/.exec(e.where ?? '');
  const column = m?.[2] ?? e.column;
  let where = '';
  if (m) {
    const record = Number(m[1]);
    const line = await sourceLine(p, artifacts, record).catch(() => undefined);
    where = `Row ${record}${line ? ` (line ${line})` : ''}${column ? `, column '${column}'` : ''}: `;
  } else if (column) where = `Column '${column}': `;
  let msg = e.message;
  if (e.code === '21000') msg = `the file holds more than one row with the same upsertKey (${p.upsertKey?.join(', ')}): ${msg}`;
  if (e.code === '42P10') msg = `upsertKey (${p.upsertKey?.join(', ')}) must match a unique index or constraint of '${p.table}': ${msg}`;
  return clientError('VALIDATION_ERROR', `${where}${msg}${e.detail ? ` (${e.detail})` : ''}; nothing was written`);
}

/** The file line where record `n` (1-based, after any header) is: the file is read again, only on this error path. */
async function sourceLine(p: BulkUpsertPayload, artifacts: ArtifactStore, n: number): Promise<number | undefined> {
  const src: Readable = artifacts.stream(p.artifactId);
  try {
    if (p.format === 'json') {
      for await (const el of src.pipe(new JsonArrayStream())) if ((el as JsonArrayElement).index === n) return (el as JsonArrayElement).line;
      return undefined;
    }
    let i = -1; // the header is record 0
    for await (const r of src.pipe(parseCsv({ ...CSV_OPTIONS, info: true }))) {
      if (++i === n) return (r as { info: { lines: number } }).info.lines;
    }
    return undefined;
  } finally {
    src.destroy();
  }
}
