/**
 * Management API at /v1 (Supabase's Management API v1). Order: token → rate limit → body,
 * so an unauthenticated or throttled request is refused before its body is read; then the
 * organization and project routes, and the per-project features under /projects/:ref.
 * Every error leaves as { "message": "…" } (errors.ts).
 */
import express, { Router } from 'express';
import type { Services } from '../services.ts';
import { tokenAuth } from './token-auth.ts';
import { managementRateLimit } from './rate-limit.ts';
import { organizationRoutes } from './organizations.ts';
import { loadProject, projectItemRoutes, projectListRoutes } from './projects.ts';
import { typeRoutes } from './types.ts';
import { secretRoutes } from './secrets.ts';
import { functionRoutes } from './functions.ts';
import { customHostnameRoutes } from './custom-hostname.ts';
import { pgsodiumRoutes } from './pgsodium.ts';
import { networkRoutes } from './network.ts';
import { managementErrorHandler, notFound } from './errors.ts';

/** Bulk secrets (100 × 24,576 characters) and function bodies fit. */
const BODY_LIMIT = '10mb';

export function managementRouter(s: Services): Router {
  const r = Router();
  r.use(tokenAuth(s));
  r.use(managementRateLimit(s));
  r.use(express.json({ limit: BODY_LIMIT }));
  r.use(organizationRoutes(s));
  r.use(projectListRoutes(s));
  r.use(
    '/projects/:ref',
    loadProject(s),
    projectItemRoutes(s),
    typeRoutes(s),
    secretRoutes(s),
    functionRoutes(s),
    customHostnameRoutes(s),
    pgsodiumRoutes(s),
    networkRoutes(s),
  );
  r.use((_req, _res, next) => next(notFound()));
  r.use(managementErrorHandler);
  return r;
}
