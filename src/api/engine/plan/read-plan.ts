/** ApiRequest + schema cache → ReadPlan: names resolved, relationships chosen, ranges fixed. */
import { sqlstateKind } from '../../../shared/db/sqlstate.ts';
import type { SchemaCacheData, Table } from '../../schema-cache/model.ts';
import { qnKey } from '../../schema-cache/model.ts';
import { ApiError } from '../../../shared/errors.ts';
import type { Field, LogicTree, QueryParams, SelectItem } from '../parse/types.ts';
import { columnNotFound, notEmbedded, relatedOrderNotToOne, restError, tableNotFound, restErrorWith, duplicateEmbed } from '../errors.ts';
import { closest, findRelationship } from './embed-plan.ts';
import type { EmbedPlan, PlanCond, PlanField, PlanOrder, ReadPlan, SelectField } from './types.ts';

export interface ReadOptions {
  /** The top-level rows, after `limit`/`offset` and the Range header are combined. */
  range: { offset: number; limit?: number };
  maxRows?: number;
  /** DB_AGGREGATES_ENABLED: `sum()`, `count()`… in `select`; otherwise PGRST123. */
  aggregates?: boolean;
}

export function findTable(cache: SchemaCacheData, schema: string, name: string): Table {
  const t = cache.tables.get(`${schema}.${name}`);
  if (t) return t;
  const names = [...cache.tables.values()].filter((x) => x.schema === schema).map((x) => x.name);
  throw tableNotFound(schema, name, closest(name, names));
}

/** `depth` > 0: an embedded level, which PostgREST's SQL (and so PostgreSQL's 42703) calls `<table>_<depth>`. */
export function resolveField(cache: SchemaCacheData, table: Table, f: Field, depth = 0): PlanField {
  const column = table.columnsByName.get(f.name);
  if (column) return { column, name: f.name, jsonPath: f.jsonPath };
  const func = cache.computed.get(qnKey(table))?.get(f.name);
  if (func) return { func, name: f.name, jsonPath: f.jsonPath };
  throw columnNotFound(depth > 0 ? `${table.name}_${depth}` : table.name, f.name, closest(f.name, table.columns.map((c) => c.name)));
}

/** The output key of a field: its alias, the last JSON path key, or the column name. */
export function outputName(f: Field, alias?: string): string {
  if (alias) return alias;
  // Array indexes do not name anything: `tags->>0` is keyed `tags`.
  const named = [...f.jsonPath].reverse().find((s) => typeof s.key === 'string');
  return named ? String(named.key) : f.name;
}

export function planRead(cache: SchemaCacheData, table: Table, q: QueryParams, opts: ReadOptions): ReadPlan {
  try {
    return buildPlan(cache, table, q, opts);
  } catch (e) {
    // PostgREST finds unknown columns only when PostgreSQL runs the query, after every
    // relationship and embedded path is known: those errors come first.
    if (e instanceof ApiError && sqlstateKind(e.code) === 'undefined_column') checkShape(cache, table, q);
    throw e;
  }
}

interface ShapeNode {
  embeds: { outName: string; name: string; node: ShapeNode }[];
}

/** The relationships and embedded paths of a request, without its columns. */
function checkShape(cache: SchemaCacheData, table: Table, q: QueryParams): void {
  const walk = (t: Table, items: SelectItem[]): ShapeNode => {
    const node: ShapeNode = { embeds: [] };
    for (const item of items) {
      if (item.kind !== 'embed') continue;
      const rel = findRelationship(cache, t, item.name, item.hint);
      const target = cache.tables.get(qnKey(rel.foreignTable));
      if (!target) throw tableNotFound(rel.foreignTable.schema, rel.foreignTable.name);
      node.embeds.push({ outName: item.alias ?? item.name, name: item.name, node: walk(target, item.select) });
    }
    return node;
  };
  const root = walk(table, q.select);
  const at = (path: string[]) => {
    let node = root;
    for (const step of path) {
      const e = node.embeds.find((x) => x.outName === step) ?? node.embeds.find((x) => x.name === step);
      if (!e) throw notEmbedded(step);
      node = e.node;
    }
  };
  for (const x of [...q.filters, ...q.order, ...q.ranges]) at(x.path);
}

