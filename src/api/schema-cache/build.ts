import type pg from 'pg';
import { catalog } from '../../shared/catalog/index.ts';
import {
  mediaHandlerKey,
  qnKey,
  type MediaHandler,
  type Column,
  type Func,
  type QualifiedName,
  type Relationship,
  type RelKind,
  type Representation,
  type SchemaCacheData,
  type Table,
} from './model.ts';

const KINDS: Record<string, RelKind> = { r: 'table', p: 'partitioned_table', v: 'view', m: 'materialized_view', f: 'foreign_table' };

interface FkRow {
  name: string;
  schema: string;
  table: string;
  ref_schema: string;
  ref_table: string;
  columns: string[];
  ref_columns: string[];
  is_unique: boolean;
  in_key: boolean;
}

interface ReprRow {
  domain_oid: number | string;
  direction: 'to_json' | 'from_json' | 'from_text';
  func_schema: string;
  func_name: string;
}

interface HandlerRow {
  kind: 'aggregate' | 'function';
  handler_schema: string | null;
  handler_name: string | null;
  target_schema: string | null;
  target_name: string | null;
  media_type: string;
  base_type: string;
}

type Queryable = Pick<pg.Pool, 'query'>;

/** Catalog rows → handlers by target and media type. */
export function buildMediaHandlers(rows: HandlerRow[]): Map<string, MediaHandler> {
  const out = new Map<string, MediaHandler>();
  for (const r of rows) {
    const target = r.target_schema !== null && r.target_name !== null ? { schema: r.target_schema, name: r.target_name } : undefined;
    const h: MediaHandler = { kind: r.kind, target, mediaType: r.media_type, binary: r.base_type === 'bytea' };
    if (r.handler_schema !== null && r.handler_name !== null) h.func = { schema: r.handler_schema, name: r.handler_name };
    out.set(mediaHandlerKey(target, r.media_type), h);
  }
  return out;
}

/** Loads the catalog for `schemas` in a handful of queries and builds the in-memory cache. */
export async function loadSchemaCache(db: Queryable, schemas: string[], loginRole = 'authenticator'): Promise<SchemaCacheData> {
  const started = performance.now();
  const [tables, columns, fks, viewCols, funcs, roles, reprs, handlers, geoJson] = await Promise.all([
    db.query(catalog.tables, [schemas]),
    db.query(catalog.columns, [schemas]),
    db.query<FkRow>(catalog.foreignKeys),
    db.query(catalog.viewColumns, [schemas]),
    db.query(catalog.functions, [schemas]),
    db.query<{ name: string; granted: boolean }>(catalog.roles, [loginRole]),
    db.query<ReprRow>(catalog.domainRepresentations),
    db.query<HandlerRow>(catalog.mediaHandlers, [schemas]),
    db.query<QualifiedName>(catalog.geojsonFunction),
  ]);
  const data = buildSchemaCache(schemas, tables.rows, columns.rows, fks.rows, viewCols.rows, funcs.rows, roles.rows.filter((r) => r.granted).map((r) => r.name), roles.rows.map((r) => r.name), reprs.rows);
  data.mediaHandlers = buildMediaHandlers(handlers.rows);
  if (geoJson.rows[0]) data.geoJson = geoJson.rows[0];
  data.loadMs = Math.round(performance.now() - started);
  return data;
}

