import express, { Router } from 'express';
import type { Pool } from 'pg';
import type { Services } from '../services.ts';
import { fail } from '../../shared/errors.ts';
import { runQuery } from './run-query.ts';

interface QueryBody {
  query: string;
  parameters?: unknown[];
}

/** `{query, parameters?}`, or a 400 saying what is wrong. */
export function parseQueryBody(body: unknown): QueryBody {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw fail('VALIDATION_ERROR', 'send a JSON object body: {"query": "<SQL>", "parameters": [..] (optional)} with Content-Type: application/json');
  }
  const { query, parameters } = body as Record<string, unknown>;
  if (typeof query !== 'string' || query.trim() === '') {
    throw fail('VALIDATION_ERROR', 'query not found: "query" must be a non-empty string of SQL');
  }
  if (parameters !== undefined && parameters !== null && !Array.isArray(parameters)) {
    throw fail('VALIDATION_ERROR', '"parameters" must be an array of values for $1, $2, …');
  }
  return { query, parameters: (parameters as unknown[] | null) ?? undefined };
}

/**
 * POST /query (pg-meta): runs any SQL on `res.locals.db` (see connection.ts), several
 * statements included, and answers the rows of the last statement that returned rows.
 * With `parameters` it is one statement with $n placeholders (Postgres refuses several).
 */
export function queryRoutes(s: Services): Router {
  const r = Router();
  // The router may already have parsed the body; body-parser then leaves it alone.
  r.post('/query', express.json({ limit: '10mb' }), async (req, res) => {
    const { query, parameters } = parseQueryBody(req.body);
    const rows = await runQuery((res.locals.db as Pool | undefined) ?? s.pool, query, {
      parameters,
      statementTimeoutMs: s.config.PG_META_STATEMENT_TIMEOUT_MS,
      which: res.locals.dbWhich === 'target' ? 'target' : 'server',
    });
    res.status(200).json(rows);
  });
  return r;
}
