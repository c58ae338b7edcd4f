/** ApiRequest + schema cache → ReadPlan: names resolved, relationships chosen, ranges fixed. */
import type { SchemaCacheData, Table } from '../../schema-cache/model.ts';
import { qnKey } from '../../schema-cache/model.ts';
import { ApiError } from '../../errors.ts';
import type { Field, LogicTree, QueryParams, SelectItem } from '../parse/types.ts';
import { columnNotFound, notEmbedded, relatedOrderNotToOne, restError, tableNotFound } from '../errors.ts';
import { closest, findRelationship } from './embed-plan.ts';
import type { EmbedPlan, PlanCond, PlanField, PlanOrder, ReadPlan, SelectField } from './types.ts';

export interface ReadOptions {
  /** The top-level rows, after `limit`/`offset` and the Range header are combined. */
  range: { offset: number; limit?: number };
  maxRows?: number;
}

export function findTable(cache: SchemaCacheData, schema: string, name: string): Table {
  const t = cache.tables.get(`${schema}.${name}`);
  if (t) return t;
  const names = [...cache.tables.values()].filter((x) => x.schema === schema).map((x) => x.name);
  throw tableNotFound(schema, name, closest(name, names));
}

export function resolveField(cache: SchemaCacheData, table: Table, f: Field): PlanField {
  const column = table.columnsByName.get(f.name);
  if (column) return { column, name: f.name, jsonPath: f.jsonPath };
  const func = cache.computed.get(qnKey(table))?.get(f.name);
  if (func) return { func, name: f.name, jsonPath: f.jsonPath };
  throw columnNotFound(table.name, f.name, closest(f.name, table.columns.map((c) => c.name)));
}

/** The output key of a field: its alias, the last JSON path key, or the column name. */
export function outputName(f: Field, alias?: string): string {
  if (alias) return alias;
  // Array indexes do not name anything: `tags->>0` is keyed `tags`.
  const named = [...f.jsonPath].reverse().find((s) => typeof s.key === 'string');
  return named ? String(named.key) : f.name;
}

export function planRead(cache: SchemaCacheData, table: Table, q: QueryParams, opts: ReadOptions): ReadPlan {
  let n = 0;
  const nextAlias = () => `t${n++}`;
  const root = buildNode(cache, table, q.select, nextAlias);

  for (const pf of q.filters) {
    const node = nodeAt(root, pf.path);
    node.where.push(resolveCond(cache, node, pf.tree));
  }
  for (const po of q.order) {
    const node = nodeAt(root, po.path);
    node.order = po.terms.map((t): PlanOrder => {
      if (!t.relation) return { field: resolveField(cache, node.table, t.field), direction: t.direction, nulls: t.nulls };
      const embed = node.embeds.find((e) => e.outName === t.relation);
      if (!embed) throw notEmbedded(t.relation);
      if (!embed.toOne) throw relatedOrderNotToOne(node.table.name, t.relation);
      return { field: resolveField(cache, embed.plan.table, t.field), embed, direction: t.direction, nulls: t.nulls };
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
  if (opts.maxRows !== undefined && (root.limit === undefined || root.limit > opts.maxRows)) root.limit = opts.maxRows;
  return root;
}

function buildNode(cache: SchemaCacheData, table: Table, items: SelectItem[], nextAlias: () => string): ReadPlan {
  const node: ReadPlan = { table, alias: nextAlias(), fields: [], embeds: [], where: [], order: [], offset: 0 };
  const list = items.length ? items : [{ kind: 'star' } as SelectItem];
  for (const item of list) {
    if (item.kind === 'star') {
      for (const c of table.columns) node.fields.push({ field: { column: c, name: c.name, jsonPath: [] }, outName: c.name });
    } else if (item.kind === 'field') {
      if (item.aggregate) throw restError(400, 'PGRST123', 'Use of aggregate functions is not allowed');
      node.fields.push({ field: resolveField(cache, table, item.field), outName: outputName(item.field, item.alias), cast: item.cast ? checkCast(item.cast) : undefined });
    } else {
      const rel = findRelationship(cache, table, item.name, item.hint);
      const target = cache.tables.get(qnKey(rel.foreignTable));
      if (!target) throw tableNotFound(rel.foreignTable.schema, rel.foreignTable.name);
      const toOne = rel.cardinality === 'm2o' || rel.cardinality === 'o2o';
      if (item.spread && !toOne) {
        throw restError(400, 'PGRST119', `A spread operation on '${item.name}' is not possible`, `'${table.name}' and '${item.name}' do not form a many-to-one or one-to-one relationship`);
      }
      const child = buildNode(cache, target, item.select, nextAlias);
      node.embeds.push({
        name: item.name,
        outName: item.alias ?? item.name,
        rel,
        toOne,
        inner: item.joinType === 'inner',
        spread: item.spread,
        empty: item.select.length === 0,
        plan: child,
        lateral: `${child.alias}_embed`,
      });
    }
  }
  return node;
}

function nodeAt(root: ReadPlan, path: string[]): ReadPlan {
  let node = root;
  for (const step of path) {
    const e = node.embeds.find((x) => x.outName === step);
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
    const embed = node.embeds.find((e) => e.outName === f.field.name);
    if (embed) {
      if (f.expr.kind !== 'is' || (f.expr.value !== 'null' && f.expr.value !== 'not_null')) {
        throw restError(400, 'PGRST100', `"failed to parse filter (${f.field.name})"`, 'Only is.null or not.is.null filters are allowed on embedded resources');
      }
      const isNull = (f.expr.value === 'null') !== f.negated;
      return { kind: 'embed-null', embed, isNull };
    }
  }
  return { kind: 'filter', field: resolveField(cache, node.table, f.field), negated: f.negated, expr: f.expr };
}

// A cast is a type name: identifiers (with one space, for `double precision`) and an optional [].
const CAST = /^[A-Za-z_][A-Za-z0-9_]*(?: [A-Za-z_][A-Za-z0-9_]*)?(?:\[\])?$/;
export function checkCast(cast: string): string {
  if (!CAST.test(cast)) throw new ApiError(400, 'PGRST100', `"failed to parse select parameter (::${cast})"`, { details: 'a cast must be a type name' });
  return cast;
}
