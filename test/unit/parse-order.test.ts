import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/errors.ts';
import { expectApiError, f } from './expect-api-error.ts';
import { parseOrderParam, parseOrderValue } from '../../src/api/engine/parse/order.ts';
import type { Field } from '../../src/api/engine/parse/types.ts';



describe('order', () => {
  it('directions and null ordering', () => {
    expect(parseOrderValue('a.desc.nullslast,b,c.asc,d.nullsfirst')).toEqual([
      { field: f('a'), direction: 'desc', nulls: 'last' },
      { field: f('b') },
      { field: f('c'), direction: 'asc' },
      { field: f('d'), nulls: 'first' },
    ]);
  });

  it('JSON paths', () => {
    expect(parseOrderValue('data->x.asc,data->>y->0.desc.nullsfirst')).toEqual([
      { field: f('data', { op: '->', key: 'x' }), direction: 'asc' },
      { field: f('data', { op: '->>', key: 'y' }, { op: '->', key: 0 }), direction: 'desc', nulls: 'first' },
    ]);
  });

  it('columns of a to-one embed', () => {
    expect(parseOrderValue('rel(col).desc,name,clients(data->k).asc.nullslast')).toEqual([
      { relation: 'rel', field: f('col'), direction: 'desc' },
      { field: f('name') },
      { relation: 'clients', field: f('data', { op: '->', key: 'k' }), direction: 'asc', nulls: 'last' },
    ]);
  });

  it('blanks around terms', () => {
    expect(parseOrderValue(' a.desc, b ')).toEqual([{ field: f('a'), direction: 'desc' }, { field: f('b') }]);
  });

  it('embedded order keys give the embed path', () => {
    expect(parseOrderParam('order', 'id')).toEqual({ path: [], terms: [{ field: f('id') }] });
    expect(parseOrderParam('actors.order', 'name.desc')).toEqual({ path: ['actors'], terms: [{ field: f('name'), direction: 'desc' }] });
    expect(parseOrderParam('films.roles.order', 'character')).toMatchObject({ path: ['films', 'roles'] });
  });
});

describe('order errors', () => {
  const bad = (value: string, column: number, details: string) =>
    expectApiError(() => parseOrderValue(value), {
      status: 400,
      code: 'PGRST100',
      message: `"failed to parse order (${value})" (line 1, column ${column})`,
      details,
    });

  it('unknown modifiers', () => {
    bad('id.ac', 4, 'unexpected "c" expecting "asc", "desc", "nullsfirst" or "nullslast"');
    bad('id.smth34', 4, 'unexpected "s" expecting "asc", "desc", "nullsfirst" or "nullslast"');
    bad('id.asc.nlsfst', 8, 'unexpected "l" expecting "nullsfirst" or "nullslast"');
  });

  it('text after a modifier', () => {
    bad('id.descc', 8, 'unexpected \'c\' expecting delimiter (.), "," or end of input');
    bad('id.nullslasttt', 13, 'unexpected \'t\' expecting "," or end of input');
    bad('id.desc ', 8, 'unexpected \' \' expecting delimiter (.), "," or end of input');
  });

  it('an embed term takes exactly one column', () => {
    bad('clients(name,id)', 8, 'unexpected \'(\' expecting letter, digit, "-", "->>", "->", delimiter (.), "," or end of input');
  });

  it('empty terms', () => {
    bad('', 1, 'unexpected end of input expecting field name (* or [a..z0..9_$])');
    bad('id,', 4, 'unexpected end of input expecting field name (* or [a..z0..9_$])');
  });

  it('a bad key', () => {
    expectApiError(() => parseOrderParam('actors..order', 'id'), {
      status: 400,
      code: 'PGRST100',
      message: '"failed to parse tree path (actors..order)" (line 1, column 8)',
    });
  });
});
