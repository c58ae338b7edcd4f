/**
 * Resource embedding on the read side of /rest/v1 (PostgREST 12–14 semantics),
 * against the `rest_read` fixture (test/fixtures/10_rest_read.sql).
 *
 * Relationships in the fixture:
 *   books -> authors, books -> publishers        many-to-one (authors/publishers -> books: one-to-many)
 *   book_details.book_id (UNIQUE) -> books      one-to-one
 *   books <-> tags through book_tags            many-to-many
 *   employees.manager_id -> employees           self-reference
 *   messages.sender_id / receiver_id -> users   two FKs to one table (ambiguous)
 *   fiction_books (view over books) -> authors
 *   documents (RLS: anon sees ids 1 and 3) -> authors
 */
import { describe, expect, it } from 'vitest';
import { PostgrestClient } from '@supabase/postgrest-js';
import { restUrl } from '../support/env.ts';
import { type Json, type Param, type Reply, toReply, profileGet } from '../support/http.ts';

const client = new PostgrestClient(restUrl, { schema: 'rest_read' });

/** GET /rest/v1/<table>?<params> in the rest_read profile. */
const get = profileGet(restUrl, 'rest_read');

async function rows(table: string, params: Param[]): Promise<Json> {
  const r = await get(table, params);
  expect(r.status, r.text).toBe(200);
  return r.json();
}

describe('many-to-one', () => {
  it('embeds the parent as an object, or null when the foreign key is null', async () => {
    expect(await rows('books', [['select', 'id,title,authors(name)'], ['id', 'in.(1,7)'], ['order', 'id']])).toEqual([
      { id: 1, title: 'The Dispossessed', authors: { name: 'Ursula Le Guin' } },
      { id: 7, title: 'Notes, Letters and Scraps', authors: null },
    ]);
  });

  it('renames the embedded resource with an alias', async () => {
    expect(await rows('books', [['select', 'id,author:authors(name,country)'], ['id', 'eq.5']])).toEqual([
      { id: 5, author: { name: 'Sylvia Plath', country: 'US' } },
    ]);
  });

  it('embeds every column of the parent with rel(*)', async () => {
    expect(await rows('books', [['select', 'id,publishers(*)'], ['id', 'eq.2']])).toEqual([
      { id: 2, publishers: { id: 3, name: 'Ace' } },
    ]);
  });

  it('embeds two different parents at once', async () => {
    expect(await rows('books', [['select', 'title,authors(name),publishers(name)'], ['id', 'eq.4']])).toEqual([
      { title: 'Ficciones', authors: { name: 'Jorge Luis Borges' }, publishers: { name: 'Penguin' } },
    ]);
  });

  it('accepts the foreign key column as the embed target', async () => {
    expect(await rows('books', [['select', 'id,author_id(name)'], ['id', 'eq.3']])).toEqual([
      { id: 3, author_id: { name: 'Italo Calvino' } },
    ]);
  });

  it('accepts the column and an aliased embed through it side by side', async () => {
    expect(await rows('books', [['select', 'id,author_id,author:author_id(name)'], ['id', 'eq.3']])).toEqual([
      { id: 3, author_id: 2, author: { name: 'Italo Calvino' } },
    ]);
  });

  it('accepts the foreign key constraint name as the embed target', async () => {
    expect(await rows('books', [['select', 'id,books_author_id_fkey(name)'], ['id', 'eq.3']])).toEqual([
      { id: 3, books_author_id_fkey: { name: 'Italo Calvino' } },
    ]);
  });

  it('works through postgrest-js with .single()', async () => {
    const { data, error, status } = await client.from('books').select('title, authors(name)').eq('id', 2).single();
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toEqual({ title: 'The Left Hand of Darkness', authors: { name: 'Ursula Le Guin' } });
  });
});

describe('one-to-many', () => {
  it('embeds the children as an array, [] when there are none', async () => {
    expect(await rows('authors', [['select', 'id,books(id)'], ['books.order', 'id'], ['order', 'id']])).toEqual([
      { id: 1, books: [{ id: 1 }, { id: 2 }] },
      { id: 2, books: [{ id: 3 }, { id: 6 }] },
      { id: 3, books: [{ id: 4 }] },
      { id: 4, books: [{ id: 5 }] },
      { id: 5, books: [] },
    ]);
  });

  it('returns [] rather than null for a parent without children', async () => {
    expect(await rows('publishers', [['select', 'name,books(title)'], ['id', 'eq.4']])).toEqual([
      { name: 'Small Press', books: [] },
    ]);
  });
});

