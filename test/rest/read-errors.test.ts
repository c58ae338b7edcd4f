/**
 * Bad read requests on /rest/v1 (PostgREST 12–14 semantics): each answers a 4xx
 * status with PostgREST's exact `{code, message, details, hint}` body, and none
 * answers a 5xx.
 *
 * Query-string parse errors (PGRST100) carry PostgREST's parser positions and
 * expectations verbatim: `message` is `"failed to parse <what> (<value>)" (line 1,
 * column <n>)` and `details` lists what was expected at that column.
 */
import { describe, expect, it } from 'vitest';
import { restUrl } from '../support/env.ts';
import { type Json, type Param, type Reply, toReply, profileGet } from '../support/http.ts';

/** GET /rest/v1/<table>?<params> in the rest_read profile. */
const get = profileGet(restUrl, 'rest_read');

interface ErrorBody {
  code: string;
  message: string;
  details: string | null;
  hint: string | null;
}

async function expectError(
  request: Promise<Reply>,
  status: number,
  body: ErrorBody,
): Promise<void> {
  const r = await request;
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(r.json()).toEqual(body);
}

const parseError = (message: string, details: string): ErrorBody => ({
  code: 'PGRST100',
  message,
  details,
  hint: null,
});

describe('filters', () => {
  it('an unknown operator is a 400 PGRST100', async () => {
    await expectError(
      get('books', [['id', 'foo.1']]),
      400,
      parseError(
        '"failed to parse filter (foo.1)" (line 1, column 1)',
        'unexpected "f" expecting "not" or operator (eq, gt, ...)',
      ),
    );
  });

  it('a filter without an operator is a 400 PGRST100', async () => {
    await expectError(
      get('books', [['id', '1']]),
      400,
      parseError('"failed to parse filter (1)" (line 1, column 1)', 'unexpected "1" expecting "not" or operator (eq, gt, ...)'),
    );
  });

  it('is. with a value other than null/not_null/true/false/unknown is a 400 PGRST100', async () => {
    await expectError(
      get('books', [['published_year', 'is.maybe']]),
      400,
      parseError(
        '"failed to parse filter (is.maybe)" (line 1, column 4)',
        'unexpected "m" expecting isVal: (null, not_null, true, false, unknown)',
      ),
    );
  });

  it('a value the column type cannot parse is a 400 with the PostgreSQL error', async () => {
    await expectError(get('books', [['id', 'eq.abc']]), 400, {
      code: '22P02',
      message: 'invalid input syntax for type integer: "abc"',
      details: null,
      hint: null,
    });
  });

  it('a filter on a resource that is not embedded is a 400 PGRST108', async () => {
    await expectError(get('books', [['select', 'id'], ['authors.name', 'eq.Ariel']]), 400, {
      code: 'PGRST108',
      message: "'authors' is not an embedded resource in this request",
      details: null,
      hint: "Verify that 'authors' is included in the 'select' query parameter.",
    });
  });
});

describe('select', () => {
  it('an unclosed embed parenthesis is a 400 PGRST100', async () => {
    await expectError(
      get('books', [['select', 'id,authors(name']]),
      400,
      parseError(
        '"failed to parse select parameter (id,authors(name)" (line 1, column 16)',
        'unexpected end of input expecting letter, digit, "-", "->>", "->", "::", ".", ")", "," or end of input',
      ),
    );
  });

  it('an unclosed outer parenthesis around a nested embed is a 400 PGRST100', async () => {
    await expectError(
      get('books', [['select', 'id,title,authors(name,books(title)']]),
      400,
      parseError(
        '"failed to parse select parameter (id,title,authors(name,books(title))" (line 1, column 35)',
        'unexpected end of input expecting "," or ")"',
      ),
    );
  });

  it('an unknown column is a 400 42703 from PostgreSQL', async () => {
    await expectError(get('books', [['select', 'id,zzz_nope']]), 400, {
      code: '42703',
      message: 'column books.zzz_nope does not exist',
      details: null,
      hint: null,
    });
  });

  it('an unknown column in a filter is a 400 42703 from PostgreSQL', async () => {
    await expectError(get('books', [['zzz_nope', 'eq.1']]), 400, {
      code: '42703',
      message: 'column books.zzz_nope does not exist',
      details: null,
      hint: null,
    });
  });

  it('a misspelt column carries the PostgreSQL hint', async () => {
    await expectError(get('books', [['select', 'titel']]), 400, {
      code: '42703',
      message: 'column books.titel does not exist',
      details: null,
      hint: 'Perhaps you meant to reference the column "books.title".',
    });
  });

  it('a cast to an unknown type is a 400 42704', async () => {
    await expectError(get('books', [['select', 'id::no_such_type']]), 400, {
      code: '42704',
      message: 'type "no_such_type" does not exist',
      details: null,
      hint: null,
    });
  });
});

