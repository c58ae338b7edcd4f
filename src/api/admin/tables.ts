import { Router } from 'express';
import type { Services } from '../services.ts';

/**
 * Admin API: tables, columns, rows, table export, POST /api/query and GET /api/schema.
 * STUB (owned by the admin-tables helper).
 */
export function adminTableRoutes(_s: Services): Router {
  return Router();
}
