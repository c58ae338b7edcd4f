-- Media type handlers (PostgREST 12): domains named like a media type ("image/png", "*/*").
-- kind 'aggregate': an aggregate in an exposed schema returning such a domain, taking one
-- relation's row type (target_*) or anyelement (target_* null); it builds the body for that
-- relation (or any) when the media type is asked for. kind 'function': a function in an exposed
-- schema returning such a domain (not a set); its own result is the body. base_type is the
-- domain's base type name (bytea bodies are bytes, the others text).
WITH media_types AS (
  SELECT t.oid, pg_catalog.lower(t.typname) AS media_type, b.typname AS base_type
    FROM pg_catalog.pg_type t
    JOIN pg_catalog.pg_type b ON b.oid OPERATOR(pg_catalog.=) t.typbasetype
   WHERE t.typtype OPERATOR(pg_catalog.=) 'd'
     AND (t.typname OPERATOR(pg_catalog.~*) '^[A-Za-z0-9.-]+/[A-Za-z0-9.+-]+$' OR t.typname OPERATOR(pg_catalog.=) '*/*')
)
SELECT 'aggregate' AS kind,
       pn.nspname AS handler_schema,
       p.proname AS handler_name,
       CASE WHEN at.typname OPERATOR(pg_catalog.=) 'anyelement' THEN NULL ELSE an.nspname END AS target_schema,
       CASE WHEN at.typname OPERATOR(pg_catalog.=) 'anyelement' THEN NULL ELSE at.typname END AS target_name,
       m.media_type,
       m.base_type
  FROM media_types m
  JOIN pg_catalog.pg_proc p ON p.prorettype OPERATOR(pg_catalog.=) m.oid
  JOIN pg_catalog.pg_namespace pn ON pn.oid OPERATOR(pg_catalog.=) p.pronamespace
  JOIN pg_catalog.pg_aggregate a ON a.aggfnoid OPERATOR(pg_catalog.=) p.oid
  JOIN pg_catalog.pg_type at ON at.oid OPERATOR(pg_catalog.=) p.proargtypes[0]
  JOIN pg_catalog.pg_namespace an ON an.oid OPERATOR(pg_catalog.=) at.typnamespace
 WHERE pn.nspname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[])
   AND p.pronargs OPERATOR(pg_catalog.=) 1
   AND (at.oid OPERATOR(pg_catalog.=) 'pg_catalog.anyelement'::pg_catalog.regtype
        OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                    WHERE c.reltype OPERATOR(pg_catalog.=) at.oid
                      AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,v,m,f,p}'::pg_catalog."char"[])))
UNION ALL
SELECT 'function', NULL, NULL, n.nspname, p.proname, m.media_type, m.base_type
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
  JOIN media_types m ON m.oid OPERATOR(pg_catalog.=) p.prorettype
 WHERE n.nspname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[])
   AND NOT p.proretset
   AND p.prokind OPERATOR(pg_catalog.=) 'f'
