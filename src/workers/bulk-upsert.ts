import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UnrecoverableError } from 'bullmq';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Config } from '../shared/config.ts';
import { withTransaction, type Pool, type PoolClient } from '../shared/db/pool.ts';
import { becomeOwner, type TenantPools } from '../shared/tenants/tenant-pools.ts';
import { projectOwner, schemaTenant } from '../shared/tenants/schema-tenants.ts';
import { JsonArrayError, JsonArrayStream, type JsonArrayElement } from '../shared/db/json-array-stream.ts';
import { qualified, quoteIdent, quoteLiteral } from '../shared/sql/ident.ts';
import type { ArtifactStore } from '../shared/jobs/artifacts.ts';
import type { JobProgress } from '../shared/jobs/payloads.ts';
import type { BulkUpsertClientError, BulkUpsertPayload, BulkUpsertResult } from '../shared/jobs/payloads/bulk-upsert.ts';
import { jobClientError } from '../shared/jobs/client-error.ts';
import { CsvCopyInput, locateCsvLine } from './csv-copy-input.ts';
import { pgErrorKind, sqlstateKind, type PgErrorKind } from '../shared/db/sqlstate.ts';
import { percentOf, ProgressTicker } from './job-progress.ts';
import { catalog } from '../shared/catalog/index.ts';

interface Ctx {
  jobId: string;
  pool: Pool;
  tenantPools: TenantPools;
  artifacts: ArtifactStore;
  config: Pick<Config, 'JOB_RESULT_TTL_SECONDS'>;
  signal?: AbortSignal;
  progress: (p: JobProgress) => Promise<void>;
}

/** The temporary table COPY fills; PostgreSQL names it in COPY errors ("COPY bulk_upsert_staging, line 42, column age: …"). */
const STAGING = 'bulk_upsert_staging';
/** JSON only: the staging column holding which of the columns each row named ('1') or left out ('0'). */
const PRESENT = '?present';

/** A problem with one record of the file that the parsers do not see (not an object, an unexpected key). */
class RecordError extends Error {}

const clientError = (code: BulkUpsertClientError, message: string) => jobClientError(code, message);

/**
 * Streams the uploaded file into COPY on a temporary staging table: a CSV file as it
 * is, for PostgreSQL's own CSV parser (csv-parse in Node cost about 5 s per million
 * rows, more than COPY and the upsert together); a JSON array through the streaming
 * JSON parser, re-encoded as CSV. Then it applies it with one INSERT … SELECT (ON CONFLICT … DO UPDATE
 * when there is an upsertKey), all in one transaction. Backpressure runs from the
 * artifact store through the parser to the COPY socket, so memory stays flat.
 *
 * Delivery is at least once: a worker that dies mid-way leaves nothing (its session
 * ends, PostgreSQL rolls back), and the retry starts over. The job's result is stored
 * as its output artifact in the same transaction, under the one-output-per-job unique
 * index; a retry that finds it answers it again instead of applying the file twice,
 * so even a plain insert (no upsertKey) is applied exactly once.
 */