describe('one-to-one', () => {
  it('embeds the row on the unique-FK side as an object (or null) from the referenced table', async () => {
    expect(
      await rows('books', [['select', 'id,book_details(isbn,blurb)'], ['id', 'lte.3'], ['order', 'id']]),
    ).toEqual([
      { id: 1, book_details: { isbn: '978-0060512750', blurb: 'An ambiguous utopia' } },
      { id: 2, book_details: null },
      { id: 3, book_details: { isbn: '978-0156453806', blurb: null } },
    ]);
  });

  it('embeds the referenced row as an object from the unique-FK side', async () => {
    expect(await rows('book_details', [['select', 'isbn,books(title)'], ['order', 'id']])).toEqual([
      { isbn: '978-0060512750', books: { title: 'The Dispossessed' } },
      { isbn: '978-0156453806', books: { title: 'Invisible Cities' } },
      { isbn: '978-0060931728', books: { title: 'Ariel' } },
    ]);
  });
});

describe('many-to-many', () => {
  it('embeds through the junction table', async () => {
    expect(await rows('books', [['select', 'id,tags(name)'], ['tags.order', 'name'], ['order', 'id']])).toEqual([
      { id: 1, tags: [{ name: 'classic' }, { name: 'sci-fi' }] },
      { id: 2, tags: [{ name: 'classic' }, { name: 'sci-fi' }] },
      { id: 3, tags: [{ name: 'classic' }] },
      { id: 4, tags: [{ name: 'classic' }, { name: 'short-stories' }] },
      { id: 5, tags: [] },
      { id: 6, tags: [{ name: 'essays' }] },
      { id: 7, tags: [] },
    ]);
  });

  it('embeds in the other direction', async () => {
    expect(await rows('tags', [['select', 'name,books(id)'], ['books.order', 'id'], ['order', 'id']])).toEqual([
      { name: 'classic', books: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }] },
      { name: 'sci-fi', books: [{ id: 1 }, { id: 2 }] },
      { name: 'short-stories', books: [{ id: 4 }] },
      { name: 'essays', books: [{ id: 6 }] },
      { name: 'unused', books: [] },
    ]);
  });

  it('embeds both parents from the junction table itself', async () => {
    expect(
      await rows('book_tags', [['select', 'books(title),tags(name)'], ['book_id', 'eq.4'], ['order', 'tag_id']]),
    ).toEqual([
      { books: { title: 'Ficciones' }, tags: { name: 'classic' } },
      { books: { title: 'Ficciones' }, tags: { name: 'short-stories' } },
    ]);
  });

  it('accepts the junction table as the hint: rel!junction', async () => {
    expect(
      await rows('books', [['select', 'id,tags!book_tags(name)'], ['tags.order', 'name'], ['id', 'eq.4']]),
    ).toEqual([{ id: 4, tags: [{ name: 'classic' }, { name: 'short-stories' }] }]);
  });
});

describe('self-reference', () => {
  it('embeds the parent row when the target is the foreign key column', async () => {
    expect(await rows('employees', [['select', 'name,manager:manager_id(name)'], ['order', 'id']])).toEqual([
      { name: 'Ada', manager: null },
      { name: 'Brian', manager: { name: 'Ada' } },
      { name: 'Chen', manager: { name: 'Ada' } },
      { name: 'Dana', manager: { name: 'Brian' } },
    ]);
  });

  it('embeds the child rows when the target is the table name', async () => {
    expect(
      await rows('employees', [['select', 'name,reports:employees(name)'], ['reports.order', 'id'], ['order', 'id']]),
    ).toEqual([
      { name: 'Ada', reports: [{ name: 'Brian' }, { name: 'Chen' }] },
      { name: 'Brian', reports: [{ name: 'Dana' }] },
      { name: 'Chen', reports: [] },
      { name: 'Dana', reports: [] },
    ]);
  });

  it('embeds the child rows with the table!column hint', async () => {
    expect(
      await rows('employees', [
        ['select', 'name,reports:employees!manager_id(name)'],
        ['reports.order', 'id'],
        ['id', 'eq.1'],
      ]),
    ).toEqual([{ name: 'Ada', reports: [{ name: 'Brian' }, { name: 'Chen' }] }]);
  });

  it('follows the self-reference over two levels', async () => {
    expect(
      await rows('employees', [['select', 'name,manager:manager_id(name,manager:manager_id(name))'], ['id', 'eq.4']]),
    ).toEqual([{ name: 'Dana', manager: { name: 'Brian', manager: { name: 'Ada' } } }]);
  });
});

