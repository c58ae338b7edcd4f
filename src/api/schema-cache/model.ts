/** What the schema cache knows about the exposed schemas. Plain data, no I/O. */

export interface QualifiedName {
  schema: string;
  name: string;
}

export const qnKey = (q: QualifiedName) => `${q.schema}.${q.name}`;

export interface Column {
  name: string;
  position: number;
  /** format_type(), e.g. `character varying(20)`, `integer[]`. */
  type: string;
  /** pg_type.typname, e.g. `int4`, `_text`. */
  udt: string;
  elementUdt: string | null;
  /** For a domain, its base type's typname (a tsvector domain is searched as a tsvector). */
  baseUdt?: string | null;
  /** pg_type.typcategory: 'A' array, 'N' numeric, 'S' string, 'B' boolean, 'R' range, 'E' enum, 'U' user … */
  category: string;
  nullable: boolean;
  default: string | null;
  generated: boolean;
  /** GENERATED ALWAYS AS IDENTITY: inserting its default needs OVERRIDING SYSTEM VALUE. */
  identityAlways: boolean;
  comment: string | null;
  maxLength: number | null;
  enum: string[] | null;
  /** Set when the column's type is a domain with json/text casts (PostgREST's data representations). */
  repr?: Representation;
}

/** The cast functions of a domain representation; each is absent when no such cast exists. */
export interface Representation {
  /** domain → json, applied to the column on read. */
  toJson?: QualifiedName;
  /** json → domain, applied to body values on write. */
  fromJson?: QualifiedName;
  /** text → domain, applied to filter values. */
  fromText?: QualifiedName;
}

export type RelKind = 'table' | 'view' | 'materialized_view' | 'foreign_table' | 'partitioned_table';

export interface Table extends QualifiedName {
  oid: number;
  kind: RelKind;
  comment: string | null;
  pk: string[];
  insertable: boolean;
  updatable: boolean;
  deletable: boolean;
  columns: Column[];
  columnsByName: Map<string, Column>;
}

export type Cardinality = 'm2o' | 'o2m' | 'o2o' | 'm2m';

export interface Junction {
  table: QualifiedName;
  /** FK from the junction to the source, and to the target. */
  sourceConstraint: string;
  targetConstraint: string;
  /** [source column, junction column] pairs. */
  sourceColumns: [string, string][];
  /** [junction column, target column] pairs. */
  targetColumns: [string, string][];
}

export interface Relationship {
  cardinality: Cardinality;
  table: QualifiedName;
  foreignTable: QualifiedName;
  /** The FK constraint's name (for m2m, the junction→target one). */
  constraint: string;
  /** [source column, target column] pairs; empty for m2m. */
  columns: [string, string][];
  junction?: Junction;
  /** True when this side holds the FK columns (m2o, or the FK side of o2o). */
  holdsKey: boolean;
  /**
   * A computed relationship: a function taking a row of `table` and returning rows of
   * `foreignTable`; embedded by the function's name, it overrides the foreign keys between
   * `table` and a relation of that same name. m2o when it returns one row (not SETOF, or ROWS 1).
   */
  func?: QualifiedName;
}

export interface FuncArg {
  name: string;
  type: string;
  mode: 'i' | 'o' | 'b' | 'v' | 't';
  hasDefault: boolean;
}

export interface Func extends QualifiedName {
  oid: number;
  comment: string | null;
  /** Input arguments in order (IN, INOUT, VARIADIC). */
  args: FuncArg[];
  /** Output columns (OUT, INOUT, TABLE) for `RETURNS TABLE (...)` and OUT parameters. */
  /** OUT and TABLE columns; `category` is pg_type.typcategory, so `->` reads composites and arrays as JSON. */
  outArgs: { name: string; type: string; category: string }[];
  variadic: boolean;
  returnsSet: boolean;
  returnType: string;
  /** The relation whose row type it returns, for table-returning functions. */
  returnTable: QualifiedName | null;
  /** 'b' base, 'c' composite, 'p' pseudo (void, record), 'e' enum, 'd' domain, 'r' range */
  returnTypType: string;
  volatility: 'i' | 's' | 'v';
  /** The planner's row estimate (pg_proc.prorows): `ROWS 1` marks a to-one computed relationship. */
  rows: number;
  /** The relation whose row type its first argument takes (computed columns and relationships). */
  firstArgTable: QualifiedName | null;
  isProcedure: boolean;
  /** The return type's domain representation, for computed columns shown through it. */
  returnRepr?: Representation;
}

/**
 * A media type handler (PostgREST 12): an aggregate over a relation's rows (or any rows) returning a
 * domain named like the media type, or a function whose own result is such a domain.
 */
export interface MediaHandler {
  kind: 'aggregate' | 'function';
  /** The aggregate (kind 'aggregate'). */
  func?: QualifiedName;
  /** The relation whose row type the aggregate takes (absent: anyelement), or the function. */
  target?: QualifiedName;
  /** Lower-cased, as named by the domain (the any type "*\/*" included). */
  mediaType: string;
  /** The domain is over bytea: the body is bytes, else text. */
  binary: boolean;
}

/** Handlers by `mediaHandlerKey(target, media type)`. */
export const mediaHandlerKey = (target: QualifiedName | undefined, mediaType: string) => `${target ? qnKey(target) : ''}|${mediaType}`;

export interface SchemaCacheData {
  schemas: string[];
  tables: Map<string, Table>;
  /** Relationships by source table key (`schema.name`). */
  relationships: Map<string, Relationship[]>;
  /** Overloads by `schema.name`. */
  functions: Map<string, Func[]>;
  /** Computed columns by table key, then function name. */
  computed: Map<string, Map<string, Func>>;
  /** The roles the data API's login role may switch to. */
  roles: Set<string>;
  /** Every role in the cluster (to tell a missing role from a forbidden one). */
  allRoles: Set<string>;
  /** Media type handlers (absent in caches built without them). */
  mediaHandlers?: Map<string, MediaHandler>;
  /** PostGIS's ST_AsGeoJSON, when installed: application/geo+json is offered then. */
  geoJson?: QualifiedName;
  loadedAt: Date;
  loadMs: number;
}