describe('or / and', () => {
  it('an unclosed or=( is a 400 PGRST100', async () => {
    await expectError(
      get('books', [['or', '(id.eq.1,id.eq.2']]),
      400,
      parseError('"failed to parse logic tree ((id.eq.1,id.eq.2)" (line 1, column 19)', 'unexpected end of input expecting "," or ")"'),
    );
  });

  it('an unclosed nested or( inside and=() is a 400 PGRST100', async () => {
    await expectError(
      get('books', [['and', '(id.eq.1,or(id.eq.2,id.eq.3)']]),
      400,
      parseError(
        '"failed to parse logic tree ((id.eq.1,or(id.eq.2,id.eq.3))" (line 1, column 32)',
        'unexpected end of input expecting "," or ")"',
      ),
    );
  });

  it('an empty or=() is a 400 PGRST100', async () => {
    await expectError(
      get('books', [['or', '()']]),
      400,
      parseError(
        '"failed to parse logic tree (())" (line 1, column 4)',
        'unexpected ")" expecting field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)',
      ),
    );
  });

  it('an unknown operator inside or=() is a 400 PGRST100', async () => {
    await expectError(
      get('books', [['or', '(id.foo.1,id.eq.2)']]),
      400,
      parseError(
        '"failed to parse logic tree ((id.foo.1,id.eq.2))" (line 1, column 7)',
        'unexpected "f" expecting "not" or operator (eq, gt, ...)',
      ),
    );
  });

  it('tolerates a surplus closing parenthesis after a complete tree, like PostgREST', async () => {
    const r = await get('books', [['select', 'id'], ['or', '(id.eq.1,id.eq.2))'], ['order', 'id']]);
    expect(r.status).toBe(200);
    expect(r.json()).toEqual([{ id: 1 }, { id: 2 }]);
  });
});

describe('order', () => {
  it('a misspelt direction is a 400 PGRST100', async () => {
    await expectError(
      get('books', [['order', 'id.ac']]),
      400,
      parseError(
        '"failed to parse order (id.ac)" (line 1, column 4)',
        'unexpected "c" expecting "asc", "desc", "nullsfirst" or "nullslast"',
      ),
    );
  });

  it('trailing garbage after a direction is a 400 PGRST100', async () => {
    await expectError(
      get('books', [['order', 'title.descending']]),
      400,
      parseError(
        '"failed to parse order (title.descending)" (line 1, column 11)',
        "unexpected 'e' expecting delimiter (.), \",\" or end of input",
      ),
    );
  });
});

describe('embedding', () => {
  it('an unknown embed is a 400 PGRST200', async () => {
    await expectError(get('messages', [['select', 'id,zzz(*)']]), 400, {
      code: 'PGRST200',
      message: "Could not find a relationship between 'messages' and 'zzz' in the schema cache",
      details:
        "Searched for a foreign key relationship between 'messages' and 'zzz' in the schema 'rest_read', but no matches were found.",
      hint: null,
    });
  });

  it('an ambiguous embed is a 300 PGRST201, not an error status', async () => {
    const r = await get('messages', [['select', 'id,users(username)']]);
    expect(r.status).toBe(300);
    expect(r.json().code).toBe('PGRST201');
  });
});

describe('unknown table', () => {
  it('is a 404 PGRST205 suggesting the closest table name', async () => {
    await expectError(get('authorz'), 404, {
      code: 'PGRST205',
      message: "Could not find the table 'rest_read.authorz' in the schema cache",
      details: null,
      hint: "Perhaps you meant the table 'rest_read.authors'",
    });
  });

  it('is a 404 PGRST205 without a hint when no name is close', async () => {
    await expectError(get('zzzzzz'), 404, {
      code: 'PGRST205',
      message: "Could not find the table 'rest_read.zzzzzz' in the schema cache",
      details: null,
      hint: null,
    });
  });

  it('is checked before the embeds are resolved', async () => {
    await expectError(get('zzzzzz', [['select', 'id,authors(name)']]), 404, {
      code: 'PGRST205',
      message: "Could not find the table 'rest_read.zzzzzz' in the schema cache",
      details: null,
      hint: null,
    });
  });
});

