// Pure checks (no database): the parser gate for SQL fragments and the DDL it feeds.
import { describe, expect, it } from 'vitest';
import { expression, functionArgument, returnType, typeName } from '../../src/api/ddl/sql-fragments.ts';
import { createTable, updateTable } from '../../src/api/ddl/table-ddl.ts';
import { createRole } from '../../src/api/ddl/role-ddl.ts';
import { createPolicy } from '../../src/api/ddl/policy-ddl.ts';
import { renderListing } from '../../src/api/pg-meta/listing.ts';

const refused = async (p: Promise<unknown>) => {
  await expect(p).rejects.toMatchObject({ status: 400, code: 'INVALID_SQL_FRAGMENT' });
};

describe('sql fragments', () => {
  it('accepts type names and refuses anything else', async () => {
    for (const t of ['text', 'numeric(6,2)[]', 'public.mood', '"Odd Type"', 'timestamp with time zone', 'character varying(20)']) expect(await typeName(t)).toBe(t);
    for (const t of ['int; DROP TABLE x', 'int --', 'int /* x */', 'int FROM pg_class', '1', '', 'int) , (NULL::int']) await refused(typeName(t));
  });

  it('accepts one expression and refuses statements, clauses and comments', async () => {
    expect(await expression('auth.uid() = user_id')).toBe('(auth.uid() = user_id)');
    expect(await expression('(SELECT 1)')).toBe('((SELECT 1))');
    for (const e of ['1); DROP TABLE x; SELECT (1', '1) FROM pg_class WHERE (true', '1) AS x, (2', 'true --', 'true) UNION SELECT (1', '']) await refused(expression(e));
  });

  it('accepts one argument declaration and return types', async () => {
    for (const a of ['a int', 'OUT b text', 'VARIADIC xs int[]', 'b int DEFAULT 2', 'int']) expect(await functionArgument(a)).toBe(a);
    for (const a of ['a int, b int', 'a int) RETURNS int LANGUAGE sql AS $$SELECT 1$$; --', 'a int -- x']) await refused(functionArgument(a));
    expect(await returnType('SETOF public.pets')).toBe('SETOF public.pets');
    expect(await returnType('TABLE (a int, b text)')).toBe('TABLE (a int, b text)');
    await refused(returnType('TABLE (a int) LANGUAGE plpgsql'));
    await refused(returnType('int LANGUAGE c'));
  });
});

describe('ddl', () => {
  it('quotes identifiers and escapes literals', async () => {
    expect(createTable({ schema: 'a"b', name: "x'y", columns: [], comment: "it's" })).toEqual([`CREATE TABLE "a""b"."x'y" ()`, `COMMENT ON TABLE "a""b"."x'y" IS E'it''s'`]);
    expect(createRole({ name: 'r', password: "p'\\w", config: { search_path: 'public, extensions' } })).toEqual([
      `CREATE ROLE "r" WITH PASSWORD E'p''\\\\w'`,
      `ALTER ROLE "r" SET search_path TO E'public', E'extensions'`,
    ]);
    expect(() => createRole({ name: 'r', config: { 'x; DROP': '1' } })).toThrow(/configuration parameter/);
    expect(createPolicy({ name: 'p', schema: 's', table: 't', action: 'PERMISSIVE', command: 'ALL', roles: ['public', 'anon'], using: await expression('true') })).toEqual([
      `CREATE POLICY "p" ON "s"."t" AS PERMISSIVE FOR ALL TO PUBLIC, "anon" USING (true)`,
    ]);
  });

  it('renders table updates in a safe order', () => {
    expect(updateTable({ schema: 's', name: 't', pkConstraint: 't_pkey' }, { name: 'u', schema: 'v', primaryKey: ['id'] })).toEqual([
      `ALTER TABLE "s"."t" DROP CONSTRAINT "t_pkey"`,
      `ALTER TABLE "s"."t" ADD PRIMARY KEY ("id")`,
      `ALTER TABLE "s"."t" RENAME TO "u"`,
      `ALTER TABLE "s"."u" SET SCHEMA "v"`,
    ]);
  });
});

describe('listing', () => {
  it('passes every value as a parameter', () => {
    const q = renderListing({ sql: 'SELECT 1 AS id, $$x$$ AS schema', schemaColumn: 'schema', order: ['id'] }, { includedSchemas: ["a'b"], excludedSchemas: ['c'], equals: { id: "1' OR '1" }, limit: 5, offset: 2 });
    expect(q.values).toEqual([["a'b"], ['c'], "1' OR '1", 5, 2]);
    expect(q.text).not.toContain("a'b");
    expect(q.text).not.toContain("' OR '");
  });
});