describe('disambiguation of two foreign keys to the same table', () => {
  const expected = [
    { id: 1, sender: { username: 'alice' }, receiver: { username: 'bob' } },
    { id: 2, sender: { username: 'bob' }, receiver: { username: 'alice' } },
    { id: 3, sender: { username: 'alice' }, receiver: { username: 'carol' } },
  ];

  it('resolves rel!fk_constraint_name', async () => {
    expect(
      await rows('messages', [
        [
          'select',
          'id,sender:users!messages_sender_id_fkey(username),receiver:users!messages_receiver_id_fkey(username)',
        ],
        ['order', 'id'],
      ]),
    ).toEqual(expected);
  });

  it('resolves rel!fk_column', async () => {
    expect(
      await rows('messages', [
        ['select', 'id,sender:users!sender_id(username),receiver:users!receiver_id(username)'],
        ['order', 'id'],
      ]),
    ).toEqual(expected);
  });

  it('resolves the foreign key column used as the target', async () => {
    expect(await rows('messages', [['select', 'id,sender_id(username)'], ['order', 'id']])).toEqual([
      { id: 1, sender_id: { username: 'alice' } },
      { id: 2, sender_id: { username: 'bob' } },
      { id: 3, sender_id: { username: 'alice' } },
    ]);
  });

  it('resolves the one-to-many direction with the referencing column as the hint', async () => {
    expect(
      await rows('users', [
        ['select', 'username,sent:messages!sender_id(body),received:messages!receiver_id(body)'],
        ['sent.order', 'id'],
        ['received.order', 'id'],
        ['order', 'id'],
      ]),
    ).toEqual([
      { username: 'alice', sent: [{ body: 'hi bob' }, { body: 'hello carol' }], received: [{ body: 'hi alice' }] },
      { username: 'bob', sent: [{ body: 'hi alice' }], received: [{ body: 'hi bob' }] },
      { username: 'carol', sent: [], received: [{ body: 'hello carol' }] },
    ]);
  });

  /** PostgREST lists the candidates in its own order; the hint must list them in the same order. */
  function expectAmbiguity(
    body: Json,
    origin: string,
    target: string,
    candidates: Array<{ cardinality: string; relationship: string }>,
  ) {
    expect(body.code).toBe('PGRST201');
    expect(body.message).toBe(`Could not embed because more than one relationship was found for '${origin}' and '${target}'`);
    const details = body.details as Array<{ cardinality: string; embedding: string; relationship: string }>;
    const byRel = (a: { relationship: string }, b: { relationship: string }) => a.relationship.localeCompare(b.relationship);
    expect([...details].sort(byRel)).toEqual(
      candidates.map((c) => ({ ...c, embedding: `${origin} with ${target}` })).sort(byRel),
    );
    const hintNames = details.map((d) => `'${target}!${d.relationship.split(' ')[0]}'`).join(', ');
    expect(body.hint).toBe(
      `Try changing '${target}' to one of the following: ${hintNames}. Find the desired relationship in the 'details' key.`,
    );
    expect(Object.keys(body).sort()).toEqual(['code', 'details', 'hint', 'message']);
  }

  it('answers 300 PGRST201 with the candidates when plain rel(...) is ambiguous (many-to-one)', async () => {
    const r = await get('messages', [['select', '*,users(*)']]);
    expect(r.status).toBe(300);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expectAmbiguity(r.json(), 'messages', 'users', [
      { cardinality: 'many-to-one', relationship: 'messages_sender_id_fkey using messages(sender_id) and users(id)' },
      { cardinality: 'many-to-one', relationship: 'messages_receiver_id_fkey using messages(receiver_id) and users(id)' },
    ]);
  });

  it('answers 300 PGRST201 in the one-to-many direction too', async () => {
    const r = await get('users', [['select', 'username,messages(body)']]);
    expect(r.status).toBe(300);
    expectAmbiguity(r.json(), 'users', 'messages', [
      { cardinality: 'one-to-many', relationship: 'messages_sender_id_fkey using users(id) and messages(sender_id)' },
      { cardinality: 'one-to-many', relationship: 'messages_receiver_id_fkey using users(id) and messages(receiver_id)' },
    ]);
  });

  it('reports the ambiguity through postgrest-js as an error with status 300', async () => {
    const { data, error, status } = await client.from('messages').select('id, users(username)');
    expect(status).toBe(300);
    expect(data).toBeNull();
    expect(error?.code).toBe('PGRST201');
  });
});

