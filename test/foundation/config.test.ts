import { describe, expect, it } from 'vitest';
import { startProcess } from '../support/processes.ts';
import pg from 'pg';
import { parseConfig, ConfigError } from '../../src/shared/config.ts';
import { createArtifactStore, FileArtifactStore, PostgresArtifactStore } from '../../src/shared/jobs/artifacts.ts';

describe('configuration', () => {
  it('stops the API with one readable message listing every problem, not a stack trace', async () => {
    const p = startProcess('src/api/main.ts', { PATH: process.env.PATH, PORT: 'eighty', REDIS_URL: 'http://nope', JWT_SECRET: 'short' });
    const { code } = await p.exited;
    const out = p.output();
    expect(code).toBe(78);
    expect(out).toContain('Invalid configuration');
    for (const v of ['DATABASE_URL', 'REDIS_URL', 'PORT', 'JWT_SECRET', 'ADMIN_PASSWORD']) expect(out).toContain(v);
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('stops the worker the same way', async () => {
    const p = startProcess('src/workers/main.ts', { PATH: process.env.PATH });
    const { code } = await p.exited;
    expect(code).toBe(78);
    expect(p.output()).toContain('DATABASE_URL: is required');
  });

  it('applies defaults and coerces numbers', () => {
    const c = parseConfig({
      DATABASE_URL: 'postgres://u:p@localhost/db',
      REDIS_URL: 'redis://localhost:6379',
      JWT_SECRET: 'x'.repeat(32),
      ADMIN_PASSWORD: 'password1',
      PORT: '8080',
      DB_SCHEMAS: 'public, api',
    });
    expect(c.PORT).toBe(8080);
    expect(c.DB_SCHEMAS).toEqual(['public', 'api']);
    expect(c.ADMIN_USER).toBe('admin');
    expect(() => parseConfig({})).toThrow(ConfigError);
  });

  it('ARTIFACT_STORE=fs needs ARTIFACT_DIR; ARTIFACT_DIR alone chooses the file store', () => {
    const base = { DATABASE_URL: 'postgres://u:p@localhost/db', REDIS_URL: 'redis://localhost:6379', JWT_SECRET: 'x'.repeat(32), ADMIN_PASSWORD: 'password1' };
    expect(() => parseConfig({ ...base, ARTIFACT_STORE: 'fs' })).toThrow(/ARTIFACT_DIR: is required when ARTIFACT_STORE is fs/);
    expect(() => parseConfig({ ...base, ARTIFACT_STORE: 'disk' })).toThrow(ConfigError);
    const c = parseConfig({ ...base, ARTIFACT_DIR: '/tmp/a' });
    expect(c.ARTIFACT_DIR).toBe('/tmp/a');
    expect(c.ARTIFACT_STORE).toBeUndefined();
    const pool = new pg.Pool({ connectionString: base.DATABASE_URL });
    try {
      expect(createArtifactStore(pool, { JOB_RESULT_TTL_SECONDS: 60, ARTIFACT_DIR: '/tmp/a' })).toBeInstanceOf(FileArtifactStore);
      expect(createArtifactStore(pool, { JOB_RESULT_TTL_SECONDS: 60, ARTIFACT_DIR: '/tmp/a', ARTIFACT_STORE: 'postgres' })).toBeInstanceOf(PostgresArtifactStore);
      expect(createArtifactStore(pool, { JOB_RESULT_TTL_SECONDS: 60 })).toBeInstanceOf(PostgresArtifactStore);
    } finally {
      void pool.end();
    }
  });
});
