/**
 * Read side of /rest/v1 (PostgREST 12–14 semantics): select shaping, every filter
 * operator, logic trees, ordering and computed columns, against the `rest_read`
 * fixture (test/fixtures/10_rest_read.sql).
 *
 * Raw `fetch` is used where the exact query string matters; postgrest-js where a
 * client would normally be used.
 */
import { describe, expect, it } from 'vitest';
import { PostgrestClient } from '@supabase/postgrest-js';
import { db, restUrl } from '../support/env.ts';
import { type Json, type Param, type Reply, toReply, profileGet } from '../support/http.ts';

const client = new PostgrestClient(restUrl, { schema: 'rest_read' });

/** GET /rest/v1/<table>?<params> in the rest_read profile. */
const get = profileGet(restUrl, 'rest_read');

/** GET that must succeed; returns the parsed JSON body. */
async function rows(table: string, params: Param[] = []): Promise<Json> {
  const r = await get(table, params);
  expect(r.status, r.text).toBe(200);
  return r.json();
}

/** The ids (in id order) of the rows matching the given filters. */
async function idsWhere(table: string, ...filters: Param[]): Promise<number[]> {
  const body = await rows(table, [['select', 'id'], ['order', 'id.asc'], ...filters]);
  return body.map((r: { id: number }) => r.id);
}

/** The ids in the order the server returned them. */
async function idsOrderedBy(table: string, order: string, ...filters: Param[]): Promise<number[]> {
  const body = await rows(table, [['select', 'id'], ['order', order], ...filters]);
  return body.map((r: { id: number }) => r.id);
}

describe('select', () => {
  it('returns every column of the row for select=*', async () => {
    expect(await rows('books', [['select', '*'], ['id', 'eq.1']])).toEqual([
      {
        id: 1,
        title: 'The Dispossessed',
        author_id: 1,
        publisher_id: 1,
        published_year: 1974,
        genre: 'fiction',
        pages: 387,
      },
    ]);
  });

  it('returns every column, nulls included, when select is omitted', async () => {
    expect(await rows('books', [['id', 'eq.7']])).toEqual([
      {
        id: 7,
        title: 'Notes, Letters and Scraps',
        author_id: null,
        publisher_id: null,
        published_year: null,
        genre: 'nonfiction',
        pages: null,
      },
    ]);
  });

  it('returns only the requested columns, keyed in the requested order', async () => {
    const body = await rows('books', [['select', 'title,id'], ['id', 'eq.4']]);
    expect(body).toEqual([{ title: 'Ficciones', id: 4 }]);
    expect(Object.keys(body[0])).toEqual(['title', 'id']);
  });

  it('renames columns with alias:column', async () => {
    expect(await rows('books', [['select', 'book:title,year:published_year'], ['id', 'eq.5']])).toEqual([
      { book: 'Ariel', year: 1965 },
    ]);
  });

  it('casts columns with ::type and keeps the column name as the key', async () => {
    expect(await rows('books', [['select', 'id::text,pages::text'], ['id', 'eq.5']])).toEqual([
      { id: '5', pages: '96' },
    ]);
    expect(await rows('items', [['select', 'price::text,n:in_stock::text'], ['id', 'eq.3']])).toEqual([
      { price: '5.00', n: null },
    ]);
  });

  it('combines alias and cast', async () => {
    expect(await rows('books', [['select', 'year:published_year::text'], ['id', 'eq.4']])).toEqual([{ year: '1944' }]);
  });

  it('serialises jsonb, arrays, ranges, numerics, booleans and dates as JSON', async () => {
    expect(await rows('items', [['id', 'eq.1']])).toEqual([
      {
        id: 1,
        name: 'Widget',
        price: 9.99,
        in_stock: true,
        attrs: { color: 'red', size: { w: 10, h: 20 }, tags: ['a', 'b'] },
        sizes: [1, 2, 3],
        labels: ['sale', 'new'],
        valid_for: '[1,5)',
        released: '2024-01-15',
      },
    ]);
  });

  it('serialises bytea as a \\x hex string and an empty array as []', async () => {
    expect(await rows('files', [['select', 'name,content'], ['order', 'id']])).toEqual([
      { name: 'hello.txt', content: '\\x68656c6c6f' },
      { name: 'bytes.bin', content: '\\x00ff10' },
    ]);
    expect(await rows('items', [['select', 'sizes,labels'], ['id', 'eq.3']])).toEqual([
      { sizes: [], labels: ['clearance', 'sale'] },
    ]);
  });

  it('returns an enum column as its label', async () => {
    expect(await rows('books', [['select', 'genre'], ['id', 'eq.5']])).toEqual([{ genre: 'poetry' }]);
  });

  describe('JSON paths', () => {
    it('-> returns a JSON value keyed by the last path element', async () => {
      expect(await rows('items', [['select', 'id,attrs->size->w'], ['id', 'in.(1,2,4)'], ['order', 'id']])).toEqual([
        { id: 1, w: 10 },
        { id: 2, w: 4 },
        { id: 4, w: null },
      ]);
    });

    it('->> returns text', async () => {
      expect(await rows('items', [['select', 'id,attrs->size->>w'], ['id', 'in.(1,2)'], ['order', 'id']])).toEqual([
        { id: 1, w: '10' },
        { id: 2, w: '4' },
      ]);
    });

    it('-> on an object key returns the nested object', async () => {
      expect(await rows('items', [['select', 'attrs->size'], ['id', 'eq.1']])).toEqual([{ size: { w: 10, h: 20 } }]);
    });

    it('accepts an alias and a cast on a JSON path', async () => {
      expect(await rows('items', [['select', 'width:attrs->size->>w::int'], ['id', 'eq.3']])).toEqual([{ width: 30 }]);
    });

    it('indexes arrays and keys the result by the last non-index element', async () => {
      expect(await rows('items', [['select', 'id,attrs->tags->>0'], ['id', 'in.(1,2)'], ['order', 'id']])).toEqual([
        { id: 1, tags: 'a' },
        { id: 2, tags: null },
      ]);
      expect(await rows('items', [['select', 'last_tag:attrs->tags->-1'], ['id', 'eq.1']])).toEqual([{ last_tag: 'b' }]);
    });
  });

  it('strips the whitespace postgrest-js removes and selects the same columns', async () => {
    const { data, error, status } = await client.from('books').select('id, title').eq('id', 3);
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toEqual([{ id: 3, title: 'Invisible Cities' }]);
  });
});

