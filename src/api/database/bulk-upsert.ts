import { Readable } from 'node:stream';
import { Router } from 'express';
import { parse as parseCsv } from 'csv-parse';
import { ApiError, fail } from '../../shared/errors.ts';
import { JsonArrayStream, type JsonArrayElement } from '../../shared/db/json-array-stream.ts';
import type { BulkUpsertPayload } from '../../shared/jobs/payloads/bulk-upsert.ts';
import { receiveUpload } from '../uploads.ts';
import { runJob } from '../jobs/respond.ts';
import type { Services } from '../services.ts';
import { catalog } from '../../shared/catalog/index.ts';

/** The header row is read as the worker's COPY input will be (src/workers/csv-copy-input.ts): a BOM and empty lines skipped. */
const CSV_OPTIONS = { bom: true, skip_empty_lines: true } as const;

/**
 * POST /api/database/advance/bulk-upsert: multipart `file` (CSV with a header row, or a
 * JSON array of objects), `table`, optional `upsertKey` (a column, or several
 * comma-separated, matching a unique index), optional `schema` (default public) and
 * `format` (csv|json; otherwise from the file name, its type, or its first byte).
 * The file is streamed into the artifact store, its columns are checked against the
 * table, then a bulk-upsert job does the work; answered like the other jobs (sync,
 * or 202 with `Prefer: respond-async`), with `{rowsAffected, totalRecords, table}`.
 */
export function bulkUpsertRoutes(s: Services): Router {
  const r = Router();
  r.post('/advance/bulk-upsert', async (req, res) => {
    const upload = await receiveUpload(req, s.artifacts);
    let payload: BulkUpsertPayload;
    try {
      payload = await checkRequest(s, upload.fields, upload.file);
    } catch (e) {
      // Nothing will read the upload: drop it now rather than at expiry.
      await s.artifacts.remove(upload.file.id).catch(() => {});
      throw e;
    }
    // Failures caused by the file come back as their own 4xx (shared/jobs/client-error.ts).
    await runJob(s, req, res, 'bulk-upsert', payload, async (status) => {
      res.status(200).json(status.result);
    });
  });
  return r;
}

async function checkRequest(
  s: Services,
  fields: Record<string, string>,
  file: { id: string; filename: string | null; contentType: string; size: number },
): Promise<BulkUpsertPayload> {
  const table = fields.table?.trim();
  if (!table) throw fail('VALIDATION_ERROR', "Missing the 'table' field");
  const schema = fields.schema?.trim() || 'public';
  const upsertKey = fields.upsertKey
    ?.split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (file.size === 0) throw fail('VALIDATION_ERROR', 'The uploaded file is empty');

  const { rows } = await s.pool.query<{ name: string; generated: boolean }>(catalog.writableColumns, [schema, table]);
  if (rows.length === 0) throw fail('TABLE_NOT_FOUND', `Table '${table}' does not exist`);
  const tableColumns = new Map(rows.map((r) => [r.name, r]));

  const format = detectFormat(fields.format, file, await firstBytes(s, file.id));
  const columns = await fileColumns(s, file.id, format);
  const seen = new Set<string>();
  for (const c of columns) {
    if (!c) throw fail('VALIDATION_ERROR', 'The file has an empty column name');
    if (seen.has(c)) throw fail('VALIDATION_ERROR', `The file names column '${c}' twice`);
    seen.add(c);
    const col = tableColumns.get(c);
    if (!col) throw fail('VALIDATION_ERROR', `Column '${c}' does not exist in table '${table}'`);
    if (col.generated) throw fail('VALIDATION_ERROR', `Column '${c}' of table '${table}' is generated and cannot be written`);
  }

  // JSON objects may leave keys out (issue 17): every writable column of the table may appear in
  // any row, so the worker gets them all and checks each row's keys as it streams; the first
  // object's keys, checked above, only catch a wrong file early.
  const writable = rows.filter((r) => !r.generated).map((r) => r.name);
  const allowed = format === 'json' ? new Set(writable) : seen;
  if (upsertKey?.length) {
    const missing = upsertKey.find((k) => !allowed.has(k));
    if (missing) {
      throw fail('VALIDATION_ERROR', tableColumns.has(missing) ? `upsertKey '${missing}' is not a column of the file` : `upsertKey '${missing}' is not a column of table '${table}'`);
    }
    const unique = await s.pool.query<{ exists: boolean }>(catalog.uniqueKey, [schema, table, upsertKey]);
    if (!unique.rows[0].exists) {
      throw fail('VALIDATION_ERROR', `upsertKey (${upsertKey.join(', ')}) must match a unique index or constraint of table '${table}'`);
    }
  }
  return { artifactId: file.id, schema, table, format, columns: format === 'json' ? writable : columns, ...(upsertKey?.length ? { upsertKey } : {}) };
}

async function firstBytes(s: Services, id: string): Promise<Buffer> {
  const src = s.artifacts.stream(id);
  try {
    for await (const chunk of src) return chunk as Buffer;
    return Buffer.alloc(0);
  } finally {
    src.destroy();
  }
}

function detectFormat(explicit: string | undefined, file: { filename: string | null; contentType: string }, head: Buffer): 'csv' | 'json' {
  const f = explicit?.trim().toLowerCase();
  if (f === 'csv' || f === 'json') return f;
  if (f) throw fail('VALIDATION_ERROR', `format must be csv or json, got '${explicit}'`);
  const name = (file.filename ?? '').toLowerCase();
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.json')) return 'json';
  const type = file.contentType.toLowerCase();
  if (type.includes('csv')) return 'csv';
  if (type.includes('json')) return 'json';
  const text = head.subarray(0, 64).toString('utf8').replace(/^\ufeff/, '').trimStart();
  return text.startsWith('[') ? 'json' : 'csv';
}

/** The CSV header row, or the first JSON object's keys: read from the start of the stored file, never all of it. */
async function fileColumns(s: Services, id: string, format: 'csv' | 'json'): Promise<string[]> {
  const src: Readable = s.artifacts.stream(id);
  try {
    if (format === 'csv') {
      for await (const rec of src.pipe(parseCsv({ ...CSV_OPTIONS, to: 1, relax_column_count: true }))) return (rec as string[]).map((c) => c.trim());
      throw fail('VALIDATION_ERROR', 'The CSV file has no header row');
    }
    for await (const el of src.pipe(new JsonArrayStream())) {
      const { value, line } = el as JsonArrayElement;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail('VALIDATION_ERROR', `Row 1 (line ${line}) is not a JSON object`);
      const keys = Object.keys(value);
      if (keys.length === 0) throw fail('VALIDATION_ERROR', 'Row 1 (line ' + line + ') has no keys');
      return keys;
    }
    throw fail('VALIDATION_ERROR', 'The JSON array is empty');
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw fail('VALIDATION_ERROR', `Cannot read the ${format.toUpperCase()} file: ${(e as Error).message}; nothing was written`);
  } finally {
    src.destroy();
  }
}