describe('missing relationship', () => {
  it('answers 400 PGRST200 when no foreign key links the two resources', async () => {
    const r = await get('messages', [['select', '*,zzz(*)']]);
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({
      code: 'PGRST200',
      message: "Could not find a relationship between 'messages' and 'zzz' in the schema cache",
      details:
        "Searched for a foreign key relationship between 'messages' and 'zzz' in the schema 'rest_read', but no matches were found.",
      hint: null,
    });
  });

  it('mentions the hint when the hint matches no foreign key', async () => {
    const r = await get('messages', [['select', 'id,users!nope_fkey(username)']]);
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({
      code: 'PGRST200',
      message: "Could not find a relationship between 'messages' and 'users' in the schema cache",
      details:
        "Searched for a foreign key relationship between 'messages' and 'users' using the hint 'nope_fkey' in the schema 'rest_read', but no matches were found.",
      hint: null,
    });
  });

  it('suggests a close relationship name', async () => {
    const r = await get('books', [['select', 'id,authorz(name)']]);
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({
      code: 'PGRST200',
      message: "Could not find a relationship between 'books' and 'authorz' in the schema cache",
      details:
        "Searched for a foreign key relationship between 'books' and 'authorz' in the schema 'rest_read', but no matches were found.",
      hint: "Perhaps you meant 'authors' instead of 'authorz'.",
    });
  });
});

describe('!inner and !left', () => {
  it('without !inner, an embedded filter only filters the embedded rows', async () => {
    expect(
      await rows('authors', [['select', 'id,books(title)'], ['books.genre', 'eq.poetry'], ['order', 'id']]),
    ).toEqual([
      { id: 1, books: [] },
      { id: 2, books: [] },
      { id: 3, books: [] },
      { id: 4, books: [{ title: 'Ariel' }] },
      { id: 5, books: [] },
    ]);
  });

  it('!inner drops the parent rows whose embedded result is empty', async () => {
    expect(await rows('authors', [['select', 'id,books!inner(title)'], ['books.genre', 'eq.poetry']])).toEqual([
      { id: 4, books: [{ title: 'Ariel' }] },
    ]);
  });

  it('!inner without an embedded filter keeps only parents that have children', async () => {
    const body = await rows('authors', [['select', 'id,books!inner(id)'], ['books.order', 'id'], ['order', 'id']]);
    expect(body.map((a: { id: number }) => a.id)).toEqual([1, 2, 3, 4]);
  });

  it('!left is the default behaviour', async () => {
    const body = await rows('authors', [['select', 'id,books!left(id)'], ['books.genre', 'eq.poetry'], ['order', 'id']]);
    expect(body).toEqual([
      { id: 1, books: [] },
      { id: 2, books: [] },
      { id: 3, books: [] },
      { id: 4, books: [{ id: 5 }] },
      { id: 5, books: [] },
    ]);
  });

  it('on a to-one embed, a filter without !inner nulls the parent and !inner drops the row', async () => {
    expect(
      await rows('books', [['select', 'id,authors(name)'], ['authors.country', 'eq.US'], ['order', 'id']]),
    ).toEqual([
      { id: 1, authors: { name: 'Ursula Le Guin' } },
      { id: 2, authors: { name: 'Ursula Le Guin' } },
      { id: 3, authors: null },
      { id: 4, authors: null },
      { id: 5, authors: { name: 'Sylvia Plath' } },
      { id: 6, authors: null },
      { id: 7, authors: null },
    ]);
    expect(
      await rows('books', [['select', 'id,authors!inner(name)'], ['authors.country', 'eq.US'], ['order', 'id']]),
    ).toEqual([
      { id: 1, authors: { name: 'Ursula Le Guin' } },
      { id: 2, authors: { name: 'Ursula Le Guin' } },
      { id: 5, authors: { name: 'Sylvia Plath' } },
    ]);
  });

  it('!inner works on a many-to-many embed', async () => {
    expect(await rows('books', [['select', 'id,tags!inner(name)'], ['tags.name', 'eq.essays']])).toEqual([
      { id: 6, tags: [{ name: 'essays' }] },
    ]);
  });

  it('combines a hint with !inner', async () => {
    expect(
      await rows('messages', [
        ['select', 'id,sender:users!sender_id!inner(username)'],
        ['sender.username', 'eq.alice'],
        ['order', 'id'],
      ]),
    ).toEqual([
      { id: 1, sender: { username: 'alice' } },
      { id: 3, sender: { username: 'alice' } },
    ]);
  });
});

