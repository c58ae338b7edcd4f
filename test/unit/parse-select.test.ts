import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/errors.ts';
import { expectApiError, f } from './expect-api-error.ts';
import { parseSelect } from '../../src/api/engine/parse/select.ts';
import type { Field, SelectItem } from '../../src/api/engine/parse/types.ts';


const colItem = (name: string, extra: Partial<Extract<SelectItem, { kind: 'field' }>> = {}): SelectItem => ({
  kind: 'field',
  field: f(name),
  ...extra,
});
const star: SelectItem = { kind: 'star' };
const embed = (name: string, select: SelectItem[], extra: Partial<Extract<SelectItem, { kind: 'embed' }>> = {}): SelectItem => ({
  kind: 'embed',
  name,
  spread: false,
  select,
  ...extra,
});

describe('select columns', () => {
  it('star and plain columns', () => {
    expect(parseSelect('*')).toEqual([star]);
    expect(parseSelect('id,name')).toEqual([colItem('id'), colItem('name')]);
  });

  it('aliases and casts', () => {
    expect(parseSelect('fullName:full_name,price::text,p:price::numeric')).toEqual([
      colItem('full_name', { alias: 'fullName' }),
      colItem('price', { cast: 'text' }),
      colItem('price', { alias: 'p', cast: 'numeric' }),
    ]);
    // Cast types may contain blanks.
    expect(parseSelect('x::character varying')).toEqual([colItem('x', { cast: 'character varying' })]);
  });

  it('JSON paths', () => {
    expect(parseSelect('data->a->>b,arr->0,v:data->"k.x"::int')).toEqual([
      { kind: 'field', field: f('data', { op: '->', key: 'a' }, { op: '->>', key: 'b' }) },
      { kind: 'field', field: f('arr', { op: '->', key: 0 }) },
      { kind: 'field', field: f('data', { op: '->', key: 'k.x' }), alias: 'v', cast: 'int' },
    ]);
  });

  it('aggregates', () => {
    expect(parseSelect('count(),total:amount.sum()::int,id.max()')).toEqual([
      { kind: 'field', field: f('*'), aggregate: 'count' },
      { kind: 'field', field: f('amount'), alias: 'total', aggregate: 'sum', aggregateCast: 'int' },
      { kind: 'field', field: f('id'), aggregate: 'max' },
    ]);
  });

  it('blanks around items are ignored and names are trimmed', () => {
    expect(parseSelect(' id , name ')).toEqual([colItem('id'), colItem('name')]);
    expect(parseSelect('"quoted name",first name')).toEqual([colItem('quoted name'), colItem('first name')]);
  });

  it('an empty select selects nothing', () => {
    expect(parseSelect('')).toEqual([]);
  });

  it('text after a complete list is ignored, as in PostgREST', () => {
    expect(parseSelect('id)')).toEqual([colItem('id')]);
  });
});

describe('select embeds', () => {
  it('plain, aliased, hinted and joined embeds', () => {
    expect(parseSelect('id,actors(name),director:directors!director_fk(*),roles!inner(*),x!left(id),y!fk!inner(id),z!inner!fk(id)')).toEqual([
      colItem('id'),
      embed('actors', [colItem('name')]),
      embed('directors', [star], { alias: 'director', hint: 'director_fk' }),
      embed('roles', [star], { joinType: 'inner' }),
      embed('x', [colItem('id')], { joinType: 'left' }),
      embed('y', [colItem('id')], { hint: 'fk', joinType: 'inner' }),
      embed('z', [colItem('id')], { hint: 'fk', joinType: 'inner' }),
    ]);
  });

  it('spread embeds', () => {
    expect(parseSelect('title,...directors(first_name,last_name),...studio!inner(name)')).toEqual([
      colItem('title'),
      embed('directors', [colItem('first_name'), colItem('last_name')], { spread: true }),
      embed('studio', [colItem('name')], { spread: true, joinType: 'inner' }),
    ]);
  });

  it('empty embeds and nesting', () => {
    expect(parseSelect('a(),b(c(d(*),e()))')).toEqual([
      embed('a', []),
      embed('b', [embed('c', [embed('d', [star]), embed('e', [])])]),
    ]);
  });

  it('blanks inside embeds', () => {
    expect(parseSelect('id, actors ( id , name )')).toEqual([colItem('id'), embed('actors', [colItem('id'), colItem('name')])]);
  });
});

describe('select errors', () => {
  const bad = (value: string, column: number, details: string) =>
    expectApiError(() => parseSelect(value), {
      status: 400,
      code: 'PGRST100',
      message: `"failed to parse select parameter (${value})" (line 1, column ${column})`,
      details,
    });

  it('empty pieces', () => {
    bad('a,,b', 3, 'unexpected "," expecting "...", field name (* or [a..z0..9_$]), "*" or "count()"');
    bad('a,', 3, 'unexpected end of input expecting "...", field name (* or [a..z0..9_$]), "*" or "count()"');
  });

  it('unbalanced parentheses', () => {
    bad('rel(id', 7, 'unexpected end of input expecting letter, digit, "-", "->>", "->", "::", ".", ")", "," or end of input');
    bad('a(b(c)', 7, 'unexpected end of input expecting "," or ")"');
  });

  it('characters that cannot follow a column', () => {
    bad('id,clients(name[])', 16, 'unexpected \'[\' expecting letter, digit, "-", "->>", "->", "::", ".", ")", "," or end of input');
    bad('name!hint', 5, 'unexpected \'!\' expecting letter, digit, "-", "->>", "->", "::", ".", ")", "," or end of input');
  });

  it('a cast without a type', () => {
    bad('name::', 7, 'unexpected end of input expecting letter or digit');
  });

  it('a malformed JSON index', () => {
    bad('data->>-78xy', 11, 'unexpected \'x\' expecting digit, "->", "::", ".", "," or end of input');
  });
});
