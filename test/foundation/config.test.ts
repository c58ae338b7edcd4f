import { describe, expect, it } from 'vitest';
import { startProcess } from '../support/processes.ts';
import { parseConfig, ConfigError } from '../../src/shared/config.ts';

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
});