describe('spread ...rel(cols)', () => {
  it('lifts the columns of a many-to-one embed into the parent row', async () => {
    expect(
      await rows('books', [['select', 'title,...authors(author_name:name,country)'], ['id', 'in.(1,7)'], ['order', 'id']]),
    ).toEqual([
      { title: 'The Dispossessed', author_name: 'Ursula Le Guin', country: 'US' },
      { title: 'Notes, Letters and Scraps', author_name: null, country: null },
    ]);
  });

  it('lifts the columns of a one-to-one embed into the parent row', async () => {
    expect(await rows('books', [['select', 'id,...book_details(isbn)'], ['id', 'in.(1,2)'], ['order', 'id']])).toEqual([
      { id: 1, isbn: '978-0060512750' },
      { id: 2, isbn: null },
    ]);
  });

  it('renames a spread column with an alias', async () => {
    expect(await rows('books', [['select', 'id,...publishers(publisher:name)'], ['id', 'eq.5']])).toEqual([
      { id: 5, publisher: 'Faber' },
    ]);
  });
});

describe('empty embed rel()', () => {
  it('adds no key to the row', async () => {
    expect(await rows('books', [['select', 'id,authors()'], ['id', 'in.(1,7)'], ['order', 'id']])).toEqual([
      { id: 1 },
      { id: 7 },
    ]);
  });

  it('with !inner, filters the parent rows without adding a key', async () => {
    expect(
      await rows('books', [['select', 'id,authors!inner()'], ['authors.name', 'eq.Italo Calvino'], ['order', 'id']]),
    ).toEqual([{ id: 3 }, { id: 6 }]);
    expect(await rows('tags', [['select', 'name,books!inner()'], ['books.genre', 'eq.nonfiction']])).toEqual([
      { name: 'essays' },
    ]);
  });
});

describe('nested embeds', () => {
  it('embeds a parent of the embedded children', async () => {
    expect(await rows('publishers', [['select', 'name,books(title,authors(name))'], ['id', 'eq.2']])).toEqual([
      { name: 'Faber', books: [{ title: 'Ariel', authors: { name: 'Sylvia Plath' } }] },
    ]);
  });

  it('embeds three levels with ordering at each level', async () => {
    expect(
      await rows('authors', [
        ['select', 'name,books(title,tags(name))'],
        ['id', 'eq.3'],
        ['books.order', 'id'],
        ['books.tags.order', 'name.desc'],
      ]),
    ).toEqual([
      {
        name: 'Jorge Luis Borges',
        books: [{ title: 'Ficciones', tags: [{ name: 'short-stories' }, { name: 'classic' }] }],
      },
    ]);
  });

  it('applies a filter at the second embedded level', async () => {
    expect(
      await rows('authors', [
        ['select', 'name,books(title,tags(name))'],
        ['id', 'eq.1'],
        ['books.order', 'id'],
        ['books.tags.name', 'eq.sci-fi'],
      ]),
    ).toEqual([
      {
        name: 'Ursula Le Guin',
        books: [
          { title: 'The Dispossessed', tags: [{ name: 'sci-fi' }] },
          { title: 'The Left Hand of Darkness', tags: [{ name: 'sci-fi' }] },
        ],
      },
    ]);
  });

  it('embeds the same relationship twice under different aliases with their own filters', async () => {
    expect(
      await rows('authors', [
        ['select', 'id,fiction:books(id),other:books(id)'],
        ['fiction.genre', 'eq.fiction'],
        ['other.genre', 'neq.fiction'],
        ['fiction.order', 'id'],
        ['other.order', 'id'],
        ['id', 'in.(2,4)'],
        ['order', 'id'],
      ]),
    ).toEqual([
      { id: 2, fiction: [{ id: 3 }], other: [{ id: 6 }] },
      { id: 4, fiction: [], other: [{ id: 5 }] },
    ]);
  });
});

