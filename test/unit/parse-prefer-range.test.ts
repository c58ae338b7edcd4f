import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/errors.ts';
import { expectApiError } from './expect-api-error.ts';
import { parsePrefer } from '../../src/api/engine/parse/prefer.ts';
import { combineRanges, parseLimitOffset, parseRangeHeader, readInteger } from '../../src/api/engine/parse/range.ts';


const NEGATIVE_LIMIT = { status: 416, code: 'PGRST103', message: 'Requested range not satisfiable', details: 'Limit should be greater than or equal to zero.' };
const LOWER_GT_UPPER = {
  status: 416,
  code: 'PGRST103',
  message: 'Requested range not satisfiable',
  details: 'The lower boundary must be lower than or equal to the upper boundary in the Range header.',
};

describe('Prefer', () => {
  it('absent or empty', () => {
    expect(parsePrefer(undefined)).toEqual({ applied: [], invalid: [] });
    expect(parsePrefer('')).toEqual({ applied: [], invalid: [] });
  });

  it('every recognised preference', () => {
    expect(
      parsePrefer('return=representation, count=exact, resolution=merge-duplicates, missing=default, handling=strict, tx=rollback, timezone=America/Los_Angeles, max-affected=5'),
    ).toEqual({
      return: 'representation',
      count: 'exact',
      resolution: 'merge-duplicates',
      missing: 'default',
      handling: 'strict',
      tx: 'rollback',
      timezone: 'America/Los_Angeles',
      maxAffected: 5,
      applied: [
        'return=representation',
        'count=exact',
        'resolution=merge-duplicates',
        'missing=default',
        'handling=strict',
        'tx=rollback',
        'timezone=America/Los_Angeles',
        'max-affected=5',
      ],
      invalid: [],
    });
    expect(parsePrefer('return=minimal,count=planned,resolution=ignore-duplicates,missing=null,handling=lenient,tx=commit')).toMatchObject({
      return: 'minimal',
      count: 'planned',
      resolution: 'ignore-duplicates',
      missing: 'null',
      handling: 'lenient',
      tx: 'commit',
    });
    expect(parsePrefer('return=headers-only, count=estimated, params=single-object')).toMatchObject({
      return: 'headers-only',
      count: 'estimated',
      params: 'single-object',
    });
  });

  it('repeated headers, blanks, and the first value of a kind wins', () => {
    const p = parsePrefer(['tx=commit,   tx=rollback', ' count=exact ', 'resolution=ignore-duplicates', 'resolution=merge-duplicates']);
    expect(p.tx).toBe('commit');
    expect(p.count).toBe('exact');
    expect(p.resolution).toBe('ignore-duplicates');
    expect(p.applied).toEqual(['tx=commit', 'count=exact', 'resolution=ignore-duplicates']);
    // Later duplicates are known preferences, not invalid ones.
    expect(p.invalid).toEqual([]);
  });

  it('unknown tokens are invalid; matching is exact and case-sensitive', () => {
    const p = parsePrefer('anything, return=Representation, count = exact, count=exact,');
    expect(p.count).toBe('exact');
    expect(p.return).toBeUndefined();
    expect(p.invalid).toEqual(['anything', 'return=Representation', 'count = exact', '']);
  });

  it('max-affected must be a number; only the first one is read', () => {
    expect(parsePrefer('max-affected=abc')).toEqual({ applied: [], invalid: [] });
    expect(parsePrefer('max-affected=abc, max-affected=3').maxAffected).toBeUndefined();
    expect(parsePrefer('max-affected=10, max-affected=3').maxAffected).toBe(10);
  });
});

describe('Range header', () => {
  it('N-M and N-', () => {
    expect(parseRangeHeader('0-19')).toEqual({ offset: 0, limit: 20 });
    expect(parseRangeHeader('10-')).toEqual({ offset: 10 });
    expect(parseRangeHeader('5-5')).toEqual({ offset: 5, limit: 1 });
  });

  it('absent or malformed headers are ignored', () => {
    for (const v of [undefined, '', 'items=0-9', '-5', '0-9,20-29', ' 0-9', 'a-b', '0--1']) {
      expect(parseRangeHeader(v)).toBeUndefined();
    }
  });

  it('a lower bound above the upper bound is unsatisfiable', () => {
    expectApiError(() => parseRangeHeader('10-5'), LOWER_GT_UPPER);
  });
});