export async function runBulkUpsert(p: BulkUpsertPayload, ctx: Ctx): Promise<BulkUpsertResult> {
  // A project schema's table is written in its tenant's own session, as its owner, so its
  // triggers and defaults get the tenant's rights; the outcome is then recorded through
  // basalt.record_tenant_job_outcome (migration 0016) in the same transaction.
  const owner = await projectOwner(ctx.pool, p.schema);
  const done = await priorOutcome(ctx, p.schema, owner);
  if (done) return done;
  let discard = false;
  let stopTicker = () => {};
  let finishTicker = async () => {};
  try {
    const result = await withTransaction(
      owner ? ctx.tenantPools.work(p.schema) : ctx.pool,
      async (client) => {
        const input = await ctx.artifacts.info(p.artifactId);
        if (!input?.complete) throw clientError('VALIDATION_ERROR', 'The uploaded file is no longer stored (it expired); upload it again');

        const target = qualified(p.schema, p.table);
        const cols = p.columns.map(quoteIdent).join(', ');
        await stagingTable(client, target, p);

        const stage = p.format === 'json' ? new JsonRecordsToCopy(p.columns, p.table) : new CsvCopyInput();
        // Progress: the upload's bytes staged by COPY, up to 95 %; the INSERT … SELECT that applies
        // them cannot report its own, so it shows as phase 'applying' at 95 % until it commits.
        let read = 0;
        let phase = 'loading';
        const staged = () => (stage instanceof CsvCopyInput ? Math.max(0, stage.records - 1) : stage.count);
        const ticker = new ProgressTicker(ctx.progress, () => ({
          rows: staged(),
          bytes: read,
          totalBytes: input.size,
          table: p.table,
          phase,
          percent: phase === 'loading' ? Math.min(95, Math.floor((percentOf(read, input.size) * 95) / 100)) : 95,
        }));
        stopTicker = () => ticker.stop();
        finishTicker = () => {
          read = input.size;
          phase = 'done';
          return ticker.finish();
        };
        // The CSV file's own header row is skipped by COPY (the API has read the columns from it).
        const options = p.format === 'json' ? 'FORMAT csv' : 'FORMAT csv, HEADER true';
        const copyCols = p.format === 'json' ? `${cols}, ${quoteIdent(PRESENT)}` : cols;
        const copy = client.query(copyFrom(`COPY pg_temp.${quoteIdent(STAGING)} (${copyCols}) FROM STDIN WITH (${options})`));
        discard = true; // until COPY is over, the connection may be mid-protocol
        try {
          const source = ctx.artifacts.stream(p.artifactId);
          source.on('data', (chunk: Buffer) => (read += chunk.length));
          const opts = ctx.signal ? { signal: ctx.signal } : {};
          if (stage instanceof CsvCopyInput) await pipeline(source, stage, copy, opts);
          else await pipeline(source, new JsonArrayStream(), stage, copy, opts);
        } catch (e) {
          throw await explain(e, p, ctx.artifacts);
        }
        discard = false;
        const records = copy.rowCount;
        phase = 'applying';

        const upsert = p.upsertKey;
        /** One INSERT … SELECT of the staged rows `where` selects, writing `columns` (the others take their defaults, and keep their values on conflict). */
        const apply = async (columns: string[], where: string) => {
          const list = columns.map(quoteIdent).join(', ');
          const updates = upsert ? columns.filter((c) => !upsert.includes(c)) : [];
          const conflict = !upsert
            ? ''
            : updates.length === 0
              ? ` ON CONFLICT (${upsert.map(quoteIdent).join(', ')}) DO NOTHING`
              : ` ON CONFLICT (${upsert.map(quoteIdent).join(', ')}) DO UPDATE SET ${updates.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(', ')}`;
          const r = await client.query(`INSERT INTO ${target} (${list}) SELECT ${list} FROM pg_temp.${quoteIdent(STAGING)}${where}${conflict}`);
          return r.rowCount ?? 0;
        };
        let rowsAffected = 0;
        try {
          if (p.format === 'csv') rowsAffected = await apply(p.columns, '');
          else {
            // JSON rows may leave keys out: one statement per set of keys present (files have few),
            // so a left-out column takes its DEFAULT on insert and keeps its stored value on update.
            // The masks were collected while streaming: no scan of the staging table to find them,
            // and no filter at all when every row names the same keys (the usual file).
            const masks = [...(stage as JsonRecordsToCopy).masks].sort().reverse();
            for (const present of masks) {
              const columns = p.columns.filter((_, i) => present[i] === '1');
              rowsAffected += await apply(columns, masks.length === 1 ? '' : ` WHERE ${quoteIdent(PRESENT)} = ${quoteLiteral(present)}`);
            }
          }
        } catch (e) {
          throw await explain(e, p, ctx.artifacts);
        }

        const result: BulkUpsertResult = { rowsAffected, totalRecords: records, table: p.table };
        if (owner) {
          await client.query('RESET ROLE'); // back to the tenant's login, which may record outcomes for its schema only
          const recorded = await client.query('SELECT basalt.record_tenant_job_outcome($1, $2::jsonb) AS ok', [ctx.jobId, JSON.stringify(result)]);
          if (!recorded.rows[0]?.ok) throw new Error(`cannot record the outcome of job ${ctx.jobId} for schema ${p.schema}`);
        } else await ctx.artifacts.writeResult(client, ctx.jobId, 'bulk-upsert.json', result);
        return result;
      },
      {
        setup: owner ? (c) => becomeOwner(c, schemaTenant(p.schema, owner)) : undefined,
        // Until COPY is over the connection may be mid-protocol: dropped, not rolled back.
        discard: () => discard,
      },
    );
    if (owner) await withTransaction(ctx.pool, (c) => ctx.artifacts.writeResult(c, ctx.jobId, 'bulk-upsert.json', result));
    // The input has served its purpose: a retry of this job reads the stored result instead.
    // Dropping ~100 MB of chunks takes a while, and the answer need not wait for it; if this
    // fails or the worker dies first, the input goes at expiry like any other.
    ctx.artifacts.remove(p.artifactId).catch(() => {});
    await finishTicker();
    return result;
  } finally {
    stopTicker();
  }
}

