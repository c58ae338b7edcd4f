/** Finds the relationship an embed names, with PostgREST's matching and disambiguation rules. */
import type { Relationship, SchemaCacheData, Table } from '../../schema-cache/model.ts';
import { qnKey } from '../../schema-cache/model.ts';
import { ambiguousRelationship, noRelationship } from '../errors.ts';
import { editDistance } from '../edit-distance.ts';

const singleCol = (r: Relationship, side: 0 | 1) => (r.columns.length === 1 ? r.columns[0][side] : undefined);

export function findRelationship(cache: SchemaCacheData, origin: Table, target: string, hint?: string): Relationship {
  const all = (cache.relationships.get(qnKey(origin)) ?? []).filter(
    (r) => r.foreignTable.schema === origin.schema && r.table.schema === origin.schema,
  );
  const isView = (r: Relationship) => {
    const t = cache.tables.get(qnKey(r.foreignTable));
    return !!t && t.kind !== 'table' && t.kind !== 'partitioned_table';
  };
  const matches = all.filter((r) => {
    // A computed relationship answers to its function's name only, whatever the hint.
    if (r.func) return target === r.func.name;
    const isSelf = qnKey(r.table) === qnKey(r.foreignTable) && r.cardinality !== 'm2m';
    if (isSelf) {
      if (!hint) {
        // Self reference: the table name gives the one-to-many side, the FK column the many-to-one side.
        return (target === r.foreignTable.name && r.cardinality === 'o2m') || (singleCol(r, 0) === target && r.cardinality === 'm2o');
      }
      return target === r.foreignTable.name && r.cardinality === 'o2m' && singleCol(r, 1) === hint;
    }
    if (!hint) {
      return (
        target === r.foreignTable.name ||
        (r.cardinality !== 'm2m' && target === r.constraint && !isView(r)) ||
        (r.cardinality !== 'm2m' && (r.holdsKey || r.cardinality === 'o2o') && singleCol(r, 0) === target && !isView(r))
      );
    }
    return (
      target === r.foreignTable.name &&
      ((r.cardinality !== 'm2m' && hint === r.constraint) ||
        (r.cardinality !== 'm2m' && (singleCol(r, 0) === hint || singleCol(r, 1) === hint)) ||
        (r.cardinality === 'm2m' && r.junction!.table.name === hint))
    );
  });
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) {
    const names = [...new Set(all.map((r) => r.foreignTable.name))].filter((n) => n !== target);
    throw noRelationship(origin.name, target, origin.schema, hint, hint ? undefined : closest(target, names, true));
  }
  throw ambiguousRelationship(origin.name, target, matches);
}

/** The closest name by edit distance, when it is close enough to be a plausible typo. */
export function closest(word: string, candidates: string[], prefixes = false): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  if (best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3))) return best;
  if (!prefixes) return undefined;
  // A relation whose name the word extends or shortens (`readings_2025` → `readings`) is a likely meaning too.
  const w = word.toLowerCase();
  return candidates.filter((c) => c.length >= 3 && (w.startsWith(c.toLowerCase()) || c.toLowerCase().startsWith(w))).sort((a, b) => Math.abs(a.length - w.length) - Math.abs(b.length - w.length))[0];
}

