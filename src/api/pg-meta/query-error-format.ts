/**
 * A Postgres error as psql prints it (default verbosity), with the offending line and a
 * caret under the error position, plus every protocol field for the response body.
 */

/** The fields of a pg DatabaseError that carry the server's ErrorResponse. */
export const PG_ERROR_FIELDS = [
  'severity', 'code', 'detail', 'hint', 'position', 'internalPosition', 'internalQuery',
  'where', 'schema', 'table', 'column', 'dataType', 'constraint', 'file', 'line', 'routine',
] as const;

export type PgErrorLike = { message: string } & Partial<Record<(typeof PG_ERROR_FIELDS)[number], string>>;

/** The line holding 1-based character `position` of `sql`, and the caret's column in it. */
export function locate(sql: string, position: number): { lineNumber: number; line: string; column: number } | undefined {
  // Postgres counts characters (code points), not UTF-16 units.
  const chars = Array.from(sql);
  const at = position - 1;
  if (!(at >= 0) || at > chars.length) return undefined;
  let lineStart = 0;
  let lineNumber = 1;
  for (let i = 0; i < at && i < chars.length; i++) {
    if (chars[i] === '\n') {
      lineStart = i + 1;
      lineNumber++;
    }
  }
  let lineEnd = lineStart;
  while (lineEnd < chars.length && chars[lineEnd] !== '\n') lineEnd++;
  const line = chars.slice(lineStart, lineEnd).join('').replace(/\r$/, '');
  return { lineNumber, line, column: at - lineStart };
}

/**
 * `ERROR:  message` / `LINE n: text` / caret / DETAIL / HINT / QUERY / CONTEXT, each line
 * ending in a newline, as psql shows it (tabs in the caret prefix are kept so it lines up).
 */
export function formatPgError(e: PgErrorLike, sql: string): string {
  let out = `${e.severity ?? 'ERROR'}:  ${e.message}\n`;
  const loc = e.position ? locate(sql, Number(e.position)) : undefined;
  if (loc) {
    const prefix = `LINE ${loc.lineNumber}: `;
    const pad = Array.from(loc.line).slice(0, loc.column).map((ch) => (ch === '\t' ? '\t' : ' ')).join('');
    out += `${prefix}${loc.line}\n${' '.repeat(prefix.length)}${pad}^\n`;
  }
  if (e.detail) out += `DETAIL:  ${e.detail}\n`;
  if (e.hint) out += `HINT:  ${e.hint}\n`;
  if (e.internalQuery) out += `QUERY:  ${e.internalQuery}\n`;
  if (e.where) out += `CONTEXT:  ${e.where}\n`;
  return out;
}

/** The body fields of a failed query: every Postgres field present, `message` and `formattedError`. */
export function pgErrorFields(e: PgErrorLike, sql: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const k of PG_ERROR_FIELDS) if (e[k] !== undefined && e[k] !== null) fields[k] = e[k];
  fields.message = e.message;
  fields.formattedError = formatPgError(e, sql);
  return fields;
}
