/**
 * The Postgres Admin API at the root (pg-api seed + postgres-meta's routes, docs/pg-meta-api.md)
 * as OpenAPI operations. Write bodies are the zod schemas the routes validate with
 * (src/api/pg-meta/write-routes.ts). Object ids are oids, which a database makes up: read
 * examples use the built-in objects whose oids PostgreSQL fixes (pg_catalog 11, pg_class 1259,
 * int4 23, now() 1299, the bootstrap superuser 10); the examples that create things work in a
 * schema openapi_meta; updates and deletes by id name an id that does not exist.
 */
import { z } from 'zod';
import { pgMetaBodies as b } from '../pg-meta/write-routes.ts';
import { ADMIN_SECURITY, adminSecuritySchemes } from './admin-api.ts';
import { anyArray, anyObject, type Example, type Operation } from './operations.ts';
import type { Surface } from './documents.ts';

/** postgres-meta's envelope (src/api/pg-meta/errors.ts): `{error}` plus a PostgreSQL error's fields. */
const errorSchema = z
  .object({ error: z.string(), code: z.string().optional(), position: z.string().optional(), detail: z.string().optional(), hint: z.string().optional() })
  .loose()
  .meta({ id: 'PgMetaError' });

const MISSING_ID = '999999999';
const SCHEMA = 'openapi_meta';

const connection = z.object({
  'X-Connection-Encrypted': z.string().optional().meta({ description: 'Another database: its connection string, AES-encrypted with CRYPTO_KEY (crypto-js format). Absent: the server\'s own' }),
});
const listQuery = z.object({
  include_system_schemas: z.enum(['true', 'false']).optional(),
  included_schemas: z.string().optional().meta({ description: 'Comma-separated' }),
  excluded_schemas: z.string().optional().meta({ description: 'Comma-separated' }),
  limit: z.string().regex(/^\d+$/).optional(),
  offset: z.string().regex(/^\d+$/).optional(),
});
const withColumns = listQuery.extend({ include_columns: z.enum(['true', 'false']).optional() });
const idParam = (description: string) => z.object({ id: z.string().meta({ description }) });
const cascadeQuery = z.object({ cascade: z.enum(['true', 'false']).optional() });

const op = (o: Omit<Operation, 'security' | 'errors' | 'headers'> & { errors?: number[] }): Operation => ({
  ...o,
  headers: connection,
  security: ADMIN_SECURITY,
  errors: [...new Set([400, 401, 403, 502, 503, ...(o.errors ?? [])])].sort(),
});

/** A catalogue: its list, one by id, and where postgres-meta writes it, create/update/delete. */
interface Catalogue {
  path: string;
  tag: string;
  noun: string;
  query?: z.ZodObject;
  getExample: Example;
  create?: { body: z.ZodType; example: unknown; status?: number };
  update?: z.ZodType;
  idName?: string;
  /** An id of the right form that names nothing. */
  missingId?: string;
}

