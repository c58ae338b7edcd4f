/**
 * Boolean trees: `or=(a.eq.1,b.gt.2)`, `not.and=(…)`, `actors.or=(…)`, nested `and(…)`/`or(…)`
 * /`not.or(…)`. Inside a tree a value stops at `,` or `)` unless it is double-quoted
 * (`name.eq."a,b"`) or a `{…}` array literal.
 */
import {
  FAIL,
  type Res,
  Scanner,
  field,
  delimiter,
  fieldName,
  keyword,
  lexeme,
  opExpr,
  quotedItem,
} from './filters.ts';
import type { Filter, LogicTree, PathFilter } from './types.ts';

function pgArray(s: Scanner): Res<string> {
  const start = s.pos;
  if (s.str('{') === FAIL) return FAIL;
  const body = s.many(() => s.sat((c) => c !== '{' && c !== '}')).join('');
  if (s.str('}') === FAIL) return s.bail(start);
  return `{${body}}`;
}

function logicValue(s: Scanner): string {
  const v = s.alt(
    () => quotedItem(s),
    () => s.attempt(() => pgArray(s)),
    () => s.many(() => s.sat((c) => c !== ',' && c !== ')')).join(''),
  );
  // The last alternative always succeeds.
  return v as string;
}

function logicFilter(s: Scanner): Res<Filter> {
  const start = s.pos;
  const fld = field(s);
  if (fld === FAIL) return FAIL;
  if (delimiter(s) === FAIL) return s.bail(start);
  const oe = opExpr(s, () => logicValue(s));
  if (oe === FAIL) return s.bail(start);
  return { field: fld, negated: oe.negated, expr: oe.expr };
}

/** A filter (`a.eq.1`) or a group (`[not.]and(…)` / `[not.]or(…)`). */
export function logicTree(s: Scanner): Res<LogicTree> {
  const filter = s.attempt(() => logicFilter(s));
  if (filter !== FAIL) return { kind: 'filter', filter };

  const start = s.pos;
  const negated = s.label('negation operator (not)', () => s.attempt(() => keyword(s, 'not')) !== FAIL);
  const op = s.label('logic operator (and, or)', () =>
    s.alt<'and' | 'or'>(() => s.attempt(() => s.str('and') as Res<'and'>), () => s.str('or') as Res<'or'>),
  );
  if (op === FAIL) return s.bail(start);
  if (lexeme(s, () => s.char('(')) === FAIL) return s.bail(start);
  const children = s.sepBy1(() => logicTree(s), () => lexeme(s, () => s.char(',')));
  if (children === FAIL) return s.bail(start);
  if (lexeme(s, () => s.char(')')) === FAIL) return s.bail(start);
  return { kind: op, negated: negated as boolean, children };
}

/**
 * The key of a logic parameter: `or` → [] and `or`; `actors.not.and` → ['actors'] and `not.and`.
 * Any `not` segment negates, wherever it appears, as in PostgREST.
 */
function logicPath(s: Scanner): Res<{ path: string[]; op: string }> {
  const names = s.sepBy1(() => fieldName(s), () => delimiter(s));
  if (names === FAIL) return FAIL;
  const last = names[names.length - 1];
  return {
    path: names.slice(0, -1).filter((n) => n !== 'not'),
    op: names.includes('not') ? `not.${last}` : last,
  };
}

/** `actors.or=(a.eq.1,b.eq.2)` → the tree under the `actors` embed. */
export function parseLogicParam(key: string, value: string): PathFilter {
  const { path, op } = Scanner.run(`failed to parse logic path (${key})`, key, logicPath);
  // The key's operator is glued to the value so `or=(…)` parses like a nested `or(…)`;
  // error columns therefore count from the start of the operator, as in PostgREST.
  const tree = Scanner.run(`failed to parse logic tree (${value})`, op + value, logicTree);
  return { path, tree };
}
