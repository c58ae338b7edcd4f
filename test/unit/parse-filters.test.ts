import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/errors.ts';
import { expectApiError } from './expect-api-error.ts';
import { parseFilterParam } from '../../src/api/engine/parse/filters.ts';
import type { Field, OpExpr, PathFilter } from '../../src/api/engine/parse/types.ts';


const col = (name: string, ...jsonPath: Field['jsonPath']): Field => ({ name, jsonPath });

function filter(key: string, value: string): PathFilter {
  return parseFilterParam(key, value);
}

/** The expression of a top-level filter on column `c`. */
function expr(value: string): { negated: boolean; expr: OpExpr } {
  const r = filter('c', value);
  if (r.tree.kind !== 'filter') throw new Error('expected a filter');
  return { negated: r.tree.filter.negated, expr: r.tree.filter.expr };
}

describe('filter operators', () => {
  it.each([
    ['eq', '5'],
    ['neq', '5'],
    ['gt', '5'],
    ['gte', '5'],
    ['lt', '5'],
    ['lte', '5'],
    ['match', '^a.*b$'],
    ['imatch', '^A'],
    ['isdistinct', 'x'],
    ['cs', '{1,2}'],
    ['cd', '{1,2}'],
    ['ov', '[1,5)'],
    ['sl', '(1,10)'],
    ['sr', '(1,10)'],
    ['nxr', '(1,10)'],
    ['nxl', '(1,10)'],
    ['adj', '(1,10)'],
  ] as const)('%s takes the rest of the value verbatim', (op, value) => {
    expect(expr(`${op}.${value}`)).toEqual({ negated: false, expr: { kind: 'simple', op, value } });
  });

  it('like and ilike turn * into %', () => {
    expect(expr('like.*ab*c')).toEqual({ negated: false, expr: { kind: 'simple', op: 'like', value: '%ab%c' } });
    expect(expr('ilike.A*')).toEqual({ negated: false, expr: { kind: 'simple', op: 'ilike', value: 'A%' } });
    // match/imatch are regular expressions: `*` stays.
    expect(expr('match.a*')).toEqual({ negated: false, expr: { kind: 'simple', op: 'match', value: 'a*' } });
  });

  it('the value keeps dots, quotes and may be empty', () => {
    expect(expr('eq.1.5.x').expr).toEqual({ kind: 'simple', op: 'eq', value: '1.5.x' });
    expect(expr('eq."quoted"').expr).toEqual({ kind: 'simple', op: 'eq', value: '"quoted"' });
    expect(expr('eq.').expr).toEqual({ kind: 'simple', op: 'eq', value: '' });
    expect(expr('eq.a,b)(c').expr).toEqual({ kind: 'simple', op: 'eq', value: 'a,b)(c' });
  });

  it('in lists: quoted items may hold commas, parentheses and escaped quotes', () => {
    expect(expr('in.(1,2,3)').expr).toEqual({ kind: 'in', values: ['1', '2', '3'] });
    expect(expr('in.("a,b","c)d","e\\"f",g)').expr).toEqual({ kind: 'in', values: ['a,b', 'c)d', 'e"f', 'g'] });
    // Blanks around the parentheses go, blanks inside unquoted items stay.
    expect(expr('in.( 1, 2 )').expr).toEqual({ kind: 'in', values: ['1', ' 2 '] });
    // A quoted item must end its item; otherwise it is kept raw.
    expect(expr('in.("a"b,c)').expr).toEqual({ kind: 'in', values: ['"a"b', 'c'] });
    expect(expr('in.()').expr).toEqual({ kind: 'in', values: [''] });
    // Text after the closing parenthesis is ignored, as in PostgREST.
    expect(expr('in.(1)xyz').expr).toEqual({ kind: 'in', values: ['1'] });
  });

  it('is accepts null, not_null, true, false and unknown in any letter case', () => {
    for (const v of ['null', 'not_null', 'true', 'false', 'unknown'] as const) {
      expect(expr(`is.${v}`).expr).toEqual({ kind: 'is', value: v });
      expect(expr(`is.${v.toUpperCase()}`).expr).toEqual({ kind: 'is', value: v });
    }
    expect(expr('is.NuLl').expr).toEqual({ kind: 'is', value: 'null' });
  });

  it('full-text search operators with and without a language', () => {
    expect(expr('fts.cat & dog').expr).toEqual({ kind: 'fts', op: 'fts', value: 'cat & dog' });
    expect(expr('plfts(english).The Cat').expr).toEqual({ kind: 'fts', op: 'plfts', language: 'english', value: 'The Cat' });
    expect(expr('phfts(french).le chat').expr).toEqual({ kind: 'fts', op: 'phfts', language: 'french', value: 'le chat' });
    expect(expr('wfts.cat or dog').expr).toEqual({ kind: 'fts', op: 'wfts', value: 'cat or dog' });
  });

  it('(any) and (all) quantifiers', () => {
    expect(expr('eq(any).{1,2}').expr).toEqual({ kind: 'simple', op: 'eq', quant: 'any', value: '{1,2}' });
    expect(expr('gt(all).{1,2}').expr).toEqual({ kind: 'simple', op: 'gt', quant: 'all', value: '{1,2}' });
    expect(expr('like(any).{*a,b*}').expr).toEqual({ kind: 'simple', op: 'like', quant: 'any', value: '{%a,b%}' });
    expect(expr('imatch(all).{^a,b$}').expr).toEqual({ kind: 'simple', op: 'imatch', quant: 'all', value: '{^a,b$}' });
  });

  it('not. negates any operator', () => {
    expect(expr('not.eq.5')).toEqual({ negated: true, expr: { kind: 'simple', op: 'eq', value: '5' } });
    expect(expr('not.in.(1,2)')).toEqual({ negated: true, expr: { kind: 'in', values: ['1', '2'] } });
    expect(expr('not.is.null')).toEqual({ negated: true, expr: { kind: 'is', value: 'null' } });
    expect(expr('not.fts(english).x')).toEqual({ negated: true, expr: { kind: 'fts', op: 'fts', language: 'english', value: 'x' } });
    expect(expr('not.like(all).{a*}')).toEqual({ negated: true, expr: { kind: 'simple', op: 'like', quant: 'all', value: '{a%}' } });
  });
});

