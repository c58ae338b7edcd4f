import { Router } from 'express';
import type { Services } from '../services.ts';

/** Postgres Admin API at the root (pg-api seed + postgres-meta routes). STUB (pg-meta catalog helper). */
export function pgMetaRouter(_s: Services): Router {
  return Router();
}
