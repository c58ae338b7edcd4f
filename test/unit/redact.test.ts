import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from '../../src/shared/jobs/redact.ts';

describe('redactSecrets', () => {
  it('hides role passwords in SQL, in every quoting', () => {
    const sql = "CREATE ROLE app LOGIN PASSWORD 'hunter2'; ALTER ROLE app PASSWORD E'it''s'; ALTER ROLE b WITH PASSWORD $p$dollar$p$;";
    const out = redactSecrets({ sql }) as { sql: string };
    expect(out.sql).toBe(`CREATE ROLE app LOGIN PASSWORD '${REDACTED}'; ALTER ROLE app PASSWORD '${REDACTED}'; ALTER ROLE b WITH PASSWORD '${REDACTED}';`);
    expect(out.sql).not.toMatch(/hunter2|it''s|dollar/);
  });

  it('hides the password of connection URLs anywhere, keeping user and host', () => {
    expect(redactSecrets({ note: 'from postgres://bob:s3cr%40t@db:5432/x and redis://:pw@r:6379' })).toEqual({
      note: `from postgres://bob:${REDACTED}@db:5432/x and redis://:${REDACTED}@r:6379`,
    });
  });

  it('hides values under secret-looking names, at any depth, and leaves the rest', () => {
    const payload = { tables: ['a'], upsertKey: ['id'], nested: [{ apiKey: 'k', password: 'p', databaseUrl: 'postgres://x', token: 't', name: 'n' }], rowLimit: 5 };
    expect(redactSecrets(payload)).toEqual({
      tables: ['a'],
      upsertKey: ['id'],
      nested: [{ apiKey: REDACTED, password: REDACTED, databaseUrl: REDACTED, token: REDACTED, name: 'n' }],
      rowLimit: 5,
    });
  });

  it('hides a password literal cut short in an error message to its end', () => {
    expect(redactSecrets("Statement 1 of 1 failed: ALTER ROLE a PASSWORD 'abcdefgh…: boom")).toBe(`Statement 1 of 1 failed: ALTER ROLE a PASSWORD '${REDACTED}'`);
    expect(redactSecrets('ALTER ROLE a PASSWORD $q$abc…')).toBe(`ALTER ROLE a PASSWORD '${REDACTED}'`);
  });
});
