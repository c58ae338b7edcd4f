-- For each view column in the exposed schemas, the base table column it passes
-- through, read from the view's query tree (resorigtbl/resorigcol), as PostgREST does.
-- Subqueries print target entries of their own; only the shallowest ones (the view's own
-- target list) count.
-- Schema-qualified throughout.
WITH pieces AS (
  -- the rule's node tree, cut before each target entry's resno
  SELECT r.ev_class AS view_oid, p.piece, p.ord
    FROM pg_catalog.pg_rewrite r
    JOIN pg_catalog.pg_class v ON v.oid OPERATOR(pg_catalog.=) r.ev_class AND v.relkind OPERATOR(pg_catalog.=) ANY ('{v,m}'::pg_catalog."char"[])
    JOIN pg_catalog.pg_namespace vn ON vn.oid OPERATOR(pg_catalog.=) v.relnamespace AND vn.nspname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[])
    CROSS JOIN LATERAL pg_catalog.regexp_split_to_table(r.ev_action::pg_catalog.text, ':resno ') WITH ORDINALITY AS p(piece, ord)
   WHERE r.rulename OPERATOR(pg_catalog.=) '_RETURN'
), depths AS (
  -- nesting depth where each piece starts: { minus } before it (constants print as bytes, never braces)
  SELECT pc.view_oid, pc.piece, pc.ord,
         coalesce(pg_catalog.sum(pg_catalog.length(pg_catalog.replace(pc.piece, '}', ''))
                                 OPERATOR(pg_catalog.-) pg_catalog.length(pg_catalog.replace(pc.piece, '{', '')))
                    OVER (PARTITION BY pc.view_oid ORDER BY pc.ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS depth
    FROM pieces pc
), entries AS (
  SELECT d.view_oid, d.depth,
         (m.match)[1]::pg_catalog.int4 AS resno,
         -- the node printer escapes blanks, brackets and a leading digit with a backslash
         pg_catalog.regexp_replace((m.match)[2], '\\(.)', '\1', 'g') AS resname,
         (m.match)[3]::pg_catalog.oid AS base_oid, (m.match)[4]::pg_catalog.int4 AS base_attnum
    FROM depths d
    CROSS JOIN LATERAL pg_catalog.regexp_match(d.piece,
      '^(\d+) :resname ((?:\\.|[^[:space:]\\])+) :ressortgroupref \d+ :resorigtbl (\d+) :resorigcol (\d+)') AS m(match)
   WHERE d.ord OPERATOR(pg_catalog.>) 1 AND m.match IS NOT NULL
), last_entry AS (
  -- the view's own target list is the shallowest; subqueries (in FROM, WHERE or a column) nest deeper
  SELECT e.view_oid, e.resno, e.base_oid, e.base_attnum
    FROM entries e
    JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) e.view_oid AND a.attnum OPERATOR(pg_catalog.=) e.resno
                                  AND a.attname::pg_catalog.text OPERATOR(pg_catalog.=) e.resname
   WHERE e.depth OPERATOR(pg_catalog.=) (SELECT pg_catalog.min(x.depth) FROM entries x WHERE x.view_oid OPERATOR(pg_catalog.=) e.view_oid)
)
SELECT vn.nspname AS view_schema, v.relname AS view, va.attname AS view_column,
       bn.nspname AS base_schema, b.relname AS base_table, ba.attname AS base_column
  FROM last_entry e
  JOIN pg_catalog.pg_class v ON v.oid OPERATOR(pg_catalog.=) e.view_oid
  JOIN pg_catalog.pg_namespace vn ON vn.oid OPERATOR(pg_catalog.=) v.relnamespace
  JOIN pg_catalog.pg_attribute va ON va.attrelid OPERATOR(pg_catalog.=) v.oid AND va.attnum OPERATOR(pg_catalog.=) e.resno
  JOIN pg_catalog.pg_class b ON b.oid OPERATOR(pg_catalog.=) e.base_oid AND b.relkind OPERATOR(pg_catalog.=) ANY ('{r,p,v,m,f}'::pg_catalog."char"[])
  JOIN pg_catalog.pg_namespace bn ON bn.oid OPERATOR(pg_catalog.=) b.relnamespace
  JOIN pg_catalog.pg_attribute ba ON ba.attrelid OPERATOR(pg_catalog.=) b.oid AND ba.attnum OPERATOR(pg_catalog.=) e.base_attnum
 WHERE e.base_oid OPERATOR(pg_catalog.<>) 0
 ORDER BY vn.nspname, v.relname, va.attnum
