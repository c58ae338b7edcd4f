/**
 * The Admin API (/api/*, docs/admin-api.md) as OpenAPI operations. Request bodies reuse the
 * zod schemas the routes validate with; the rest describe the route's own checks.
 * Examples run in order as a story (tests send the non-DELETE ones in document order, then the
 * DELETEs in reverse): schema openapi_demo and table public.openapi_example are made, used and dropped.
 */
import { z } from 'zod';
import { createSchemaBody } from '../admin/schemas.ts';
import { keyCreateBody } from '../admin/keys.ts';
import { tokenCreateBody } from '../admin/tokens.ts';
import { adminQueryBody } from '../admin/admin-query.ts';
import { activateLicenseBody, startTrialBody, validateLicenseBody } from '../admin/license.ts';
import { PAGE_LIMIT_MAX, deleteRowsBody, insertRowBody, updateCellBody } from '../admin/table-rows.ts';
import { addColumnBody, cloneTableBody, createTableBody } from '../admin/table-ddl.ts';
import { anyArray, anyObject, successMessage, type Operation } from './operations.ts';
import type { Surface } from './documents.ts';

export const ADMIN_SECURITY = ['adminBasic', 'adminBearer', 'adminApiKey'];

export const adminSecuritySchemes = {
  adminBasic: { type: 'http', scheme: 'basic', description: 'ADMIN_USER and ADMIN_PASSWORD' },
  adminBearer: {
    type: 'http',
    scheme: 'bearer',
    description: "The operator's service_role API key (a key of a schema that is not a project's) or a JWT signed with JWT_SECRET whose role is service_role",
  },
  adminApiKey: { type: 'apiKey', in: 'header', name: 'apikey', description: "The operator's service_role API key" },
};

/** The /api envelope (src/api/api-errors.ts). */
export const apiErrorSchema = z
  .object({
    error: z.string().meta({ description: 'A code from the catalogue (src/shared/errors.ts)', example: 'VALIDATION_ERROR' }),
    message: z.string(),
    statusCode: z.number().int(),
    nextActions: z.string().optional().meta({ description: 'What to do next' }),
  })
  .meta({ id: 'ApiError' });

const schemaQuery = z.object({
  schema: z.string().optional().meta({ description: 'The schema to work in (default public); a body field `schema` wins' }),
});
const tableParam = z.object({ tableName: z.string().meta({ description: 'A table (or, for reads, a view) in the schema' }) });
const uuid = z.string().meta({ description: 'A UUID' });
const EXAMPLE_TABLE = 'openapi_example';
const EXAMPLE_SCHEMA = 'openapi_demo';
const MISSING_UUID = '00000000-0000-4000-8000-000000000000';

const healthBody = z.object({
  status: z.enum(['ok', 'error']),
  timestamp: z.string(),
  checks: z.object({ database: z.string(), redis: z.string() }),
  down: z.array(z.string()).optional(),
});
const jobStatus = z
  .object({ id: z.string(), type: z.string(), state: z.string(), progress: z.unknown().optional(), result: z.unknown().optional(), error: z.string().optional() })
  .loose()
  .meta({ id: 'JobStatus' });

const admin = (o: Omit<Operation, 'security' | 'errors'> & { errors?: number[] }): Operation => ({
  ...o,
  security: ADMIN_SECURITY,
  errors: [...new Set([401, 403, 402, 503, ...(o.errors ?? [])])].sort(),
});

