/**
 * The Database API (/api/database/*, docs/database-api.md) as OpenAPI operations. Records and
 * RPC run as the caller (a JWT or the anon key); everything else needs admin credentials.
 * Bodies reuse the routes' zod schemas (raw SQL, export, migrations). Examples use a table
 * public.openapi_records (id int primary key, title text) and a function
 * public.openapi_add(a int, b int) returns int, which the test creates first.
 */
import { z } from 'zod';
import { rawSqlBody } from '../database/rawsql.ts';
import { exportRequestBody } from '../database/export.ts';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../database/records.ts';
import { migrationPayload } from '../../shared/jobs/payloads/migrations.ts';
import { ADMIN_SECURITY, adminSecuritySchemes, apiErrorSchema } from './admin-api.ts';
import { anyArray, anyObject, type Operation } from './operations.ts';
import type { Surface } from './documents.ts';

const CALLER = ['databaseBearer', 'databaseApiKey'];
const TABLE = 'openapi_records';
const FUNCTION = 'openapi_add';

const tableParam = z.object({ table: z.string().meta({ description: 'A table or view the caller may use' }) });
const fnParam = z.object({ fn: z.string().meta({ description: 'A function in the schema' }) });
const schemaQuery = z.object({ schema: z.string().optional().meta({ description: 'The schema (default: the first exposed one, public)' }) });
const readQuery = schemaQuery.extend({
  select: z.string().optional().meta({ description: 'Columns and embeds, as PostgREST reads them: id,title,author(name)' }),
  order: z.string().optional().meta({ description: 'e.g. id.desc,title.asc.nullslast' }),
  limit: z.string().regex(/^\d+$/).optional().meta({ description: `1 to ${MAX_LIMIT}; default ${DEFAULT_LIMIT}` }),
  offset: z.string().regex(/^\d+$/).optional(),
});
const writeQuery = schemaQuery.extend({ select: z.string().optional(), on_conflict: z.string().optional().meta({ description: 'Upsert on these columns' }) });
const preferHeader = z.object({
  Prefer: z.string().optional().meta({ description: 'return=representation|minimal, resolution=merge-duplicates, count=exact, …' }),
});
/** Column filters: `?<column>=<operator>.<value>`, as PostgREST takes them. */
const filters = {
  name: 'filters',
  in: 'query',
  description: 'Column filters, each `<column>=<operator>.<value>` (eq, neq, gt, gte, lt, lte, like, ilike, is, in, cs, cd, …), and `or=(…)`/`and=(…)`',
  required: false,
  style: 'form',
  explode: true,
  schema: { type: 'object', additionalProperties: { type: 'string' } },
};
const statusOfJob = z.object({ id: z.string(), state: z.string() }).loose();

const caller = (o: Omit<Operation, 'security' | 'errors' | 'tags'> & { errors?: number[] }): Operation => ({
  ...o,
  tags: [o.path.includes('/rpc/') ? 'RPC' : 'Records'],
  security: CALLER,
  errors: [...new Set([400, 401, 403, 404, 503, ...(o.errors ?? [])])].sort(),
});
const admin = (o: Omit<Operation, 'security' | 'errors'> & { errors?: number[] }): Operation => ({
  ...o,
  security: ADMIN_SECURITY,
  errors: [...new Set([401, 402, 403, 503, ...(o.errors ?? [])])].sort(),
});

const rpc = (method: Operation['method'], status: number, summary: string): Operation =>
  caller({
    method, path: '/api/database/rpc/{fn}', operationId: `${method}Rpc`, summary, params: fnParam,
    ...(method === 'get'
      ? { query: schemaQuery, extraParameters: [{ ...filters, name: 'arguments', description: "The function's arguments as query parameters" }], example: { params: { fn: FUNCTION }, extra: { arguments: { a: '1', b: '2' } }, status } }
      : { body: anyObject, headers: preferHeader, example: { params: { fn: FUNCTION }, body: { a: 1, b: 2 }, status } }),
    errors: [405],
    responses: { 200: { description: "The function's result", schema: z.unknown() } },
  });