function buildPlan(cache: SchemaCacheData, table: Table, q: QueryParams, opts: ReadOptions): ReadPlan {
  let n = 0;
  const nextAlias = () => `t${n++}`;
  const root = buildNode(cache, table, q.select, nextAlias, { aggregates: !!opts.aggregates, depth: 0 });

  for (const pf of q.filters) {
    const node = nodeAt(root, pf.path);
    node.where.push(resolveCond(cache, node, pf.tree));
  }
  for (const po of q.order) {
    const node = nodeAt(root, po.path);
    node.order = po.terms.map((t): PlanOrder => {
      if (!t.relation) return { field: resolveField(cache, node.table, t.field, node.depth), direction: t.direction, nulls: t.nulls };
      const embed = node.embeds.find((e) => e.outName === t.relation) ?? node.embeds.find((e) => e.name === t.relation);
      if (!embed) throw notEmbedded(t.relation);
      if (!embed.toOne) throw relatedOrderNotToOne(node.table.name, t.relation);
      // A spread's columns (aliases included) are read from its lateral join.
      if (embed.spread && t.field.jsonPath.length === 0 && spreadNames(embed.plan).includes(t.field.name)) {
        return { embed, spreadColumn: t.field.name, direction: t.direction, nulls: t.nulls };
      }
      return { field: resolveField(cache, embed.plan.table, t.field, embed.plan.depth), embed, direction: t.direction, nulls: t.nulls };
    });
  }
  for (const pr of q.ranges) {
    if (pr.path.length === 0) continue;
    const node = nodeAt(root, pr.path);
    node.offset = pr.offset;
    node.limit = pr.limit;
  }
  root.offset = opts.range.offset;
  root.limit = opts.range.limit;
  if (opts.maxRows !== undefined) capRows(root, opts.maxRows);
  return root;
}

/** db-max-rows caps the top level and every to-many embed under it, as PostgREST does. */
function capRows(node: ReadPlan, maxRows: number, toMany = true): void {
  if (toMany && (node.limit === undefined || node.limit > maxRows)) node.limit = maxRows;
  for (const e of node.embeds) capRows(e.plan, maxRows, !e.toOne);
}

interface BuildContext {
  aggregates: boolean;
  /** Nesting depth of the level being built (0 = top). */
  depth: number;
}

const aggregatesNotAllowed = () => restError('PGRST123', 'Use of aggregate functions is not allowed');

function fieldItem(cache: SchemaCacheData, table: Table, item: Extract<SelectItem, { kind: 'field' }>, bc: BuildContext): SelectField {
  if (item.aggregate) {
    if (!bc.aggregates) throw aggregatesNotAllowed();
    const out: SelectField = { outName: item.alias ?? item.aggregate, aggregate: item.aggregate };
    if (item.field.name !== '*') out.field = resolveField(cache, table, item.field, bc.depth);
    if (item.cast) out.cast = checkCast(item.cast);
    if (item.aggregateCast) out.aggregateCast = checkCast(item.aggregateCast);
    return out;
  }
  // `select=count` with no such column: PostgreSQL reads `t.count` as `count(t)` (PostgREST's
  // backwards-compatible count), so it counts rows whatever DB_AGGREGATES_ENABLED says.
  if (item.field.name === 'count' && item.field.jsonPath.length === 0 && !table.columnsByName.has('count') && !cache.computed.get(qnKey(table))?.has('count')) {
    const out: SelectField = { outName: item.alias ?? 'count', aggregate: 'count' };
    if (item.cast) out.aggregateCast = checkCast(item.cast);
    return out;
  }
  return { field: resolveField(cache, table, item.field, bc.depth), outName: outputName(item.field, item.alias), cast: item.cast ? checkCast(item.cast) : undefined };
}

/** A level's output names in order: its fields, embeds, and the columns its spreads lift into it. */
export function spreadNames(node: ReadPlan): string[] {
  const names = node.fields.map((f) => f.outName);
  for (const e of node.embeds) {
    if (e.empty) continue;
    if (e.spread) names.push(...spreadNames(e.plan));
    else names.push(e.outName);
  }
  return names;
}

/** Whether a level, or a to-one spread under it, applies an aggregate. */
export function hasAggregates(node: ReadPlan): boolean {
  return node.fields.some((f) => f.aggregate) || node.embeds.some((e) => e.spread && !e.toManySpread && hasAggregates(e.plan));
}

