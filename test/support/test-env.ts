import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The environment the test API and workers run with; tests that start extra workers reuse it. */
export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';
export const TEST_CRYPTO_KEY = 'test-crypto-key-for-pg-meta';
export const TEST_ADMIN = { user: 'admin', password: 'test-admin-password' };

/** The test-only licence keypair (test/fixtures/license): keys the tests issue verify in the test API. */
export const TEST_LICENSE_PUBLIC_KEY = readFileSync(new URL('../fixtures/license/test-public-key.pem', import.meta.url), 'utf8');
export const TEST_LICENSE_PRIVATE_KEY_FILE = new URL('../fixtures/license/TEST-ONLY-private-key.pem', import.meta.url).pathname;

/**
 * The artifact directory of the test stack (the default of npm start: ARTIFACT_STORE=fs). The global
 * setup picks it before the test processes start, so every API and worker a test starts shares it.
 */
export const testArtifactDir = (): string => process.env.TEST_ARTIFACT_DIR ?? path.join(os.tmpdir(), 'basalt-test-artifacts');

export function testEnv(o: { databaseUrl: string; redisUrl: string; port?: number; functionsPort?: number }): Record<string, string> {
  return {
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: o.redisUrl,
    PORT: String(o.port ?? 0),
    HOST: '127.0.0.1',
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_USER: TEST_ADMIN.user,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    WEB_CONCURRENCY: '1',
    DB_SCHEMAS: 'public,rest_read,rest_write,rest_parity,rest_rpc_parity,rest_repr,rest_pread,rest_media,rest_wparity',
    DB_TX_END: 'commit-allow-override',
    DB_PRE_REQUEST: 'rest_write.pre_request',
    SERVER_TIMING_ENABLED: 'true',
    DB_PLAN_ENABLED: 'true',
    JWT_ROLE_CLAIM_KEY: '.role',
    DB_ANON_ROLE: 'anon',
    // PostgREST's own spec runs with aggregates on.
    DB_AGGREGATES_ENABLED: 'true',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    JOB_LOCK_MS: '2000',
    ARTIFACT_STORE: 'fs',
    ARTIFACT_DIR: testArtifactDir(),
    JOB_WAIT_MS: '20000',
    SCHEMA_RELOAD_DEBOUNCE_MS: '20',
    SHUTDOWN_TIMEOUT_MS: '5000',
    // Tests send X-Forwarded-For from loopback to act as other clients; loopback itself is never banned.
    TRUSTED_PROXIES: '127.0.0.1,::1',
    AUTH_BAN_EXEMPT: '127.0.0.1/32,::1/128',
    AUTH_BAN_THRESHOLD: '5',
    CRYPTO_KEY: TEST_CRYPTO_KEY,
    BASALT_MASTER_KEY: 'a'.repeat(64),
    PROJECT_BASE_DOMAIN: 'projects.basalt.test',
    LICENSE_PUBLIC_KEY: TEST_LICENSE_PUBLIC_KEY,
    // Edge functions: small limits, so that the limit tests end quickly.
    ...(o.functionsPort ? { FUNCTIONS_PORT: String(o.functionsPort), FUNCTIONS_URL: `http://127.0.0.1:${o.functionsPort}` } : {}),
    FUNCTIONS_WALL_CLOCK_MS: '8000',
    FUNCTIONS_MEMORY_MB: '64',
    FUNCTIONS_MAX_BODY_MB: '1',
  };
}