describe('embedded filters, order, limit, offset and or', () => {
  it('orders the embedded rows', async () => {
    expect(
      await rows('authors', [['select', 'name,books(title)'], ['id', 'eq.1'], ['books.order', 'published_year.desc']]),
    ).toEqual([{ name: 'Ursula Le Guin', books: [{ title: 'The Dispossessed' }, { title: 'The Left Hand of Darkness' }] }]);
  });

  it('limits the embedded rows per parent', async () => {
    expect(
      await rows('authors', [['select', 'id,books(id)'], ['books.order', 'id'], ['books.limit', '1'], ['order', 'id']]),
    ).toEqual([
      { id: 1, books: [{ id: 1 }] },
      { id: 2, books: [{ id: 3 }] },
      { id: 3, books: [{ id: 4 }] },
      { id: 4, books: [{ id: 5 }] },
      { id: 5, books: [] },
    ]);
  });

  it('offsets the embedded rows per parent', async () => {
    expect(
      await rows('authors', [['select', 'id,books(id)'], ['books.order', 'id'], ['books.offset', '1'], ['order', 'id']]),
    ).toEqual([
      { id: 1, books: [{ id: 2 }] },
      { id: 2, books: [{ id: 6 }] },
      { id: 3, books: [] },
      { id: 4, books: [] },
      { id: 5, books: [] },
    ]);
  });

  it('applies or=() to the embedded rows', async () => {
    expect(
      await rows('authors', [
        ['select', 'id,books(title)'],
        ['books.or', '(genre.eq.poetry,pages.lt.150)'],
        ['books.order', 'id'],
        ['order', 'id'],
      ]),
    ).toEqual([
      { id: 1, books: [] },
      { id: 2, books: [{ title: 'Six Memos for the Next Millennium' }] },
      { id: 3, books: [] },
      { id: 4, books: [{ title: 'Ariel' }] },
      { id: 5, books: [] },
    ]);
  });

  it('is what postgrest-js sends with referencedTable', async () => {
    const { data, error } = await client
      .from('authors')
      .select('id, books(id)')
      .order('id', { referencedTable: 'books', ascending: false })
      .limit(1, { referencedTable: 'books' })
      .in('id', [1, 2])
      .order('id');
    expect(error).toBeNull();
    expect(data).toEqual([
      { id: 1, books: [{ id: 2 }] },
      { id: 2, books: [{ id: 6 }] },
    ]);
  });
});

describe('null filtering on embedded resources', () => {
  it('rel=is.null keeps the parents without a related row (anti-join)', async () => {
    expect(await rows('authors', [['select', 'name,books()'], ['books', 'is.null']])).toEqual([{ name: 'Nobody Yet' }]);
    expect(await rows('books', [['select', 'id,authors()'], ['authors', 'is.null']])).toEqual([{ id: 7 }]);
  });

  it('rel=not.is.null keeps the parents with a related row, like !inner', async () => {
    const body = await rows('authors', [['select', 'id,books()'], ['books', 'not.is.null'], ['order', 'id']]);
    expect(body).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);
  });

  it('rel=is.null is evaluated after the embedded filters', async () => {
    expect(
      await rows('authors', [['select', 'id,books()'], ['books.genre', 'eq.fiction'], ['books', 'is.null'], ['order', 'id']]),
    ).toEqual([{ id: 4 }, { id: 5 }]);
  });

  it('rel=not.is.null with embedded filters on a to-one embed', async () => {
    expect(
      await rows('books', [
        ['select', 'id,authors(name)'],
        ['authors.country', 'eq.US'],
        ['authors', 'not.is.null'],
        ['order', 'id'],
      ]),
    ).toEqual([
      { id: 1, authors: { name: 'Ursula Le Guin' } },
      { id: 2, authors: { name: 'Ursula Le Guin' } },
      { id: 5, authors: { name: 'Sylvia Plath' } },
    ]);
  });

  it('works on many-to-many embeds and can be combined in or=()', async () => {
    expect(await rows('tags', [['select', 'name,books()'], ['books', 'is.null']])).toEqual([{ name: 'unused' }]);
    expect(
      await rows('books', [
        ['select', 'id,book_details(),tags()'],
        ['tags.name', 'eq.essays'],
        ['or', '(book_details.not.is.null,tags.not.is.null)'],
        ['order', 'id'],
      ]),
    ).toEqual([{ id: 1 }, { id: 3 }, { id: 5 }, { id: 6 }]);
  });
});

