-- Columns of the exposed relations: type, nullability, default, comment, enum labels.
SELECT n.nspname AS schema,
       c.relname AS table,
       a.attname AS name,
       a.attnum AS position,
       format_type(a.atttypid, a.atttypmod) AS type,
       t.typname AS udt,
       CASE WHEN t.typcategory = 'A' THEN et.typname END AS element_udt,
       t.typcategory AS category,
       NOT a.attnotnull AS nullable,
       -- identity columns keep their default in a sequence, not in pg_attrdef
       CASE WHEN a.attidentity <> ''
            THEN format('nextval(%L::regclass)', pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname))
            ELSE pg_get_expr(d.adbin, d.adrelid) END AS "default",
       a.attidentity = 'a' AS identity_always,
       a.attgenerated <> '' AS generated,
       col_description(c.oid, a.attnum) AS comment,
       CASE WHEN a.atttypmod > 4 AND t.typname IN ('varchar', 'bpchar') THEN a.atttypmod - 4 END AS max_length,
       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = a.atttypid) AS enum
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_type et ON et.oid = t.typelem
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE n.nspname = ANY ($1::text[])
   AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY n.nspname, c.relname, a.attnum
