/**
 * parseFilterParam reads `eq.`/`neq.`/`gt.`/`gte.`/`lt.`/`lte.` filters without the scanner
 * (src/api/engine/parse/filters.ts). Whatever the value, the result must be the scanner's:
 * the same operator, the value byte for byte (dots, stars, parentheses, quotes, non-ASCII),
 * no quantifier, not negated. Near misses (quantifiers, upper case, not., other operators)
 * still go through the scanner and keep its answers and errors.
 */
import { describe, expect, it } from 'vitest';
import { Scanner, opExpr, parseFilterParam, singleVal } from '../../src/api/engine/parse/filters.ts';

const scanner = (value: string) => Scanner.run(`failed to parse filter (${value})`, value, (s) => opExpr(s, () => singleVal(s)));

const VALUES = ['', '1', '123456', '-1.5e3', 'a.b.c', '*', 'a*b', '(1,2)', '"quoted"', "it's", 'a,b', ' spaced ', 'é', '日本', '😀', '\ud800', 'null', 'not.eq.1', '.', '..', 'eq.1', '%', '%25', '{1,2}'];
const OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'];

describe('the simple-filter fast path', () => {
  it('gives what the scanner gives, for every simple operator and value', () => {
    for (const op of OPS) {
      for (const v of VALUES) {
        const value = `${op}.${v}`;
        const fast = parseFilterParam('col', value).tree;
        expect(fast, value).toEqual({ kind: 'filter', filter: { field: { name: 'col', jsonPath: [] }, ...scanner(value) } });
        expect(fast.kind === 'filter' && fast.filter.expr, value).toEqual({ kind: 'simple', op, value: v });
      }
    }
  });

  it('leaves everything else to the scanner, with the same answers and errors', () => {
    const others = ['not.eq.1', 'eq(any).{1,2}', 'gt(all).{1}', 'EQ.1', 'Eq.1', 'like.a*b', 'ilike.*x*', 'in.(1,2)', 'is.null', 'isdistinct.1', 'fts.cat', 'neq(any).1', 'eqq.1', 'eq', 'gte', 'lt1', 'cs.{1}', 'match.^a'];
    for (const value of others) {
      let viaScanner: unknown;
      try {
        viaScanner = { ok: scanner(value) };
      } catch (e) {
        viaScanner = { error: (e as Error).message, details: (e as { details?: unknown }).details };
      }
      let parsed: unknown;
      try {
        const tree = parseFilterParam('col', value).tree;
        parsed = { ok: tree.kind === 'filter' ? { negated: tree.filter.negated, expr: tree.filter.expr } : tree };
      } catch (e) {
        parsed = { error: (e as Error).message, details: (e as { details?: unknown }).details };
      }
      expect(parsed, value).toEqual(viaScanner);
    }
  });
});