const operations: Operation[] = [
  caller({
    method: 'post', path: '/api/database/records/{table}', operationId: 'insertRecords', summary: 'Insert records (an object or an array; upsert with Prefer)',
    params: tableParam, query: writeQuery, headers: preferHeader, errors: [409],
    body: z.union([anyObject, anyArray]),
    responses: { 201: { description: 'Inserted (the rows with Prefer: return=representation)', schema: anyArray } },
    example: { params: { table: TABLE }, headers: { Prefer: 'return=representation' }, body: [{ id: 1, title: 'First' }, { id: 2, title: 'Second' }], status: 201 },
  }),
  caller({
    method: 'get', path: '/api/database/records/{table}', operationId: 'readRecords', summary: 'Read records (filters, select, order, paging)',
    description: 'X-Total-Count carries the total with Prefer: count=exact.',
    params: tableParam, query: readQuery, headers: preferHeader, extraParameters: [filters],
    responses: { 200: { description: 'The rows', schema: anyArray } },
    example: { params: { table: TABLE }, query: { select: 'id,title', order: 'id.asc', limit: '10' }, extra: { filters: { id: 'gte.1' } }, status: 200 },
  }),
  caller({
    method: 'patch', path: '/api/database/records/{table}', operationId: 'updateRecords', summary: 'Update the records the filters match',
    params: tableParam, query: writeQuery, headers: preferHeader, extraParameters: [filters],
    body: anyObject,
    responses: { 200: { description: 'Updated (the rows with Prefer: return=representation)', schema: anyArray }, 204: { description: 'Updated' } },
    example: { params: { table: TABLE }, extra: { filters: { id: 'eq.1' } }, headers: { Prefer: 'return=representation' }, body: { title: 'First, edited' }, status: 200 },
  }),
  caller({
    method: 'delete', path: '/api/database/records/{table}', operationId: 'deleteRecords', summary: 'Delete the records the filters match',
    params: tableParam, query: writeQuery, headers: preferHeader, extraParameters: [filters],
    responses: { 200: { description: 'Deleted (the rows with Prefer: return=representation)', schema: anyArray }, 204: { description: 'Deleted' } },
    example: { params: { table: TABLE }, extra: { filters: { id: 'eq.2' } }, headers: { Prefer: 'return=representation' }, status: 200 },
  }),
  rpc('get', 200, 'Call a function read-only, arguments in the query string'),
  rpc('post', 200, 'Call a function, arguments in the JSON body'),
  rpc('put', 200, 'Call a function with PUT'),
  rpc('patch', 200, 'Call a function with PATCH'),
  rpc('delete', 200, 'Call a function with DELETE'),
  ...(['functions', 'indexes', 'policies', 'triggers'] as const).map((what) =>
    admin({
      method: 'get', path: `/api/database/${what}`, operationId: `list${what[0].toUpperCase()}${what.slice(1)}`, summary: `The ${what} of a schema`,
      tags: ['Catalog'], query: z.object({ schema: z.string().optional().meta({ description: 'Default public' }) }), errors: [404],
      responses: { 200: { description: what, schema: anyArray } },
      example: { query: { schema: 'public' }, status: 200 },
    }),
  ),
  admin({
    method: 'get', path: '/api/database/migrations', operationId: 'listMigrations', summary: 'The applied migrations, oldest first',
    tags: ['Migrations'],
    responses: { 200: { description: 'History', schema: z.object({ migrations: z.array(z.object({ version: z.string(), name: z.string(), statements: z.array(z.string()), createdAt: z.string() })) }) } },
    example: { status: 200 },
  }),
  admin({
    method: 'post', path: '/api/database/migrations', operationId: 'applyMigration', summary: 'Apply a migration (a job; Prefer: respond-async answers 202)',
    tags: ['Migrations'], errors: [400, 409], body: migrationPayload,
    responses: { 201: { description: 'Applied', schema: anyObject }, 202: { description: 'Queued', schema: statusOfJob } },
    // Versions only go up, so a sent example would stand in the way of yours: this one shows a refusal.
    example: { body: { version: '1', name: 'transaction control is refused', sql: 'BEGIN; CREATE TABLE t (id int); COMMIT;' }, status: 400 },
  }),
  admin({
    method: 'post', path: '/api/database/advance/rawsql', operationId: 'runRawSql', summary: 'Run SQL under the strict rules (as basalt_sql_strict)',
    tags: ['SQL'], errors: [400, 408], body: rawSqlBody,
    responses: { 200: { description: "The last statement's result", schema: z.object({ rows: anyArray, rowCount: z.number(), command: z.string().nullable(), fields: z.array(z.object({ name: z.string(), dataTypeID: z.number() })) }) } },
    example: { body: { query: 'SELECT $1::int + 1 AS answer', params: [41] }, status: 200 },
  }),
  admin({
    method: 'post', path: '/api/database/advance/rawsql/unrestricted', operationId: 'runRawSqlUnrestricted', summary: 'Run SQL under the relaxed rules (as basalt_sql_relaxed)',
    tags: ['SQL'], errors: [400, 408], body: rawSqlBody,
    responses: { 200: { description: "The last statement's result", schema: anyObject } },
    example: { body: { query: 'SELECT count(*) AS tables FROM pg_catalog.pg_tables' }, status: 200 },
  }),
  admin({
    method: 'post', path: '/api/database/advance/export', operationId: 'exportDatabase', summary: 'Export tables as SQL or JSON (a job)',
    tags: ['Jobs'], errors: [400, 404], body: exportRequestBody,
    responses: { 200: { description: 'The export, inline (or a resultUrl when large)', schema: anyObject }, 202: { description: 'Queued', schema: statusOfJob } },
    example: { body: { schema: 'public', tables: [TABLE], format: 'json' }, status: 200 },
  }),
  admin({
    method: 'post', path: '/api/database/advance/import', operationId: 'importDatabase', summary: 'Import an SQL file (a Basalt export or plain pg_dump) in one transaction (a job)',
    tags: ['Jobs'], errors: [400, 413], bodyType: 'multipart/form-data',
    body: z.object({ file: z.string().meta({ format: 'binary' }), truncate: z.enum(['true', 'false']).optional() }),
    responses: { 200: { description: 'Imported', schema: anyObject }, 202: { description: 'Queued', schema: statusOfJob } },
    example: { body: { file: `INSERT INTO public.${TABLE} (id, title) VALUES (3, 'Imported');\n`, truncate: 'false' }, filename: 'example.sql', status: 200 },
  }),
  admin({
    method: 'post', path: '/api/database/advance/bulk-upsert', operationId: 'bulkUpsert', summary: 'Insert or update many rows from CSV or JSON (a job)',
    tags: ['Jobs'], errors: [400, 404, 413], bodyType: 'multipart/form-data',
    body: z.object({
      file: z.string().meta({ format: 'binary', description: 'CSV with a header row, or a JSON array of objects' }),
      table: z.string(),
      schema: z.string().optional(),
      upsertKey: z.string().optional().meta({ description: 'Column(s) of a unique index, comma-separated' }),
      format: z.enum(['csv', 'json']).optional(),
    }),
    responses: { 200: { description: 'Done', schema: z.object({ rowsAffected: z.number(), totalRecords: z.number(), table: z.string() }).loose() }, 202: { description: 'Queued', schema: statusOfJob } },
    example: { body: { file: 'id,title\n4,Bulk one\n5,Bulk two\n', table: TABLE, upsertKey: 'id' }, filename: 'example.csv', status: 200 },
  }),
];

export const surface: Surface = {
  title: 'Database API',
  description:
    'Records and RPC as the caller, with row-level security (docs/database-api.md); catalog listings, migrations, raw SQL, export, import and bulk upsert as admin. Long work runs as jobs: add `Prefer: respond-async` for 202 and poll /api/jobs/{id}. Errors: `{error, message, statusCode, nextActions}`.',
  securitySchemes: {
    databaseBearer: { type: 'http', scheme: 'bearer', description: 'A JWT signed with JWT_SECRET, or the anon key' },
    databaseApiKey: { type: 'apiKey', in: 'header', name: 'apikey', description: 'The anon key (or a JWT)' },
    ...adminSecuritySchemes,
  },
  errorSchema: apiErrorSchema,
  tags: ['Records', 'RPC', 'Catalog', 'Migrations', 'SQL', 'Jobs'].map((name) => ({ name })),
  operations,
};
