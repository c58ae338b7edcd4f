import { Router } from 'express';
import type { Services } from '../services.ts';

/** Management API at /v1. STUB (management-core helper). */
export function managementRouter(_s: Services): Router {
  return Router();
}
