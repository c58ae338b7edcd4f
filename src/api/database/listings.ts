/**
 * GET /api/database/functions, /indexes, /policies and /triggers: catalog listings of
 * one schema (`?schema=`, default public), admin only (the router checks that).
 * Each is one catalog query (src/shared/catalog/*.sql) with the schema as $1.
 */
import { Router, type Request, type Response } from 'express';
import { fail } from '../../shared/errors.ts';
import { catalog } from '../../shared/catalog/index.ts';
import { splitQueryString } from '../engine/parse/query-params.ts';
import type { Services } from '../services.ts';

/** `?schema=` (the last one wins), else public. */
function schemaOf(req: Request): string {
  const i = req.originalUrl.indexOf('?');
  const params = i < 0 ? [] : splitQueryString(req.originalUrl.slice(i + 1));
  const value = params.filter(([k]) => k === 'schema').pop()?.[1];
  return value ? value : 'public';
}

export function listingsRoutes(s: Services): Router {
  const r = Router();

  const listing = (sql: string) => async (req: Request, res: Response) => {
    const schema = schemaOf(req);
    const exists = await s.pool.query<{ exists: boolean }>(catalog.schemaExists, [schema]);
    if (!exists.rows[0]?.exists) throw fail('SCHEMA_NOT_FOUND', `Schema '${schema}' does not exist`);
    const { rows } = await s.pool.query(sql, [schema]);
    res.status(200).json(rows);
  };

  r.get('/functions', listing(catalog.dbFunctions));
  r.get('/indexes', listing(catalog.indexes));
  r.get('/policies', listing(catalog.policies));
  r.get('/triggers', listing(catalog.triggers));
  return r;
}
