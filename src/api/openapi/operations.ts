/**
 * How a surface describes its operations for OpenAPI: one `Operation` per route, with the zod
 * schemas the route validates with, the surface's error envelope for its 4xx/5xx answers, and
 * one example request that can be sent as it is (tests send every one: test/ops/openapi.test.ts).
 * Only types come from zod-openapi here; the library itself is loaded when a document is built.
 */
import { z } from 'zod';
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject, ZodOpenApiResponsesObject } from 'zod-openapi';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The request an operation's example sends, and the status it gets. */
export interface Example {
  /** Path parameters by name (the document's `{name}`). */
  params?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** Values of `extraParameters` by name (a free-form object parameter: its keys are query parameters). */
  extra?: Record<string, unknown>;
  /** Sent as JSON (or as text when the operation's body is not JSON). */
  body?: unknown;
  /** For a multipart body: the file name its `file` field is sent with. */
  filename?: string;
  status: number;
}

export interface SuccessResponse {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
}

export interface Operation {
  method: Method;
  /** OpenAPI form: /api/table/{tableName}. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Names of the document's security schemes, any one of which opens the operation; empty: public. */
  security: string[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  /** Parameters zod cannot name in advance (a table's column filters), as OpenAPI parameter objects. */
  extraParameters?: Record<string, unknown>[];
  body?: z.ZodType;
  /** Defaults to application/json. */
  bodyType?: string;
  responses: Record<number, SuccessResponse>;
  /** Statuses answered in the surface's error envelope. */
  errors: number[];
  example: Example;
}

/** Reason phrases for the error responses' descriptions. */
const REASONS: Record<number, string> = {
  400: 'Bad request: the input failed validation',
  401: 'No credentials, or wrong ones',
  402: 'A licence is required (LICENSE_ENFORCEMENT=on)',
  403: 'The credentials do not open this operation',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  408: 'The statement timed out',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable',
  429: 'Too many requests',
  500: 'Internal error',
  502: 'The target database could not be reached',
  503: 'A dependency is unavailable; retry after Retry-After seconds',
  504: 'The database did not answer in time',
};

/** The example status is sent in the `x-example-status` extension: which response the example gets. */
export const EXAMPLE_STATUS = 'x-example-status';
/** A multipart example's file name: `x-example-filename`. */
export const EXAMPLE_FILENAME = 'x-example-filename';

function operationObject(op: Operation, errorSchema: z.ZodType): ZodOpenApiOperationObject {
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, r] of Object.entries(op.responses)) {
    responses[status as `2${string}`] = {
      description: r.description,
      ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: r.schema } } } : {}),
    };
  }
  for (const status of op.errors) {
    responses[String(status) as `4${string}`] = {
      description: REASONS[status] ?? 'Error',
      content: { 'application/json': { schema: errorSchema } },
    };
  }
  const requestParams: ZodOpenApiOperationObject['requestParams'] = {};
  if (op.params) requestParams.path = op.params;
  if (op.query) requestParams.query = op.query;
  if (op.headers) requestParams.header = op.headers;
  const out: ZodOpenApiOperationObject = {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: op.tags,
    security: op.security.map((name) => ({ [name]: [] })),
    ...(Object.keys(requestParams).length ? { requestParams } : {}),
    ...(op.extraParameters ? { parameters: op.extraParameters.map((p) => ({ ...p, ...(op.example.extra?.[p.name as string] !== undefined ? { example: op.example.extra[p.name as string] } : {}) })) as never } : {}),
    responses,
    [EXAMPLE_STATUS]: op.example.status,
    ...(op.example.filename ? { [EXAMPLE_FILENAME]: op.example.filename } : {}),
  };
  if (op.body) {
    const type = op.bodyType ?? 'application/json';
    out.requestBody = {
      required: true,
      content: { [type]: { schema: op.body, ...(op.example.body !== undefined ? { example: op.example.body } : {}) } },
    };
  }
  return out;
}

/** The paths object of a document: operations grouped by path, in the order given. */
export function pathsOf(ops: Operation[], errorSchema: z.ZodType): ZodOpenApiPathsObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const op of ops) {
    const item = (paths[op.path] ??= {});
    if (item[op.method]) throw new Error(`OpenAPI: ${op.method.toUpperCase()} ${op.path} is described twice`);
    item[op.method] = operationObject(op, errorSchema);
  }
  return paths;
}

interface ParameterLike {
  name: string;
  in: string;
  example?: unknown;
}

/** Puts each example's parameter values on the generated parameters (the UI's "Try it out" fills them in). */
export function addParameterExamples(doc: { paths?: Record<string, Record<string, unknown>> }, ops: Operation[]): void {
  for (const op of ops) {
    const operation = doc.paths?.[op.path]?.[op.method] as { parameters?: ParameterLike[] } | undefined;
    for (const p of operation?.parameters ?? []) {
      const source = p.in === 'path' ? op.example.params : p.in === 'query' ? op.example.query : p.in === 'header' ? op.example.headers : undefined;
      const value = source?.[p.name];
      if (value !== undefined) p.example = value;
    }
  }
}

/** A JSON object of any shape (a row, a catalog entry): documented as an object, not checked. */
export const anyObject = z.record(z.string(), z.unknown());
export const anyArray = z.array(anyObject);
/** `{ success, message }`, the Admin API's answer to most writes. */
export const successMessage = z.object({ success: z.boolean(), message: z.string() });
