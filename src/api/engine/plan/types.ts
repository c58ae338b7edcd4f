/** The resolved request: every name checked against the schema cache, ready to render. */
import type { Column, Func, Relationship, Table } from '../../schema-cache/model.ts';
import type { JsonPathStep, OpExpr, SelectAggregate } from '../parse/types.ts';

export interface PlanField {
  /** A real column, or a computed column (a function taking the row). */
  column?: Column;
  func?: Func;
  name: string;
  jsonPath: JsonPathStep[];
}

export interface SelectField {
  /** Absent for `count()`, which counts rows. */
  field?: PlanField;
  /** The key in the output object. */
  outName: string;
  cast?: string;
  /** `amount.sum()`: the level groups by its other fields. */
  aggregate?: SelectAggregate;
  /** Cast of the aggregate's result: `amount.sum()::text`. */
  aggregateCast?: string;
}

export type PlanCond =
  | { kind: 'filter'; field: PlanField; negated: boolean; expr: OpExpr }
  /** `rel=is.null` (no related rows) / `rel=not.is.null` (some). */
  | { kind: 'embed-null'; embed: EmbedPlan; isNull: boolean }
  | { kind: 'and' | 'or'; negated: boolean; children: PlanCond[] }
  /**
   * `(a, b) IN (the given rows)`: a set of composite keys (admin row ids). The values are read as
   * the columns' types through the table's row type, as write bodies are.
   */
  | { kind: 'row-in'; table: Table; columns: string[]; rows: string[][] };

export interface PlanOrder {
  /** Absent when ordering by a spread's output column (`spreadColumn`). */
  field?: PlanField;
  /** Set when ordering by a to-one embed's column: `order=director(name)`. */
  embed?: EmbedPlan;
  /** `order=rel(col)` where `...rel(col)` is spread: its lateral join's column. */
  spreadColumn?: string;
  direction?: 'asc' | 'desc';
  nulls?: 'first' | 'last';
}

export interface ReadPlan {
  table: Table;
  /** The SQL alias of this level's relation. */
  alias: string;
  fields: SelectField[];
  embeds: EmbedPlan[];
  where: PlanCond[];
  order: PlanOrder[];
  offset: number;
  limit?: number;
  /** Embedding depth (0 = top), which names the level in PostgreSQL's errors as PostgREST's SQL does. */
  depth?: number;
}

export interface EmbedPlan {
  /** The name as written in `select`, and the key it gets in the output. */
  name: string;
  outName: string;
  rel: Relationship;
  toOne: boolean;
  inner: boolean;
  spread: boolean;
  /** `...rel(cols)` on a to-many relationship: each column becomes an array of values. */
  toManySpread: boolean;
  /**
   * A computed relationship's argument: the parent's columns, rebuilt as a row of its type (the
   * parent may be a CTE with extra columns, as a write's RETURNING is).
   */
  parentRow?: { type: Table; columns: string[] };
  /** `rel()`: used for filtering only, not in the output. */
  empty: boolean;
  plan: ReadPlan;
  /** The SQL alias of the lateral subquery. */
  lateral: string;
}
