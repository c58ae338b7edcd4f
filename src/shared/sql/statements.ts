import { parse } from './pg-parser.ts';
import { fail } from '../errors.ts';

/** One top-level statement: its source text and its parse tree (libpg-query's JSON). */
export interface ParsedStatement {
  /** The statement as written (trimmed, without its terminating semicolon). */
  text: string;
  /** The node, keyed by its type, e.g. { SelectStmt: {...} }. */
  node: Record<string, unknown>;
  /** Its type, e.g. 'SelectStmt'. */
  type: string;
}

/**
 * Splits SQL into statements with PostgreSQL's own parser (libpg-query), so that
 * semicolons in strings, dollar quotes and comments are never mistaken for ends.
 * A syntax error becomes 400 SQL_SYNTAX_ERROR with the parser's message and position.
 */
export async function splitStatements(sql: string): Promise<ParsedStatement[]> {
  let result: Awaited<ReturnType<typeof parse>>;
  try {
    result = await parse(sql);
  } catch (e) {
    const err = e as Error & { sqlDetails?: { cursorPosition?: number } };
    const pos = err.sqlDetails?.cursorPosition;
    throw fail('SQL_SYNTAX_ERROR', `SQL syntax error: ${err.message}${typeof pos === 'number' ? ` (at character ${pos + 1})` : ''}`);
  }
  // stmt_location / stmt_len are byte offsets into the UTF-8 text; a missing stmt_len means "to the end".
  const bytes = Buffer.from(sql, 'utf8');
  const out: ParsedStatement[] = [];
  for (const raw of result.stmts ?? []) {
    if (!raw.stmt) continue;
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len ? start + raw.stmt_len : bytes.length;
    const text = bytes.subarray(start, end).toString('utf8').trim();
    const node = raw.stmt as unknown as Record<string, unknown>;
    out.push({ text, node, type: Object.keys(node)[0]! });
  }
  return out;
}
