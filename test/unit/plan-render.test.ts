/** The plan and render steps on a hand-built schema cache: no database, no HTTP. */
import { describe, expect, it } from 'vitest';
import { buildSchemaCache } from '../../src/api/schema-cache/build.ts';
import { parseQueryParams } from '../../src/api/engine/parse/query-params.ts';
import { checkCast, findTable, planRead } from '../../src/api/engine/plan/read-plan.ts';
import { renderRead } from '../../src/api/engine/render/read.ts';
import { renderMutation } from '../../src/api/engine/render/mutate.ts';
import { ApiError } from '../../src/shared/errors.ts';

const table = (name: string, pk: string[]) => ({ schema: 'api', name, oid: 1, relkind: 'r', comment: null, pk, insertable: true, updatable: true, deletable: true });
const col = (t: string, name: string, udt = 'int4', position = 1) => ({
  schema: 'api', table: t, name, position, type: udt === 'int4' ? 'integer' : 'text', udt, element_udt: null, category: udt === 'int4' ? 'N' : 'S',
  nullable: true, default: null, generated: false, identity_always: false, comment: null, max_length: null, enum: null,
});
const fk = (name: string, t: string, cols: string[], ref: string, refCols: string[], inKey = false) => ({
  name, schema: 'api', table: t, ref_schema: 'api', ref_table: ref, columns: cols, ref_columns: refCols, is_unique: false, in_key: inKey,
});

const cache = buildSchemaCache(
  ['api'],
  [table('directors', ['id']), table('films', ['id']), table('actors', ['id']), table('roles', ['film_id', 'actor_id']), table('people', ['id']), table('messages', ['id'])],
  [
    col('directors', 'id'), col('directors', 'name', 'text', 2),
    col('films', 'id'), col('films', 'title', 'text', 2), col('films', 'director_id', 'int4', 3),
    col('actors', 'id'), col('actors', 'name', 'text', 2),
    col('roles', 'film_id'), col('roles', 'actor_id', 'int4', 2), col('roles', 'character', 'text', 3),
    col('people', 'id'), col('people', 'name', 'text', 2),
    col('messages', 'id'), col('messages', 'sender_id', 'int4', 2), col('messages', 'receiver_id', 'int4', 3),
  ],
  [
    fk('films_director_id_fkey', 'films', ['director_id'], 'directors', ['id']),
    fk('roles_film_id_fkey', 'roles', ['film_id'], 'films', ['id'], true),
    fk('roles_actor_id_fkey', 'roles', ['actor_id'], 'actors', ['id'], true),
    fk('messages_sender_id_fkey', 'messages', ['sender_id'], 'people', ['id']),
    fk('messages_receiver_id_fkey', 'messages', ['receiver_id'], 'people', ['id']),
  ],
  [],
  [],
);

function render(resource: string, query: string) {
  const q = parseQueryParams(query);
  const plan = planRead(cache, findTable(cache, 'api', resource), q, { range: { offset: 0 } });
  return renderRead(plan, { format: 'json', stripNulls: false, count: undefined });
}

function errorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    return e as ApiError;
  }
  throw new Error('expected an error');
}

