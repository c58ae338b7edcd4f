/**
 * `order=a.desc.nullslast,b,data->x.asc,clients(name).desc` and `rel.order=…`.
 * Each term must end at `,` or the end of the value; anything else is a PGRST100 error.
 */
import { memoize } from './memo.ts';
import { FAIL, type Res, Scanner, between, delimiter, field, fieldName, lexeme, parseTreePath } from './filters.ts';
import type { OrderTerm, PathOrder } from './types.ts';

function dotWord<W extends string>(s: Scanner, words: readonly W[]): W | undefined {
  return s.optional(() =>
    s.alt(
      ...words.map((w) => () =>
        s.attempt(() => {
          const start = s.pos;
          if (delimiter(s) === FAIL) return FAIL;
          return s.str(w) === FAIL ? s.bail(start) : w;
        }),
      ),
    ),
  );
}

function termEnd(s: Scanner): Res<unknown> {
  return s.alt<unknown>(
    () => s.attempt(() => s.look(() => s.char(','))),
    () => s.attempt(() => s.eof()),
  );
}

/** The `.asc`/`.desc` and `.nullsfirst`/`.nullslast` modifiers, then the end of the term. */
function modifiers(s: Scanner, start: number, term: OrderTerm): Res<OrderTerm> {
  const direction = dotWord(s, ['asc', 'desc'] as const);
  const nulls = dotWord(s, ['nullsfirst', 'nullslast'] as const);
  if (termEnd(s) === FAIL) return s.bail(start);
  if (direction !== undefined) term.direction = direction;
  if (nulls !== undefined) term.nulls = nulls === 'nullsfirst' ? 'first' : 'last';
  return term;
}

/** `clients(name)`: order by a column of a to-one embed. */
function relationTerm(s: Scanner): Res<OrderTerm> {
  const start = s.pos;
  const relation = fieldName(s);
  if (relation === FAIL) return FAIL;
  const fld = between(s, '(', ')', () => field(s));
  if (fld === FAIL) return s.bail(start);
  return modifiers(s, start, { relation, field: fld });
}

function plainTerm(s: Scanner): Res<OrderTerm> {
  const start = s.pos;
  const fld = field(s);
  if (fld === FAIL) return FAIL;
  return modifiers(s, start, { field: fld });
}

function orderList(s: Scanner): Res<OrderTerm[]> {
  return s.sepBy1(
    () => lexeme(s, () => s.alt(() => s.attempt(() => relationTerm(s)), () => plainTerm(s))),
    () => s.char(','),
  );
}

export const parseOrderValue: (value: string) => OrderTerm[] = memoize((value) =>
  Scanner.run(`failed to parse order (${value})`, value, orderList),
);

/** `order=…` → path []; `actors.order=…` → path ['actors']. */
export function parseOrderParam(key: string, value: string): PathOrder {
  const { path } = parseTreePath(key);
  return { path, terms: parseOrderValue(value) };
}
