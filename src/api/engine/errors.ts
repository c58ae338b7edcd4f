/**
 * PostgREST's error catalogue (PGRSTxxx) and its SQLSTATE → HTTP status map.
 * Bodies are { code, message, details, hint } everywhere in the data API.
 */
import { ApiError, type ErrorOptions } from '../../shared/errors.ts';
import type { Relationship } from '../schema-cache/model.ts';

/**
 * PostgREST's codes and the HTTP status each one answers with (PostgREST's Error.hs). Where
 * PostgREST gives one code two statuses, the second is a named constructor below.
 */
export const PGRST = {
  PGRST000: 503, // database connection error
  PGRST002: 503, // schema cache not loaded
  PGRST003: 504, // pool wait timed out
  PGRST100: 400, // parse error in the query string
  PGRST101: 405, // method not allowed on RPC
  PGRST102: 400, // invalid body
  PGRST103: 416, // range not satisfiable
  PGRST105: 405, // PUT filters must be the primary key
  PGRST106: 406, // schema not exposed
  PGRST107: 406, // media type not available
  PGRST108: 400, // not an embedded resource
  PGRST111: 500, // invalid response.headers
  PGRST112: 500, // invalid response.status
  PGRST114: 400, // limit/offset with PUT
  PGRST115: 400, // PUT payload and URL keys differ
  PGRST116: 406, // not a single object
  PGRST117: 405, // unsupported method
  PGRST118: 400, // related order not to-one
  PGRST121: 500, // invalid RAISE PGRST
  PGRST122: 400, // invalid preferences with handling=strict
  PGRST123: 400, // aggregates disabled
  PGRST124: 400, // max-affected exceeded
  PGRST125: 404, // invalid path
  PGRST127: 400, // not implemented
  PGRST128: 400, // max-affected on a function returning no set
  PGRST200: 400, // no relationship
  PGRST201: 300, // ambiguous relationship
  PGRST202: 404, // function not found
  PGRST203: 300, // ambiguous function
  PGRST204: 400, // column not found
  PGRST205: 404, // table not found
  PGRST413: 413, // payload too large
  PGRSTX00: 500, // internal error
} as const;
export type PgrstCode = keyof typeof PGRST;

/** An error of PostgREST's catalogue: the status comes from the code. */
export const restError = (code: PgrstCode, message: string, details: string | null = null, hint: string | null = null) =>
  new ApiError(PGRST[code], code, message, { details, hint });

/** PUT's body must be one row: PostgREST answers PGRST116 with 400 here, not 406. */
export const putNotSingleObject = (rows: number) =>
  new ApiError(400, 'PGRST116', 'Cannot coerce the result to a single JSON object', { details: `The result contains ${rows} rows` });

/** A request body in a media type the endpoint does not read: PGRST107 with 415. */
export const unsupportedContentType = (type: string) => new ApiError(415, 'PGRST107', `Content-Type not acceptable: ${type}`);

/** What PostgreSQL itself answers for a negative OFFSET or LIMIT, decided before any SQL runs. */
export const negativeOffset = () => new ApiError(400, '2201X', 'OFFSET must not be negative');
export const negativeLimit = () => new ApiError(400, '2201W', 'LIMIT must not be negative');

/** Two embeds under one name: PostgreSQL's duplicate alias error, as PostgREST passes it on. */
export const duplicateEmbed = (alias: string) => new ApiError(400, '42712', `table name "${alias}" specified more than once`, { hint: null, details: null });

/** A role the token names that does not exist (PostgreSQL's 22023), or that the authenticator may not become (42501). */
export const roleNotFound = (role: string, headers: Record<string, string>) => new ApiError(401, '22023', `role "${role}" does not exist`, { headers });
export const cannotSetRole = (role: string, authenticated: boolean, headers: Record<string, string>) =>
  new ApiError(authenticated ? 403 : 401, '42501', `permission denied to set role "${role}"`, authenticated ? {} : { headers });
/** An API key scoped to a project schema, used for another schema. */
export const keyScopedToSchema = (schema: string) => new ApiError(403, '42501', `This API key is scoped to schema "${schema}"`);