describe('order=rel(col) on a to-one embed', () => {
  it('orders the parent rows by a column of the embedded parent', async () => {
    const body = await rows('books', [['select', 'id,authors(name)'], ['order', 'authors(name).asc.nullslast,id.asc']]);
    expect(body.map((b: { id: number }) => b.id)).toEqual([3, 6, 4, 5, 1, 2, 7]);
  });

  it('honours desc and nullsfirst', async () => {
    const body = await rows('books', [['select', 'id,authors(name)'], ['order', 'authors(name).desc.nullsfirst,id.asc']]);
    expect(body.map((b: { id: number }) => b.id)).toEqual([7, 1, 2, 5, 4, 3, 6]);
  });

  it('uses the alias of the embed', async () => {
    const body = await rows('books', [['select', 'id,author:authors(born)'], ['order', 'author(born).asc,id'], ['id', 'lt.7']]);
    expect(body.map((b: { id: number }) => b.id)).toEqual([4, 3, 6, 1, 2, 5]);
  });

  it('refuses a related order on a to-many embed with 400 PGRST118', async () => {
    const r = await get('authors', [['select', 'id,books(id)'], ['order', 'books(title)']]);
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({
      code: 'PGRST118',
      message: "A related order on 'books' is not possible",
      details: "'authors' and 'books' do not form a many-to-one or one-to-one relationship",
      hint: null,
    });
  });
});

describe('embedding through a view', () => {
  it('embeds the parent of a view row through the base table foreign key', async () => {
    expect(await rows('fiction_books', [['select', 'id,authors(name)'], ['order', 'id']])).toEqual([
      { id: 1, authors: { name: 'Ursula Le Guin' } },
      { id: 2, authors: { name: 'Ursula Le Guin' } },
      { id: 3, authors: { name: 'Italo Calvino' } },
      { id: 4, authors: { name: 'Jorge Luis Borges' } },
    ]);
  });

  it('embeds the view rows as children of the table', async () => {
    expect(
      await rows('authors', [['select', 'id,fiction_books(id)'], ['fiction_books.order', 'id'], ['order', 'id']]),
    ).toEqual([
      { id: 1, fiction_books: [{ id: 1 }, { id: 2 }] },
      { id: 2, fiction_books: [{ id: 3 }] },
      { id: 3, fiction_books: [{ id: 4 }] },
      { id: 4, fiction_books: [] },
      { id: 5, fiction_books: [] },
    ]);
  });

  it('supports !inner and embedded filters through the view', async () => {
    expect(
      await rows('fiction_books', [['select', 'id,authors!inner(country)'], ['authors.country', 'eq.US'], ['order', 'id']]),
    ).toEqual([
      { id: 1, authors: { country: 'US' } },
      { id: 2, authors: { country: 'US' } },
    ]);
  });
});

describe('row level security inside embeds', () => {
  it('hides the embedded rows anon may not see', async () => {
    expect(
      await rows('authors', [['select', 'id,documents(title)'], ['documents.order', 'id'], ['id', 'in.(1,2)'], ['order', 'id']]),
    ).toEqual([
      { id: 1, documents: [{ title: 'Public notice' }] },
      { id: 2, documents: [{ title: 'Press release' }] },
    ]);
  });
});