describe('filter keys', () => {
  it('plain columns have an empty embed path', () => {
    expect(filter('name', 'eq.x')).toEqual({
      path: [],
      tree: { kind: 'filter', filter: { field: col('name'), negated: false, expr: { kind: 'simple', op: 'eq', value: 'x' } } },
    });
  });

  it('leading segments are the embed path', () => {
    expect(filter('actors.name', 'eq.x').path).toEqual(['actors']);
    const deep = filter('films.roles.character', 'eq.x');
    expect(deep.path).toEqual(['films', 'roles']);
    expect(deep.tree).toMatchObject({ filter: { field: col('character') } });
  });

  it('JSON paths: keys, ->> and array indexes', () => {
    expect(filter('data->a->>b', 'eq.1').tree).toMatchObject({
      filter: { field: col('data', { op: '->', key: 'a' }, { op: '->>', key: 'b' }) },
    });
    expect(filter('arr->0', 'eq.1').tree).toMatchObject({ filter: { field: col('arr', { op: '->', key: 0 }) } });
    expect(filter('arr->>-1', 'eq.1').tree).toMatchObject({ filter: { field: col('arr', { op: '->>', key: -1 }) } });
    // Digits followed by more text are a key, not an index.
    expect(filter('data->0a', 'eq.1').tree).toMatchObject({ filter: { field: col('data', { op: '->', key: '0a' }) } });
    expect(filter('data->"a.b"->c-d', 'eq.1').tree).toMatchObject({
      filter: { field: col('data', { op: '->', key: 'a.b' }, { op: '->', key: 'c-d' }) },
    });
    expect(filter('actors.data->x', 'eq.1')).toMatchObject({ path: ['actors'], tree: { filter: { field: col('data', { op: '->', key: 'x' }) } } });
  });

  it('names may contain spaces, dashes, digits and $, or be quoted', () => {
    expect(filter('first name', 'eq.1').tree).toMatchObject({ filter: { field: col('first name') } });
    expect(filter('a-b', 'eq.1').tree).toMatchObject({ filter: { field: col('a-b') } });
    expect(filter('"a.b"', 'eq.1')).toMatchObject({ path: [], tree: { filter: { field: col('a.b') } } });
  });
});

describe('filter errors', () => {
  const bad = (value: string, column: number, details: string) =>
    expectApiError(() => filter('c', value), {
      status: 400,
      code: 'PGRST100',
      message: `"failed to parse filter (${value})" (line 1, column ${column})`,
      details,
    });

  it('unknown operator', () => {
    bad('foo.5', 1, 'unexpected "f" expecting "not" or operator (eq, gt, ...)');
    bad('noop.0', 1, 'unexpected "o" expecting "not" or operator (eq, gt, ...)');
  });

  it('a value without any operator', () => {
    bad('5', 1, 'unexpected "5" expecting "not" or operator (eq, gt, ...)');
    bad('', 1, 'unexpected end of input expecting "not" or operator (eq, gt, ...)');
  });

  it('an operator without its dot', () => {
    bad('eq', 3, 'unexpected end of input expecting operator (eq, gt, ...)');
  });

  it('bad quantifiers and fts languages', () => {
    bad('eq().value', 4, 'unexpected ")" expecting operator (eq, gt, ...)');
    bad('neq(any).1', 4, 'unexpected "(" expecting operator (eq, gt, ...)');
    bad('fts().value', 5, 'unexpected ")" expecting operator (eq, gt, ...)');
  });

  it('in needs a parenthesised, closed list', () => {
    bad('in.1,2', 4, 'unexpected "1" expecting "("');
    bad('in.(1,2', 8, 'unexpected end of input expecting "," or ")"');
    bad('in().value', 3, 'unexpected "(" expecting operator (eq, gt, ...)');
  });

  it('is only takes its five values', () => {
    bad('is.maybe', 4, 'unexpected "m" expecting isVal: (null, not_null, true, false, unknown)');
    bad('is.nul', 7, 'unexpected end of input expecting isVal: (null, not_null, true, false, unknown)');
  });

  it('not.not is not an operator', () => {
    bad('not.not.eq.1', 5, 'unexpected "n" expecting operator (eq, gt, ...)');
  });

  it('non-ASCII characters are shown as Haskell escapes', () => {
    bad('ÿ.x', 1, 'unexpected "\\255" expecting "not" or operator (eq, gt, ...)');
  });

  it('a bad key is reported before a bad value', () => {
    expectApiError(() => filter('a.', 'nope'), {
      status: 400,
      code: 'PGRST100',
      message: '"failed to parse tree path (a.)" (line 1, column 3)',
      details: 'unexpected end of input expecting field name (* or [a..z0..9_$])',
    });
    expectApiError(() => filter('', 'eq.1'), {
      status: 400,
      code: 'PGRST100',
      message: '"failed to parse tree path ()" (line 1, column 1)',
    });
  });

  it('a malformed JSON index', () => {
    expectApiError(() => filter('data->>--34', 'eq.1'), {
      status: 400,
      code: 'PGRST100',
      message: '"failed to parse tree path (data->>--34)" (line 1, column 9)',
      details: 'unexpected "-" expecting digit',
    });
  });
});
