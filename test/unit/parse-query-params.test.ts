import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/errors.ts';
import { expectApiError } from './expect-api-error.ts';
import { parseQueryParams, splitQueryString } from '../../src/api/engine/parse/query-params.ts';
import type { OpExpr, PathFilter } from '../../src/api/engine/parse/types.ts';


const simple = (path: string[], name: string, op: 'eq' | 'gt', value: string): PathFilter => ({
  path,
  tree: { kind: 'filter', filter: { field: { name, jsonPath: [] }, negated: false, expr: { kind: 'simple', op, value } as OpExpr } },
});

describe('query string splitting and decoding', () => {
  it('pairs split on & and ;, keys end at the first =', () => {
    expect(splitQueryString('?a=1&b&c=x=y;d=')).toEqual([
      ['a', '1'],
      ['b', undefined],
      ['c', 'x=y'],
      ['d', ''],
    ]);
    expect(splitQueryString('')).toEqual([]);
  });

  it('+ is a space, %XX is decoded, bad escapes stay as written', () => {
    expect(splitQueryString('n=a+b%2Bc%20d%zz%4')).toEqual([['n', 'a b+c d%zz%4']]);
    expect(splitQueryString('%61%2Eb=%C3%A9')).toEqual([['a.b', 'é']]);
    // An encoded & or ; does not split.
    expect(splitQueryString('n=a%26b%3Bc')).toEqual([['n', 'a&b;c']]);
  });
});

describe('parseQueryParams', () => {
  it('defaults', () => {
    expect(parseQueryParams('')).toEqual({ select: [{ kind: 'star' }], filters: [], order: [], ranges: [], rpcArgs: {} });
    // `select` without `=` is the default too; `select=` selects nothing.
    expect(parseQueryParams('select').select).toEqual([{ kind: 'star' }]);
    expect(parseQueryParams('select=').select).toEqual([]);
  });

  it('a full request', () => {
    const q = parseQueryParams(
      'select=id,name,actors(name,roles(character))&id=gt.5&actors.name=eq.Tom+Hanks&or=(a.eq.1,b.eq.2)' +
        '&actors.or=(x.eq.1)&order=name.desc&actors.order=name&limit=10&offset=20&actors.limit=2&actors.roles.offset=1',
    );
    expect(q.select).toEqual([
      { kind: 'field', field: { name: 'id', jsonPath: [] } },
      { kind: 'field', field: { name: 'name', jsonPath: [] } },
      {
        kind: 'embed',
        name: 'actors',
        spread: false,
        select: [
          { kind: 'field', field: { name: 'name', jsonPath: [] } },
          { kind: 'embed', name: 'roles', spread: false, select: [{ kind: 'field', field: { name: 'character', jsonPath: [] } }] },
        ],
      },
    ]);
    expect(q.filters).toEqual([
      simple([], 'id', 'gt', '5'),
      simple(['actors'], 'name', 'eq', 'Tom Hanks'),
      {
        path: [],
        tree: {
          kind: 'or',
          negated: false,
          children: [
            { kind: 'filter', filter: { field: { name: 'a', jsonPath: [] }, negated: false, expr: { kind: 'simple', op: 'eq', value: '1' } } },
            { kind: 'filter', filter: { field: { name: 'b', jsonPath: [] }, negated: false, expr: { kind: 'simple', op: 'eq', value: '2' } } },
          ],
        },
      },
      {
        path: ['actors'],
        tree: {
          kind: 'or',
          negated: false,
          children: [{ kind: 'filter', filter: { field: { name: 'x', jsonPath: [] }, negated: false, expr: { kind: 'simple', op: 'eq', value: '1' } } }],
        },
      },
    ]);
    expect(q.order).toEqual([
      { path: [], terms: [{ field: { name: 'name', jsonPath: [] }, direction: 'desc' }] },
      { path: ['actors'], terms: [{ field: { name: 'name', jsonPath: [] } }] },
    ]);
    expect(q.ranges).toEqual([
      { path: [], offset: 20, limit: 10 },
      { path: ['actors'], offset: 0, limit: 2 },
      { path: ['actors', 'roles'], offset: 1 },
    ]);
    expect(q.rpcArgs).toEqual({});
  });

  it('not.or / not.and keys and embedded forms are logic trees', () => {
    const q = parseQueryParams('not.or=(a.eq.1)&actors.not.and=(b.eq.2)&films.and=(c.eq.3)');
    expect(q.filters.map((f) => [f.path, f.tree.kind, f.tree.kind === 'filter' ? null : f.tree.negated])).toEqual([
      [[], 'or', true],
      [['actors'], 'and', true],
      [['films'], 'and', false],
    ]);
  });

  it('columns and on_conflict', () => {
    const q = parseQueryParams('columns=a,%20b,a&on_conflict=a,b&select=a');
    expect(q.columns).toEqual(['a', 'b']);
    expect(q.onConflict).toEqual(['a', 'b']);
    expect(parseQueryParams('select=a').columns).toBeUndefined();
  });

  it('reserved names are only reserved at the top level or as a last segment', () => {
    // `actors.select` is a filter on a column named `select`; any `…order` key is an ordering.
    const q = parseQueryParams('actors.select=eq.1');
    expect(q.filters).toEqual([simple(['actors'], 'select', 'eq', '1')]);
  });

  it('the first select wins; keys without a value are ignored', () => {
    const q = parseQueryParams('select=a&select=b&id');
    expect(q.select).toEqual([{ kind: 'field', field: { name: 'a', jsonPath: [] } }]);
    expect(q.filters).toEqual([]);
  });

  it('RPC arguments are kept raw; other keys are still filters', () => {
    const q = parseQueryParams('a=1&b=eq.2&v=1&v=2&c=gt.3', { rpcArgNames: new Set(['a', 'b', 'v']) });
    expect(q.rpcArgs).toEqual({ a: '1', b: 'eq.2', v: '2' });
    expect(q.rpcArgValues).toEqual({ a: ['1'], b: ['eq.2'], v: ['1', '2'] });
    expect(q.filters).toEqual([simple([], 'c', 'gt', '3')]);
  });

  it('decoded values reach the filters', () => {
    const q = parseQueryParams('name=in.(%22a%2Cb%22,c)&title=like.*Star+Wars*');
    expect(q.filters).toEqual([
      { path: [], tree: { kind: 'filter', filter: { field: { name: 'name', jsonPath: [] }, negated: false, expr: { kind: 'in', values: ['a,b', 'c'] } } } },
      { path: [], tree: { kind: 'filter', filter: { field: { name: 'title', jsonPath: [] }, negated: false, expr: { kind: 'simple', op: 'like', value: '%Star Wars%' } } } },
    ]);
  });
});