/** PostgREST's JWT errors: 401 with WWW-Authenticate (RFC 6750). */
export function jwtError(code: 'PGRST301' | 'PGRST302' | 'PGRST303', message: string, details: string | null = null) {
  const desc = message.replace(/"/g, "'");
  return new ApiError(401, code, message, {
    details,
    headers: { 'WWW-Authenticate': code === 'PGRST302' ? 'Bearer' : `Bearer error="invalid_token", error_description="${desc}"` },
  });
}

/** The same with headers or extra fields. */
export const restErrorWith = (code: PgrstCode, message: string, opts: ErrorOptions = {}) => new ApiError(PGRST[code], code, message, opts);

export const parseError = (message: string, details: string | null = null) => restError('PGRST100', message, details);

export const schemaNotExposed = (schema: string, exposed: readonly string[]) =>
  restError('PGRST106', `Invalid schema: ${schema}`, null, `Only the following schemas are exposed: ${exposed.join(', ')}`);

export const notAcceptable = (accept: string) =>
  restError('PGRST107', `None of these media types are available: ${accept}`);

export const rangeNotSatisfiable = (details: string | null = null, headers: Record<string, string> = {}) =>
  restErrorWith('PGRST103', 'Requested range not satisfiable', { details, headers });

export const singularityError = (rows: number) =>
  restError('PGRST116', 'Cannot coerce the result to a single JSON object', `The result contains ${rows} rows`);

export const maxAffectedError = (rows: number) =>
  restError('PGRST124', 'Query result exceeds max-affected preference constraint', `The query affects ${rows} rows`);

export const notEmbedded = (name: string) =>
  restError('PGRST108', `'${name}' is not an embedded resource in this request`, null, `Verify that '${name}' is included in the 'select' query parameter.`);

export const relatedOrderNotToOne = (origin: string, target: string) =>
  restError('PGRST118', `A related order on '${target}' is not possible`, `'${origin}' and '${target}' do not form a many-to-one or one-to-one relationship`);

export function tableNotFound(schema: string, name: string, suggestion?: string) {
  return restErrorWith('PGRST205', `Could not find the table '${schema}.${name}' in the schema cache`, {
    hint: suggestion ? `Perhaps you meant the table '${schema}.${suggestion}'` : null,
    // For surfaces that name the table their own way (the Database API's TABLE_NOT_FOUND).
    fields: { schema, table: name },
  });
}

/** What PostgreSQL itself answers for an unknown column, decided before any SQL runs. */
export function columnNotFound(table: string, column: string, suggestion?: string) {
  return new ApiError(400, '42703', `column ${table}.${column} does not exist`, {
    hint: suggestion ? `Perhaps you meant to reference the column "${table}.${suggestion}".` : null,
  });
}

export function noRelationship(origin: string, target: string, schema: string, hint?: string, suggestion?: string) {
  return restError('PGRST200',
    `Could not find a relationship between '${origin}' and '${target}' in the schema cache`,
    `Searched for a foreign key relationship between '${origin}' and '${target}'${hint ? ` using the hint '${hint}'` : ''} in the schema '${schema}', but no matches were found.`,
    suggestion ? `Perhaps you meant '${suggestion}' instead of '${target}'.` : null,
  );
}

const CARD: Record<string, string> = { m2o: 'many-to-one', o2m: 'one-to-many', o2o: 'one-to-one', m2m: 'many-to-many' };

function describeRel(r: Relationship) {
  if (r.junction) {
    const j = r.junction;
    return `${j.table.name} using ${j.sourceConstraint}(${j.sourceColumns.map((c) => c[1]).join(', ')}) and ${j.targetConstraint}(${j.targetColumns.map((c) => c[0]).join(', ')})`;
  }
  return `${r.constraint} using ${r.table.name}(${r.columns.map((c) => c[0]).join(', ')}) and ${r.foreignTable.name}(${r.columns.map((c) => c[1]).join(', ')})`;
}

/** 300 Multiple Choices with the candidates, as PostgREST answers an ambiguous embed. */
export function ambiguousRelationship(origin: string, target: string, rels: Relationship[]) {
  const e = restErrorWith('PGRST201', `Could not embed because more than one relationship was found for '${origin}' and '${target}'`, {
    hint: `Try changing '${target}' to one of the following: ${rels
      .map((r) => `'${target}!${r.junction ? r.junction.table.name : r.constraint}'`)
      .join(', ')}. Find the desired relationship in the 'details' key.`,
  });
  (e as ApiError & { detailsJson: unknown }).detailsJson = rels.map((r) => ({
    cardinality: CARD[r.cardinality],
    embedding: `${origin} with ${target}`,
    relationship: describeRel(r),
  }));
  return e;
}

/** SQLSTATE → HTTP status, as PostgREST maps them (mapSQLtoHTTP); `message` decides the few that depend on it. */
export function httpStatusForSqlState(code: string | undefined, authenticated: boolean, message = ''): number {
  if (!code) return 500;
  // RAISE SQLSTATE 'PTnnn' chooses the status; PT and anything else is 500, as PostgREST.
  if (code.startsWith('PT')) return /^PT\d{3}$/.test(code) ? Number(code.slice(2)) : 500;
  switch (code) {
    case '23503':
    case '23505':
      return 409;
    case '25006':
      return 405;
    case '21000':
      // pg-safeupdate's "DELETE requires a WHERE clause" is the client's doing.
      return message.endsWith('requires a WHERE clause') ? 400 : 500;
    case '22023':
      return message.startsWith('role') && message.endsWith('does not exist') ? 401 : 400;
    case '53400':
      return 500;
    // Unlike PostgREST (500), every server-shutdown state is "try again later" here.
    case '57P01':
    case '57P02':
    case '57P03':
      return 503;
    case 'P0001':
      return 400;
    case '42883':
      return message.startsWith('function xmlagg(') ? 406 : 404;
    case '42P01':
      return 404;
    case '42P17':
      return 500;
    case '42501':
      return authenticated ? 403 : 401;
  }
  switch (code.slice(0, 2)) {
    case '08':
    case '53':
      return 503;
    case '0L':
    case '0P':
    case '28':
      return 403;
    case '09':
    case '25':
    case '2D':
    case '38':
    case '39':
    case '3B':
    case '40':
    case '54':
    case '55':
    case '57':
    case '58':
    case 'F0':
    case 'HV':
    case 'P0':
    case 'XX':
      return 500;
  }
  return 400;
}
