import { readFileSync } from 'node:fs';

/** The catalog queries, one per file, each named for what it returns. */
const load = (name: string) => readFileSync(new URL(`./${name}.sql`, import.meta.url), 'utf8');

export const catalog = {
  tables: load('tables'),
  columns: load('columns'),
  foreignKeys: load('foreign-keys'),
  viewColumns: load('view-columns'),
  functions: load('functions'),
  roles: load('roles'),
  dbFunctions: load('db-functions'),
  indexes: load('indexes'),
  policies: load('policies'),
  triggers: load('triggers'),
  schemaExists: load('schema-exists'),
  tableDdl: load('table-ddl'),
  sequences: load('sequences'),
  views: load('views'),
  functionsDdl: load('db-functions-ddl'),
  relationShape: load('relation-shape'),
  tableNames: load('table-names'),
  typeByName: load('type-by-name'),
  schemaInfo: load('schema-info'),
  visibleObjects: load('visible-objects'),
  roleExists: load('role-exists'),
  writableColumns: load('writable-columns'),
  uniqueKey: load('unique-key'),
  exportableRelations: load('exportable-relations'),
  userSchemas: load('user-schemas'),
  escapeRights: load('escape-rights'),
  projectSchemas: load('project-schemas'),
};
