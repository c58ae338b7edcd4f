/**
 * `select=`: columns, `alias:col`, `col::type`, JSON paths, aggregates (`count()`, `col.sum()`),
 * embeds `alias:rel!hint!inner(…)`, spreads `...rel(…)`, nested to any depth.
 * Blanks around items and commas are ignored; text after a complete list is ignored, as in
 * PostgREST (`select=id)` parses as `id`).
 */
import { memoize } from './memo.ts';
import {
  FAIL,
  type Res,
  Scanner,
  between,
  field,
  fieldName,
  identifier,
  lexeme,
} from './filters.ts';
import type { SelectAggregate, SelectItem } from './types.ts';

type EmbedItem = Extract<SelectItem, { kind: 'embed' }>;
type FieldItem = Extract<SelectItem, { kind: 'field' }>;

/** An item ends at `)`, `,` or the end of the text. */
function itemEnd(s: Scanner): Res<unknown> {
  return s.alt<unknown>(
    () => s.attempt(() => s.look(() => s.str(')'))),
    () => s.attempt(() => s.look(() => s.str(','))),
    () => s.attempt(() => s.eof()),
  );
}

/** `alias:` (but not the start of `::cast`). */
function alias(s: Scanner): string | undefined {
  return s.optional(() =>
    s.attempt(() => {
      const start = s.pos;
      const name = fieldName(s);
      if (name === FAIL) return FAIL;
      if (s.char(':') === FAIL) return s.bail(start);
      if (s.notFollowedBy(() => s.char(':')) === FAIL) return s.bail(start);
      return name;
    }),
  );
}

function castSuffix(s: Scanner): Res<string> {
  const start = s.pos;
  if (s.str('::') === FAIL) return FAIL;
  const type = identifier(s);
  return type === FAIL ? s.bail(start) : type;
}

/** `!hint` and `!inner`/`!left`, in either order; the first of each kind wins. */
function embedParams(s: Scanner): Pick<EmbedItem, 'hint' | 'joinType'> {
  const param = (): Res<{ hint?: string; joinType?: 'inner' | 'left' }> => {
    const start = s.pos;
    if (s.char('!') === FAIL) return FAIL;
    const p = s.alt<{ hint?: string; joinType?: 'inner' | 'left' }>(
      () => (s.attempt(() => s.str('left')) === FAIL ? FAIL : { joinType: 'left' }),
      () => (s.attempt(() => s.str('inner')) === FAIL ? FAIL : { joinType: 'inner' }),
      () => {
        const hint = s.attempt(() => fieldName(s));
        return hint === FAIL ? FAIL : { hint };
      },
    );
    return p === FAIL ? s.bail(start) : p;
  };
  const p1 = s.optional(param);
  const p2 = s.optional(param);
  const out: Pick<EmbedItem, 'hint' | 'joinType'> = {};
  const hint = p1?.hint ?? p2?.hint;
  const joinType = p1?.joinType ?? p2?.joinType;
  if (hint !== undefined) out.hint = hint;
  if (joinType !== undefined) out.joinType = joinType;
  return out;
}

/** The part of an embed before its `(`; fails unless a `(` follows. */
function embedHead(s: Scanner, spread: boolean): Res<Omit<EmbedItem, 'select'>> {
  return lexeme(s, () => {
    const start = s.pos;
    let aliasName: string | undefined;
    if (spread) {
      if (s.str('...') === FAIL) return FAIL;
    } else {
      aliasName = alias(s);
    }
    const name = fieldName(s);
    if (name === FAIL) return s.bail(start);
    // `count(` is the aggregate, never a relation.
    if (!spread && name === 'count') return s.bail(start);
    const params = embedParams(s);
    if (s.attempt(() => s.look(() => s.str('('))) === FAIL) return s.bail(start);
    const head: Omit<EmbedItem, 'select'> = { kind: 'embed', name, spread };
    if (aliasName !== undefined) head.alias = aliasName;
    return Object.assign(head, params);
  });
}

const AGGREGATES: SelectAggregate[] = ['sum', 'avg', 'count', 'max', 'min'];

function fieldItem(s: Scanner): Res<SelectItem> {
  return lexeme(s, () =>
    s.alt<SelectItem>(
      () =>
        s.attempt(() => {
          const start = s.pos;
          if (s.str('*') === FAIL) return FAIL;
          if (itemEnd(s) === FAIL) return s.bail(start);
          return { kind: 'star' };
        }),
      () =>
        s.attempt(() => {
          const start = s.pos;
          const aliasName = alias(s);
          if (s.str('count()') === FAIL) return s.bail(start);
          const aggCast = s.optional(() => castSuffix(s));
          if (itemEnd(s) === FAIL) return s.bail(start);
          const item: FieldItem = { kind: 'field', field: { name: '*', jsonPath: [] }, aggregate: 'count' };
          if (aliasName !== undefined) item.alias = aliasName;
          if (aggCast !== undefined) item.aggregateCast = aggCast;
          return item;
        }),
      () => {
        const start = s.pos;
        const aliasName = alias(s);
        const fld = field(s);
        if (fld === FAIL) return s.bail(start);
        const cast = s.optional(() => castSuffix(s));
        const aggregate = s.optional(() =>
          s.attempt(() => {
            const at = s.pos;
            if (s.char('.') === FAIL) return FAIL;
            const agg = s.alt(...AGGREGATES.map((a) => () => s.attempt(() => s.str(a) as Res<SelectAggregate>)));
            if (agg === FAIL) return s.bail(at);
            if (s.str('()') === FAIL) return s.bail(at);
            return agg;
          }),
        );
        const aggCast = s.optional(() => castSuffix(s));
        if (itemEnd(s) === FAIL) return s.bail(start);
        const item: FieldItem = { kind: 'field', field: fld };
        if (aliasName !== undefined) item.alias = aliasName;
        if (cast !== undefined) item.cast = cast;
        if (aggregate !== undefined) item.aggregate = aggregate;
        if (aggCast !== undefined) item.aggregateCast = aggCast;
        return item;
      },
    ),
  );
}

function selectItem(s: Scanner): Res<SelectItem> {
  const embed = (spread: boolean) => (): Res<SelectItem> => {
    const start = s.pos;
    const head = s.attempt(() => embedHead(s, spread));
    if (head === FAIL) return FAIL;
    const children = between(s, '(', ')', () => selectList(s));
    if (children === FAIL) return s.bail(start);
    return { ...head, select: children };
  };
  return s.alt(embed(true), embed(false), () => fieldItem(s));
}

/** Comma-separated items; may be empty (`select=` and `rel()`). */
function selectList(s: Scanner): SelectItem[] {
  return s.sepBy(() => selectItem(s), () => lexeme(s, () => s.char(',')));
}

export const parseSelect: (value: string) => SelectItem[] = memoize((value) =>
  Scanner.run(`failed to parse select parameter (${value})`, value, selectList),
);
