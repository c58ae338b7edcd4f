import { Router, type RequestHandler } from 'express';
import type { Services } from '../services.ts';

/** Admin API: /api/license/* and /api/trial/* (open, as the seed says). STUB (licence helper). */
export function licenseRoutes(_s: Services): Router {
  return Router();
}

/** LICENSE_ENFORCEMENT=on: admin endpoints answer 402 without a valid licence, trial or grace period. STUB. */
export function licenseEnforcement(_s: Services): RequestHandler {
  return (_req, _res, next) => next();
}