/**
 * The result of an earlier delivery of this job that committed: its output artifact, or for a
 * project schema its recorded outcome (stored as the artifact now if the worker died before).
 */
async function priorOutcome(ctx: Ctx, schema: string, owner: string | undefined): Promise<BulkUpsertResult | undefined> {
  const prior = await ctx.artifacts.readResult<BulkUpsertResult>(ctx.jobId);
  if (prior) return prior;
  if (!owner) return undefined;
  const outcome = await ctx.pool.query<{ result: BulkUpsertResult }>(
    'SELECT result FROM basalt.tenant_job_outcomes WHERE job_id = $1 AND schema_name = $2',
    [ctx.jobId, schema],
  );
  const result = outcome.rows[0]?.result;
  if (result) await withTransaction(ctx.pool, (c) => ctx.artifacts.writeResult(c, ctx.jobId, 'bulk-upsert.json', result));
  return result;
}

/** `CREATE TEMP TABLE … (LIKE target INCLUDING DEFAULTS)`, keeping only the file's columns. */
async function stagingTable(client: PoolClient, target: string, p: BulkUpsertPayload): Promise<void> {
  try {
    await client.query(`CREATE TEMP TABLE ${quoteIdent(STAGING)} (LIKE ${target} INCLUDING DEFAULTS) ON COMMIT DROP`);
  } catch (e) {
    if (pgErrorKind(e) === 'undefined_table') throw clientError('TABLE_NOT_FOUND', `Table '${p.table}' does not exist`);
    throw e;
  }
  const { rows } = await client.query<{ name: string; notnull: boolean }>( catalog.relationColumns,
    [`pg_temp.${quoteIdent(STAGING)}`],
  );
  const have = new Set(rows.map((r) => r.name));
  const unknown = p.columns.find((c) => !have.has(c));
  if (unknown) throw clientError('VALIDATION_ERROR', `Column '${unknown}' does not exist in table '${p.table}'`);
  const drop = rows.filter((r) => !p.columns.includes(r.name));
  if (drop.length) await client.query(`ALTER TABLE pg_temp.${quoteIdent(STAGING)} ${drop.map((r) => `DROP COLUMN ${quoteIdent(r.name)}`).join(', ')}`);
  if (p.format !== 'json') return;
  // A left-out key stages as NULL: a NOT NULL column refuses only an explicit null, still
  // during COPY, so the error names the row (see explain: 23514 on a constraint named 'notnull:…').
  const alter = [`ADD COLUMN ${quoteIdent(PRESENT)} text NOT NULL`];
  p.columns.forEach((c, i) => {
    if (!rows.find((r) => r.name === c)?.notnull) return;
    alter.push(`ALTER COLUMN ${quoteIdent(c)} DROP NOT NULL`);
    alter.push(`ADD CONSTRAINT ${quoteIdent(`notnull:${c}`)} CHECK (${quoteIdent(c)} IS NOT NULL OR substr(${quoteIdent(PRESENT)}, ${i + 1}, 1) = '0')`);
  });
  await client.query(`ALTER TABLE pg_temp.${quoteIdent(STAGING)} ${alter.join(', ')}`);
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

/** JSON records → COPY CSV lines, collected into ~64 KiB writes. Object mode in, bytes out. */
class JsonRecordsToCopy extends Transform {
  count = 0;
  /** The presence masks seen (a few at most in real files), so the apply step needs no scan to find them. */
  readonly masks = new Set<string>();
  private buf = '';
  private readonly known: Set<string>;
  constructor(
    private readonly columns: string[],
    private readonly table: string,
  ) {
    super({ writableObjectMode: true, readableObjectMode: false, writableHighWaterMark: 1024 });
    this.known = new Set(columns);
  }
  override _transform(record: unknown, _enc: BufferEncoding, cb: TransformCallback) {
    try {
      this.buf += this.line(record as JsonArrayElement);
    } catch (e) {
      return cb(e as Error);
    }
    this.count++;
    if (this.buf.length >= 65536) {
      this.push(this.buf);
      this.buf = '';
    }
    cb();
  }
  override _flush(cb: TransformCallback) {
    if (this.buf) this.push(this.buf);
    cb();
  }
  private line({ value, index, line }: JsonArrayElement): string {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new RecordError(`Row ${index} (line ${line}) is not a JSON object`);
    }
    const o = value as Record<string, unknown>;
    let keys = 0;
    for (const k in o) {
      if (!this.known.has(k)) throw new RecordError(`Row ${index} (line ${line}) has key '${k}', which is not a writable column of table '${this.table}'`);
      keys++;
    }
    if (keys === 0) throw new RecordError(`Row ${index} (line ${line}) has no keys`);
    // Values, then the presence mask: '1' where the row names the column (even as null), '0' where it leaves it out.
    let out = '';
    let present = '';
    for (let i = 0; i < this.columns.length; i++) {
      const c = this.columns[i];
      const has = Object.hasOwn(o, c);
      out += csvField(has ? o[c] : null) + ',';
      present += has ? '1' : '0';
    }
    this.masks.add(present);
    return out + present + '\n';
  }
}

