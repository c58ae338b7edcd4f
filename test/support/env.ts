/** What the global setup hands every test file: the running API and its database. */
import { inject } from 'vitest';
import pg from 'pg';

declare module 'vitest' {
  export interface ProvidedContext {
    apiUrl: string;
    databaseUrl: string;
    redisUrl: string;
  }
}

export const apiUrl: string = inject('apiUrl');
export const restUrl = `${apiUrl}/rest/v1`;
export const databaseUrl: string = inject('databaseUrl');
export const redisUrl: string = inject('redisUrl');

let pool: pg.Pool | undefined;
/** A superuser pool on the test database, for arranging and checking rows. */
export function db(): pg.Pool {
  pool ??= new pg.Pool({ connectionString: databaseUrl, max: 4 });
  return pool;
}

export { TEST_ADMIN, TEST_JWT_SECRET, testArtifactDir, testEnv } from './test-env.ts';
import { TEST_ADMIN } from './test-env.ts';
export const adminAuth = 'Basic ' + Buffer.from(`${TEST_ADMIN.user}:${TEST_ADMIN.password}`).toString('base64');
