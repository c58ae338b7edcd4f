/**
 * PostgREST's error catalogue (PGRSTxxx) and its SQLSTATE → HTTP status map.
 * Bodies are { code, message, details, hint } everywhere in the data API.
 */
import { ApiError } from '../../shared/errors.ts';
import type { Relationship } from '../schema-cache/model.ts';

export const restError = (status: number, code: string, message: string, details: string | null = null, hint: string | null = null) =>
  new ApiError(status, code, message, { details, hint });

export const parseError = (message: string, details: string | null = null) => restError(400, 'PGRST100', message, details);

export const schemaNotExposed = (schema: string, exposed: readonly string[]) =>
  restError(406, 'PGRST106', `Invalid schema: ${schema}`, null, `Only the following schemas are exposed: ${exposed.join(', ')}`);

export const notAcceptable = (accept: string) =>
  restError(406, 'PGRST107', `None of these media types are available: ${accept}`);

export const rangeNotSatisfiable = (details: string | null = null, headers: Record<string, string> = {}) =>
  new ApiError(416, 'PGRST103', 'Requested range not satisfiable', { details, headers });

export const singularityError = (rows: number) =>
  restError(406, 'PGRST116', 'Cannot coerce the result to a single JSON object', `The result contains ${rows} rows`);

export const maxAffectedError = (rows: number) =>
  restError(400, 'PGRST124', 'Query result exceeds max-affected preference constraint', `The query affects ${rows} rows`);

export const notEmbedded = (name: string) =>
  restError(400, 'PGRST108', `'${name}' is not an embedded resource in this request`, null, `Verify that '${name}' is included in the 'select' query parameter.`);

export const relatedOrderNotToOne = (origin: string, target: string) =>
  restError(400, 'PGRST118', `A related order on '${target}' is not possible`, `'${origin}' and '${target}' do not form a many-to-one or one-to-one relationship`);

export function tableNotFound(schema: string, name: string, suggestion?: string) {
  return new ApiError(404, 'PGRST205', `Could not find the table '${schema}.${name}' in the schema cache`, {
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
  return restError(
    400,
    'PGRST200',
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
  const e = new ApiError(300, 'PGRST201', `Could not embed because more than one relationship was found for '${origin}' and '${target}'`, {
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
  if (/^PT\d{3}$/.test(code)) return Number(code.slice(2));
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
