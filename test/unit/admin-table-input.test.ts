/** Pure pieces of the admin table endpoints: type text splitting, row ids, the query frame. */
import { describe, expect, it } from 'vitest';
import { splitType } from '../../src/api/admin/column-definition.ts';
import { engineTable, keyCondition, rowKey } from '../../src/api/admin/table-rows.ts';
import { renderMutation } from '../../src/api/engine/render/mutate.ts';
import { frameViolation } from '../../src/api/admin/admin-query.ts';
import { newName, type ColumnShape, type TableShape } from '../../src/api/admin/table-target.ts';
import { splitStatements } from '../../src/shared/sql/statements.ts';
import { expectApiError } from './expect-api-error.ts';

const expectRefused = (fn: () => unknown, status: number, code: string) => expectApiError(fn, { status, code });
const col = (name: string, pk: number | null, baseType = 'integer'): ColumnShape => ({
  name, type: baseType, baseType, udt: baseType === 'integer' ? 'int4' : baseType, category: baseType === 'integer' ? 'N' : 'S', nullable: pk === null, generated: false, identity: false, identityAlways: false, pk,
});
const table = (pk: ColumnShape[]): TableShape => ({ oid: 1, schema: 's', name: 't', relkind: 'r', columns: pk, pk });

describe('splitType', () => {
  it('separates numeric modifiers and keeps array brackets on the name', () => {
    expect(splitType('VARCHAR')).toEqual({ name: 'VARCHAR', mods: [] });
    expect(splitType('varchar(255)')).toEqual({ name: 'varchar', mods: [255] });
    expect(splitType('DECIMAL( 10 , 2 )')).toEqual({ name: 'DECIMAL', mods: [10, 2] });
    expect(splitType('varchar(20)[]')).toEqual({ name: 'varchar[]', mods: [20] });
    expect(splitType('timestamp(3) with time zone')).toEqual({ name: 'timestamp with time zone', mods: [3] });
    expect(splitType('double precision')).toEqual({ name: 'double precision', mods: [] });
    // not a modifier list: left whole for to_regtype to judge
    expect(splitType('int); drop table x; --(')).toEqual({ name: 'int); drop table x; --(', mods: [] });
  });
});

describe('rowKey', () => {
  it('takes any scalar for a one-column key and a JSON array for a composite one', () => {
    expect(rowKey(table([col('code', 1, 'text')]), 'a/b')).toEqual(['a/b']);
    expect(rowKey(table([col('id', 1)]), 5)).toEqual(['5']);
    expect(rowKey(table([col('a', 1), col('b', 2, 'text')]), '[1,"x"]')).toEqual(['1', 'x']);
    expect(rowKey(table([col('a', 1), col('b', 2, 'text')]), [2, 'y'])).toEqual(['2', 'y']);
  });
  it('refuses ids that do not fit the key, and tables without one', () => {
    expectRefused(() => rowKey(table([]), '1'), 400, 'NO_PRIMARY_KEY');
    expectRefused(() => rowKey(table([col('a', 1), col('b', 2)]), '1'), 400, 'VALIDATION_ERROR');
    expectRefused(() => rowKey(table([col('a', 1), col('b', 2)]), '[1]'), 400, 'VALIDATION_ERROR');
    expectRefused(() => rowKey(table([col('id', 1)]), { a: 1 }), 400, 'VALIDATION_ERROR');
    expectRefused(() => rowKey(table([col('id', 1)]), ''), 400, 'VALIDATION_ERROR');
  });
});

describe('keyCondition', () => {
  const render = (t: TableShape, keys: string[][]) => {
    const e = engineTable(t);
    return renderMutation(e, { kind: 'delete', where: [keyCondition(e, keys)] }, { table: e, alias: 'r', fields: [], embeds: [], where: [], order: [], offset: 0 }, { representation: false, format: 'object', stripNulls: false });
  };
  it('binds row ids as parameters, whatever their count and key width', () => {
    const one = render(table([col('id', 1)]), [["1'; DROP TABLE t; --"]]);
    expect(one.sql).toContain('"t0"."id" = $1');
    expect(one.params).toEqual(["1'; DROP TABLE t; --"]);
    const many = render(table([col('id', 1)]), [['1'], ['2'], ['3']]);
    expect(many.sql).toContain('"t0"."id" = ANY($1)');
    expect(many.params).toEqual([['1', '2', '3']]);
    const pairs = render(table([col('a', 1), col('b', 2, 'text')]), [['1', 'x'], ['2', "y'"]]);
    expect(pairs.sql).toContain('("t0"."a", "t0"."b") IN (SELECT "_k"."a", "_k"."b" FROM json_populate_recordset(NULL::"s"."t", $1::json) AS "_k")');
    expect(pairs.params).toEqual([JSON.stringify([{ a: '1', b: 'x' }, { a: '2', b: "y'" }])]);
  });
});

describe('newName', () => {
  it('accepts plain identifiers up to 63 characters only', () => {
    expect(newName('products_2', 'tableName')).toBe('products_2');
    expect(newName('x'.repeat(63), 'tableName')).toHaveLength(63);
    for (const bad of ['1abc', 'a-b', 'x'.repeat(64), 'a b', 'a"b', '', 3, undefined]) expectRefused(() => newName(bad, 'tableName'), 400, 'VALIDATION_ERROR');
  });
});

describe('frameViolation', () => {
  it('refuses transaction control and statement_timeout changes only', async () => {
    expect(frameViolation(await splitStatements('SELECT 1; SET search_path = x; CREATE TABLE t (a int)'))).toBeNull();
    expect(frameViolation(await splitStatements('SELECT 1; COMMIT'))).toContain('statement 2');
    expect(frameViolation(await splitStatements('SET LOCAL statement_timeout = 0'))).toContain('statement_timeout');
  });
});
