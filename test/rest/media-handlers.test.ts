/**
 * PostgREST 12's media type handlers: domains named like media types, functions returning them,
 * aggregates returning them as a relation's (or any relation's) handler, `*\/*` handlers,
 * overriding built-in types, q-value negotiation, 406 PGRST107; and application/geo+json with
 * PostGIS. Fixture: test/fixtures/16_rest_media.sql (schema rest_media).
 */
import { describe, expect, it } from 'vitest';
import { db, restUrl } from '../support/env.ts';
import { sender } from '../support/http.ts';

const send = sender(restUrl, 'rest_media');

async function get(path: string, accept: string | undefined, params: [string, string][] = []) {
  const res = await send('GET', path, { params, headers: accept === undefined ? {} : { Accept: accept } });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, text: bytes.toString('utf8') };
}

const notAcceptable = (types: string) => ({ code: 'PGRST107', details: null, hint: null, message: `None of these media types are available: ${types}` });

describe('aggregate handlers for a relation', () => {
  it('builds the body of a table with its handler', async () => {
    const r = await get('/shapes', 'application/vnd.pack', [['order', 'id']]);
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/vnd.pack');
    expect(r.bytes).toEqual(Buffer.from([1, 2, 3, 4, 5]));
    expect(r.headers.get('content-length')).toBe('5');
  });

  it('applies filters before the handler', async () => {
    const r = await get('/shapes', 'application/vnd.pack', [['id', 'eq.2']]);
    expect(r.status).toBe(200);
    expect(r.bytes).toEqual(Buffer.from([3, 4]));
  });

  it('uses a relation handler only with the default select', async () => {
    for (const select of ['id', 'id,name,code', 'name,id,code']) {
      const r = await get('/shapes', 'application/vnd.pack', [['select', select]]);
      expect(r.status, select).toBe(406);
      expect(JSON.parse(r.text)).toEqual(notAcceptable('application/vnd.pack'));
    }
    expect((await get('/shapes', 'application/vnd.pack', [['select', '*']])).status).toBe(200);
  });

  it('answers 406 for a media type nothing handles, naming what was asked', async () => {
    const r = await get('/shapes', 'text/plain');
    expect(r.status).toBe(406);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(JSON.parse(r.text)).toEqual(notAcceptable('text/plain'));
    const many = await get('/shapes', 'text/plain; q=0.5, application/xml');
    expect(JSON.parse(many.text)).toEqual(notAcceptable('application/xml, text/plain'));
    const unparsable = await get('/shapes', 'undefined');
    expect(JSON.parse(unparsable.text)).toEqual(notAcceptable('undefined'));
  });

  it('serves the rows of a set-returning function with the handler of its table', async () => {
    const r = await get('/rpc/all_shapes', 'application/vnd.pack');
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/vnd.pack');
    expect(r.bytes).toEqual(Buffer.from([1, 2, 3, 4, 5]));
    // Built-in octet-stream needs a single column: 406 for whole rows, as PostgREST 12.
    const raw = await get('/rpc/all_shapes', 'application/octet-stream');
    expect(raw.status).toBe(406);
    expect(JSON.parse(raw.text)).toEqual(notAcceptable('application/octet-stream'));
  });

  it('overrides text/csv for one table, with the headers its final function sets', async () => {
    const r = await get('/shapes', 'text/csv', [['order', 'id']]);
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="shapes.csv"');
    expect(r.text).toBe('id;name\n1;square\n2;circle\n3;line\n');
    // other tables keep the built-in CSV
    const books = await get('/books', 'text/csv', [['order', 'id']]);
    expect(books.text).toBe('id,title\n1,Dune\n2,Emma');
  });

  it('overrides application/json for one table', async () => {
    const r = await get('/json_over', 'application/json');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(JSON.parse(r.text)).toEqual({ rows: 1 });
  });

  it('answers a custom text type with no charset, and text/xml with one', async () => {
    const tsv = await get('/books', 'text/tab-separated-values', [['order', 'id']]);
    expect(tsv.status).toBe(200);
    expect(tsv.headers.get('content-type')).toBe('text/tab-separated-values');
    expect(tsv.text).toBe('id\ttitle\n1\tDune\n2\tEmma\n');
    const xml = await get('/docs', 'text/xml', [['order', 'id']]);
    expect(xml.status).toBe(200);
    expect(xml.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(xml.text).toBe('<a>1</a><b/>');
  });

  it('never lets a handler replace a vendored type', async () => {
    const r = await get('/books', 'application/vnd.pgrst.object', [['id', 'eq.1']]);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/vnd.pgrst.object+json; charset=utf-8');
    expect(JSON.parse(r.text)).toEqual({ id: 1, title: 'Dune' });
  });

  it('answers a write representation through the handler', async () => {
    const r = await send('POST', '/books', {
      body: { id: 101, title: 'Ulysses' },
      headers: { Prefer: 'return=representation,tx=rollback', Accept: 'text/tab-separated-values' },
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('content-type')).toBe('text/tab-separated-values');
    expect(await r.text()).toBe('id\ttitle\n101\tUlysses\n');
  });
});

describe('anyelement handlers', () => {
  it('serve every relation, whatever the select', async () => {
    const r = await get('/books', 'pg/outfunc', [['order', 'id']]);
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe('pg/outfunc');
    expect(r.text).toBe('(1,Dune)\n(2,Emma)\n');
    const some = await get('/shapes', 'pg/outfunc', [['select', 'name,id'], ['id', 'lt.3'], ['order', 'id']]);
    expect(some.text).toBe('(square,1)\n(circle,2)\n');
  });
});

describe('the any media type', () => {
  it('a table handler for */* answers every Accept, as application/octet-stream unless it sets a type', async () => {
    const star = await get('/numbers', '*/*', [['val', 'eq.1']]);
    expect(star.status, star.text).toBe(200);
    expect(star.headers.get('content-type')).toBe('application/octet-stream');
    expect(star.text).toBe('any\n1');
    const words = await get('/numbers', 'number/words', [['val', 'eq.2']]);
    expect(words.headers.get('content-type')).toBe('number/words');
    expect(words.text).toBe('words\n2');
    const json = await get('/numbers', 'application/json', [['val', 'eq.3']]);
    expect(json.text).toBe('any\n3');
  });

  it('a function returning */* answers any Accept, and may refuse with PT406', async () => {
    for (const accept of ['*/*', 'app/bingo', 'image/whatever']) {
      const r = await get('/rpc/anything', accept);
      expect(r.status, accept).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/octet-stream');
      expect(r.text).toBe('anything');
    }
    const one = await get('/rpc/picky', 'app/one');
    expect(one.status).toBe(200);
    expect(one.headers.get('content-type')).toBe('app/one');
    expect(one.text).toBe('one');
    const refused = await get('/rpc/picky', 'text/csv');
    expect(refused.status).toBe(406);
  });
});

describe('functions returning a media type', () => {
  it('answer their value as is', async () => {
    const plain = await get('/rpc/hello', 'text/plain');
    expect(plain.status, plain.text).toBe(200);
    expect(plain.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(plain.text).toBe('Hello from Basalt');
    expect(plain.headers.get('content-length')).toBe('17');
    const html = await get('/rpc/page.html', 'text/html');
    expect(html.headers.get('content-type')).toBe('text/html');
    expect(html.text).toBe('<h1>Hi</h1>');
    const xml = await get('/rpc/tag', 'text/xml');
    expect(xml.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(xml.text).toBe('<tag/>');
    const png = await get('/rpc/pixel', 'image/png');
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(png.bytes).toEqual(Buffer.from('89504e470d0a1a0a', 'hex'));
  });

  it('still answer JSON when JSON is asked for', async () => {
    const r = await get('/rpc/hello', 'application/json');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toBe('Hello from Basalt');
  });

  it('pick the media type by q-value', async () => {
    const r = await get('/rpc/pixel', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/png,*/*;q=0.8');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    const json = await get('/books', 'text/plain, application/json', [['id', 'eq.1']]);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('answer an empty body when the function returns NULL', async () => {
    const r = await get('/rpc/shape_code', 'application/vnd.pack', [['id', '777']]);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/vnd.pack');
    expect(r.text).toBe('');
    const found = await get('/rpc/shape_code', 'application/vnd.pack', [['id', '2']]);
    expect(found.bytes).toEqual(Buffer.from([3, 4]));
  });

  it('406 for a type the function does not return, and for a set of media values', async () => {
    const wrong = await get('/rpc/hello', 'text/xml');
    expect(wrong.status).toBe(406);
    expect(JSON.parse(wrong.text)).toEqual(notAcceptable('text/xml'));
    const plainText = await get('/rpc/plain_text', 'text/plain');
    expect(plainText.status).toBe(406);
    const twice = await get('/rpc/hello_twice', 'text/plain');
    expect(twice.status).toBe(406);
    expect(JSON.parse(twice.text)).toEqual(notAcceptable('text/plain'));
  });
});

describe('application/geo+json (PostGIS)', () => {
  it('PostGIS is installed on the test server (npm test installs postgresql-<major>-postgis-3)', async () => {
    const { rows } = await db().query(`SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'postgis'`);
    expect(rows.length, 'PostGIS is missing: install Debian\'s postgresql-<major>-postgis-3 (scripts/ensure-deps.sh test does this as root)').toBe(1);
  });

  it('builds a FeatureCollection from the rows with ST_AsGeoJSON', async () => {
    const r = await get('/places', 'application/geo+json', [['order', 'id']]);
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/geo+json; charset=utf-8');
    expect(JSON.parse(r.text)).toEqual({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', geometry: { type: 'Point', coordinates: [0, 0] }, properties: { id: 1, name: 'origin' } },
        { type: 'Feature', geometry: { type: 'Point', coordinates: [3, 1] }, properties: { id: 2, name: 'east' } },
      ],
    });
  });

  it('follows select and filters, and serves set-returning functions', async () => {
    const r = await get('/places', 'application/geo+json', [['select', 'name,geom'], ['id', 'eq.2']]);
    expect(JSON.parse(r.text)).toEqual({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [3, 1] }, properties: { name: 'east' } }],
    });
    const empty = await get('/places', 'application/geo+json', [['id', 'gt.100']]);
    expect(JSON.parse(empty.text)).toEqual({ type: 'FeatureCollection', features: [] });
    const rpc = await get('/rpc/places_named', 'application/geo+json', [['prefix', 'or']]);
    expect(rpc.status, rpc.text).toBe(200);
    expect(JSON.parse(rpc.text).features.map((f: { properties: { id: number } }) => f.properties.id)).toEqual([1]);
  });

  it('fails with PostGIS\'s 22023 for rows without a geometry column', async () => {
    const r = await get('/books', 'application/geo+json');
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual({ code: '22023', details: null, hint: null, message: 'geometry column is missing' });
  });

  it('answers a write representation as GeoJSON', async () => {
    const res = await send('POST', '/places', {
      body: { id: 101, name: 'north', geom: 'SRID=4326;POINT(0 5)' },
      headers: { Prefer: 'return=representation,tx=rollback', Accept: 'application/geo+json' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/geo+json; charset=utf-8');
    expect(await res.json()).toEqual({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [0, 5] }, properties: { id: 101, name: 'north' } }],
    });
  });
});
