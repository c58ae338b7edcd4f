-- Sequences of schema $1 with their settings, current value, and the column that owns
-- them (serial, identity) if any.
SELECT s.relname AS name,
       format_type(q.seqtypid, NULL) AS type,
       q.seqstart::text AS start, q.seqincrement::text AS increment,
       q.seqmin::text AS min, q.seqmax::text AS max, q.seqcache::text AS cache, q.seqcycle AS cycle,
       ps.last_value::text AS last_value,
       owner.relname AS owned_by_table,
       oa.attname AS owned_by_column,
       coalesce(oa.attidentity <> '', false) AS identity
  FROM pg_class s
  JOIN pg_namespace n ON n.oid = s.relnamespace
  JOIN pg_sequence q ON q.seqrelid = s.oid
  LEFT JOIN pg_sequences ps ON ps.schemaname = n.nspname AND ps.sequencename = s.relname
  LEFT JOIN pg_depend dep ON dep.objid = s.oid AND dep.classid = 'pg_class'::regclass
                         AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i')
  LEFT JOIN pg_class owner ON owner.oid = dep.refobjid
  LEFT JOIN pg_attribute oa ON oa.attrelid = dep.refobjid AND oa.attnum = dep.refobjsubid
 WHERE n.nspname = $1 AND s.relkind = 'S'
 ORDER BY s.relname