/** Pure: catalog rows → cache. Unit-testable without a database. */
export function buildSchemaCache(
  schemas: string[],
  tableRows: any[],
  columnRows: any[],
  fkRows: FkRow[],
  viewColumnRows: any[],
  funcRows: any[],
  roles: string[] = [],
  allRoles: string[] = roles,
  reprRows: ReprRow[] = [],
): SchemaCacheData {
  const reprs = new Map<number, Representation>();
  const DIRECTION = { to_json: 'toJson', from_json: 'fromJson', from_text: 'fromText' } as const;
  for (const r of reprRows) {
    const key = Number(r.domain_oid);
    const e = reprs.get(key) ?? {};
    e[DIRECTION[r.direction]] = { schema: r.func_schema, name: r.func_name };
    reprs.set(key, e);
  }
  const tables = new Map<string, Table>();
  for (const r of tableRows) {
    tables.set(`${r.schema}.${r.name}`, {
      schema: r.schema,
      name: r.name,
      oid: Number(r.oid),
      kind: KINDS[r.relkind],
      comment: r.comment,
      pk: r.pk,
      insertable: r.insertable,
      updatable: r.updatable,
      deletable: r.deletable,
      columns: [],
      columnsByName: new Map(),
    });
  }
  for (const r of columnRows) {
    const t = tables.get(`${r.schema}.${r.table}`);
    if (!t) continue;
    const c: Column = {
      name: r.name,
      position: r.position,
      type: r.type,
      udt: r.udt,
      elementUdt: r.element_udt,
      baseUdt: r.base_udt ?? null,
      category: r.category,
      nullable: r.nullable,
      default: r.default,
      generated: r.generated,
      identityAlways: r.identity_always,
      comment: r.comment,
      maxLength: r.max_length,
      enum: r.enum,
    };
    const repr = reprs.get(Number(r.type_oid));
    if (repr) c.repr = repr;
    t.columns.push(c);
    t.columnsByName.set(c.name, c);
  }

  // base column → the exposed views (and view columns) that pass it through
  const viewsOf = new Map<string, { view: QualifiedName; column: string }[]>();
  for (const r of viewColumnRows) {
    const k = `${r.base_schema}.${r.base_table}.${r.base_column}`;
    const list = viewsOf.get(k) ?? [];
    list.push({ view: { schema: r.view_schema, name: r.view }, column: r.view_column });
    viewsOf.set(k, list);
  }

  /** The relation itself (when exposed) and every exposed view that exposes all `cols`, with the mapped names. */
  const endpoints = (schema: string, table: string, cols: string[], seen = new Set<string>()): { rel: QualifiedName; cols: string[] }[] => {
    const out: { rel: QualifiedName; cols: string[] }[] = [];
    // Views of views pass the columns on too; `seen` stops a view that (re)defines itself.
    if (seen.has(`${schema}.${table}`)) return out;
    seen.add(`${schema}.${table}`);
    if (tables.has(`${schema}.${table}`)) out.push({ rel: { schema, name: table }, cols });
    const byView = new Map<string, { rel: QualifiedName; cols: (string | undefined)[] }>();
    cols.forEach((c, i) => {
      for (const v of viewsOf.get(`${schema}.${table}.${c}`) ?? []) {
        const key = qnKey(v.view);
        const e = byView.get(key) ?? { rel: v.view, cols: new Array(cols.length) };
        e.cols[i] ??= v.column;
        byView.set(key, e);
      }
    });
    for (const e of byView.values()) {
      if (e.cols.filter(Boolean).length !== cols.length) continue;
      for (const x of endpoints(e.rel.schema, e.rel.name, e.cols as string[], seen)) if (!out.some((o) => qnKey(o.rel) === qnKey(x.rel))) out.push(x);
    }
    return out;
  };

  // A view's key (PostgREST): the primary key of every table it exposes whole, under the view's
  // column names (for Location, PUT and upserts).
  for (const t of [...tables.values()]) {
    if (t.kind === 'view' || !t.pk.length) continue;
    for (const e of endpoints(t.schema, t.name, t.pk)) {
      const v = tables.get(qnKey(e.rel));
      if (!v || v === t || v.kind !== 'view') continue;
      for (const c of e.cols) if (!v.pk.includes(c)) v.pk = [...v.pk, c];
    }
  }

  const relationships = new Map<string, Relationship[]>();
  const add = (r: Relationship) => {
    const k = qnKey(r.table);
    const list = relationships.get(k) ?? [];
    list.push(r);
    relationships.set(k, list);
  };
  const zip = (a: string[], b: string[]) => a.map((x, i) => [x, b[i]] as [string, string]);

  for (const fk of fkRows) {
    for (const src of endpoints(fk.schema, fk.table, fk.columns)) {
      for (const dst of endpoints(fk.ref_schema, fk.ref_table, fk.ref_columns)) {
        add({ cardinality: fk.is_unique ? 'o2o' : 'm2o', table: src.rel, foreignTable: dst.rel, constraint: fk.name, columns: zip(src.cols, dst.cols), holdsKey: true });
        add({ cardinality: fk.is_unique ? 'o2o' : 'o2m', table: dst.rel, foreignTable: src.rel, constraint: fk.name, columns: zip(dst.cols, src.cols), holdsKey: false });
      }
    }
  }

  // Many-to-many: a junction holds two FKs whose columns are part of its keys.
  const fksByTable = new Map<string, FkRow[]>();
  for (const fk of fkRows) {
    if (!fk.in_key || !tables.has(`${fk.schema}.${fk.table}`)) continue;
    const k = `${fk.schema}.${fk.table}`;
    fksByTable.set(k, [...(fksByTable.get(k) ?? []), fk]);
  }
  for (const list of fksByTable.values()) {
    for (const a of list) {
      for (const b of list) {
        if (a === b) continue;
        for (const src of endpoints(a.ref_schema, a.ref_table, a.ref_columns)) {
          for (const dst of endpoints(b.ref_schema, b.ref_table, b.ref_columns)) {
            add({
              cardinality: 'm2m',
              table: src.rel,
              foreignTable: dst.rel,
              constraint: b.name,
              columns: [],
              holdsKey: false,
              junction: {
                table: { schema: a.schema, name: a.table },
                sourceConstraint: a.name,
                targetConstraint: b.name,
                sourceColumns: zip(src.cols, a.columns),
                targetColumns: zip(b.columns, dst.cols),
              },
            });
          }
        }
      }
    }
  }

  const functions = new Map<string, Func[]>();
  const computed = new Map<string, Map<string, Func>>();
  for (const r of funcRows) {
    const modes: string[] = r.arg_modes.length ? r.arg_modes : new Array(r.arg_types.length).fill('i');
    const inputs = modes.map((m, i) => ({ m, i })).filter(({ m }) => m === 'i' || m === 'b' || m === 'v');
    const firstDefault = r.nargs - r.nargdefaults;
    const f: Func = {
      oid: Number(r.oid),
      schema: r.schema,
      name: r.name,
      comment: r.comment,
      args: inputs.map(({ m, i }, pos) => ({
        name: r.arg_names[i] ?? '',
        type: r.arg_types[i],
        mode: m as 'i' | 'b' | 'v',
        hasDefault: pos >= firstDefault,
      })),
      outArgs: modes
        .map((m, i) => ({ m, i }))
        .filter(({ m }) => m === 'o' || m === 'b' || m === 't')
        .map(({ i }) => ({ name: r.arg_names[i] ?? '', type: r.arg_types[i], category: r.arg_categories?.[i] ?? 'U' })),
      variadic: r.variadic,
      returnsSet: r.returns_set,
      returnType: r.return_type,
      returnTable: r.returns_table_row ? { schema: r.return_type_schema, name: r.return_type_name } : null,
      returnTypType: r.return_typtype,
      volatility: r.volatility,
      rows: Number(r.rows ?? 0),
      firstArgTable: r.first_arg_table ? { schema: r.first_arg_schema, name: r.first_arg_table } : null,
      isProcedure: r.kind === 'p',
      ...(reprs.has(Number(r.return_type_oid)) ? { returnRepr: reprs.get(Number(r.return_type_oid)) } : {}),
    };
    const key = `${f.schema}.${f.name}`;
    functions.set(key, [...(functions.get(key) ?? []), f]);
    if (f.firstArgTable && f.args.length >= 1 && f.args.slice(1).every((a) => a.hasDefault)) {
      const tk = qnKey(f.firstArgTable);
      const m = computed.get(tk) ?? new Map<string, Func>();
      m.set(f.name, f);
      computed.set(tk, m);
    }
  }

  // Computed relationships (PostgREST's rule): exactly one argument, a relation's row type, and a
  // relation's row type returned. Each replaces the detected relationships from its table to the
  // relation named like the function.
  for (const list of functions.values()) {
    for (const f of list) {
      if (!f.firstArgTable || !f.returnTable || f.args.length !== 1 || f.isProcedure) continue;
      const origin = f.firstArgTable;
      if (!tables.has(qnKey(origin)) || !tables.has(qnKey(f.returnTable))) continue;
      const fnKey = `${f.schema}.${f.name}`;
      const kept = (relationships.get(qnKey(origin)) ?? []).filter((r) => (r.func ? qnKey(r.func) : qnKey(r.foreignTable)) !== fnKey);
      const single = !f.returnsSet || f.rows === 1;
      kept.push({ cardinality: single ? 'm2o' : 'o2m', table: origin, foreignTable: f.returnTable, constraint: f.name, columns: [], holdsKey: false, func: { schema: f.schema, name: f.name } });
      relationships.set(qnKey(origin), kept);
    }
  }

  return { schemas, tables, relationships, functions, computed, roles: new Set(roles), allRoles: new Set(allRoles), loadedAt: new Date(), loadMs: 0 };
}
