-- Sequences of schema $1 with their settings, current value, and the column that owns
-- them (serial, identity) if any. Schema-qualified throughout.
SELECT s.relname AS name,
       pg_catalog.format_type(q.seqtypid, NULL) AS type,
       q.seqstart::pg_catalog.text AS start, q.seqincrement::pg_catalog.text AS increment,
       q.seqmin::pg_catalog.text AS min, q.seqmax::pg_catalog.text AS max, q.seqcache::pg_catalog.text AS cache, q.seqcycle AS cycle,
       ps.last_value::pg_catalog.text AS last_value,
       owner.relname AS owned_by_table,
       oa.attname AS owned_by_column,
       coalesce(oa.attidentity OPERATOR(pg_catalog.<>) '', false) AS identity
  FROM pg_catalog.pg_class s
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) s.relnamespace
  JOIN pg_catalog.pg_sequence q ON q.seqrelid OPERATOR(pg_catalog.=) s.oid
  LEFT JOIN pg_catalog.pg_sequences ps ON ps.schemaname OPERATOR(pg_catalog.=) n.nspname AND ps.sequencename OPERATOR(pg_catalog.=) s.relname
  LEFT JOIN pg_catalog.pg_depend dep ON dep.objid OPERATOR(pg_catalog.=) s.oid
                                    AND dep.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                                    AND dep.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                                    AND dep.deptype OPERATOR(pg_catalog.=) ANY ('{a,i}'::pg_catalog."char"[])
  LEFT JOIN pg_catalog.pg_class owner ON owner.oid OPERATOR(pg_catalog.=) dep.refobjid
  LEFT JOIN pg_catalog.pg_attribute oa ON oa.attrelid OPERATOR(pg_catalog.=) dep.refobjid AND oa.attnum OPERATOR(pg_catalog.=) dep.refobjsubid
 WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND s.relkind OPERATOR(pg_catalog.=) 'S'
 ORDER BY s.relname
