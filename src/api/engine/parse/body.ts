/** Request bodies for writes and RPC: JSON, CSV with a header row, or a urlencoded form. */
import { parse as parseCsv } from 'csv-parse/sync';
import { ApiError } from '../../../shared/errors.ts';
import { restErrorWith, unsupportedContentType } from '../errors.ts';

export interface Payload {
  /** The rows, always as an array (a single object becomes one row). */
  rows: Record<string, unknown>[];
  /** Whether the client sent an array (bulk) rather than one object. */
  isArray: boolean;
  /**
   * The body's JSON text as sent, when it was JSON: PostgreSQL gets this, not a
   * re-serialisation (which would round bigints and drop numeric trailing zeros).
   */
  jsonText?: string;
}

const invalidJson = (details: string | null = null) => restErrorWith('PGRST102', 'Empty or invalid json', { details });

export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
}

export function parseBody(contentType: string | undefined, raw: Buffer | undefined): Payload {
  const type = mediaTypeOf(contentType);
  const text = raw?.toString('utf8') ?? '';
  if (type === 'application/json' || type === '*/*' || type === 'application/vnd.pgrst.object+json' || type === 'application/vnd.pgrst.object') {
    if (!text.trim()) throw invalidJson();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw invalidJson();
    }
    if (Array.isArray(json)) {
      if (!json.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))) throw restErrorWith('PGRST102', 'All object keys must match');
      return { rows: json as Record<string, unknown>[], isArray: true, jsonText: text };
    }
    if (json === null || typeof json !== 'object') throw invalidJson('The body must be a JSON object or an array of objects');
    return { rows: [json as Record<string, unknown>], isArray: false, jsonText: text };
  }
  if (type === 'text/csv') {
    try {
      const rows = parseCsv(text, { columns: true, skip_empty_lines: true, relax_column_count: false, cast: (v, ctx) => (ctx.quoting ? v : v === 'NULL' ? null : v) }) as Record<string, unknown>[];
      return { rows, isArray: true };
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' || code === 'CSV_RECORD_INCONSISTENT_COLUMNS') {
        throw restErrorWith('PGRST102', 'All lines must have same number of fields');
      }
      throw restErrorWith('PGRST102', 'Invalid CSV body', { details: (e as Error).message });
    }
  }
  if (type === 'application/x-www-form-urlencoded') {
    return { rows: [Object.fromEntries(new URLSearchParams(text))], isArray: false };
  }
  throw unsupportedContentType(type);
}

/**
 * The columns a write touches: `columns=` when given, otherwise the keys of the
 * rows, which must then be the same in every row (PGRST102, as PostgREST).
 */
export function payloadColumns(p: Payload, columns?: string[]): string[] {
  if (columns) return columns;
  if (p.rows.length === 0) return [];
  const first = Object.keys(p.rows[0]);
  const key = [...first].sort().join('\u0000');
  for (const r of p.rows) {
    if (Object.keys(r).sort().join('\u0000') !== key) throw restErrorWith('PGRST102', 'All object keys must match');
  }
  return first;
}
