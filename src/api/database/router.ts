import { Router, type NextFunction, type Request, type Response } from 'express';
import { fail } from '../../shared/errors.ts';
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

/** The 401 of a records or RPC request that carries no credential at all. */
export const missingCredentials = () =>
  fail('UNAUTHORIZED', 'No credentials: send a JWT or the anon key as Authorization: Bearer <token> (or the apikey header)', {
    headers: { 'WWW-Authenticate': 'Bearer' },
    fields: { nextActions: 'Send a JWT or the anon key as Authorization: Bearer <token> (or apikey: <key>); the anon key reads and writes as the anon role' },
  });

/**
 * Every /api/database request carries a credential (the seed: "Authorization: Bearer
 * your-jwt-token-or-anon-key"). With neither Authorization nor apikey, records and RPC answer
 * 401 instead of running as anon; the anon key (or an anon JWT) still runs as anon.
 * CORS preflights carry no credentials and pass.
 */
function requireCredential(req: Request, _res: Response, next: NextFunction): void {
  if (req.method === 'OPTIONS' || req.header('authorization')?.trim() || req.header('apikey')?.trim()) return next();
  next(missingCredentials());
}

/**
 * /api/database (contract: shared/seeds/database-api.md). Records and RPC run as the
 * caller (JWT or anon key, with RLS) and need one of them; everything else needs admin credentials.
 */
export function databaseRouter(s: Services): Router {
  const r = Router();
  r.use(['/records', '/rpc'], requireCredential);
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