function catalogue(c: Catalogue): Operation[] {
  const idName = c.idName ?? 'id';
  const missing = c.missingId ?? MISSING_ID;
  const params = z.object({ [idName]: z.string().meta({ description: idName === 'id' ? `The ${c.noun}'s id (an oid)` : `The ${c.noun}'s name` }) });
  const opId = c.path.slice(1).replace(/-(\w)/g, (_, x: string) => x.toUpperCase());
  const Noun = opId[0].toUpperCase() + opId.slice(1);
  const ops: Operation[] = [
    op({
      method: 'get', path: c.path, operationId: `list${Noun}`, summary: `List ${c.path.slice(1).replace(/-/g, ' ')}`, tags: [c.tag],
      query: c.query ?? listQuery,
      responses: { 200: { description: 'The list', schema: anyArray } },
      example: { query: { limit: '5' }, status: 200 },
    }),
  ];
  if (c.create) {
    ops.push(op({
      method: 'post', path: c.path, operationId: `create${Noun}`, summary: `Create a ${c.noun}`, tags: [c.tag], body: c.create.body, errors: [404],
      responses: { 200: { description: `The ${c.noun}, as read back`, schema: anyObject } },
      example: { body: c.create.example, status: c.create.status ?? 200 },
    }));
  }
  const item = `${c.path}/{${idName}}`;
  ops.push(op({
    method: 'get', path: item, operationId: `get${Noun}ById`, summary: `One ${c.noun}`, tags: [c.tag], params, errors: [404],
    query: c.query ? z.object({ include_columns: z.enum(['true', 'false']).optional() }) : undefined,
    responses: { 200: { description: `The ${c.noun}`, schema: anyObject } },
    example: c.getExample,
  }));
  if (c.update) {
    ops.push(op({
      method: 'patch', path: item, operationId: `update${Noun}`, summary: `Change a ${c.noun}`, tags: [c.tag], params, body: c.update, errors: [404],
      responses: { 200: { description: `The ${c.noun}, as read back`, schema: anyObject } },
      example: { params: { [idName]: missing }, body: {}, status: 404 },
    }));
    ops.push(op({
      method: 'delete', path: item, operationId: `delete${Noun}`, summary: `Drop a ${c.noun}`, tags: [c.tag], params, query: cascadeQuery, errors: [404],
      responses: { 200: { description: `The ${c.noun} as it was`, schema: anyObject } },
      example: { params: { [idName]: missing }, status: 404 },
    }));
  }
  return ops;
}

