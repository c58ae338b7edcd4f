import { quoteIdent } from '../../shared/sql/ident.ts';

/**
 * Renders one catalog query (src/api/pg-meta/sql/*.sql) as a filtered, ordered, paged
 * listing returned as a single JSON array built by PostgreSQL. Every value is a bind
 * parameter; column names come from the route table in code, never from the request.
 */

/** Schemas hidden unless include_system_schemas: PostgreSQL's own and Basalt's control schema. */
export const SYSTEM_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast', 'basalt'];

export interface CatalogQuery {
  sql: string;
  /** The column holding the object's schema; absent for objects without one (roles, extensions). */
  schemaColumn?: string;
  order: string[];
}

export interface ListingFilter {
  includeSystemSchemas?: boolean;
  includedSchemas?: string[];
  excludedSchemas?: string[];
  limit?: number;
  offset?: number;
  /** Equality filters on columns of the query's result (compared as text). */
  equals?: Record<string, string | number | boolean>;
  /** Membership filters on columns of the query's result (compared as text). */
  oneOf?: Record<string, string[]>;
}

export interface RenderedQuery {
  text: string;
  values: unknown[];
}

export function renderListing(q: CatalogQuery, f: ListingFilter): RenderedQuery {
  const values: unknown[] = [];
  const param = (v: unknown) => (values.push(v), `$${values.length}`);
  const where: string[] = [];
  if (q.schemaColumn) {
    const col = `b.${quoteIdent(q.schemaColumn)}`;
    // An explicit list of schemas wins over the system-schema default, as in postgres-meta.
    if (f.includedSchemas?.length) where.push(`${col} = ANY (${param(f.includedSchemas)}::text[])`);
    else if (!f.includeSystemSchemas) where.push(`NOT (${col} = ANY (${param(SYSTEM_SCHEMAS)}::text[]))`);
    if (f.excludedSchemas?.length) where.push(`NOT (${col} = ANY (${param(f.excludedSchemas)}::text[]))`);
  }
  for (const [col, v] of Object.entries(f.equals ?? {})) where.push(`b.${quoteIdent(col)}::text = ${param(String(v))}`);
  for (const [col, v] of Object.entries(f.oneOf ?? {})) where.push(`b.${quoteIdent(col)}::text = ANY (${param(v)}::text[])`);
  const order = q.order.map((c) => `b.${quoteIdent(c)}`).join(', ');
  const text = `SELECT coalesce(json_agg(t), '[]'::json) AS rows FROM (
SELECT b.* FROM (
${q.sql.trim().replace(/;\s*$/, '')}
) b${where.length ? `\nWHERE ${where.join('\n  AND ')}` : ''}
ORDER BY ${order}
LIMIT ${param(f.limit ?? null)}::int8 OFFSET ${param(f.offset ?? 0)}::int8
) t`;
  return { text, values };
}