function buildNode(cache: SchemaCacheData, table: Table, items: SelectItem[], nextAlias: () => string, bc: BuildContext): ReadPlan {
  const node: ReadPlan = { table, alias: nextAlias(), fields: [], embeds: [], where: [], order: [], offset: 0, depth: bc.depth };
  const list = items.length ? items : [{ kind: 'star' } as SelectItem];
  for (const item of list) {
    if (item.kind === 'star') {
      for (const c of table.columns) node.fields.push({ field: { column: c, name: c.name, jsonPath: [] }, outName: c.name });
    } else if (item.kind === 'field') {
      node.fields.push(fieldItem(cache, table, item, bc));
    } else {
      const outName = item.alias ?? item.name;
      const rel = findRelationship(cache, table, item.name, item.hint);
      // PostgREST names each embed's join `<table>_<alias>_<depth>`; a second one with the same
      // name is PostgreSQL's duplicate alias error (after the relationship is found).
      if (node.embeds.some((e) => e.outName === outName)) {
        throw duplicateEmbed(`${table.name}_${outName}_${bc.depth + 1}`);
      }
      const target = cache.tables.get(qnKey(rel.foreignTable));
      if (!target) throw tableNotFound(rel.foreignTable.schema, rel.foreignTable.name);
      const toOne = rel.cardinality === 'm2o' || rel.cardinality === 'o2o';
      const child = buildNode(cache, target, item.select, nextAlias, { ...bc, depth: bc.depth + 1 });
      const toManySpread = item.spread && !toOne;
      if (toManySpread && hasAggregates(child)) {
        throw restError('PGRST127', 'Feature not implemented', 'Aggregates are not implemented for one-to-many or many-to-many spreads.');
      }
      node.embeds.push({
        name: item.name,
        outName,
        rel,
        toOne,
        inner: item.joinType === 'inner',
        spread: item.spread,
        toManySpread,
        // `rel()`, or only such embeds under it: used for filtering, never shown.
        empty: item.select.length === 0 || (child.fields.length === 0 && child.embeds.every((e) => e.empty)),
        plan: child,
        lateral: `${child.alias}_embed`,
        ...(rel.func ? { parentRow: { type: table, columns: table.columns.map((c) => c.name) } } : {}),
      });
    }
  }
  return node;
}

function nodeAt(root: ReadPlan, path: string[]): ReadPlan {
  let node = root;
  for (const step of path) {
    // The alias first; the relation's own name too, as PostgREST 12–14 accept (legacy target names).
    const e = node.embeds.find((x) => x.outName === step) ?? node.embeds.find((x) => x.name === step);
    if (!e) throw notEmbedded(step);
    node = e.plan;
  }
  return node;
}

function resolveCond(cache: SchemaCacheData, node: ReadPlan, tree: LogicTree): PlanCond {
  if (tree.kind !== 'filter') {
    return { kind: tree.kind, negated: tree.negated, children: tree.children.map((c) => resolveCond(cache, node, c)) };
  }
  const f = tree.filter;
  if (f.field.jsonPath.length === 0 && !node.table.columnsByName.has(f.field.name)) {
    const embed = node.embeds.find((e) => e.outName === f.field.name) ?? node.embeds.find((e) => e.name === f.field.name);
    if (embed) {
      if (f.expr.kind !== 'is' || (f.expr.value !== 'null' && f.expr.value !== 'not_null')) {
        throw restError('PGRST100', `"failed to parse filter (${f.field.name})"`, 'Only is.null or not.is.null filters are allowed on embedded resources');
      }
      const isNull = (f.expr.value === 'null') !== f.negated;
      return { kind: 'embed-null', embed, isNull };
    }
  }
  return { kind: 'filter', field: resolveField(cache, node.table, f.field, node.depth), negated: f.negated, expr: f.expr };
}

// A cast is a type name: identifiers (with one space, for `double precision`) and an optional [].
const CAST = /^[A-Za-z_][A-Za-z0-9_]*(?: [A-Za-z_][A-Za-z0-9_]*)?(?:\[\])?$/;
export function checkCast(cast: string): string {
  if (!CAST.test(cast)) throw restErrorWith('PGRST100', `"failed to parse select parameter (::${cast})"`, { details: 'a cast must be a type name' });
  return cast;
}
