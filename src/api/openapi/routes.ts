/**
 * The OpenAPI documents (public: they describe the routes, and every route still asks for its
 * own credentials) and the interactive reference at /docs, Swagger UI served from
 * node_modules/swagger-ui-dist (no network needed), behind the admin credentials like
 * /admin/queues. The page offers all four documents, the Admin API first.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Router, type RequestHandler } from 'express';
import type { Services } from '../services.ts';
import { requireAdmin } from '../admin/auth.ts';
import { apiErrorHandler } from '../api-errors.ts';
import { refuseCrossSite } from '../middleware/cross-site.ts';
import { DOCUMENTS, openApiDocument, type DocumentName } from './documents.ts';

export const DOCS_PATH = '/docs';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The Swagger UI files the page loads, and nothing else from the package. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Basalt API reference</title>
  <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
  <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
  <script src="${DOCS_PATH}/swagger-ui-standalone-preset.js"></script>
  <script src="${DOCS_PATH}/initializer.js"></script>
</body>
</html>
`;

/**
 * Swagger UI's set-up: the four documents in the spec selector, the Admin API selected. URLs
 * are absolute from location.origin: a page opened as http://user:pass@host/docs would
 * otherwise resolve them with the credentials in, and fetch refuses such URLs.
 */
const INITIALIZER = `window.ui = SwaggerUIBundle({
  urls: ${JSON.stringify(Object.values(DOCUMENTS).map((d) => ({ path: d.path, name: d.title })))}.map((d) => ({ url: window.location.origin + d.path, name: d.name })),
  'urls.primaryName': ${JSON.stringify(DOCUMENTS.admin.title)},
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});
`;

function documentRoute(name: DocumentName): RequestHandler {
  return (_req, res, next) => {
    openApiDocument(name, pkg.version).then((json) => {
      res.type('application/json').send(json);
    }, next);
  };
}

export function openApiRoutes(s: Services): Router {
  const r = Router();
  for (const [name, d] of Object.entries(DOCUMENTS)) r.get(d.path, documentRoute(name as DocumentName));

  const dist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const docs = Router({ strict: true });
  docs.get(['/', ''], (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type('text/html; charset=utf-8').send(PAGE);
  });
  docs.get('/initializer.js', (_req, res) => {
    res.type('text/javascript; charset=utf-8').send(INITIALIZER);
  });
  docs.get('/:file', (req, res, next) => {
    const type = ASSETS[req.params.file];
    if (!type) return next();
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.type(type).sendFile(path.join(dist, req.params.file));
  });
  // Browsers replay cached Basic credentials: the same guard as the queue dashboard.
  r.use(DOCS_PATH, refuseCrossSite(s.config), requireAdmin(s), docs);
  r.use(DOCS_PATH, apiErrorHandler);
  return r;
}
