-- The functions and procedures of one schema ($1) for GET /api/database/functions:
-- name, language, result type, argument list and source text. Aggregates, window
-- functions and functions that belong to an extension are left out. Schema-qualified throughout.
SELECT p.proname AS name,
       n.nspname AS schema,
       l.lanname AS language,
       pg_catalog.pg_get_function_result(p.oid) AS "returnType",
       pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
       p.prosrc AS definition
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
  JOIN pg_catalog.pg_language l ON l.oid OPERATOR(pg_catalog.=) p.prolang
 WHERE n.nspname OPERATOR(pg_catalog.=) $1
   AND p.prokind OPERATOR(pg_catalog.=) ANY ('{f,p}'::pg_catalog."char"[])
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                      AND d.objid OPERATOR(pg_catalog.=) p.oid AND d.deptype OPERATOR(pg_catalog.=) 'e')
 ORDER BY p.proname, p.oid
