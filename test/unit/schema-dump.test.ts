/** Which of pg_dump's entries an SQL export keeps (src/workers/schema-dump.ts), on a listing as `pg_restore -l -v` prints it. */
import { describe, expect, it } from 'vitest';
import { parseToc, selectEntries } from '../../src/workers/schema-dump.ts';

/** pg_dump 15 of a schema: types, a trigger function, tables with RLS, a policy, grants and comments, a serial, a foreign key, a partitioned table. */
const LISTING = `
6; 2615 16386 SCHEMA - s rt_owner
856; 1247 16404 TYPE s floatrange rt_owner
;	depends on: 6
846; 1247 16388 TYPE s mood rt_owner
;	depends on: 6
853; 1247 16400 TYPE s pair rt_owner
;	depends on: 6 846
849; 1247 16396 DOMAIN s posint rt_owner
;	depends on: 6
223; 1255 16411 FUNCTION s touch() rt_owner
;	depends on: 6
220; 1259 16433 TABLE s other rt_owner
;	depends on: 6
3397; 0 0 COMMENT s TABLE other rt_owner
;	depends on: 220
3398; 0 0 ACL s TABLE other rt_owner
;	depends on: 220
221; 1259 16438 TABLE s parted rt_owner
;	depends on: 6
222; 1259 16441 TABLE s parted_a rt_owner
;	depends on: 6 221
217; 1259 16413 TABLE s t1 rt_owner
;	depends on: 846 853 6 849 856
3399; 0 0 COMMENT s TABLE t1 rt_owner
;	depends on: 217
3400; 0 0 COMMENT s COLUMN t1.note rt_owner
;	depends on: 217
3401; 0 0 ACL s TABLE t1 rt_owner
;	depends on: 217
3402; 0 0 ACL s COLUMN t1.note rt_owner
;	depends on: 217 3401
216; 1259 16412 SEQUENCE s t1_id_seq rt_owner
;	depends on: 217 6
219; 1259 16422 TABLE s t2 rt_owner
;	depends on: 6
218; 1259 16421 SEQUENCE s t2_id_seq rt_owner
;	depends on: 219 6
3403; 0 0 SEQUENCE OWNED BY s t2_id_seq rt_owner
;	depends on: 218
3234; 0 0 TABLE ATTACH s parted_a rt_owner
;	depends on: 222 221
3236; 2604 16425 DEFAULT s t2 id rt_owner
;	depends on: 218 219 219
3238; 2606 16420 CONSTRAINT s t1 t1_pkey rt_owner
;	depends on: 217
3240; 2606 16427 CONSTRAINT s t2 t2_pkey rt_owner
;	depends on: 219
3241; 1259 16446 INDEX s parted_id_idx rt_owner
;	depends on: 221
3242; 1259 16447 INDEX s parted_a_id_idx rt_owner
;	depends on: 222 222 3241
3243; 0 0 INDEX ATTACH s parted_a_id_idx rt_owner
;	depends on: 3242 3241 222 221
3245; 2620 16436 TRIGGER s t1 t1_touch rt_owner
;	depends on: 217 223
3244; 2606 16428 FK CONSTRAINT s t2 t2_t1_fkey rt_owner
;	depends on: 3238 217 219
3389; 3256 16437 POLICY s t1 p1 rt_owner
;	depends on: 846 217 217
3388; 0 16413 ROW SECURITY s t1 rt_owner
;	depends on: 217
`;

describe('schema dump: entry selection', () => {
  const toc = parseToc(LISTING);
  const pick = (relations: number[], functions: number[] = [], foreignKeys: [number, number][] = []) =>
    selectEntries(toc, { relations: new Set(relations), functions: new Set(functions), foreignKeys: new Map(foreignKeys) }).map((e) => e.id);

  it('reads ids, catalogs, oids, kinds (several words long) and dependencies', () => {
    expect(toc.find((e) => e.id === 3403)).toMatchObject({ catalog: 0, oid: 0, desc: 'SEQUENCE OWNED BY', deps: [218] });
    expect(toc.find((e) => e.id === 217)).toMatchObject({ catalog: 1259, oid: 16413, desc: 'TABLE', deps: [846, 853, 6, 849, 856] });
    expect(toc.find((e) => e.id === 3388)?.desc).toBe('ROW SECURITY');
  });

  it('a table brings its types, schema, trigger function, constraints, RLS, policy, comments and grants; nothing else', () => {
    const t1 = pick([16413]);
    expect(t1.sort((a, b) => a - b)).toEqual([6, 216, 217, 223, 846, 849, 853, 856, 3238, 3245, 3388, 3389, 3399, 3400, 3401, 3402].sort((a, b) => a - b));
  });

  it('a foreign key comes only with the table it references; a serial sequence and its default with their table', () => {
    const t2 = pick([16422], [], [[16428, 16413]]);
    expect(t2).toEqual(expect.arrayContaining([219, 218, 3403, 3236, 3240]));
    expect(t2).not.toContain(3244);
    expect(t2).not.toContain(217);
    const both = pick([16422, 16413], [], [[16428, 16413]]);
    expect(both).toContain(3244);
  });

  it('a partitioned table with its partition brings the attachment and the partition index', () => {
    const parted = pick([16438, 16441]);
    expect(parted).toEqual(expect.arrayContaining([221, 222, 3234, 3241, 3242, 3243]));
    expect(parted).not.toContain(217);
    expect(parted).not.toContain(220);
  });

  it('a function asked for comes with its schema only', () => {
    expect(pick([], [16411]).sort()).toEqual([223, 6].sort());
  });
});
