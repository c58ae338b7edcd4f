import { Router } from 'express';
import type { Services } from '../services.ts';
import { requireAdmin } from './auth.ts';
import { tableDdlRoutes } from './table-ddl.ts';
import { tableRowRoutes } from './table-rows.ts';
import { tableExportRoutes } from './table-export.ts';
import { adminQueryRoutes } from './admin-query.ts';
import { schemaInfoRoutes } from './schema-info.ts';

/**
 * Admin API: tables, columns, rows, table export, POST /api/query and GET /api/schema
 * (contract: shared/seeds/selfhosted-admin-api.md). Mounted inside /api without a path,
 * so admin auth is applied to these paths only; /schema is already behind it in app.ts.
 */
export function adminTableRoutes(s: Services): Router {
  const r = Router();
  r.use(['/tables', '/table', '/query'], requireAdmin(s));
  r.use(tableExportRoutes(s));
  r.use(tableDdlRoutes(s));
  r.use(tableRowRoutes(s));
  r.use(adminQueryRoutes(s));
  r.use(schemaInfoRoutes(s));
  return r;
}
