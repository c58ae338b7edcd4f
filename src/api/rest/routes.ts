import { Router } from 'express';
import type { Services } from '../services.ts';

/** /rest/v1: the PostgREST-compatible data API. */
export function restRouter(_s: Services): Router {
  const r = Router();
  return r;
}
