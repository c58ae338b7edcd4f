import { Router } from 'express';
import type { Services } from '../services.ts';

/** Admin API: POST/DELETE /api/tokens, personal access tokens for the Management API. STUB (management-core helper). */
export function tokenRoutes(_s: Services): Router {
  return Router();
}
