/**
 * Representations and protocol surface of the read side of /rest/v1 (PostgREST
 * 12–14 semantics): JSON, CSV, singular objects, nulls=stripped, binary, content
 * negotiation errors, schema profiles, OPTIONS, CORS and the OpenAPI root.
 */
import { describe, expect, it } from 'vitest';
import { PostgrestClient } from '@supabase/postgrest-js';
import { restUrl } from '../support/env.ts';
import { JSON_CT, type Json, type Param, type Reply, toReply } from '../support/http.ts';

const client = new PostgrestClient(restUrl, { schema: 'rest_read' });

async function request(
  method: string,
  path: string,
  params: Param[] = [],
  headers: Record<string, string> = {},
): Promise<Reply> {
  const search = new URLSearchParams(params).toString();
  const res = await fetch(`${restUrl}${path}${search ? `?${search}` : ''}`, { method, headers });
  return toReply(res);
}

/** GET in the rest_read profile. */
const get = (table: string, params: Param[] = [], headers: Record<string, string> = {}) =>
  request('GET', `/${table}`, params, { 'Accept-Profile': 'rest_read', ...headers });

describe('JSON (default)', () => {
  it('answers application/json with an array when no Accept is given', async () => {
    const r = await get('publishers', [['order', 'id']]);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.json()).toEqual([
      { id: 1, name: 'Penguin' },
      { id: 2, name: 'Faber' },
      { id: 3, name: 'Ace' },
      { id: 4, name: 'Small Press' },
    ]);
  });

  it('answers application/json for Accept: application/json and for */*', async () => {
    for (const accept of ['application/json', '*/*', 'application/vnd.pgrst.array+json']) {
      const r = await get('publishers', [['id', 'eq.2']], { Accept: accept });
      expect(r.status, accept).toBe(200);
      expect(r.headers.get('content-type'), accept).toBe(JSON_CT);
      expect(r.json(), accept).toEqual([{ id: 2, name: 'Faber' }]);
    }
  });

  it('answers [] for an empty result', async () => {
    const r = await get('publishers', [['id', 'eq.999']]);
    expect(r.status).toBe(200);
    expect(r.text).toBe('[]');
  });

  it('picks an available type from a list and lets */* rescue an unknown one', async () => {
    const r = await get('publishers', [['id', 'eq.1']], { Accept: 'text/unknowntype, */*' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.json()).toEqual([{ id: 1, name: 'Penguin' }]);
  });
});