describe('limit and offset', () => {
  it('top level and embedded ranges', () => {
    expect(parseLimitOffset([['limit', '10'], ['offset', '20'], ['actors.limit', '2'], ['actors.offset', '1'], ['films.roles.offset', '3']])).toEqual([
      { path: [], offset: 20, limit: 10 },
      { path: ['actors'], offset: 1, limit: 2 },
      { path: ['films', 'roles'], offset: 3 },
    ]);
    expect(parseLimitOffset([['limit', '0']])).toEqual([{ path: [], offset: 0, limit: 0 }]);
  });

  it('values that are not integers are ignored; the last duplicate wins', () => {
    expect(parseLimitOffset([['limit', 'abc']])).toEqual([]);
    expect(parseLimitOffset([['offset', '1.5']])).toEqual([]);
    expect(parseLimitOffset([['limit', '5'], ['limit', '7']])).toEqual([{ path: [], offset: 0, limit: 7 }]);
  });

  it('integers as Haskell reads them', () => {
    expect(readInteger(' 12 ')).toBe(12);
    expect(readInteger('(3)')).toBe(3);
    expect(readInteger('- 4')).toBe(-4);
    expect(readInteger('0x10')).toBe(16);
    expect(readInteger('+4')).toBeUndefined();
    expect(readInteger('1e3')).toBeUndefined();
  });

  it('a negative top-level offset is clamped to the first row', () => {
    expect(parseLimitOffset([['offset', '-4']])).toEqual([]);
    expect(parseLimitOffset([['offset', '-2'], ['limit', '4']])).toEqual([{ path: [], offset: 0, limit: 2 }]);
  });

  it('a negative top-level limit is unsatisfiable', () => {
    expectApiError(() => parseLimitOffset([['limit', '-1']]), NEGATIVE_LIMIT);
    // limit=0 is only allowed from the first row; an unreadable limit next to an offset counts as 0.
    expectApiError(() => parseLimitOffset([['limit', '0'], ['offset', '5']]), NEGATIVE_LIMIT);
    expectApiError(() => parseLimitOffset([['limit', 'x'], ['offset', '5']]), NEGATIVE_LIMIT);
  });

  it('negative embedded values fail as PostgreSQL would', () => {
    expectApiError(() => parseLimitOffset([['actors.limit', '-1']]), { status: 400, code: '2201W', message: 'LIMIT must not be negative' });
    expectApiError(() => parseLimitOffset([['actors.offset', '-1']]), { status: 400, code: '2201X', message: 'OFFSET must not be negative' });
  });

  it('a bad embed path', () => {
    expectApiError(() => parseLimitOffset([['actors..offset', '1']]), {
      status: 400,
      code: 'PGRST100',
      message: '"failed to parse tree path (actors..limit)" (line 1, column 8)',
    });
  });
});

describe('combining limit/offset with the Range header', () => {
  it('no header: the query range as is', () => {
    expect(combineRanges(undefined, undefined, 'GET')).toEqual({ offset: 0 });
    expect(combineRanges({ offset: 2, limit: 3 }, undefined, 'GET')).toEqual({ offset: 2, limit: 3 });
  });

  it('the header narrows the query range on GET only', () => {
    expect(combineRanges({ offset: 0, limit: 3 }, '0-1', 'GET')).toEqual({ offset: 0, limit: 2 });
    expect(combineRanges(undefined, '5-9', 'GET')).toEqual({ offset: 5, limit: 5 });
    expect(combineRanges({ offset: 10 }, '5-', 'GET')).toEqual({ offset: 10 });
    expect(combineRanges(undefined, '5-9', 'PATCH')).toEqual({ offset: 0 });
    expect(combineRanges(undefined, 'garbage', 'GET')).toEqual({ offset: 0 });
  });

  it('limit=0 wins over the header', () => {
    expect(combineRanges({ offset: 0, limit: 0 }, '5-9', 'GET')).toEqual({ offset: 0, limit: 0 });
    expect(combineRanges({ offset: 0, limit: 0 }, '9-5', 'GET')).toEqual({ offset: 0, limit: 0 });
  });

  it('unsatisfiable combinations', () => {
    expectApiError(() => combineRanges(undefined, '9-5', 'GET'), LOWER_GT_UPPER);
    expectApiError(() => combineRanges({ offset: 20, limit: 5 }, '0-9', 'GET'), NEGATIVE_LIMIT);
  });
});