describe('plan + render', () => {
  it('binds every filter value as a parameter, never as SQL text', () => {
    const evil = "x'); DROP TABLE api.films; --";
    const r = render('films', `select=id,title&title=eq.${encodeURIComponent(evil)}&id=in.(1,2)`);
    expect(r.sql).not.toContain('DROP TABLE');
    expect(r.params).toContain(evil);
    expect(r.params).toContainEqual(['1', '2']);
    expect(r.sql).toContain('"t0"."title" = $1');
  });

  it('quotes identifiers', () => {
    const r = render('films', 'select=id,"title"');
    expect(r.sql).toContain('FROM "api"."films" AS "t0"');
  });

  it('builds the body in SQL with json_agg', () => {
    expect(render('films', 'select=id').sql).toMatch(/coalesce\(json_agg\("_p"\), '\[\]'\)::text AS body/);
  });

  it('embeds many-to-one as a lateral row_to_json, one statement, no N+1', () => {
    const r = render('films', 'select=title,directors(name)');
    expect(r.sql).toContain('LEFT JOIN LATERAL (SELECT row_to_json("_x") AS "body"');
    expect(r.sql).toContain('"t1"."id" = "t0"."director_id"');
  });

  it('embeds many-to-many through the junction', () => {
    const r = render('films', 'select=title,actors(name)');
    expect(r.sql).toContain('JOIN "api"."roles" AS "t1_j"');
    expect(r.sql).toContain('json_agg("_x")');
  });

  it('turns !inner into an inner lateral join', () => {
    expect(render('films', 'select=title,directors!inner(name)&directors.name=eq.X').sql).toContain('INNER JOIN LATERAL');
  });

  it('reports an ambiguous embed as 300 PGRST201 and a hint picks one', () => {
    const e = errorOf(() => render('messages', 'select=id,people(name)'));
    expect(e.status).toBe(300);
    expect(e.code).toBe('PGRST201');
    expect(render('messages', 'select=id,people!messages_sender_id_fkey(name)').sql).toContain('"t1"."id" = "t0"."sender_id"');
  });

  it('reports an unknown embed as 400 PGRST200 with a suggestion', () => {
    const e = errorOf(() => render('films', 'select=id,directorz(name)'));
    expect(e.status).toBe(400);
    expect(e.code).toBe('PGRST200');
    expect(e.hint).toBe("Perhaps you meant 'directors' instead of 'directorz'.");
  });

  it('reports an unknown column as 400 42703 before any SQL runs', () => {
    const e = errorOf(() => render('films', 'select=titel'));
    expect([e.status, e.code, e.message]).toEqual([400, '42703', 'column films.titel does not exist']);
  });

  it('reports an unknown table as 404 PGRST205 with a suggestion', () => {
    const e = errorOf(() => render('film', 'select=id'));
    expect([e.status, e.code, e.hint]).toEqual([404, 'PGRST205', "Perhaps you meant the table 'api.films'"]);
  });

  it('refuses a cast that is not a type name', () => {
    expect(checkCast('double precision')).toBe('double precision');
    expect(checkCast('int4[]')).toBe('int4[]');
    for (const bad of ['text);drop', 'text --', "text'"]) expect(errorOf(() => checkCast(bad)).status).toBe(400);
  });

  it('applies limit and offset as parameters', () => {
    const q = parseQueryParams('select=id');
    const plan = planRead(cache, findTable(cache, 'api', 'films'), q, { range: { offset: 20, limit: 10 }, maxRows: 5 });
    const r = renderRead(plan, { format: 'json', stripNulls: false, count: 'exact' });
    expect(r.sql).toMatch(/LIMIT \$\d+ OFFSET \$\d+/);
    expect(r.params).toEqual(expect.arrayContaining([5, 20]));
    expect(r.sql).toContain('(SELECT count(*) FROM (SELECT 1 FROM "api"."films"');
  });
});

describe('renderMutation', () => {
  it('binds only the parameters its SQL uses when no representation is asked for', () => {
    const table = findTable(cache, 'api', 'films');
    const plan = planRead(cache, table, parseQueryParams('select=title->a'), { range: { offset: 0 } });
    const returning = { ...plan, where: [], order: [], offset: 0, limit: undefined };
    const r = renderMutation(table, { kind: 'delete', where: [] }, returning, { representation: false, format: 'json', stripNulls: false });
    const used = new Set([...r.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    expect(used.size).toBe(r.params.length);
  });
});

describe('db-max-rows', () => {
  it('caps the top level and every to-many embed, never a to-one embed', () => {
    const plan = planRead(cache, findTable(cache, 'api', 'directors'), parseQueryParams('select=id,films(id,directors(id))'), { range: { offset: 0 }, maxRows: 2 });
    expect(plan.limit).toBe(2);
    expect(plan.embeds[0].plan.limit).toBe(2);
    expect(plan.embeds[0].plan.embeds[0].plan.limit).toBeUndefined();
    const narrower = planRead(cache, findTable(cache, 'api', 'directors'), parseQueryParams('select=id,films(id)&films.limit=1'), { range: { offset: 0 }, maxRows: 2 });
    expect(narrower.embeds[0].plan.limit).toBe(1);
  });
});