describe('filter operators', () => {
  it('eq', async () => {
    expect(await idsWhere('books', ['author_id', 'eq.1'])).toEqual([1, 2]);
    expect(await idsWhere('books', ['genre', 'eq.poetry'])).toEqual([5]);
    expect(await idsWhere('items', ['price', 'eq.24.5'])).toEqual([2]);
    expect(await idsWhere('items', ['released', 'eq.2024-03-01'])).toEqual([2]);
    expect(await idsWhere('items', ['in_stock', 'eq.true'])).toEqual([1, 4, 5]);
  });

  it('eq with an empty value matches the empty string only', async () => {
    expect(await idsWhere('books', ['title', 'eq.'])).toEqual([]);
  });

  it('neq', async () => {
    expect(await idsWhere('books', ['genre', 'neq.fiction'])).toEqual([5, 6, 7]);
  });

  it('gt, gte, lt, lte', async () => {
    expect(await idsWhere('books', ['published_year', 'gt.1972'])).toEqual([1, 6]);
    expect(await idsWhere('books', ['published_year', 'gte.1972'])).toEqual([1, 3, 6]);
    expect(await idsWhere('books', ['published_year', 'lt.1965'])).toEqual([4]);
    expect(await idsWhere('books', ['published_year', 'lte.1965'])).toEqual([4, 5]);
    expect(await idsWhere('items', ['price', 'lt.10'])).toEqual([1, 3]);
    expect(await idsWhere('items', ['released', 'gte.2024-03-01'])).toEqual([2, 5]);
  });

  it('applies several filters on the same column as AND', async () => {
    expect(await idsWhere('books', ['published_year', 'gte.1960'], ['published_year', 'lt.1970'])).toEqual([2, 5]);
  });

  it('like, with * and % as wildcards, case-sensitive', async () => {
    expect(await idsWhere('books', ['title', 'like.The*'])).toEqual([1, 2]);
    expect(await idsWhere('books', ['title', 'like.%Cities'])).toEqual([3]);
    expect(await idsWhere('books', ['title', 'like.*Memos*'])).toEqual([6]);
    expect(await idsWhere('books', ['title', 'like.the*'])).toEqual([]);
  });

  it('ilike, case-insensitive', async () => {
    expect(await idsWhere('books', ['title', 'ilike.*CITIES*'])).toEqual([3]);
    expect(await idsWhere('books', ['title', 'ilike.the*'])).toEqual([1, 2]);
    expect(await idsWhere('items', ['name', 'ilike.g*'])).toEqual([2, 4]);
  });

  it('match (~) is a case-sensitive POSIX regex', async () => {
    expect(await idsWhere('books', ['title', 'match.^The'])).toEqual([1, 2]);
    expect(await idsWhere('books', ['title', 'match.^the'])).toEqual([]);
    expect(await idsWhere('books', ['title', 'match.s$'])).toEqual([2, 3, 4, 7]);
  });

  it('imatch (~*) is a case-insensitive POSIX regex', async () => {
    expect(await idsWhere('books', ['title', 'imatch.^the'])).toEqual([1, 2]);
    expect(await idsWhere('books', ['title', 'imatch.MEMOS'])).toEqual([6]);
  });

  it('in, with plain values', async () => {
    expect(await idsWhere('books', ['id', 'in.(1,3,5)'])).toEqual([1, 3, 5]);
    expect(await idsWhere('books', ['title', 'in.(Ariel,Ficciones)'])).toEqual([4, 5]);
  });

  it('in, with a double-quoted value that contains a comma', async () => {
    expect(await idsWhere('books', ['title', 'in.("Notes, Letters and Scraps",Ariel)'])).toEqual([5, 7]);
  });

  it('in, as built by postgrest-js for values with reserved characters', async () => {
    const { data, error } = await client
      .from('books')
      .select('id')
      .in('title', ['Notes, Letters and Scraps', 'Invisible Cities'])
      .order('id');
    expect(error).toBeNull();
    expect(data).toEqual([{ id: 3 }, { id: 7 }]);
  });

  it('in with an empty list matches nothing and not.in with an empty list matches everything', async () => {
    expect(await idsWhere('books', ['id', 'in.()'])).toEqual([]);
    expect(await idsWhere('books', ['id', 'not.in.()'])).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('is null / is not null', async () => {
    expect(await idsWhere('books', ['published_year', 'is.null'])).toEqual([7]);
    expect(await idsWhere('books', ['published_year', 'not.is.null'])).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('is true / false / unknown, case-insensitively', async () => {
    expect(await idsWhere('items', ['in_stock', 'is.true'])).toEqual([1, 4, 5]);
    expect(await idsWhere('items', ['in_stock', 'is.false'])).toEqual([2]);
    expect(await idsWhere('items', ['in_stock', 'is.unknown'])).toEqual([3]);
    expect(await idsWhere('items', ['in_stock', 'is.TRUE'])).toEqual([1, 4, 5]);
    expect(await idsWhere('items', ['in_stock', 'not.is.true'])).toEqual([2, 3]);
  });

  it('isdistinct treats NULL as a comparable value', async () => {
    expect(await idsWhere('books', ['author_id', 'isdistinct.1'])).toEqual([3, 4, 5, 6, 7]);
    expect(await idsWhere('books', ['author_id', 'not.isdistinct.1'])).toEqual([1, 2]);
  });

  describe('full-text search', () => {
    it('fts uses to_tsquery on a tsvector column', async () => {
      expect(await idsWhere('notes', ['body_tsv', 'fts.dragon'])).toEqual([1, 4]);
      expect(await idsWhere('notes', ['body_tsv', 'fts.dragon&ship'])).toEqual([4]);
      expect(await idsWhere('notes', ['body_tsv', 'fts.dragon|fat'])).toEqual([1, 3, 4]);
    });

    it('plfts uses plainto_tsquery', async () => {
      expect(await idsWhere('notes', ['body_tsv', 'plfts.dragon ship'])).toEqual([4]);
    });

    it('phfts uses phraseto_tsquery', async () => {
      expect(await idsWhere('notes', ['body_tsv', 'phfts.dark sea'])).toEqual([2]);
      expect(await idsWhere('notes', ['body_tsv', 'phfts.sea dark'])).toEqual([]);
    });

    it('wfts uses websearch_to_tsquery', async () => {
      expect(await idsWhere('notes', ['body_tsv', 'wfts.dragon -ship'])).toEqual([1]);
      expect(await idsWhere('notes', ['body_tsv', 'wfts.dragon or fat'])).toEqual([1, 3, 4]);
    });

    it('fts(english) takes a text search configuration and works on a text column', async () => {
      expect(await idsWhere('notes', ['body', 'fts(english).cats'])).toEqual([3]);
      expect(await idsWhere('notes', ['body', 'plfts(english).ships sailing'])).toEqual([2]);
      expect(await idsWhere('notes', ['body_tsv', 'fts(english).dragons'])).toEqual([1, 4]);
    });

    it('can be negated with not.', async () => {
      expect(await idsWhere('notes', ['body_tsv', 'not.fts.dragon'])).toEqual([2, 3]);
      expect(await idsWhere('notes', ['body', 'not.wfts(english).dragon'])).toEqual([2, 3]);
    });

    it('is what postgrest-js textSearch sends', async () => {
      const { data, error } = await client
        .from('notes')
        .select('id')
        .textSearch('body', 'rats', { config: 'english', type: 'plain' });
      expect(error).toBeNull();
      expect(data).toEqual([{ id: 3 }]);
    });
  });

  describe('array operators', () => {
    it('cs (@>) contains', async () => {
      expect(await idsWhere('items', ['sizes', 'cs.{2}'])).toEqual([1, 2]);
      expect(await idsWhere('items', ['labels', 'cs.{sale}'])).toEqual([1, 3]);
    });

    it('cd (<@) is contained by', async () => {
      expect(await idsWhere('items', ['sizes', 'cd.{1,2,3,4}'])).toEqual([1, 2, 3, 5]);
    });

    it('ov (&&) overlaps', async () => {
      expect(await idsWhere('items', ['sizes', 'ov.{3,4}'])).toEqual([1, 2, 5]);
    });

    it('eq compares whole arrays', async () => {
      expect(await idsWhere('items', ['labels', 'eq.{new}'])).toEqual([2]);
      expect(await idsWhere('items', ['sizes', 'eq.{}'])).toEqual([3]);
    });

    it('not.cs negates containment', async () => {
      expect(await idsWhere('items', ['labels', 'not.cs.{sale}'])).toEqual([2, 5]);
    });
  });

  describe('jsonb containment', () => {
    it('cs and cd on a jsonb column', async () => {
      expect(await idsWhere('items', ['attrs', 'cs.{"color":"red"}'])).toEqual([1, 3]);
      expect(await idsWhere('items', ['attrs', 'cd.{"color":"green","extra":1}'])).toEqual([5]);
    });

    it('postgrest-js contains() with an object', async () => {
      const { data, error } = await client.from('items').select('id').contains('attrs', { discontinued: true });
      expect(error).toBeNull();
      expect(data).toEqual([{ id: 3 }]);
    });
  });

  describe('range operators', () => {
    it('eq on a range', async () => {
      expect(await idsWhere('items', ['valid_for', 'eq.[5,10)'])).toEqual([2]);
    });

    it('cs (@>) and cd (<@)', async () => {
      expect(await idsWhere('items', ['valid_for', 'cs.[2,3]'])).toEqual([1]);
      expect(await idsWhere('items', ['valid_for', 'cd.[0,15)'])).toEqual([1, 2]);
    });

    it('ov (&&) overlaps', async () => {
      expect(await idsWhere('items', ['valid_for', 'ov.[4,6)'])).toEqual([1, 2]);
    });

    it('sl (<<) strictly left of and sr (>>) strictly right of', async () => {
      expect(await idsWhere('items', ['valid_for', 'sl.[10,20)'])).toEqual([1, 2]);
      expect(await idsWhere('items', ['valid_for', 'sr.[1,6)'])).toEqual([3, 5]);
    });

    it('nxr (&<) does not extend to the right of and nxl (&>) does not extend to the left of', async () => {
      expect(await idsWhere('items', ['valid_for', 'nxr.[1,10)'])).toEqual([1, 2]);
      expect(await idsWhere('items', ['valid_for', 'nxl.[10,15)'])).toEqual([3, 5]);
    });

    it('adj (-|-) is adjacent to', async () => {
      expect(await idsWhere('items', ['valid_for', 'adj.[5,10)'])).toEqual([1, 3]);
    });

    it('matches what the postgrest-js range helpers send', async () => {
      const lt = await client.from('items').select('id').rangeLt('valid_for', '[10,20)').order('id');
      expect(lt.data).toEqual([{ id: 1 }, { id: 2 }]);
      const adj = await client.from('items').select('id').rangeAdjacent('valid_for', '[5,10)').order('id');
      expect(adj.data).toEqual([{ id: 1 }, { id: 3 }]);
    });
  });

  describe('not. negation', () => {
    it('negates simple operators, excluding NULLs like SQL NOT does', async () => {
      expect(await idsWhere('books', ['author_id', 'not.eq.1'])).toEqual([3, 4, 5, 6]);
      expect(await idsWhere('books', ['title', 'not.like.The*'])).toEqual([3, 4, 5, 6, 7]);
      expect(await idsWhere('books', ['id', 'not.in.(1,2,3,4,5)'])).toEqual([6, 7]);
      expect(await idsWhere('books', ['published_year', 'not.gte.1970'])).toEqual([2, 4, 5]);
    });

    it('is what postgrest-js not() sends', async () => {
      const { data, error } = await client.from('books').select('id').not('genre', 'eq', 'fiction').order('id');
      expect(error).toBeNull();
      expect(data).toEqual([{ id: 5 }, { id: 6 }, { id: 7 }]);
    });
  });

  describe('(any) and (all) quantifiers', () => {
    it('eq(any) matches any element of the list', async () => {
      expect(await idsWhere('books', ['id', 'eq(any).{1,3}'])).toEqual([1, 3]);
    });

    it('not.eq(any) negates the whole comparison', async () => {
      expect(await idsWhere('books', ['id', 'not.eq(any).{1,2,3}'])).toEqual([4, 5, 6, 7]);
    });

    it('gt(all) must hold for every element', async () => {
      expect(await idsWhere('books', ['published_year', 'gt(all).{1960,1970}'])).toEqual([1, 3, 6]);
    });

    it('like(any) and ilike(all)', async () => {
      expect(await idsWhere('books', ['title', 'like(any).{The%,%Cities}'])).toEqual([1, 2, 3]);
      expect(await idsWhere('books', ['title', 'ilike(all).{%the%,%of%}'])).toEqual([2]);
    });

    it('match(any) and imatch(any)', async () => {
      expect(await idsWhere('books', ['title', 'match(any).{^Ari,^Fic}'])).toEqual([4, 5]);
      expect(await idsWhere('books', ['title', 'imatch(any).{^ari,cities$}'])).toEqual([3, 5]);
    });

    it('is what postgrest-js likeAnyOf sends', async () => {
      const { data, error } = await client.from('books').select('id').likeAnyOf('title', ['%Memos%', 'Ariel']).order('id');
      expect(error).toBeNull();
      expect(data).toEqual([{ id: 5 }, { id: 6 }]);
    });
  });

  describe('JSON path filter targets', () => {
    it('->> compares text', async () => {
      expect(await idsWhere('items', ['attrs->>color', 'eq.red'])).toEqual([1, 3]);
      expect(await idsWhere('items', ['attrs->size->>w', 'eq.10'])).toEqual([1]);
      expect(await idsWhere('items', ['attrs->>color', 'in.(blue,green)'])).toEqual([2, 5]);
    });

    it('-> compares jsonb values (numbers numerically)', async () => {
      expect(await idsWhere('items', ['attrs->size->w', 'gt.5'])).toEqual([1, 3]);
      expect(await idsWhere('items', ['attrs->discontinued', 'eq.true'])).toEqual([3]);
    });

    it('indexes into arrays', async () => {
      expect(await idsWhere('items', ['attrs->tags->>0', 'eq.a'])).toEqual([1]);
    });

    it('is null matches a missing path', async () => {
      expect(await idsWhere('items', ['attrs->>color', 'is.null'])).toEqual([4]);
    });
  });
});

describe('logic trees: or / and / not', () => {
  it('or=(…) matches either condition', async () => {
    expect(await idsWhere('books', ['or', '(genre.eq.poetry,pages.lt.150)'])).toEqual([5, 6]);
  });

  it('and=(…) matches both conditions', async () => {
    expect(await idsWhere('books', ['and', '(genre.eq.fiction,published_year.gt.1970)'])).toEqual([1, 3]);
  });

  it('nests and() inside or()', async () => {
    expect(await idsWhere('books', ['or', '(and(genre.eq.fiction,pages.gt.300),id.eq.5)'])).toEqual([1, 2, 5]);
  });

  it('nests or() inside and()', async () => {
    expect(await idsWhere('books', ['and', '(genre.eq.fiction,or(published_year.lt.1950,pages.gt.300))'])).toEqual([
      1, 2, 4,
    ]);
  });

  it('not.or=(…) negates the whole disjunction', async () => {
    expect(await idsWhere('books', ['not.or', '(genre.eq.fiction,genre.eq.poetry)'])).toEqual([6, 7]);
  });

  it('not.and=(…) negates the whole conjunction', async () => {
    expect(await idsWhere('books', ['not.and', '(genre.eq.fiction,pages.gt.200)'])).toEqual([3, 4, 5, 6, 7]);
  });

  it('accepts not. on the operators inside the tree and on nested trees', async () => {
    expect(await idsWhere('books', ['or', '(id.not.lt.6,genre.eq.poetry)'])).toEqual([5, 6, 7]);
    expect(await idsWhere('books', ['or', '(id.eq.7,not.and(genre.eq.fiction,pages.gt.200))'])).toEqual([
      3, 4, 5, 6, 7,
    ]);
  });

  it('is combined with ordinary filters using AND', async () => {
    expect(await idsWhere('books', ['or', '(id.eq.1,id.eq.5)'], ['genre', 'eq.fiction'])).toEqual([1]);
  });

  it('accepts a double-quoted value containing a comma', async () => {
    expect(await idsWhere('books', ['or', '(title.eq."Notes, Letters and Scraps",id.eq.1)'])).toEqual([1, 7]);
  });

  it('accepts in lists, is, (any) and array literals inside the tree', async () => {
    expect(await idsWhere('books', ['or', '(id.in.(1,2),published_year.is.null)'])).toEqual([1, 2, 7]);
    expect(await idsWhere('books', ['or', '(id.eq(any).{1,2},genre.eq.poetry)'])).toEqual([1, 2, 5]);
    expect(await idsWhere('items', ['or', '(sizes.cs.{4},labels.cs.{clearance})'])).toEqual([2, 3]);
  });

  it('accepts JSON path targets inside the tree', async () => {
    expect(await idsWhere('items', ['or', '(attrs->>color.eq.green,price.gt.50)'])).toEqual([4, 5]);
  });

  it('accepts full-text search with a configuration inside the tree', async () => {
    expect(await idsWhere('notes', ['or', '(body.fts(english).cats,title.eq.Ships)'])).toEqual([2, 3]);
  });

  it('ignores whitespace around the conditions', async () => {
    expect(await idsWhere('books', ['or', '( id.eq.1 , id.eq.2 )'])).toEqual([1, 2]);
  });

  it('is what postgrest-js or() sends', async () => {
    const { data, error } = await client.from('books').select('id').or('genre.eq.poetry,pages.gt.350').order('id');
    expect(error).toBeNull();
    expect(data).toEqual([{ id: 1 }, { id: 5 }]);
  });
});

describe('order', () => {
  it('orders ascending by default', async () => {
    expect(await idsOrderedBy('books', 'pages', ['pages', 'not.is.null'])).toEqual([5, 6, 3, 4, 2, 1]);
  });

  it('desc puts NULLs first, as PostgreSQL does', async () => {
    expect(await idsOrderedBy('books', 'published_year.desc')).toEqual([7, 6, 1, 3, 2, 5, 4]);
  });

  it('desc.nullslast puts NULLs last', async () => {
    expect(await idsOrderedBy('books', 'published_year.desc.nullslast')).toEqual([6, 1, 3, 2, 5, 4, 7]);
  });

  it('asc puts NULLs last and nullsfirst moves them to the front', async () => {
    expect(await idsOrderedBy('books', 'published_year.asc')).toEqual([4, 5, 2, 3, 1, 6, 7]);
    expect(await idsOrderedBy('books', 'published_year.nullsfirst')).toEqual([7, 4, 5, 2, 3, 1, 6]);
  });

  it('orders by several columns', async () => {
    expect(await idsOrderedBy('books', 'publisher_id.desc.nullslast,published_year.asc')).toEqual([2, 5, 4, 3, 1, 6, 7]);
  });

  it('orders an enum column by the enum declaration order', async () => {
    expect(await idsOrderedBy('books', 'genre.desc,id.asc')).toEqual([5, 6, 7, 1, 2, 3, 4]);
  });

  it('orders by a JSON path, as jsonb (-> numbers) or as text (->>)', async () => {
    expect(await idsOrderedBy('items', 'attrs->size->w.desc.nullslast,id')).toEqual([3, 1, 2, 4, 5]);
    expect(await idsOrderedBy('items', 'attrs->>color.asc,id')).toEqual([2, 5, 1, 3, 4]);
  });

  it('is what postgrest-js order() sends', async () => {
    const { data, error } = await client
      .from('books')
      .select('id')
      .order('pages', { ascending: false, nullsFirst: false })
      .order('id');
    expect(error).toBeNull();
    expect(data).toEqual([{ id: 1 }, { id: 2 }, { id: 4 }, { id: 3 }, { id: 6 }, { id: 5 }, { id: 7 }]);
  });
});

describe('computed columns', () => {
  it('can be selected by name', async () => {
    expect(await rows('books', [['select', 'id,title,title_length'], ['id', 'in.(4,5)'], ['order', 'id']])).toEqual([
      { id: 4, title: 'Ficciones', title_length: 9 },
      { id: 5, title: 'Ariel', title_length: 5 },
    ]);
  });

  it('is not part of select=*', async () => {
    const body = await rows('books', [['select', '*'], ['id', 'eq.4']]);
    expect(body).toHaveLength(1);
    expect(Object.keys(body[0]).sort()).toEqual(['author_id', 'genre', 'id', 'pages', 'published_year', 'publisher_id', 'title']);
  });

  it('can be filtered on', async () => {
    expect(await idsWhere('books', ['title_length', 'gt.16'])).toEqual([2, 6, 7]);
    expect(await idsWhere('books', ['title_length', 'eq.16'])).toEqual([1, 3]);
  });

  it('can be ordered by', async () => {
    expect(await idsOrderedBy('books', 'title_length.desc,id.asc')).toEqual([6, 2, 7, 1, 3, 4, 5]);
  });

  it('can be aliased and cast', async () => {
    expect(await rows('books', [['select', 'len:title_length::text'], ['id', 'eq.5']])).toEqual([{ len: '5' }]);
  });
});

describe('row level security', () => {
  it('hides the rows the policy does not grant to anon', async () => {
    expect(await rows('documents', [['select', 'id,title'], ['order', 'id']])).toEqual([
      { id: 1, title: 'Public notice' },
      { id: 3, title: 'Press release' },
    ]);
  });

  it('does not reveal a hidden row even when filtered for explicitly', async () => {
    expect(await idsWhere('documents', ['id', 'eq.2'])).toEqual([]);
    expect(await idsWhere('documents', ['is_public', 'is.false'])).toEqual([]);
  });

  it('hides rows that do exist in the table', async () => {
    const { rows: all } = await db().query<{ id: number }>('SELECT id FROM rest_read.documents ORDER BY id');
    expect(all.map((r) => r.id)).toEqual([1, 2, 3, 4]);
  });
});
