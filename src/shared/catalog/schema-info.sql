-- GET /api/schema: the tables of schema $1 with their columns (type, length, nullability,
-- default, primary key) and foreign keys (one entry per column pair), as one JSON array.
-- Schema-qualified throughout.
SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
         'table', c.relname,
         'columns', (
           SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
                    'name', a.attname,
                    'type', pg_catalog.format_type(a.atttypid, NULL),
                    'maxLength', CASE WHEN a.atttypmod OPERATOR(pg_catalog.>) 4
                                       AND a.atttypid OPERATOR(pg_catalog.=) ANY ('{pg_catalog.varchar,pg_catalog.bpchar}'::pg_catalog.regtype[])
                                      THEN a.atttypmod OPERATOR(pg_catalog.-) 4 END,
                    'nullable', NOT a.attnotnull,
                    'defaultValue', CASE WHEN a.attgenerated OPERATOR(pg_catalog.<>) '' THEN NULL
                                         WHEN a.attidentity OPERATOR(pg_catalog.<>) ''
                                         THEN pg_catalog.format('nextval(%L::regclass)',
                                                pg_catalog.pg_get_serial_sequence(pg_catalog.format('%I.%I', n.nspname, c.relname), a.attname::pg_catalog.text))
                                         ELSE pg_catalog.pg_get_expr(d.adbin, d.adrelid) END,
                    'primaryKey', EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                                           WHERE i.indrelid OPERATOR(pg_catalog.=) c.oid AND i.indisprimary
                                             AND a.attnum OPERATOR(pg_catalog.=) ANY (i.indkey))
                  ) ORDER BY a.attnum), '[]')
             FROM pg_catalog.pg_attribute a
             LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid OPERATOR(pg_catalog.=) a.attrelid AND d.adnum OPERATOR(pg_catalog.=) a.attnum
            WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped),
         'foreignKeys', (
           SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
                    'column', sa.attname,
                    'referencedTable', tc.relname,
                    'referencedSchema', tn.nspname,
                    'referencedColumn', ta.attname,
                    'constraintName', con.conname
                  ) ORDER BY con.conname, k.i), '[]')
             FROM pg_catalog.pg_constraint con
             -- ROWS FROM: a schema-qualified unnest takes one array; this pairs the two by position
             CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(con.conkey), pg_catalog.unnest(con.confkey)) WITH ORDINALITY k(attnum, refnum, i)
             JOIN pg_catalog.pg_attribute sa ON sa.attrelid OPERATOR(pg_catalog.=) con.conrelid AND sa.attnum OPERATOR(pg_catalog.=) k.attnum
             JOIN pg_catalog.pg_attribute ta ON ta.attrelid OPERATOR(pg_catalog.=) con.confrelid AND ta.attnum OPERATOR(pg_catalog.=) k.refnum
             JOIN pg_catalog.pg_class tc ON tc.oid OPERATOR(pg_catalog.=) con.confrelid
             JOIN pg_catalog.pg_namespace tn ON tn.oid OPERATOR(pg_catalog.=) tc.relnamespace
            WHERE con.conrelid OPERATOR(pg_catalog.=) c.oid AND con.contype OPERATOR(pg_catalog.=) 'f')
       ) ORDER BY c.relname), '[]')::pg_catalog.text AS schema
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
 WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}'::pg_catalog."char"[]) AND NOT c.relispartition
