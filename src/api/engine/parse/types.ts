/**
 * The typed request that the parse step produces from an HTTP request's query string
 * and headers (PostgREST's ApiRequest). Nothing here knows about the schema cache.
 */

/** One `->` / `->>` step of a JSON path; numeric keys (`->0`) are array indexes. */
export interface JsonPathStep {
  op: '->' | '->>';
  key: string | number;
}

/** A column reference with an optional JSON path: `data->a->>b`. */
export interface Field {
  name: string;
  jsonPath: JsonPathStep[];
}

export type SimpleOperator =
  | 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte'
  | 'like' | 'ilike' | 'match' | 'imatch'
  | 'isdistinct'
  | 'cs' | 'cd' | 'ov' | 'sl' | 'sr' | 'nxr' | 'nxl' | 'adj';

export type FtsOperator = 'fts' | 'plfts' | 'phfts' | 'wfts';

/** The right-hand side of a filter, already split from its operator. */
export type OpExpr =
  /** `eq.5`, `like.*foo*` (the `*` already turned into `%`), `eq(any).{1,2}` */
  | { kind: 'simple'; op: SimpleOperator; quant?: 'any' | 'all'; value: string }
  /** `in.(1,"a,b")` → values without quotes; unquoted items keep their blanks; `in.()` → [''] */
  | { kind: 'in'; values: string[] }
  /** `is.null` / `is.not_null` / `is.true` / `is.false` / `is.unknown` */
  | { kind: 'is'; value: 'null' | 'not_null' | 'true' | 'false' | 'unknown' }
  /** `fts(english).cat` */
  | { kind: 'fts'; op: FtsOperator; language?: string; value: string };

export interface Filter {
  field: Field;
  negated: boolean;
  expr: OpExpr;
}

/** A boolean tree from `or=(…)`, `and=(…)`, `not.or=(…)` or a plain filter. */
export type LogicTree =
  | { kind: 'filter'; filter: Filter }
  | { kind: 'and' | 'or'; negated: boolean; children: LogicTree[] };

export interface OrderTerm {
  /** `order=clients(name).desc` orders by a to-one embed's column. */
  relation?: string;
  field: Field;
  direction?: 'asc' | 'desc';
  nulls?: 'first' | 'last';
}

/** Aggregate functions in `select` (`count()`, `amount.sum()`); planners may reject them. */
export type SelectAggregate = 'count' | 'sum' | 'avg' | 'max' | 'min';

export type SelectItem =
  | { kind: 'star' }
  | {
      kind: 'field';
      field: Field;
      alias?: string;
      cast?: string;
      /** `amount.sum()`; a bare `count()` has field `*`. */
      aggregate?: SelectAggregate;
      /** Cast applied to the aggregate's result: `amount.sum()::int`. */
      aggregateCast?: string;
    }
  | {
      kind: 'embed';
      /** The relation name as written: table/view name, FK name, or column name. */
      name: string;
      alias?: string;
      /** Text after `!` that is not `inner`/`left`: FK name, column, or junction table. */
      hint?: string;
      joinType?: 'inner' | 'left';
      /** `...rel(cols)` */
      spread: boolean;
      select: SelectItem[];
    };

/** An embed path: [] for the top level, ['actors'] for `actors.order=…`, ['films','roles'] for deeper. */
export type EmbedPath = string[];

export interface PathFilter {
  path: EmbedPath;
  tree: LogicTree;
}

export interface PathOrder {
  path: EmbedPath;
  terms: OrderTerm[];
}

export interface PathRange {
  path: EmbedPath;
  offset: number;
  limit?: number;
}

export interface QueryParams {
  select: SelectItem[];
  /** Every filter, logic tree and embedded filter; top-level ones have path []. */
  filters: PathFilter[];
  order: PathOrder[];
  /** From `limit`/`offset` and `rel.limit`/`rel.offset`. */
  ranges: PathRange[];
  /** `columns=a,b` (writes). */
  columns?: string[];
  /** `on_conflict=a,b` (upserts). */
  onConflict?: string[];
  /**
   * RPC GET/HEAD arguments: top-level keys named in `opts.rpcArgNames` are kept raw here
   * instead of being parsed as filters (`/rpc/add?a=1&b=2`).
   */
  rpcArgs: Record<string, string>;
  /**
   * Every value of each RPC argument, in order, for variadic functions (`?v=1&v=2`);
   * `rpcArgs` keeps the last one. Present whenever `rpcArgs` has keys.
   */
  rpcArgValues?: Record<string, string[]>;
}

export interface Preferences {
  return?: 'minimal' | 'headers-only' | 'representation';
  count?: 'exact' | 'planned' | 'estimated';
  resolution?: 'merge-duplicates' | 'ignore-duplicates';
  missing?: 'default' | 'null';
  handling?: 'strict' | 'lenient';
  tx?: 'commit' | 'rollback';
  timezone?: string;
  maxAffected?: number;
  params?: 'single-object';
  /** Prefer tokens that were recognised, in the order given; used to build Preference-Applied. */
  applied: string[];
  /** Prefer tokens that were not recognised (strict handling rejects them). */
  invalid: string[];
}
