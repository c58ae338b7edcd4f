/**
 * PostgreSQL's own parser (libpg-query, WebAssembly), loaded on first use: most processes never
 * parse SQL, and loading it costs each one several MB of memory.
 */
import type * as LibPgQuery from 'libpg-query';

let loaded: Promise<typeof LibPgQuery> | undefined;
const parser = () => (loaded ??= import('libpg-query'));

export const parse: typeof LibPgQuery.parse = async (sql) => (await parser()).parse(sql);
export const scan: typeof LibPgQuery.scan = async (sql) => (await parser()).scan(sql);
