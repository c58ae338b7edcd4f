import { Router } from 'express';
import type { Services } from '../services.ts';

/** POST /query (pg-meta). STUB (pg-meta query helper). */
export function queryRoutes(_s: Services): Router {
  return Router();
}
