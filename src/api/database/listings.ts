import { Router } from 'express';
import type { Services } from '../services.ts';

/** (being built) */
export function listingsRoutes(_s: Services): Router {
  return Router();
}
