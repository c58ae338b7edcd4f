import { parse, scan } from '../../shared/sql/pg-parser.ts';
import { fail } from '../../shared/errors.ts';

/**
 * Pieces of SQL a caller wrote, checked before the DDL builders place them. postgres-meta's
 * bodies carry pieces of SQL by design (a column's type, a policy's USING
 * expression, a default expression, a function's argument list). They cannot travel as
 * parameters, so each is checked with PostgreSQL's own parser before it is placed in DDL:
 * it must parse as exactly that one kind of fragment inside a probe statement, and may
 * not contain comments (which could swallow the rest of the statement it is placed in).
 */

type Node = Record<string, any>;

declare const checked: unique symbol;
/** SQL text that may be placed in DDL: a fragment that passed a check here, or text PostgreSQL printed. */
export type CheckedSql = string & { readonly [checked]: true };

/** Text PostgreSQL itself printed from the catalog (format_type, …) or written in this code base: trusted as is. */
export const trustedSql = (text: string) => text as CheckedSql;

const bad = (what: string, text: string, why: string) =>
  fail('INVALID_SQL_FRAGMENT', `Invalid ${what} ${JSON.stringify(text)}: ${why}`);

async function parseProbe(what: string, text: string, probe: string): Promise<Node[]> {
  if (typeof text !== 'string' || text.trim() === '') throw bad(what, String(text), 'it is empty');
  if (text.includes('\0')) throw bad(what, text, 'it contains a NUL byte');
  let tokens;
  try {
    tokens = (await scan(text)).tokens ?? [];
  } catch {
    throw bad(what, text, 'it cannot be read as SQL');
  }
  if (tokens.some((t) => t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT')) throw bad(what, text, 'comments are not allowed');
  try {
    const r = await parse(probe);
    return (r.stmts ?? []).map((s) => s.stmt as Node);
  } catch (e) {
    throw bad(what, text, (e as Error).message);
  }
}

/** A select with exactly one unnamed target and nothing else; its target's value node. */
function soleTarget(stmts: Node[]): Node | null {
  if (stmts.length !== 1 || !stmts[0]!.SelectStmt) return null;
  const sel = stmts[0]!.SelectStmt as Node;
  const extra = Object.keys(sel).filter((k) => !['targetList', 'limitOption', 'op'].includes(k));
  if (extra.length || sel.op !== 'SETOP_NONE' || sel.targetList?.length !== 1) return null;
  const rt = sel.targetList[0].ResTarget as Node | undefined;
  if (!rt || rt.name) return null;
  return rt.val as Node;
}

/** A type name such as `text`, `numeric(10,2)`, `public.mood[]`; returned as given. */
export async function typeName(text: string, what = 'type'): Promise<CheckedSql> {
  const val = soleTarget(await parseProbe(what, text, `SELECT NULL::${text}`));
  const cast = val?.TypeCast as Node | undefined;
  if (!cast || !cast.arg?.A_Const?.isnull) throw bad(what, text, 'it is not a type name');
  return trustedSql(text.trim());
}

/** A scalar expression (defaults, CHECK, USING / WITH CHECK); returned parenthesised. */
export async function expression(text: string, what = 'expression'): Promise<CheckedSql> {
  const val = soleTarget(await parseProbe(what, text, `SELECT (${text})`));
  if (!val) throw bad(what, text, 'it is not a single expression');
  return trustedSql(`(${text.trim()})`);
}

/** One function argument declaration: `[mode] [name] type [DEFAULT expr]`. */
export async function functionArgument(text: string): Promise<CheckedSql> {
  const stmts = await parseProbe('function argument', text, `CREATE FUNCTION pg_temp.probe(${text}) RETURNS void LANGUAGE sql AS ''`);
  const fn = stmts.length === 1 ? (stmts[0]!.CreateFunctionStmt as Node | undefined) : undefined;
  if (!fn || fn.parameters?.length !== 1 || fn.options?.length !== 2) throw bad('function argument', text, 'it is not one argument declaration');
  return trustedSql(text.trim());
}

/** A function's return type: a type name, optionally SETOF; or TABLE (name type, ...). */
export async function returnType(text: string): Promise<CheckedSql> {
  if (typeof text !== 'string') throw bad('return type', String(text), 'it is not a string');
  const setof = /^\s*setof\s+/i.exec(text);
  if (setof) return trustedSql(`SETOF ${await typeName(text.slice(setof[0].length), 'return type')}`);
  if (/^\s*table\s*\(/i.test(text)) {
    const stmts = await parseProbe('return type', text, `CREATE FUNCTION pg_temp.probe() RETURNS ${text} LANGUAGE sql AS ''`);
    const fn = stmts.length === 1 ? (stmts[0]!.CreateFunctionStmt as Node | undefined) : undefined;
    if (!fn || fn.options?.length !== 2) throw bad('return type', text, 'it is not a TABLE (...) return type');
    return trustedSql(text.trim());
  }
  return typeName(text, 'return type');
}
