/** GET /v1/projects/:ref/types/typescript?included_schemas=public,…: supabase-js types of the project's database. */
import { Router } from 'express';
import pg from 'pg';
import { generateTypes } from '../typegen/typescript.ts';
import { ensureProjectLogin, projectRestUrl } from '../../shared/management/project-database.ts';
import { serverSession } from '../../shared/db/pool.ts';
import { queryOf } from './body.ts';
import { fail } from '../../shared/errors.ts';
import { requireActive } from './projects.ts';
import type { Services } from '../services.ts';

/** included_schemas as Supabase takes it: a comma list, `public` when absent. */
export function includedSchemas(raw: string | null): string[] {
  if (raw === null) return ['public'];
  const list = raw.split(',').map((x) => x.trim()).filter(Boolean);
  if (!list.length) throw fail('BAD_REQUEST', 'included_schemas must name at least one schema');
  for (const name of list) {
    if (name.length > 63 || name.includes('\0')) throw fail('BAD_REQUEST', `included_schemas: invalid schema name '${name.slice(0, 63)}'`);
  }
  return list;
}

export function typeRoutes(s: Services): Router {
  const r = Router({ mergeParams: true });
  r.get('/types/typescript', async (req, res) => {
    const p = res.locals.project!;
    const schemas = includedSchemas(queryOf(req.originalUrl).get('included_schemas'));
    requireActive(p);
    // One short-lived connection: one consistent picture of the catalog, no pool kept for it.
    // As the project's data-API login, never the superuser: the introspection then runs as
    // service_role, which sees what the project's tables grant it, and the login cannot become
    // anything more (nor open another database).
    await ensureProjectLogin(s.pool, s.config, p.dbName);
    const client = new pg.Client({
      ...serverSession(projectRestUrl(s.config, p.dbName).url, 'basalt-typegen'),
      statement_timeout: s.config.DB_STATEMENT_TIMEOUT_MS,
      connectionTimeoutMillis: s.config.DB_CONNECT_TIMEOUT_MS,
    });
    await client.connect();
    try {
      await client.query('SET ROLE service_role');
      res.json({ types: await generateTypes(client, { includedSchemas: schemas }) });
    } finally {
      await client.end().catch(() => {});
    }
  });
  return r;
}