describe('text/csv', () => {
  it('writes a header line and one line per row, quoting like PostgreSQL record output', async () => {
    const r = await get('authors', [['select', 'id,name,country'], ['order', 'id']], { Accept: 'text/csv' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.text).toBe(
      [
        'id,name,country',
        '1,"Ursula Le Guin",US',
        '2,"Italo Calvino",IT',
        '3,"Jorge Luis Borges",AR',
        '4,"Sylvia Plath",US',
        '5,"Nobody Yet",',
      ].join('\n'),
    );
  });

  it('quotes values that contain a comma and leaves NULL empty', async () => {
    const r = await get('books', [['select', 'id,title,published_year,genre'], ['id', 'in.(4,7)'], ['order', 'id']], {
      Accept: 'text/csv',
    });
    expect(r.status).toBe(200);
    expect(r.text).toBe('id,title,published_year,genre\n4,Ficciones,1944,fiction\n7,"Notes, Letters and Scraps",,nonfiction');
  });

  it('is preferred when listed first, even before application/json', async () => {
    const r = await get('publishers', [['select', 'id,name'], ['id', 'eq.1']], { Accept: 'text/csv, application/json' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.text).toBe('id,name\n1,Penguin');
  });

  it('is what postgrest-js csv() returns', async () => {
    const { data, error } = await client.from('publishers').select('id,name').in('id', [2, 3]).order('id').csv();
    expect(error).toBeNull();
    expect(data).toBe('id,name\n2,Faber\n3,Ace');
  });
});

describe('application/vnd.pgrst.object+json', () => {
  const OBJECT = 'application/vnd.pgrst.object+json';

  it('returns the single row as an object', async () => {
    const r = await get('authors', [['id', 'eq.3']], { Accept: OBJECT });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/vnd.pgrst.object+json; charset=utf-8');
    expect(r.json()).toEqual({ id: 3, name: 'Jorge Luis Borges', country: 'AR', born: 1899 });
  });

  it('accepts the type without the +json suffix', async () => {
    const r = await get('authors', [['select', 'name'], ['id', 'eq.3']], { Accept: 'application/vnd.pgrst.object' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/vnd.pgrst.object+json; charset=utf-8');
    expect(r.json()).toEqual({ name: 'Jorge Luis Borges' });
  });

  it('refuses zero rows with 406 PGRST116', async () => {
    const r = await get('authors', [['id', 'eq.999']], { Accept: OBJECT });
    expect(r.status).toBe(406);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.json()).toEqual({
      code: 'PGRST116',
      message: 'Cannot coerce the result to a single JSON object',
      details: 'The result contains 0 rows',
      hint: null,
    });
  });

  it('refuses two rows with 406 PGRST116', async () => {
    const r = await get('authors', [['country', 'eq.US']], { Accept: OBJECT });
    expect(r.status).toBe(406);
    expect(r.json()).toEqual({
      code: 'PGRST116',
      message: 'Cannot coerce the result to a single JSON object',
      details: 'The result contains 2 rows',
      hint: null,
    });
  });

  it('works with embeds', async () => {
    const r = await get('books', [['select', 'title,authors(name),tags(name)'], ['id', 'eq.6']], { Accept: OBJECT });
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({
      title: 'Six Memos for the Next Millennium',
      authors: { name: 'Italo Calvino' },
      tags: [{ name: 'essays' }],
    });
  });

  it('is what postgrest-js single() uses', async () => {
    const one = await client.from('authors').select('name').eq('id', 1).single();
    expect(one.error).toBeNull();
    expect(one.status).toBe(200);
    expect(one.data).toEqual({ name: 'Ursula Le Guin' });

    const none = await client.from('authors').select('name').eq('id', 999).single();
    expect(none.status).toBe(406);
    expect(none.data).toBeNull();
    expect(none.error).toEqual({
      code: 'PGRST116',
      message: 'Cannot coerce the result to a single JSON object',
      details: 'The result contains 0 rows',
      hint: null,
    });
  });

  it('lets postgrest-js maybeSingle() return null for zero rows', async () => {
    const { data, error, status } = await client.from('authors').select('name').eq('id', 999).maybeSingle();
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toBeNull();
  });
});

describe('nulls=stripped', () => {
  it('removes null-valued keys from every object of an array', async () => {
    const r = await get('authors', [['id', 'in.(4,5)'], ['order', 'id']], {
      Accept: 'application/vnd.pgrst.array+json;nulls=stripped',
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8');
    expect(r.json()).toEqual([
      { id: 4, name: 'Sylvia Plath', country: 'US', born: 1932 },
      { id: 5, name: 'Nobody Yet' },
    ]);
  });

  it('strips nulls even from explicitly selected columns', async () => {
    const r = await get('books', [['select', 'id,published_year,pages'], ['id', 'in.(6,7)'], ['order', 'id']], {
      Accept: 'application/vnd.pgrst.array+json;nulls=stripped',
    });
    expect(r.status).toBe(200);
    expect(r.json()).toEqual([{ id: 6, published_year: 1988, pages: 124 }, { id: 7 }]);
  });

  it('works for a singular object', async () => {
    const r = await get('authors', [['id', 'eq.5']], { Accept: 'application/vnd.pgrst.object+json;nulls=stripped' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8');
    expect(r.json()).toEqual({ id: 5, name: 'Nobody Yet' });
  });

  it('is what postgrest-js stripNulls() asks for', async () => {
    const { data, error } = await client.from('authors').select('id,country').in('id', [1, 5]).order('id').stripNulls();
    expect(error).toBeNull();
    expect(data).toEqual([{ id: 1, country: 'US' }, { id: 5 }]);
  });
});

describe('application/octet-stream', () => {
  // Basalt keeps PostgREST 11's raw output of a single bytea column (the issue asks for it);
  // PostgREST 12+ would need a media type handler in the database for this.
  it('returns the raw bytes of a single bytea column', async () => {
    const res = await fetch(`${restUrl}/files?select=content&id=eq.2`, { headers: { Accept: 'application/octet-stream', 'Accept-Profile': 'rest_read' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from([0x00, 0xff, 0x10]));
  });

  it('concatenates the rows with no delimiter', async () => {
    const res = await fetch(`${restUrl}/files?select=content&order=id`, { headers: { Accept: 'application/octet-stream', 'Accept-Profile': 'rest_read' } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.concat([Buffer.from('hello'), Buffer.from([0x00, 0xff, 0x10])]));
  });
});

describe('unknown Accept', () => {
  it('answers 406 PGRST107 naming the requested type', async () => {
    const r = await get('publishers', [], { Accept: 'text/unknowntype' });
    expect(r.status).toBe(406);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.json()).toEqual({
      code: 'PGRST107',
      message: 'None of these media types are available: text/unknowntype',
      details: null,
      hint: null,
    });
  });
});

describe('schema profiles', () => {
  it('echoes Accept-Profile as Content-Profile', async () => {
    const r = await get('publishers', [['id', 'eq.1']]);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-profile')).toBe('rest_read');
  });

  it('uses the first exposed schema (public) when no profile is sent', async () => {
    const r = await request('GET', '/fiction_books');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    // rest_read.fiction_books exists, but only public is searched: no hint points across schemas.
    expect(r.json()).toEqual({
      code: 'PGRST205',
      message: "Could not find the table 'public.fiction_books' in the schema cache",
      details: null,
      hint: null,
    });
  });

  it('refuses a schema that is not exposed with 406 PGRST106', async () => {
    const r = await request('GET', '/books', [], { 'Accept-Profile': 'nope' });
    expect(r.status).toBe(406);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    // PostgREST 12.x–13.0.6 and 13.0.7+ word this error differently; both are PostgREST.
    // The list names the configured schemas first; projects with API keys may follow.
    const body = r.json();
    expect(body.code).toBe('PGRST106');
    expect(body.details).toBeNull();
    const listed = body.message === 'Invalid schema: nope' ? body.hint : body.message;
    expect(listed).toMatch(/^(Only the following schemas are exposed|The schema must be one of the following): public, rest_read, rest_write(, [a-z_0-9]+)*$/);
  });

  it('reports an unknown schema through postgrest-js', async () => {
    const other = new PostgrestClient(restUrl, { schema: 'nope' });
    const { data, error, status } = await other.from('books').select('id');
    expect(status).toBe(406);
    expect(data).toBeNull();
    expect(error?.code).toBe('PGRST106');
  });
});

describe('OPTIONS', () => {
  it('answers 200 with the Allow header for a table', async () => {
    const r = await request('OPTIONS', '/books', [], { 'Accept-Profile': 'rest_read' });
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(r.headers.get('allow')).toBe('OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE');
  });

  it('answers 200 with the Allow header for the root', async () => {
    const r = await request('OPTIONS', '/', [], { 'Accept-Profile': 'rest_read' });
    expect(r.status).toBe(200);
    expect(r.headers.get('allow')).toBe('OPTIONS,GET,HEAD');
  });

  it('answers 404 for an unknown table', async () => {
    const r = await request('OPTIONS', '/no_such_table', [], { 'Accept-Profile': 'rest_read' });
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.headers.get('allow')).toBeNull();
    expect(r.json()).toEqual({
      code: 'PGRST205',
      message: "Could not find the table 'rest_read.no_such_table' in the schema cache",
      details: null,
      hint: null,
    });
  });
});

describe('CORS', () => {
  it('answers a preflight permissively', async () => {
    const r = await request('OPTIONS', '/books', [], {
      Origin: 'http://example.com',
      'Access-Control-Request-Method': 'GET',
      'Access-Control-Request-Headers': 'authorization,apikey,accept-profile,x-client-info',
    });
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-allow-methods')).toBe('GET, POST, PATCH, PUT, DELETE, OPTIONS, HEAD');
    const allowed = (r.headers.get('access-control-allow-headers') ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase());
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'apikey', 'accept-profile', 'x-client-info']));
    expect(r.headers.get('access-control-max-age')).toBe('86400');
  });

  it('allows any origin on a simple request and exposes Content-Range', async () => {
    const r = await get('publishers', [['id', 'eq.1']], { Origin: 'http://example.com' });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    const exposed = (r.headers.get('access-control-expose-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
    expect(exposed).toEqual(expect.arrayContaining(['content-range', 'content-type', 'location', 'range-unit']));
  });
});

describe('OpenAPI root', () => {
  async function openapi(): Promise<Json> {
    const r = await request('GET', '/', [], { 'Accept-Profile': 'rest_read' });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/openapi+json; charset=utf-8');
    expect(r.headers.get('content-profile')).toBe('rest_read');
    return r.json();
  }

  it('describes the profile schema as Swagger 2.0', async () => {
    const spec = await openapi();
    expect(spec.swagger).toBe('2.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/books', '/authors', '/fiction_books', '/book_tags', '/documents']),
    );
    expect(Object.keys(spec.definitions)).toEqual(expect.arrayContaining(['books', 'authors', 'fiction_books']));
  });

  it('uses the table comment as the definition description and the path summary', async () => {
    const spec = await openapi();
    expect(spec.definitions.books.description).toBe('Books in the catalogue');
    expect(spec.definitions.fiction_books.description).toBe('Only the fiction books');
    expect(spec.paths['/books'].get.summary).toBe('Books in the catalogue');
  });

  it('uses column comments and key notes as property descriptions', async () => {
    const props = (await openapi()).definitions.books.properties;
    expect(props.title.description).toBe('The title as printed on the cover');
    expect(props.id.description).toBe('Note:\nThis is a Primary Key.<pk/>');
    expect(props.author_id.description).toBe(
      "Note:\nThis is a Foreign Key to `authors.id`.<fk table='authors' column='id'/>",
    );
    expect(props.pages).not.toHaveProperty('description');
  });

  it('lists the NOT NULL columns without defaults as required', async () => {
    const def = (await openapi()).definitions.books;
    expect([...def.required].sort()).toEqual(['genre', 'id', 'title']);
  });

  it('lists the enum labels of an enum column', async () => {
    const genre = (await openapi()).definitions.books.properties.genre;
    expect(genre.type).toBe('string');
    expect(genre.enum).toEqual(['fiction', 'nonfiction', 'poetry']);
  });

  it('answers HEAD on the root without a body', async () => {
    const r = await request('HEAD', '/', [], { 'Accept-Profile': 'rest_read' });
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(r.headers.get('content-type')).toBe('application/openapi+json; charset=utf-8');
  });
});
