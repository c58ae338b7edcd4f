import { Router } from 'express';
import type { Services } from '../services.ts';
import { requireAdmin } from '../admin/auth.ts';
import { recordsRoutes } from './records.ts';
import { rpcRoutes } from './rpc.ts';
import { listingsRoutes } from './listings.ts';
import { migrationsRoutes } from './migrations.ts';
import { rawsqlRoutes } from './rawsql.ts';
import { exportRoutes } from './export.ts';
import { importRoutes } from './import.ts';
import { bulkUpsertRoutes } from './bulk-upsert.ts';

/**
 * /api/database (contract: shared/seeds/database-api.md). Records and RPC run as the
 * caller (JWT or anon key, with RLS); everything else needs admin credentials.
 */
export function databaseRouter(s: Services): Router {
  const r = Router();
  r.use(recordsRoutes(s));
  r.use(rpcRoutes(s));
  r.use(['/functions', '/indexes', '/policies', '/triggers', '/migrations', '/advance'], requireAdmin(s));
  r.use(listingsRoutes(s));
  r.use(migrationsRoutes(s));
  r.use(rawsqlRoutes(s));
  r.use(exportRoutes(s));
  r.use(importRoutes(s));
  r.use(bulkUpsertRoutes(s));
  return r;
}
