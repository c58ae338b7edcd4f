-- The functions and procedures of one schema ($1) for GET /api/database/functions:
-- name, language, result type, argument list and source text. Aggregates, window
-- functions and functions that belong to an extension are left out.
SELECT p.proname AS name,
       n.nspname AS schema,
       l.lanname AS language,
       pg_get_function_result(p.oid) AS "returnType",
       pg_get_function_arguments(p.oid) AS arguments,
       p.prosrc AS definition
  FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_language l ON l.oid = p.prolang
 WHERE n.nspname = $1
   AND p.prokind IN ('f', 'p')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
 ORDER BY p.proname, p.oid