describe('parseQueryParams errors', () => {
  it('a filter without a known operator', () => {
    expectApiError(() => parseQueryParams('a=5'), {
      status: 400,
      code: 'PGRST100',
      message: '"failed to parse filter (5)" (line 1, column 1)',
      details: 'unexpected "5" expecting "not" or operator (eq, gt, ...)',
    });
    expectApiError(() => parseQueryParams('a=foo.5'), {
      status: 400,
      code: 'PGRST100',
      message: '"failed to parse filter (foo.5)" (line 1, column 1)',
    });
    expectApiError(() => parseQueryParams('a='), {
      status: 400,
      code: 'PGRST100',
      message: '"failed to parse filter ()" (line 1, column 1)',
    });
  });

  it('errors are reported in PostgREST order: order, logic, columns, select, filters, on_conflict', () => {
    expectApiError(() => parseQueryParams('id=bad&select=a,,b&or=(x&order=x.foo'), {
      status: 400,
      code: 'PGRST100',
      message: '"failed to parse order (x.foo)" (line 1, column 3)',
    });
    expectApiError(() => parseQueryParams('id=bad&select=a,,b&or=(x'), {
      status: 400,
      code: 'PGRST100',
      message: '"failed to parse logic tree ((x)" (line 1, column 5)',
    });
    expectApiError(() => parseQueryParams('id=bad&select=a,,b&columns='), {
      status: 400,
      code: 'PGRST100',
      message: '"failed to parse columns parameter ()" (line 1, column 1)',
    });
    expectApiError(() => parseQueryParams('id=bad&select=a,,b'), {
      status: 400,
      code: 'PGRST100',
      message: '"failed to parse select parameter (a,,b)" (line 1, column 3)',
    });
    expectApiError(() => parseQueryParams('on_conflict=&id=bad'), {
      status: 400,
      code: 'PGRST100',
      message: '"failed to parse filter (bad)" (line 1, column 1)',
    });
    expectApiError(() => parseQueryParams('on_conflict='), {
      status: 400,
      code: 'PGRST100',
      message: '"failed to parse on_conflict parameter ()" (line 1, column 1)',
    });
  });

  it('bad limits come after the parse errors', () => {
    expectApiError(() => parseQueryParams('limit=-1'), {
      status: 416,
      code: 'PGRST103',
      message: 'Requested range not satisfiable',
      details: 'Limit should be greater than or equal to zero.',
    });
    expectApiError(() => parseQueryParams('limit=-1&id=bad'), {
      status: 400,
      code: 'PGRST100',
      message: '"failed to parse filter (bad)" (line 1, column 1)',
    });
    expectApiError(() => parseQueryParams('actors.limit=-3'), { status: 400, code: '2201W', message: 'LIMIT must not be negative' });
    // Unreadable values are ignored...
    expect(parseQueryParams('limit=ten').ranges).toEqual([]);
    expect(parseQueryParams('offset=x').ranges).toEqual([]);
    // ...except that an unreadable limit next to an offset counts as limit=0, as in PostgREST.
    expect(parseQueryParams('limit=ten&offset=x').ranges).toEqual([{ path: [], offset: 0, limit: 0 }]);
  });
});
