/**
 * GET /api/schema?schema= (contract: the seed's "Schema Information"): tables, their columns
 * and foreign keys, built by one catalog query (src/shared/catalog/schema-info.sql) as JSON
 * text that is passed through as is.
 */
import { Router } from 'express';
import { catalog } from '../../shared/catalog/index.ts';
import type { Services } from '../services.ts';
import { targetSchema } from './table-target.ts';

export function schemaInfoRoutes(s: Services): Router {
  const r = Router();
  r.get('/schema', async (req, res) => {
    const schema = await targetSchema(s.pool, req);
    const { rows } = await s.pool.query<{ schema: string }>(catalog.schemaInfo, [schema]);
    res.status(200).type('application/json').send(`{"schema":${rows[0].schema}}`);
  });
  return r;
}
