-- Columns of the exposed relations: type, nullability, default, comment, enum labels.
-- Every function, operator and type is schema-qualified: whatever the session's search_path,
-- nothing a tenant creates can stand in for pg_catalog's (OPERATOR(…) binds tighter than
-- AND/OR, the same as the + and - it replaces, so parentheses show the grouping).
SELECT n.nspname AS schema,
       c.relname AS table,
       a.attname AS name,
       a.attnum AS position,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       t.typname AS udt,
       a.atttypid AS type_oid,
       CASE WHEN t.typcategory OPERATOR(pg_catalog.=) 'A' THEN et.typname END AS element_udt,
       t.typcategory AS category,
       bt.typname AS base_udt,
       NOT a.attnotnull AS nullable,
       -- identity columns keep their default in a sequence, not in pg_attrdef
       CASE WHEN a.attidentity OPERATOR(pg_catalog.<>) ''
            THEN pg_catalog.format('nextval(%L::regclass)',
                   pg_catalog.pg_get_serial_sequence(pg_catalog.format('%I.%I', n.nspname, c.relname), a.attname::pg_catalog.text))
            ELSE pg_catalog.pg_get_expr(d.adbin, d.adrelid) END AS "default",
       a.attidentity OPERATOR(pg_catalog.=) 'a' AS identity_always,
       a.attgenerated OPERATOR(pg_catalog.<>) '' AS generated,
       pg_catalog.col_description(c.oid, a.attnum::pg_catalog.int4) AS comment,
       CASE WHEN a.atttypmod OPERATOR(pg_catalog.>) 4 AND t.typname OPERATOR(pg_catalog.=) ANY ('{varchar,bpchar}'::pg_catalog.name[])
            THEN a.atttypmod OPERATOR(pg_catalog.-) 4 END AS max_length,
       (SELECT pg_catalog.array_agg(e.enumlabel::pg_catalog.text ORDER BY e.enumsortorder)
          FROM pg_catalog.pg_enum e WHERE e.enumtypid OPERATOR(pg_catalog.=) a.atttypid) AS enum
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
  JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
  LEFT JOIN pg_catalog.pg_type et ON et.oid OPERATOR(pg_catalog.=) t.typelem
  -- a domain's base type, through domains over domains
  LEFT JOIN LATERAL (
    WITH RECURSIVE chain AS (
      SELECT b.oid, b.typname, b.typtype, b.typbasetype FROM pg_catalog.pg_type b WHERE b.oid OPERATOR(pg_catalog.=) t.typbasetype
      UNION ALL
      SELECT b.oid, b.typname, b.typtype, b.typbasetype FROM pg_catalog.pg_type b JOIN chain ON b.oid OPERATOR(pg_catalog.=) chain.typbasetype
    )
    SELECT chain.typname FROM chain WHERE chain.typtype OPERATOR(pg_catalog.<>) 'd' LIMIT 1
  ) bt ON t.typtype OPERATOR(pg_catalog.=) 'd'
  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid OPERATOR(pg_catalog.=) a.attrelid AND d.adnum OPERATOR(pg_catalog.=) a.attnum
 WHERE n.nspname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[])
   AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p,v,m,f}'::pg_catalog."char"[])
   AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
 ORDER BY n.nspname, c.relname, a.attnum
