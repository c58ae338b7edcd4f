/** The OpenAPI (Swagger 2.0) description of one exposed schema, as PostgREST serves it at the root. */
import type { Column, Relationship, SchemaCacheData, Table } from '../schema-cache/model.ts';
import { qnKey } from '../schema-cache/model.ts';

function swaggerType(c: Column): Record<string, unknown> {
  if (c.category === 'A') return { type: 'array', items: { type: scalarType(c.elementUdt ?? 'text') ?? 'string' } };
  const t = scalarType(c.udt);
  return t ? { type: t } : {};
}

function scalarType(udt: string): string | undefined {
  if (['int2', 'int4', 'int8'].includes(udt)) return 'integer';
  if (['numeric', 'float4', 'float8'].includes(udt)) return 'number';
  if (udt === 'bool') return 'boolean';
  if (udt === 'json' || udt === 'jsonb') return undefined;
  return 'string';
}

function description(c: Column, t: Table, fks: Relationship[]): string | undefined {
  const notes: string[] = [];
  if (t.pk.includes(c.name)) notes.push('This is a Primary Key.<pk/>');
  const fk = fks.find((r) => r.columns.length === 1 && r.columns[0][0] === c.name);
  if (fk) notes.push(`This is a Foreign Key to \`${fk.foreignTable.name}.${fk.columns[0][1]}\`.<fk table='${fk.foreignTable.name}' column='${fk.columns[0][1]}'/>`);
  const note = notes.length ? `Note:\n${notes.join('\n')}` : undefined;
  if (c.comment && note) return `${c.comment}\n\n${note}`;
  return c.comment ?? note;
}

/** The oids the requesting role may use (PostgREST's openapi-mode follow-privileges); undefined: all. */
export interface OpenApiVisible {
  relations: Set<number>;
  functions: Set<number>;
}

export function openApiDocument(cache: SchemaCacheData, schema: string, info: { basePath: string; host?: string; version: string }, visible?: OpenApiVisible) {
  const tables = [...cache.tables.values()].filter((t) => t.schema === schema && (!visible || visible.relations.has(t.oid)));
  const definitions: Record<string, unknown> = {};
  const paths: Record<string, unknown> = {
    '/': { get: { summary: 'OpenAPI description (this document)', produces: ['application/openapi+json', 'application/json'], responses: { 200: { description: 'OK' } }, tags: ['Introspection'] } },
  };
  const parameters: Record<string, unknown> = {
    select: { name: 'select', description: 'Filtering Columns', required: false, in: 'query', type: 'string' },
    order: { name: 'order', description: 'Ordering', required: false, in: 'query', type: 'string' },
    range: { name: 'Range', description: 'Limiting and Pagination', required: false, in: 'header', type: 'string' },
    rangeUnit: { name: 'Range-Unit', description: 'Limiting and Pagination', required: false, default: 'items', in: 'header', type: 'string' },
    offset: { name: 'offset', description: 'Limiting and Pagination', required: false, in: 'query', type: 'string' },
    limit: { name: 'limit', description: 'Limiting and Pagination', required: false, in: 'query', type: 'string' },
    preferCount: { name: 'Prefer', description: 'Preference', required: false, enum: ['count=none'], in: 'header', type: 'string' },
  };
  for (const t of tables) {
    const fks = (cache.relationships.get(qnKey(t)) ?? []).filter((r) => r.holdsKey && !r.junction);
    const properties: Record<string, unknown> = {};
    const required: string[] = [];
    for (const c of t.columns) {
      const desc = description(c, t, fks);
      properties[c.name] = { ...(desc ? { description: desc } : {}), format: c.type, ...swaggerType(c), ...(c.enum ? { enum: c.enum } : {}), ...(c.maxLength ? { maxLength: c.maxLength } : {}) };
      if (!c.nullable && c.default === null && !c.generated) required.push(c.name);
      parameters[`rowFilter.${t.name}.${c.name}`] = { name: c.name, required: false, format: c.type, in: 'query', type: 'string' };
    }
    definitions[t.name] = { ...(t.comment ? { description: t.comment } : {}), ...(required.length ? { required } : {}), properties, type: 'object' };
    const rowFilters = t.columns.map((c) => ({ $ref: `#/parameters/rowFilter.${t.name}.${c.name}` }));
    const [summary, ...rest] = (t.comment ?? '').split('\n\n');
    const doc = { tags: [t.name], ...(t.comment ? { summary, ...(rest.length ? { description: rest.join('\n\n') } : {}) } : {}) };
    const op: Record<string, unknown> = {
      get: {
        ...doc,
        parameters: [...rowFilters, ...['select', 'order', 'range', 'rangeUnit', 'offset', 'limit', 'preferCount'].map((p) => ({ $ref: `#/parameters/${p}` }))],
        responses: { 200: { description: 'OK', schema: { items: { $ref: `#/definitions/${t.name}` }, type: 'array' } }, 206: { description: 'Partial Content' } },
      },
    };
    if (t.insertable) op.post = { ...doc, responses: { 201: { description: 'Created' } } };
    if (t.updatable) op.patch = { ...doc, parameters: rowFilters, responses: { 204: { description: 'No Content' } } };
    if (t.deletable) op.delete = { ...doc, parameters: rowFilters, responses: { 204: { description: 'No Content' } } };
    paths[`/${t.name}`] = op;
  }
  for (const [key, overloads] of cache.functions) {
    if (!key.startsWith(`${schema}.`)) continue;
    const f = visible ? overloads.find((o) => visible.functions.has(o.oid)) : overloads[0];
    if (!f) continue;
    paths[`/rpc/${f.name}`] = {
      post: { tags: ['(rpc) ' + f.name], ...(f.comment ? { summary: f.comment } : {}), parameters: [{ in: 'body', name: 'args', required: true, schema: { type: 'object', properties: Object.fromEntries(f.args.map((a) => [a.name, { format: a.type, type: 'string' }])) } }], responses: { 200: { description: 'OK' } } },
    };
  }
  return {
    swagger: '2.0',
    info: { title: 'Basalt data API', description: `The ${schema} schema, served PostgREST-style.`, version: info.version },
    ...(info.host ? { host: info.host } : {}),
    basePath: info.basePath,
    schemes: ['http', 'https'],
    consumes: ['application/json', 'application/vnd.pgrst.object+json;nulls=stripped', 'application/vnd.pgrst.object+json', 'text/csv'],
    produces: ['application/json', 'application/vnd.pgrst.object+json;nulls=stripped', 'application/vnd.pgrst.object+json', 'text/csv'],
    paths,
    definitions,
    parameters,
  };
}

/** The methods a relation allows, for OPTIONS. */
export function allowedMethods(t: Table): string {
  // PUT upserts one row by its primary key: it needs a key, and both insert and update.
  const put = t.insertable && t.updatable && t.pk.length > 0;
  return ['OPTIONS', 'GET', 'HEAD', ...(t.insertable ? ['POST'] : []), ...(put ? ['PUT'] : []), ...(t.updatable ? ['PATCH'] : []), ...(t.deletable ? ['DELETE'] : [])].join(',');
}
