import express, { Router } from 'express';
import type { Services } from '../services.ts';
import { fail } from '../../shared/errors.ts';
import { requireAdmin } from '../admin/auth.ts';
import { refuseCrossSite } from '../middleware/cross-site.ts';
import { pgMetaConnection } from './connection.ts';
import { queryRoutes } from './query.ts';
import { generatorRoutes } from './generators.ts';
import { catalogRoutes } from './catalog-routes.ts';
import { writeRoutes } from './write-routes.ts';
import { pgMetaErrorHandler, sendPgMetaError } from './errors.ts';

/** The first path segments this API answers; anything else at the root falls through to the app's 404. */
const SEGMENTS = new Set([
  'query',
  'generators',
  'schemas',
  'tables',
  'columns',
  'types',
  'plugins',
  'config',
  'functions',
  'policies',
  'triggers',
  'roles',
  'views',
  'materialized-views',
  'foreign-tables',
  'indexes',
  'publications',
  'extensions',
  'table-privileges',
  'column-privileges',
]);

export const isPgMetaPath = (path: string) => path === '/' || SEGMENTS.has(path.split('/')[1] ?? '');

/**
 * Postgres Admin API at the root (pg-api seed + postgres-meta's routes): admin credentials
 * unless PG_META_AUTH=off, the request's database connection, then the routes, with
 * postgres-meta's `{ error }` envelope.
 */
export function pgMetaRouter(s: Services): Router {
  const api = Router();
  // First, before credentials and body: a page elsewhere must not write with the admin's cached Basic auth.
  api.use(refuseCrossSite(s.config));
  if (s.config.PG_META_AUTH !== 'off') api.use(requireAdmin(s));
  api.use(express.json({ limit: '10mb' }));
  api.use(pgMetaConnection(s));
  api.use(queryRoutes(s));
  api.use(generatorRoutes(s));
  api.use(catalogRoutes());
  api.use(writeRoutes());
  api.use((req, res) => sendPgMetaError(res, fail('NOT_FOUND', `Route ${req.method}:${req.path} not found`)));
  api.use(pgMetaErrorHandler);

  const root = Router();
  root.use((req, res, next) => (isPgMetaPath(req.path) ? api(req, res, next) : next()));
  return root;
}
