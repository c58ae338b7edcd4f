import { Router } from 'express';
import type { Services } from '../services.ts';

/** GET /generators/typescript (pg-meta). STUB (pg-meta query helper). */
export function generatorRoutes(_s: Services): Router {
  return Router();
}