const operations: Operation[] = [
  {
    method: 'get', path: '/api/health', operationId: 'getHealth', summary: 'PostgreSQL and Redis reachability',
    description: 'Public. 503 names what is down; why it is down only with admin credentials.',
    tags: ['Health'], security: [], errors: [503],
    responses: { 200: { description: 'Both answer', schema: healthBody } },
    example: { status: 200 },
  },
  {
    method: 'get', path: '/api/live', operationId: 'getLive', summary: 'Liveness: the process serves HTTP',
    tags: ['Health'], security: [], errors: [],
    responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
    example: { status: 200 },
  },
  {
    method: 'get', path: '/api/ready', operationId: 'getReady', summary: 'Readiness: database pool and schema cache',
    tags: ['Health'], security: [], errors: [503],
    responses: { 200: { description: 'Ready', schema: anyObject } },
    example: { status: 200 },
  },
  {
    method: 'get', path: '/api/license/status', operationId: 'getLicenseStatus', summary: "The installation's licence, trial or grace period",
    tags: ['Licence'], security: [], errors: [],
    responses: { 200: { description: 'Status', schema: anyObject } },
    example: { status: 200 },
  },
  {
    method: 'post', path: '/api/license/validate', operationId: 'validateLicense', summary: 'Check a licence key without activating it',
    tags: ['Licence'], security: [], errors: [400],
    body: validateLicenseBody,
    responses: { 200: { description: 'The verdict (valid or not, and why)', schema: z.object({ valid: z.boolean(), message: z.string(), type: z.string().nullable(), expiresAt: z.string().nullable() }) } },
    example: { body: { licenseKey: 'not-a-licence-key' }, status: 200 },
  },
  {
    method: 'post', path: '/api/license/activate', operationId: 'activateLicense', summary: 'Activate a licence key',
    tags: ['Licence'], security: [], errors: [400],
    body: activateLicenseBody,
    responses: { 200: { description: 'Activated', schema: z.object({ valid: z.boolean(), success: z.boolean(), message: z.string() }) } },
    example: { body: { licenseKey: 'not-a-licence-key', email: 'ops@example.com' }, status: 400 },
  },
  {
    method: 'post', path: '/api/trial/start', operationId: 'startTrial', summary: 'Start the one trial of this installation',
    tags: ['Licence'], security: [], errors: [400, 409],
    body: startTrialBody,
    responses: { 200: { description: 'Started', schema: z.object({ success: z.boolean(), message: z.string(), trialExpiresAt: z.string() }) } },
    // A valid address would start the installation's only trial: the example shows the check instead.
    example: { body: { email: 'not-an-email' }, status: 400 },
  },
  {
    method: 'get', path: '/api/trial/status', operationId: 'getTrialStatus', summary: 'The trial, if one was started',
    tags: ['Licence'], security: [], errors: [],
    responses: { 200: { description: 'Status', schema: anyObject } },
    example: { status: 200 },
  },
  admin({
    method: 'post', path: '/api/schema/create', operationId: 'createSchema', summary: 'Create a schema (a project) with its own login',
    tags: ['Schemas'], errors: [400], body: createSchemaBody,
    responses: { 201: { description: 'Created', schema: successMessage.extend({ username: z.string() }) } },
    example: { body: { schemaName: EXAMPLE_SCHEMA, password: 'Example-passw0rd' }, status: 201 },
  }),
  admin({
    method: 'get', path: '/api/schemas', operationId: 'listSchemas', summary: 'The user schemas',
    tags: ['Schemas'], responses: { 200: { description: 'Schema names', schema: z.array(z.string()) } },
    example: { status: 200 },
  }),
  admin({
    method: 'delete', path: '/api/schema/{schemaName}', operationId: 'deleteSchema', summary: 'Drop a schema, its login and its API keys',
    tags: ['Schemas'], errors: [400, 404],
    params: z.object({ schemaName: z.string() }),
    query: z.object({ cascade: z.enum(['true', 'false']).optional().meta({ description: 'Drop the objects in it too' }) }),
    responses: { 200: { description: 'Dropped', schema: successMessage } },
    example: { params: { schemaName: EXAMPLE_SCHEMA }, status: 200 },
  }),
  admin({
    method: 'post', path: '/api/project/{schema}/keys', operationId: 'createApiKey', summary: "Create an API key for a schema's data API",
    description: 'The key is shown once, in this answer.',
    tags: ['API keys'], errors: [400],
    params: z.object({ schema: z.string() }), body: keyCreateBody,
    responses: { 201: { description: 'Created', schema: anyObject } },
    example: { params: { schema: EXAMPLE_SCHEMA }, body: { keyName: 'docs-example', keyType: 'anon' }, status: 201 },
  }),
  admin({
    method: 'get', path: '/api/project/{schema}/keys', operationId: 'listApiKeys', summary: "A schema's API keys (prefixes, never the keys)",
    tags: ['API keys'], errors: [400], params: z.object({ schema: z.string() }),
    responses: { 200: { description: 'Keys', schema: anyArray } },
    example: { params: { schema: EXAMPLE_SCHEMA }, status: 200 },
  }),
  admin({
    method: 'delete', path: '/api/project/{schema}/keys/{keyId}', operationId: 'deleteApiKey', summary: 'Delete an API key',
    tags: ['API keys'], errors: [400, 404],
    params: z.object({ schema: z.string(), keyId: z.string().regex(/^\d{1,18}$/) }),
    responses: { 200: { description: 'Deleted', schema: successMessage } },
    example: { params: { schema: EXAMPLE_SCHEMA, keyId: '999999999' }, status: 404 },
  }),
  admin({
    method: 'post', path: '/api/tokens', operationId: 'createAccessToken', summary: 'Create a Management API personal access token',
    description: 'The token is shown once, in this answer.',
    tags: ['Access tokens'], errors: [400], body: tokenCreateBody,
    responses: { 201: { description: 'Created', schema: anyObject } },
    example: { body: { name: 'docs example', expires_in_days: 1 }, status: 201 },
  }),
  admin({
    method: 'get', path: '/api/tokens', operationId: 'listAccessTokens', summary: 'The personal access tokens (never the secrets)',
    tags: ['Access tokens'], responses: { 200: { description: 'Tokens', schema: anyArray } },
    example: { status: 200 },
  }),
  admin({
    method: 'delete', path: '/api/tokens/{id}', operationId: 'revokeAccessToken', summary: 'Revoke a personal access token',
    tags: ['Access tokens'], errors: [404], params: z.object({ id: uuid }),
    responses: { 200: { description: 'Revoked', schema: anyObject } },
    example: { params: { id: MISSING_UUID }, status: 404 },
  }),
  admin({
    method: 'get', path: '/api/bans', operationId: 'listBans', summary: 'Addresses banned after failed admin or token logins',
    tags: ['Bans'], responses: { 200: { description: 'Bans', schema: z.array(z.object({ scope: z.string(), ip: z.string(), until: z.string() })) } },
    example: { status: 200 },
  }),
  admin({
    method: 'delete', path: '/api/bans', operationId: 'liftBans', summary: 'Lift bans of addresses',
    tags: ['Bans'], errors: [400],
    body: z.object({
      ipv4_addresses: z.array(z.string()).optional(),
      ipv6_addresses: z.array(z.string()).optional(),
      scopes: z.array(z.enum(['admin', 'management'])).optional(),
    }),
    responses: { 200: { description: 'Lifted', schema: z.object({ lifted: z.array(z.string()), scopes: z.array(z.string()) }) } },
    example: { body: { ipv4_addresses: ['192.0.2.1'] }, status: 200 },
  }),
  admin({
    method: 'post', path: '/api/table/create', operationId: 'createTable', summary: 'Create a table',
    tags: ['Tables'], errors: [400, 404, 409], query: schemaQuery,
    body: createTableBody,
    responses: { 201: { description: 'Created', schema: successMessage } },
    example: {
      body: { tableName: EXAMPLE_TABLE, columns: [{ name: 'id', type: 'serial', primaryKey: true }, { name: 'title', type: 'text', nullable: false }] },
      status: 201,
    },
  }),
  admin({
    method: 'get', path: '/api/tables', operationId: 'listTables', summary: 'The tables of a schema',
    tags: ['Tables'], errors: [400, 404], query: schemaQuery,
    responses: { 200: { description: 'Table names', schema: z.array(z.string()) } },
    example: { status: 200 },
  }),
  admin({
    method: 'get', path: '/api/schema', operationId: 'getSchemaInfo', summary: "A schema's tables, columns and foreign keys",
    tags: ['Tables'], errors: [400, 404], query: schemaQuery,
    responses: { 200: { description: 'Schema information', schema: z.object({ schema: z.unknown() }) } },
    example: { status: 200 },
  }),
  admin({
    method: 'post', path: '/api/table/{tableName}/column', operationId: 'addColumn', summary: 'Add a column',
    tags: ['Tables'], errors: [400, 404, 409], params: tableParam, query: schemaQuery,
    body: addColumnBody,
    responses: { 201: { description: 'Added', schema: successMessage } },
    example: { params: { tableName: EXAMPLE_TABLE }, body: { columnName: 'done', dataType: 'boolean', nullable: false, defaultValue: false }, status: 201 },
  }),
  admin({
    method: 'post', path: '/api/table/{tableName}/row', operationId: 'insertRow', summary: 'Insert a row',
    tags: ['Rows'], errors: [400, 404], params: tableParam, query: schemaQuery,
    body: insertRowBody,
    responses: { 201: { description: 'Inserted', schema: successMessage.extend({ row: anyObject }) } },
    example: { params: { tableName: EXAMPLE_TABLE }, body: { data: { id: 1, title: 'Write the docs' } }, status: 201 },
  }),
  admin({
    method: 'get', path: '/api/table/{tableName}', operationId: 'getTableRows', summary: "A page of a table's rows",
    tags: ['Rows'], errors: [400, 404], params: tableParam,
    query: schemaQuery.extend({ page: z.string().regex(/^\d+$/).optional(), limit: z.string().regex(/^\d+$/).optional().meta({ description: `At most ${PAGE_LIMIT_MAX}` }) }),
    responses: { 200: { description: 'Rows', schema: z.object({ data: anyArray, columns: z.array(z.string()), total: z.number(), page: z.number() }) } },
    example: { params: { tableName: EXAMPLE_TABLE }, query: { page: '1', limit: '10' }, status: 200 },
  }),
  admin({
    method: 'patch', path: '/api/table/{tableName}/{rowId}', operationId: 'updateCell', summary: "Set one column of a row (by primary key)",
    tags: ['Rows'], errors: [400, 404], params: tableParam.extend({ rowId: z.string().meta({ description: 'The primary key value (a JSON array for a composite key)' }) }), query: schemaQuery,
    body: updateCellBody,
    responses: { 200: { description: 'Updated', schema: z.object({ row: anyObject }) } },
    example: { params: { tableName: EXAMPLE_TABLE, rowId: '1' }, body: { column: 'done', value: true }, status: 200 },
  }),
  admin({
    method: 'get', path: '/api/table/{tableName}/export', operationId: 'exportTable', summary: 'Export rows as JSON or CSV',
    description: 'Above 10000 rows the export becomes a job: 202 with Location /api/jobs/{id}.',
    tags: ['Tables'], errors: [400, 404], params: tableParam,
    query: schemaQuery.extend({ format: z.enum(['json', 'csv']).optional(), limit: z.string().regex(/^\d+$/).optional() }),
    responses: {
      200: { description: 'The rows', schema: z.object({ table: z.string(), count: z.number(), data: anyArray }) },
      202: { description: 'An export job', schema: jobStatus },
    },
    example: { params: { tableName: EXAMPLE_TABLE }, query: { format: 'json' }, status: 200 },
  }),
  admin({
    method: 'post', path: '/api/table/{tableName}/rows/delete', operationId: 'deleteRows', summary: 'Delete rows by primary key',
    tags: ['Rows'], errors: [400, 404], params: tableParam, query: schemaQuery,
    body: deleteRowsBody,
    responses: { 200: { description: 'Deleted', schema: successMessage.extend({ deletedCount: z.number() }) } },
    example: { params: { tableName: EXAMPLE_TABLE }, body: { rowIds: [999] }, status: 200 },
  }),
  admin({
    method: 'post', path: '/api/table/{tableName}/clone', operationId: 'cloneTable', summary: 'Copy a table (structure, optionally rows)',
    tags: ['Tables'], errors: [400, 404, 409], params: tableParam, query: schemaQuery,
    body: cloneTableBody,
    responses: { 201: { description: 'Copied', schema: successMessage } },
    example: { params: { tableName: 'openapi_missing' }, body: { newTableName: 'openapi_example_copy', copyData: true }, status: 404 },
  }),
  admin({
    method: 'delete', path: '/api/table/{tableName}', operationId: 'deleteTable', summary: 'Drop a table',
    tags: ['Tables'], errors: [400, 404, 409], params: tableParam,
    query: schemaQuery.extend({ cascade: z.enum(['true', 'false']).optional() }),
    responses: { 200: { description: 'Dropped', schema: successMessage } },
    example: { params: { tableName: EXAMPLE_TABLE }, status: 200 },
  }),
  admin({
    method: 'delete', path: '/api/table/{tableName}/row/{rowId}', operationId: 'deleteRow', summary: 'Delete a row by primary key',
    tags: ['Rows'], errors: [400, 404], params: tableParam.extend({ rowId: z.string() }), query: schemaQuery,
    responses: { 200: { description: 'Deleted', schema: successMessage } },
    example: { params: { tableName: EXAMPLE_TABLE, rowId: '1' }, status: 200 },
  }),
  admin({
    method: 'post', path: '/api/query', operationId: 'runQuery', summary: 'Run SQL as the database owner (in a project schema, as its owner)',
    tags: ['Queries'], errors: [400, 408], body: adminQueryBody,
    responses: { 200: { description: "The last statement's result", schema: z.object({ rows: anyArray, fields: z.array(z.object({ name: z.string(), dataTypeID: z.number() })), rowCount: z.number(), duration: z.number() }) } },
    example: { body: { sql: 'SELECT 1 AS one' }, status: 200 },
  }),
  admin({
    method: 'get', path: '/api/jobs/{id}', operationId: 'getJob', summary: "A job's state, progress and result",
    tags: ['Jobs'], errors: [400, 404], params: z.object({ id: uuid }),
    responses: { 200: { description: 'The job', schema: jobStatus } },
    example: { params: { id: MISSING_UUID }, status: 404 },
  }),
  admin({
    method: 'get', path: '/api/jobs/{id}/result', operationId: 'getJobResult', summary: "A job's output (streamed; follow=true while it runs)",
    tags: ['Jobs'], errors: [400, 404, 409], params: z.object({ id: uuid }),
    query: z.object({ follow: z.enum(['true', 'false']).optional() }),
    responses: { 200: { description: 'The output file', schema: z.string(), contentType: 'application/octet-stream' } },
    example: { params: { id: MISSING_UUID }, status: 404 },
  }),
  admin({
    method: 'delete', path: '/api/jobs/{id}', operationId: 'cancelJob', summary: 'Cancel a job',
    tags: ['Jobs'], errors: [400, 404], params: z.object({ id: uuid }),
    responses: { 200: { description: 'Cancelled', schema: jobStatus }, 202: { description: 'Cancelling', schema: jobStatus } },
    example: { params: { id: MISSING_UUID }, status: 404 },
  }),
];

export const surface: Surface = {
  title: 'Admin API',
  description: 'Schemas as projects, API keys, tables and rows, SQL, jobs, licences, access tokens and bans (docs/admin-api.md). Errors: `{error, message, statusCode, nextActions}`.',
  securitySchemes: adminSecuritySchemes,
  errorSchema: apiErrorSchema,
  tags: ['Health', 'Licence', 'Schemas', 'API keys', 'Access tokens', 'Bans', 'Tables', 'Rows', 'Queries', 'Jobs'].map((name) => ({ name })),
  operations,
};
