import express, { type Express } from 'express';
import type { Services } from './services.ts';
import { requestLog } from './middleware/request-log.ts';
import { cors } from './middleware/cors.ts';
import { isApiDataRoute, refuseCrossSite } from './middleware/cross-site.ts';
import { apiErrorHandler, sendApiError } from './api-errors.ts';
import { fail } from '../shared/errors.ts';
import { requireAdmin } from './admin/auth.ts';
import { healthRoutes } from './health.ts';
import { jobRoutes } from './jobs/routes.ts';
import { keyRoutes } from './admin/keys.ts';
import { schemaRoutes } from './admin/schemas.ts';
import { databaseRouter } from './database/router.ts';
import { restRouter } from './rest/routes.ts';
import { adminTableRoutes } from './admin/tables.ts';
import { licenseRoutes, licenseEnforcement } from './admin/license.ts';
import { tokenRoutes } from './admin/tokens.ts';
import { projectRoutes } from './projects/routes.ts';
import { managementRouter } from './management/router.ts';
import { isPgMetaPath, pgMetaRouter } from './pg-meta/router.ts';
import { managementErrorHandler } from './management/errors.ts';
import { banRoutes } from './admin/bans.ts';
import { queueDashboard } from './queues/dashboard.ts';
import { openApiRoutes } from './openapi/routes.ts';

/** Express assembly: request ids and logs, CORS, then each surface under its prefix. */
export function createApp(s: Services): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', (q: string) => q); // each surface parses its own query string
  app.use(requestLog(s.log));
  // /functions/v1/… is a project's edge functions (by Host), with the data APIs' open CORS, not pg-meta's /functions.
  app.use(cors(s.config, (p) => isPgMetaPath(p) && !/^\/functions\/v1(\/|$)/.test(p)));
  // Operations: GET /metrics and the queue dashboard at /admin/queues (admin credentials);
  // the OpenAPI documents (public) and their reference at /docs (admin credentials).
  app.use(s.metrics.router, queueDashboard(s), openApiRoutes(s));

  // Management API projects: their own data APIs, chosen by Host or /project/<ref>/rest/v1.
  app.use(projectRoutes(s));
  // Data API: PostgREST-compatible, with its own error envelope.
  app.use('/rest/v1', restRouter(s));
  // Management API: Supabase's /v1, { message } errors. Cross-site writes are refused first,
  // rendered by the surface's own error handler (skipped when the guard lets a request pass).
  app.use('/v1', refuseCrossSite(s.config), managementErrorHandler);
  app.use('/v1', managementRouter(s));

  const api = express.Router();
  // Before any body parsing (multipart uploads included): cross-site writes are refused.
  api.use(refuseCrossSite(s.config, { exempt: isApiDataRoute }));
  // Keep the bytes too: the data engine takes JSON text, and re-serialising would round bigints.
  api.use(express.json({ limit: '10mb', verify: (req, _res, buf) => ((req as express.Request).rawBody = buf) }));
  api.use(healthRoutes(s));
  api.use(licenseRoutes(s));
  // Everything below is an admin endpoint: 402 when enforcement is on and nothing is licensed.
  api.use(licenseEnforcement(s));
  api.use('/jobs', requireAdmin(s), jobRoutes(s));
  api.use('/project', requireAdmin(s), keyRoutes(s));
  api.use(['/schemas', '/schema'], requireAdmin(s));
  api.use(schemaRoutes(s));
  api.use(adminTableRoutes(s));
  api.use('/tokens', requireAdmin(s), tokenRoutes(s));
  api.use('/bans', requireAdmin(s), banRoutes(s));
  api.use('/database', databaseRouter(s));
  api.use((req, res) => sendApiError(res, fail('NOT_FOUND', `No route for ${req.method} ${req.baseUrl}${req.path}`)));
  api.use(apiErrorHandler);
  app.use('/api', api);

  // Postgres Admin API (pg-api seed, postgres-meta routes) at the root.
  app.use(pgMetaRouter(s));

  app.use((req, res) => sendApiError(res, fail('NOT_FOUND', `No route for ${req.method} ${req.path}`)));
  app.use(apiErrorHandler);
  return app;
}
