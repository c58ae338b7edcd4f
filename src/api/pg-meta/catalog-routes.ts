import { Router, type Request, type Response } from 'express';
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { pgMetaSql } from './sql/index.ts';
import { getById, listCatalog, withColumns, type CatalogName, type Row } from './catalog.ts';
import { boolParam, columnIdParam, listingFilter, oidParam, searchParams } from './params.ts';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The pool this request talks to (set by pgMetaConnection). */
export const dbOf = (res: Response): pg.Pool => res.locals.db as pg.Pool;

/** Relations that carry their columns unless include_columns=false. */
const WITH_COLUMNS = new Set<CatalogName>(['tables', 'views', 'materializedViews', 'foreignTables']);

const wantsColumns = (req: Request) => boolParam(searchParams(req), ['include_columns'], true);

/**
 * Read routes: the seed's (GET /, /schemas, /tables, /types, /plugins, /config,
 * /config/version) and postgres-meta's catalogue, each as a list and by id.
 */
export function catalogRoutes(): Router {
  const r = Router();

  r.get('/', (_req, res) => {
    res.json({ status: 200, name: 'basalt-pg-meta', version: pkg.version, documentation: 'docs/pg-meta-api.md' });
  });

  const listAndGet = (path: string, name: CatalogName, parseId: (raw: string | undefined) => string | number = (raw) => oidParam(raw, name.replace(/s$/, ''))) => {
    r.get(path, async (req, res) => {
      const db = dbOf(res);
      const filter = listingFilter(req);
      if (name === 'roles' && !boolParam(searchParams(req), ['include_default_roles'], false)) filter.equals = { is_default_role: false };
      let rows = await listCatalog(db, name, filter);
      if (WITH_COLUMNS.has(name) && wantsColumns(req)) rows = await withColumns(db, rows);
      res.json(rows);
    });
    r.get(`${path}/:id`, async (req, res) => {
      const db = dbOf(res);
      let row: Row = await getById(db, name, parseId(req.params.id));
      if (WITH_COLUMNS.has(name) && wantsColumns(req)) [row] = await withColumns(db, [row]);
      res.json(row);
    });
  };

  // /columns/:tableId lists a table's columns; /columns/:tableId.:ordinal is one column.
  r.get('/columns/:id', async (req, res) => {
    const raw = req.params.id;
    if (raw.includes('.')) return res.json(await getById(dbOf(res), 'columns', columnIdParam(raw)));
    const tableId = oidParam(raw, 'table');
    res.json(await listCatalog(dbOf(res), 'columns', { ...listingFilter(req), includeSystemSchemas: true, equals: { table_id: tableId } }));
  });

  listAndGet('/schemas', 'schemas');
  listAndGet('/tables', 'tables', (raw) => oidParam(raw, 'table'));
  listAndGet('/columns', 'columns', columnIdParam);
  listAndGet('/types', 'types', (raw) => oidParam(raw, 'type'));
  listAndGet('/functions', 'functions', (raw) => oidParam(raw, 'function'));
  listAndGet('/policies', 'policies', (raw) => oidParam(raw, 'policy'));
  listAndGet('/triggers', 'triggers', (raw) => oidParam(raw, 'trigger'));
  listAndGet('/roles', 'roles', (raw) => oidParam(raw, 'role'));
  listAndGet('/views', 'views', (raw) => oidParam(raw, 'view'));
  listAndGet('/materialized-views', 'materializedViews', (raw) => oidParam(raw, 'materialized view'));
  listAndGet('/foreign-tables', 'foreignTables', (raw) => oidParam(raw, 'foreign table'));
  listAndGet('/indexes', 'indexes', (raw) => oidParam(raw, 'index'));
  listAndGet('/publications', 'publications', (raw) => oidParam(raw, 'publication'));
  listAndGet('/extensions', 'extensions', (raw) => raw ?? '');
  listAndGet('/table-privileges', 'tablePrivileges', (raw) => oidParam(raw, 'relation'));
  listAndGet('/column-privileges', 'columnPrivileges', columnIdParam);

  // The seed's plugins: every available extension, installed or not.
  r.get('/plugins', async (req, res) => {
    const rows = await listCatalog(dbOf(res), 'extensions', listingFilter(req));
    res.json(rows.map((x) => ({ name: x.name, default_version: x.default_version, installed_version: x.installed_version, comment: x.comment })));
  });

  r.get('/config', async (_req, res) => {
    const { rows } = await dbOf(res).query(`SELECT * FROM (${pgMetaSql.config}) c ORDER BY c.category, c.name`);
    res.json(rows);
  });

  r.get('/config/version', async (_req, res) => {
    // As JSON built by PostgreSQL, so the int8 counts arrive as numbers.
    const { rows } = await dbOf(res).query(`SELECT row_to_json(v) AS v FROM (${pgMetaSql.version}) v`);
    res.json(rows[0].v);
  });

  return r;
}
