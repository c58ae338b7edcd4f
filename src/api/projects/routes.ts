import { Router } from 'express';
import type { Services } from '../services.ts';

/**
 * Each Management API project's own data API: Host <ref>.<PROJECT_BASE_DOMAIN>, its active
 * custom hostname, and the path prefix /project/<ref>/rest/v1. STUB (management-core helper).
 */
export function projectRoutes(_s: Services): Router {
  return Router();
}
