/**
 * Spread embeds `...rel(cols)` on one-to-many and many-to-many relationships (PostgREST 13):
 * each column becomes an array of the related rows' values. Fixture `rest_parity`
 * (test/fixtures/11_rest_select_parity.sql):
 *
 *   plants: North (lines N1, N2) · South (S1, S2, S3) · Empty (none)
 *   lines → kinds: N1 Batch, N2 Flow, S1 Flow, S2 Flow, S3 Batch
 *   line_costs: N1 10.50, N2 20.00, S1 5.25, S3 7.00 (S2 has none)
 *   line_staff: N1 Ann+Bob, N2 Bob, S1 Cy, S3 Ann
 */
import { describe, expect, it } from 'vitest';
import { PostgrestClient } from '@supabase/postgrest-js';
import { restUrl } from '../support/env.ts';
import { profileRows } from '../support/http.ts';

const client = new PostgrestClient(restUrl, { schema: 'rest_parity' });

const rows = profileRows(restUrl, 'rest_parity');

describe('one-to-many spread', () => {
  it('spreads a column as an array, [] when there are no related rows', async () => {
    expect(await rows('plants', [['select', 'plant:name,...lines(name)'], ['order', 'id'], ['lines.order', 'id']])).toEqual([
      { plant: 'North', name: ['N1', 'N2'] },
      { plant: 'South', name: ['S1', 'S2', 'S3'] },
      { plant: 'Empty', name: [] },
    ]);
  });

  it('spreads several aliased columns, and every column with *', async () => {
    expect(await rows('plants', [['select', 'plant:name,...lines(lines:name,kinds:kind_id)'], ['order', 'id'], ['lines.order', 'id']])).toEqual([
      { plant: 'North', lines: ['N1', 'N2'], kinds: [1, 2] },
      { plant: 'South', lines: ['S1', 'S2', 'S3'], kinds: [2, 2, 1] },
      { plant: 'Empty', lines: [], kinds: [] },
    ]);
    expect(await rows('plants', [['select', 'plant:name,...lines(*)'], ['id', 'eq.1'], ['lines.order', 'id']])).toEqual([
      { plant: 'North', id: [1, 2], name: ['N1', 'N2'], plant_id: [1, 1], kind_id: [1, 2] },
    ]);
  });

  it('keeps a null value as an element', async () => {
    expect(await rows('plants', [['select', 'plant:name,...lines(line:name,...line_costs(cost))'], ['order', 'id'], ['lines.order', 'id']])).toEqual([
      { plant: 'North', line: ['N1', 'N2'], cost: [10.5, 20] },
      { plant: 'South', line: ['S1', 'S2', 'S3'], cost: [5.25, null, 7] },
      { plant: 'Empty', line: [], cost: [] },
    ]);
  });

  it('nests a to-many spread as arrays of arrays, and a plain embed as an array of its values', async () => {
    expect(
      await rows('plants', [['select', 'plant:name,...lines(line:name,...staff(staff:name))'], ['id', 'eq.1'], ['lines.order', 'id'], ['lines.staff.order', 'name']]),
    ).toEqual([{ plant: 'North', line: ['N1', 'N2'], staff: [['Ann', 'Bob'], ['Bob']] }]);
    expect(await rows('plants', [['select', 'plant:name,...lines(line:name,line_costs(cost))'], ['id', 'eq.2'], ['lines.order', 'id']])).toEqual([
      { plant: 'South', line: ['S1', 'S2', 'S3'], line_costs: [{ cost: 5.25 }, null, { cost: 7 }] },
    ]);
  });

  it('applies the embed filters, and filters parents with is.null / !inner', async () => {
    expect(await rows('plants', [['select', 'plant:name,...lines(name)'], ['lines.name', 'not.like.*1'], ['order', 'id'], ['lines.order', 'id']])).toEqual([
      { plant: 'North', name: ['N2'] },
      { plant: 'South', name: ['S2', 'S3'] },
      { plant: 'Empty', name: [] },
    ]);
    expect(await rows('plants', [['select', 'plant:name,...lines(name)'], ['lines', 'is.null']])).toEqual([{ plant: 'Empty', name: [] }]);
    expect(await rows('plants', [['select', 'plant:name,...lines!inner(name)'], ['order', 'id'], ['lines.order', 'id']])).toEqual([
      { plant: 'North', name: ['N1', 'N2'] },
      { plant: 'South', name: ['S1', 'S2', 'S3'] },
    ]);
  });

  it('orders every array by the embed order, also by columns not selected and by a to-one spread', async () => {
    expect(await rows('plants', [['select', 'plant:name,...lines(name)'], ['id', 'eq.2'], ['lines.order', 'kind_id.asc,name.desc']])).toEqual([
      { plant: 'South', name: ['S3', 'S2', 'S1'] },
    ]);
    expect(await rows('plants', [['select', 'plant:name,...lines(name,...line_costs(cost))'], ['id', 'eq.2'], ['lines.order', 'line_costs(cost)']])).toEqual([
      { plant: 'South', name: ['S1', 'S3', 'S2'], cost: [5.25, 7, null] },
    ]);
  });

  it('adds nothing for an empty spread', async () => {
    expect(await rows('plants', [['select', 'plant:name,...lines()'], ['order', 'id']])).toEqual([{ plant: 'North' }, { plant: 'South' }, { plant: 'Empty' }]);
  });
});

describe('many-to-many spread', () => {
  it('spreads the far table through the junction', async () => {
    expect(await rows('lines', [['select', 'name,...staff(names:name)'], ['id', 'in.(1,4)'], ['order', 'id'], ['staff.order', 'name']])).toEqual([
      { name: 'N1', names: ['Ann', 'Bob'] },
      { name: 'S2', names: [] },
    ]);
  });

  it('spreads the far table inside an embedded junction', async () => {
    expect(await rows('staff', [['select', 'name,jobs:line_staff(...lines(line:name))'], ['id', 'eq.1'], ['jobs.order', 'line_id']])).toEqual([
      { name: 'Ann', jobs: [{ line: 'N1' }, { line: 'S3' }] },
    ]);
  });

  it('works through postgrest-js', async () => {
    const { data, error } = await client.from('lines').select('name, ...staff(names:name)').eq('id', 1).order('name', { referencedTable: 'staff' });
    expect(error).toBeNull();
    expect(data).toEqual([{ name: 'N1', names: ['Ann', 'Bob'] }]);
  });
});
