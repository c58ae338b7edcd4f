import { readFileSync } from 'node:fs';

/**
 * The Postgres Admin API's catalog queries, one per file, each named for what it returns.
 * They read only pg_catalog, so they work on any database a request targets.
 */
const load = (name: string) => readFileSync(new URL(`./${name}.sql`, import.meta.url), 'utf8');

export const pgMetaSql = {
  schemas: load('schemas'),
  tables: load('tables'),
  columns: load('columns'),
  types: load('types'),
  extensions: load('extensions'),
  config: load('config'),
  version: load('version'),
  functions: load('functions'),
  policies: load('policies'),
  triggers: load('triggers'),
  roles: load('roles'),
  views: load('views'),
  materializedViews: load('materialized-views'),
  foreignTables: load('foreign-tables'),
  indexes: load('indexes'),
  publications: load('publications'),
  tablePrivileges: load('table-privileges'),
  columnPrivileges: load('column-privileges'),
  columnConstraints: load('column-constraints'),
  primaryKeyConstraint: load('primary-key-constraint'),
};