describe('range and limit', () => {
  it('a Range whose lower bound exceeds its upper bound is a 416 PGRST103', async () => {
    await expectError(get('books', [], { Range: '5-2' }), 416, {
      code: 'PGRST103',
      message: 'Requested range not satisfiable',
      details: 'The lower boundary must be lower than or equal to the upper boundary in the Range header.',
      hint: null,
    });
  });

  it('a negative limit is a 416 PGRST103', async () => {
    await expectError(get('books', [['limit', '-1']]), 416, {
      code: 'PGRST103',
      message: 'Requested range not satisfiable',
      details: 'Limit should be greater than or equal to zero.',
      hint: null,
    });
  });

  it('an offset past the counted total is a 416 PGRST103', async () => {
    await expectError(get('books', [['offset', '50']], { Prefer: 'count=exact' }), 416, {
      code: 'PGRST103',
      message: 'Requested range not satisfiable',
      details: 'An offset of 50 was requested, but there are only 7 rows.',
      hint: null,
    });
  });

  it('a limit that is not a number is ignored, like PostgREST does', async () => {
    const r = await get('books', [['select', 'id'], ['limit', 'abc'], ['order', 'id']]);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-range')).toBe('0-6/*');
    expect(r.json()).toHaveLength(7);
  });
});

describe('no bad request answers 5xx', () => {
  const bad: Array<{ name: string; table: string; params: Param[]; headers?: Record<string, string> }> = [
    { name: 'unknown operator', table: 'books', params: [['id', 'foo.1']] },
    { name: 'missing operator', table: 'books', params: [['id', '1']] },
    { name: 'bad is value', table: 'books', params: [['published_year', 'is.maybe']] },
    { name: 'bad value type', table: 'books', params: [['id', 'eq.abc']] },
    { name: 'bad date', table: 'items', params: [['released', 'gt.not-a-date']] },
    { name: 'bad range literal', table: 'items', params: [['valid_for', 'ov.[5,']] },
    { name: 'bad array literal', table: 'items', params: [['sizes', 'cs.{1,']] },
    { name: 'bad json literal', table: 'items', params: [['attrs', 'cs.{"color"']] },
    { name: 'bad tsquery', table: 'notes', params: [['body_tsv', 'fts.&&&']] },
    { name: 'bad regex', table: 'books', params: [['title', 'match.(']] },
    { name: 'operator not defined for type', table: 'books', params: [['id', 'cs.{1}']] },
    { name: 'unclosed select', table: 'books', params: [['select', 'id,authors(name']] },
    { name: 'unclosed or', table: 'books', params: [['or', '(id.eq.1,id.eq.2']] },
    { name: 'empty or', table: 'books', params: [['or', '()']] },
    { name: 'bad order', table: 'books', params: [['order', 'id.ac']] },
    { name: 'order on unknown column', table: 'books', params: [['order', 'zzz_nope']] },
    { name: 'unknown column', table: 'books', params: [['select', 'zzz_nope']] },
    { name: 'unknown cast', table: 'books', params: [['select', 'id::no_such_type']] },
    { name: 'bad cast', table: 'books', params: [['select', 'title::int']] },
    { name: 'unknown embed', table: 'books', params: [['select', 'id,zzz(*)']] },
    { name: 'ambiguous embed', table: 'messages', params: [['select', 'id,users(*)']] },
    { name: 'related order on to-many', table: 'authors', params: [['select', 'id,books(id)'], ['order', 'books(title)']] },
    { name: 'filter on missing embed', table: 'books', params: [['authors.name', 'eq.x']] },
    { name: 'unknown table', table: 'authorz', params: [] },
    { name: 'inverted Range', table: 'books', params: [], headers: { Range: '5-2' } },
    { name: 'negative limit', table: 'books', params: [['limit', '-1']] },
    { name: 'offset past total', table: 'books', params: [['offset', '50']], headers: { Prefer: 'count=exact' } },
    { name: 'unknown Accept', table: 'books', params: [], headers: { Accept: 'text/unknowntype' } },
    { name: 'singular with many rows', table: 'books', params: [], headers: { Accept: 'application/vnd.pgrst.object+json' } },
    { name: 'unknown schema', table: 'books', params: [], headers: { 'Accept-Profile': 'nope' } },
  ];

  for (const c of bad) {
    it(`${c.name}: answers a client error with a PostgREST error body`, async () => {
      const r = await get(c.table, c.params, c.headers ?? {});
      expect(r.status, r.text).toBeGreaterThanOrEqual(300);
      expect(r.status, r.text).toBeLessThan(500);
      const body = r.json();
      expect(Object.keys(body).sort()).toEqual(['code', 'details', 'hint', 'message']);
      expect(typeof body.code).toBe('string');
      expect(typeof body.message).toBe('string');
    });
  }
});
