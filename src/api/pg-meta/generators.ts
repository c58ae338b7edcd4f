import { Router } from 'express';
import type { Pool } from 'pg';
import type { Services } from '../services.ts';
import { fail } from '../../shared/errors.ts';
import { generateTypes, type TypegenOptions } from '../typegen/typescript.ts';
import { checkoutClient, connectFailure, isConnectionLoss } from './connection-errors.ts';

const list = (v: string | null) => (v ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/** postgres-meta's query parameters: included_schemas, excluded_schemas (comma lists), detect_one_to_one_relationships, postgrest_version. */
export function parseTypegenParams(search: URLSearchParams): TypegenOptions {
  const flag = search.get('detect_one_to_one_relationships');
  if (flag !== null && flag !== 'true' && flag !== 'false') {
    throw fail('VALIDATION_ERROR', 'detect_one_to_one_relationships must be true or false');
  }
  const version = search.get('postgrest_version');
  if (version !== null && !/^\d+(\.\d+)*$/.test(version)) {
    throw fail('VALIDATION_ERROR', 'postgrest_version must be a version number such as 12 or 12.2');
  }
  return {
    includedSchemas: list(search.get('included_schemas')),
    excludedSchemas: list(search.get('excluded_schemas')),
    detectOneToOneRelationships: flag === 'true',
    ...(version ? { postgrestVersion: version } : {}),
  };
}

/**
 * GET /generators/typescript (pg-meta): the `Database` type supabase-js takes, made by
 * @supabase/postgrest-typegen (what `supabase gen types typescript` uses) from
 * `res.locals.db`, answered as text like postgres-meta does.
 */
export function generatorRoutes(s: Services): Router {
  const r = Router();
  r.get('/generators/typescript', async (req, res) => {
    const opts = parseTypegenParams(new URLSearchParams(req.originalUrl.split('?')[1] ?? ''));
    const which = res.locals.dbWhich === 'target' ? 'target' : 'server';
    // One connection for every introspection query: one consistent picture, one pool slot.
    const client = await checkoutClient((res.locals.db as Pool | undefined) ?? s.pool, which);
    let types: string;
    try {
      types = await generateTypes(client, opts);
      client.release();
    } catch (e) {
      client.release(e as Error);
      throw isConnectionLoss(e) ? connectFailure(e, which) : e;
    }
    res.status(200).type('text/plain; charset=utf-8').send(types);
  });
  return r;
}
