/** Schemas that belong to PostgreSQL or to Basalt itself, never to users' data: pg_*, information_schema, basalt. */
export const isSystemSchema = (name: string): boolean => name.startsWith('pg_') || name === 'information_schema' || name === 'basalt';