// ---- errors: name the row and the column ----

/** Errors caused by the file's rows or columns (the rest are ours and retried). */
const DATA_ERRORS = new Set<PgErrorKind>([
  'unique_violation', 'foreign_key_violation', 'not_null_violation', 'check_violation', 'integrity_violation',
  'invalid_data', 'bad_copy_data', 'cardinality_violation', 'undefined_column', 'datatype_mismatch', 'no_conflict_target', 'generated_always',
]);

/** Maps a failure to a client error naming the file's row, line and column where it can; anything else is rethrown as is (retried). */
async function explain(e: unknown, p: BulkUpsertPayload, artifacts: ArtifactStore): Promise<unknown> {
  if (e instanceof UnrecoverableError) return e;
  if (e instanceof JsonArrayError || e instanceof RecordError) return clientError('VALIDATION_ERROR', `Invalid JSON file: ${e.message}; nothing was written`);
  if (!(e instanceof pg.DatabaseError) || !e.code) return e;
  const kind = sqlstateKind(e.code);
  if (kind === 'undefined_table') return clientError('TABLE_NOT_FOUND', `Table '${p.table}' does not exist`);
  if (!DATA_ERRORS.has(kind)) return e;

  // COPY's context: "COPY bulk_upsert_staging, line 42, column age: "abc"". PostgreSQL counts
  // the lines it was given (a CSV header and quoted newlines included); map them back to the file.
  const m = /\bCOPY [^,]+, line (\d+)(?:, column ([^:]+))?/.exec(e.where ?? '');
  const column = m?.[2] ?? e.column;
  if (m && p.format === 'csv' && kind === 'bad_copy_data') {
    // bad_copy_file_format: the CSV itself is malformed (extra or missing columns, an unterminated quote).
    const at = await locateCsvLine(artifacts.stream(p.artifactId), Number(m[1])).catch(() => undefined);
    const line = at ? `line ${at.fileLine} (row ${at.record})` : `line ${m[1]}`;
    return clientError('VALIDATION_ERROR', `Malformed CSV at ${line}: ${e.message}; nothing was written`);
  }
  let where = '';
  if (m) {
    const at = await sourcePosition(p, artifacts, Number(m[1])).catch(() => undefined);
    where = `${at ? `Row ${at.record} (line ${at.fileLine})` : `Line ${m[1]}`}${column ? `, column '${column}'` : ''}: `;
  } else if (column) where = `Column '${column}': `;
  let msg = e.message;
  const notNull = kind === 'check_violation' && e.constraint?.startsWith('notnull:') ? e.constraint.slice('notnull:'.length) : undefined;
  if (notNull) {
    if (!m?.[2]) where = where.replace(/: $/, `, column '${notNull}': `) || `Column '${notNull}': `;
    msg = `null value in column "${notNull}" of relation "${p.table}" violates not-null constraint`;
    return clientError('VALIDATION_ERROR', `${where}${msg}; nothing was written`);
  }
  if (kind === 'cardinality_violation') msg = `the file holds more than one row with the same upsertKey (${p.upsertKey?.join(', ')}): ${msg}`;
  if (kind === 'no_conflict_target') msg = `upsertKey (${p.upsertKey?.join(', ')}) must match a unique index or constraint of '${p.table}': ${msg}`;
  return clientError('VALIDATION_ERROR', `${where}${msg}${e.detail ? ` (${e.detail})` : ''}; nothing was written`);
}

/** The record and file line of COPY's line `pgLine`: the file is read again, only on this error path. */
async function sourcePosition(p: BulkUpsertPayload, artifacts: ArtifactStore, pgLine: number): Promise<{ record: number; fileLine: number } | undefined> {
  if (p.format === 'csv') return locateCsvLine(artifacts.stream(p.artifactId), pgLine);
  // JSON: one COPY line per record (quoted newlines aside), no header.
  const src = artifacts.stream(p.artifactId);
  try {
    for await (const el of src.pipe(new JsonArrayStream())) {
      const { index, line } = el as JsonArrayElement;
      if (index === pgLine) return { record: index, fileLine: line };
    }
    return undefined;
  } finally {
    src.destroy();
  }
}
