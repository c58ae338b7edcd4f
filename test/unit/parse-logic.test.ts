import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/errors.ts';
import { expectApiError } from './expect-api-error.ts';
import { parseLogicParam } from '../../src/api/engine/parse/logic.ts';
import type { LogicTree, OpExpr } from '../../src/api/engine/parse/types.ts';


const leaf = (name: string, expr: OpExpr, negated = false): LogicTree => ({
  kind: 'filter',
  filter: { field: { name, jsonPath: [] }, negated, expr },
});
const eq = (value: string): OpExpr => ({ kind: 'simple', op: 'eq', value });

describe('logic trees', () => {
  it('or / and at the top level', () => {
    expect(parseLogicParam('or', '(a.eq.1,b.gt.2)')).toEqual({
      path: [],
      tree: { kind: 'or', negated: false, children: [leaf('a', eq('1')), leaf('b', { kind: 'simple', op: 'gt', value: '2' })] },
    });
    expect(parseLogicParam('and', '(a.eq.1)').tree).toEqual({ kind: 'and', negated: false, children: [leaf('a', eq('1'))] });
  });

  it('not.or / not.and', () => {
    expect(parseLogicParam('not.or', '(a.eq.1,b.eq.2)').tree).toEqual({
      kind: 'or',
      negated: true,
      children: [leaf('a', eq('1')), leaf('b', eq('2'))],
    });
    expect(parseLogicParam('not.and', '(a.eq.1)').tree).toMatchObject({ kind: 'and', negated: true });
  });

  it('embedded logic keeps the embed path', () => {
    expect(parseLogicParam('actors.or', '(a.eq.1,b.eq.2)')).toMatchObject({ path: ['actors'], tree: { kind: 'or', negated: false } });
    expect(parseLogicParam('films.roles.and', '(a.eq.1)')).toMatchObject({ path: ['films', 'roles'], tree: { kind: 'and' } });
    expect(parseLogicParam('actors.not.or', '(a.eq.1)')).toMatchObject({ path: ['actors'], tree: { kind: 'or', negated: true } });
  });

  it('nested and(), or() and not.and()', () => {
    expect(parseLogicParam('or', '(a.eq.1,and(b.eq.2,or(c.eq.3,d.eq.4)),not.and(e.eq.5,f.eq.6))').tree).toEqual({
      kind: 'or',
      negated: false,
      children: [
        leaf('a', eq('1')),
        {
          kind: 'and',
          negated: false,
          children: [leaf('b', eq('2')), { kind: 'or', negated: false, children: [leaf('c', eq('3')), leaf('d', eq('4'))] }],
        },
        { kind: 'and', negated: true, children: [leaf('e', eq('5')), leaf('f', eq('6'))] },
      ],
    });
  });

  it('double-quoted values may hold commas, parentheses and escaped quotes', () => {
    expect(parseLogicParam('or', '(name.eq."a,b",name.eq."c(d)",name.eq."say \\"hi\\"")').tree).toEqual({
      kind: 'or',
      negated: false,
      children: [leaf('name', eq('a,b')), leaf('name', eq('c(d)')), leaf('name', eq('say "hi"'))],
    });
    // Quotes not closing the value are kept as written.
    expect(parseLogicParam('or', '(a.eq."x"y)').tree).toEqual({ kind: 'or', negated: false, children: [leaf('a', eq('"x"y'))] });
  });

  it('in lists, array literals, is, like and fts inside a tree', () => {
    expect(parseLogicParam('and', '(id.in.(1,"2,3"),tags.cs.{a,b},x.is.null,n.like.*ab*,t.fts(english).cat,y.not.eq(any).{1,2})').tree).toEqual({
      kind: 'and',
      negated: false,
      children: [
        leaf('id', { kind: 'in', values: ['1', '2,3'] }),
        leaf('tags', { kind: 'simple', op: 'cs', value: '{a,b}' }),
        leaf('x', { kind: 'is', value: 'null' }),
        leaf('n', { kind: 'simple', op: 'like', value: '%ab%' }),
        leaf('t', { kind: 'fts', op: 'fts', language: 'english', value: 'cat' }),
        leaf('y', { kind: 'simple', op: 'eq', quant: 'any', value: '{1,2}' }, true),
      ],
    });
  });

  it('JSON paths inside a tree', () => {
    expect(parseLogicParam('or', '(data->a->>b.eq.1,arr->0.gt.2)').tree).toEqual({
      kind: 'or',
      negated: false,
      children: [
        { kind: 'filter', filter: { field: { name: 'data', jsonPath: [{ op: '->', key: 'a' }, { op: '->>', key: 'b' }] }, negated: false, expr: eq('1') } },
        { kind: 'filter', filter: { field: { name: 'arr', jsonPath: [{ op: '->', key: 0 }] }, negated: false, expr: { kind: 'simple', op: 'gt', value: '2' } } },
      ],
    });
  });

  it('blanks around items and commas are skipped; unquoted values keep trailing blanks', () => {
    expect(parseLogicParam('or', '( a.eq.1 , b.eq.x)').tree).toEqual({
      kind: 'or',
      negated: false,
      children: [leaf('a', eq('1 ')), leaf('b', eq('x'))],
    });
  });

  it('without parentheses the key and value run together, as in PostgREST', () => {
    // `or=a.eq.1` reads as the filter `ora.eq.1`.
    expect(parseLogicParam('or', 'a.eq.1').tree).toEqual(leaf('ora', eq('1')));
  });
});

describe('logic errors', () => {
  const bad = (key: string, value: string, column: number, details: string) =>
    expectApiError(() => parseLogicParam(key, value), {
      status: 400,
      code: 'PGRST100',
      message: `"failed to parse logic tree (${value})" (line 1, column ${column})`,
      details,
    });

  it('unbalanced parentheses', () => {
    // Columns count from the start of `or(`, the operator glued to the value.
    bad('or', '(a.eq.1', 10, 'unexpected end of input expecting "," or ")"');
    bad('and', '(a.eq.1,or(b.eq.2)', 22, 'unexpected end of input expecting "," or ")"');
    bad('or', ')(', 3, 'unexpected ")" expecting "("');
  });

  it('empty groups', () => {
    bad('or', '()', 4, 'unexpected ")" expecting field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)');
  });

  it('unknown operators inside the tree', () => {
    bad('not.or', '(a.eq.1,b.foo.2)', 17, 'unexpected "f" expecting "not" or operator (eq, gt, ...)');
    bad('or', '(id.eq.1,not.xor(id.eq.2,id.eq.3))', 16, 'unexpected "x" expecting logic operator (and, or)');
    bad('and', '(ord(id.eq.1,id.eq.1),id.eq.2)', 7, 'unexpected "d" expecting "("');
  });

  it('in lists need their parentheses', () => {
    bad('or', '(id.in.1,2,id.eq.3)', 10, 'unexpected "1" expecting "("');
  });

  it('a bad logic key', () => {
    expectApiError(() => parseLogicParam('actors..or', '(a.eq.1)'), {
      status: 400,
      code: 'PGRST100',
      message: '"failed to parse logic path (actors..or)" (line 1, column 8)',
      details: 'unexpected "." expecting field name (* or [a..z0..9_$])',
    });
  });
});
