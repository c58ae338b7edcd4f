-- GET /api/schema: the tables of schema $1 with their columns (type, length, nullability,
-- default, primary key) and foreign keys (one entry per column pair), as one JSON array.
SELECT coalesce(json_agg(json_build_object(
         'table', c.relname,
         'columns', (
           SELECT coalesce(json_agg(json_build_object(
                    'name', a.attname,
                    'type', format_type(a.atttypid, NULL),
                    'maxLength', CASE WHEN a.atttypmod > 4 AND a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype) THEN a.atttypmod - 4 END,
                    'nullable', NOT a.attnotnull,
                    'defaultValue', CASE WHEN a.attgenerated <> '' THEN NULL
                                         WHEN a.attidentity <> ''
                                         THEN format('nextval(%L::regclass)', pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname))
                                         ELSE pg_get_expr(d.adbin, d.adrelid) END,
                    'primaryKey', EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary AND a.attnum = ANY (i.indkey))
                  ) ORDER BY a.attnum), '[]')
             FROM pg_attribute a
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
         'foreignKeys', (
           SELECT coalesce(json_agg(json_build_object(
                    'column', sa.attname,
                    'referencedTable', tc.relname,
                    'referencedSchema', tn.nspname,
                    'referencedColumn', ta.attname,
                    'constraintName', con.conname
                  ) ORDER BY con.conname, k.i), '[]')
             FROM pg_constraint con
             CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY k(attnum, refnum, i)
             JOIN pg_attribute sa ON sa.attrelid = con.conrelid AND sa.attnum = k.attnum
             JOIN pg_attribute ta ON ta.attrelid = con.confrelid AND ta.attnum = k.refnum
             JOIN pg_class tc ON tc.oid = con.confrelid
             JOIN pg_namespace tn ON tn.oid = tc.relnamespace
            WHERE con.conrelid = c.oid AND con.contype = 'f')
       ) ORDER BY c.relname), '[]')::text AS schema
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
