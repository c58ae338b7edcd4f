-- For each view column in the exposed schemas, the base table column it passes
-- through, read from the view's query tree (resorigtbl/resorigcol), as PostgREST does.
-- The top-level target list is printed last, so the last match per column wins.
WITH entries AS (
  SELECT r.ev_class AS view_oid, m.ord,
         (m.match)[1]::int AS resno, (m.match)[2]::oid AS base_oid, (m.match)[3]::int AS base_attnum
    FROM pg_rewrite r
    JOIN pg_class v ON v.oid = r.ev_class AND v.relkind IN ('v', 'm')
    JOIN pg_namespace vn ON vn.oid = v.relnamespace AND vn.nspname = ANY ($1::text[])
    CROSS JOIN LATERAL regexp_matches(r.ev_action::text,
      ':resno (\d+) :resname \S+ :ressortgroupref \d+ :resorigtbl (\d+) :resorigcol (\d+)', 'g')
      WITH ORDINALITY AS m(match, ord)
   WHERE r.rulename = '_RETURN'
), last_entry AS (
  SELECT DISTINCT ON (view_oid, resno) view_oid, resno, base_oid, base_attnum
    FROM entries ORDER BY view_oid, resno, ord DESC
)
SELECT vn.nspname AS view_schema, v.relname AS view, va.attname AS view_column,
       bn.nspname AS base_schema, b.relname AS base_table, ba.attname AS base_column
  FROM last_entry e
  JOIN pg_class v ON v.oid = e.view_oid
  JOIN pg_namespace vn ON vn.oid = v.relnamespace
  JOIN pg_attribute va ON va.attrelid = v.oid AND va.attnum = e.resno
  JOIN pg_class b ON b.oid = e.base_oid AND b.relkind IN ('r', 'p', 'v', 'm', 'f')
  JOIN pg_namespace bn ON bn.oid = b.relnamespace
  JOIN pg_attribute ba ON ba.attrelid = b.oid AND ba.attnum = e.base_attnum
 WHERE e.base_oid <> 0