const operations: Operation[] = [
  op({
    method: 'get', path: '/', operationId: 'getPgMetaInfo', summary: 'Name and version of the API', tags: ['Server'],
    responses: { 200: { description: 'About', schema: z.object({ status: z.number(), name: z.string(), version: z.string(), documentation: z.string() }) } },
    example: { status: 200 },
  }),
  op({
    method: 'post', path: '/query', operationId: 'query', summary: 'Run SQL; the rows of the last statement that returned rows', tags: ['Query'],
    body: z.object({ query: z.string().min(1), parameters: z.array(z.unknown()).optional().meta({ description: 'Values for $1, $2, … (one statement)' }) }),
    responses: { 200: { description: 'Rows', schema: anyArray } },
    example: { body: { query: 'SELECT $1::text AS greeting', parameters: ['hello'] }, status: 200 },
  }),
  op({
    method: 'get', path: '/generators/typescript', operationId: 'generateTypescript', summary: 'supabase-js types of the database', tags: ['Generators'],
    query: z.object({
      included_schemas: z.string().optional(),
      excluded_schemas: z.string().optional(),
      detect_one_to_one_relationships: z.enum(['true', 'false']).optional(),
      postgrest_version: z.string().optional(),
    }),
    responses: { 200: { description: 'TypeScript', schema: z.string(), contentType: 'text/plain' } },
    example: { query: { included_schemas: 'public' }, status: 200 },
  }),
  op({
    method: 'get', path: '/config', operationId: 'listConfig', summary: 'Server settings (pg_settings)', tags: ['Server'],
    responses: { 200: { description: 'Settings', schema: anyArray } },
    example: { status: 200 },
  }),
  op({
    method: 'get', path: '/config/version', operationId: 'getVersion', summary: 'Server version and connection counts', tags: ['Server'],
    responses: { 200: { description: 'Version', schema: anyObject } },
    example: { status: 200 },
  }),
  op({
    method: 'get', path: '/plugins', operationId: 'listPlugins', summary: 'Every available extension, installed or not', tags: ['Extensions'], query: listQuery,
    responses: { 200: { description: 'Extensions', schema: z.array(z.object({ name: z.string(), default_version: z.string().nullable(), installed_version: z.string().nullable(), comment: z.string().nullable() })) } },
    example: { status: 200 },
  }),
  ...catalogue({
    path: '/schemas', tag: 'Schemas', noun: 'schema', getExample: { params: { id: '11' }, status: 200 },
    create: { body: b.schemaCreate, example: { name: SCHEMA } }, update: b.schemaUpdate,
  }),
  ...catalogue({
    path: '/tables', tag: 'Tables', noun: 'table', query: withColumns, getExample: { params: { id: '1259' }, status: 200 },
    create: { body: b.tableCreate, example: { name: 'openapi_meta_table', schema: SCHEMA, comment: 'made by the example' } }, update: b.tableUpdate,
  }),
  ...catalogue({
    path: '/columns', tag: 'Tables', noun: 'column', getExample: { params: { id: '1259.1' }, status: 200 },
    // The table id is an oid only the database knows: this example names none and is refused.
    create: { body: b.columnCreate, example: { table_id: Number(MISSING_ID), name: 'note', type: 'text' }, status: 404 }, update: b.columnUpdate, missingId: `${MISSING_ID}.1`,
  }),
  ...catalogue({ path: '/types', tag: 'Types', noun: 'type', getExample: { params: { id: '23' }, status: 200 } }),
  ...catalogue({
    path: '/functions', tag: 'Functions', noun: 'function', getExample: { params: { id: '1299' }, status: 200 },
    create: { body: b.functionCreate, example: { name: 'openapi_meta_answer', schema: SCHEMA, definition: 'SELECT 42', return_type: 'int', language: 'sql', behavior: 'IMMUTABLE' } },
    update: b.functionUpdate,
  }),
  ...catalogue({
    path: '/policies', tag: 'Policies', noun: 'policy', getExample: { params: { id: MISSING_ID }, status: 404 },
    create: { body: b.policyCreate, example: { name: 'openapi_meta_read', table: 'openapi_meta_table', schema: SCHEMA, definition: 'true', command: 'SELECT' } },
    update: b.policyUpdate,
  }),
  ...catalogue({ path: '/triggers', tag: 'Triggers', noun: 'trigger', getExample: { params: { id: MISSING_ID }, status: 404 } }),
  ...catalogue({
    path: '/roles', tag: 'Roles', noun: 'role', getExample: { params: { id: '10' }, status: 200 },
    query: listQuery.extend({ include_default_roles: z.enum(['true', 'false']).optional() }),
    create: { body: b.roleCreate, example: { name: 'openapi_meta_role', can_login: false } }, update: b.roleUpdate,
  }),
  ...catalogue({ path: '/views', tag: 'Views', noun: 'view', query: withColumns, getExample: { params: { id: MISSING_ID }, status: 404 } }),
  ...catalogue({ path: '/materialized-views', tag: 'Views', noun: 'materialized view', query: withColumns, getExample: { params: { id: MISSING_ID }, status: 404 } }),
  ...catalogue({ path: '/foreign-tables', tag: 'Tables', noun: 'foreign table', query: withColumns, getExample: { params: { id: MISSING_ID }, status: 404 } }),
  ...catalogue({ path: '/indexes', tag: 'Tables', noun: 'index', getExample: { params: { id: '2662' }, status: 200 } }),
  ...catalogue({ path: '/publications', tag: 'Publications', noun: 'publication', getExample: { params: { id: MISSING_ID }, status: 404 } }),
  ...catalogue({
    path: '/extensions', tag: 'Extensions', noun: 'extension', idName: 'name', getExample: { params: { name: 'plpgsql' }, status: 200 },
    create: { body: b.extensionCreate, example: { name: 'openapi_no_such_extension' }, status: 400 }, update: b.extensionUpdate, missingId: 'openapi_no_such_extension',
  }),
  ...catalogue({ path: '/table-privileges', tag: 'Privileges', noun: 'relation', getExample: { params: { id: '1259' }, status: 200 } }),
  ...catalogue({ path: '/column-privileges', tag: 'Privileges', noun: 'column', getExample: { params: { id: '1259.1' }, status: 200 } }),
];

export const surface: Surface = {
  title: 'Postgres Admin API',
  description:
    "postgres-meta's routes at the root (docs/pg-meta-api.md): catalogue reads, writes of schemas, tables, columns, policies, roles, extensions and functions, SQL, and type generation, on the server's database or, with X-Connection-Encrypted, another one. Admin credentials unless PG_META_AUTH=off. Errors: `{error, …PostgreSQL's fields}`.",
  securitySchemes: adminSecuritySchemes,
  errorSchema,
  tags: ['Server', 'Query', 'Generators', 'Schemas', 'Tables', 'Types', 'Functions', 'Policies', 'Triggers', 'Roles', 'Views', 'Publications', 'Extensions', 'Privileges'].map((name) => ({ name })),
  operations,
};
