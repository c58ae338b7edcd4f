-- The user-defined triggers on the tables of one schema ($1) for
-- GET /api/database/triggers: timing, events (decoded from tgtype), function, enabled.
-- Schema-qualified throughout.
SELECT t.tgname AS name,
       c.relname AS "tableName",
       CASE WHEN (t.tgtype::pg_catalog.int4 OPERATOR(pg_catalog.&) 2) OPERATOR(pg_catalog.<>) 0 THEN 'BEFORE'
            WHEN (t.tgtype::pg_catalog.int4 OPERATOR(pg_catalog.&) 64) OPERATOR(pg_catalog.<>) 0 THEN 'INSTEAD OF'
            ELSE 'AFTER' END AS timing,
       pg_catalog.array_remove(ARRAY[
         CASE WHEN (t.tgtype::pg_catalog.int4 OPERATOR(pg_catalog.&) 4) OPERATOR(pg_catalog.<>) 0 THEN 'INSERT' END,
         CASE WHEN (t.tgtype::pg_catalog.int4 OPERATOR(pg_catalog.&) 16) OPERATOR(pg_catalog.<>) 0 THEN 'UPDATE' END,
         CASE WHEN (t.tgtype::pg_catalog.int4 OPERATOR(pg_catalog.&) 8) OPERATOR(pg_catalog.<>) 0 THEN 'DELETE' END,
         CASE WHEN (t.tgtype::pg_catalog.int4 OPERATOR(pg_catalog.&) 32) OPERATOR(pg_catalog.<>) 0 THEN 'TRUNCATE' END
       ]::pg_catalog.text[], NULL) AS events,
       p.proname AS "functionName",
       t.tgenabled OPERATOR(pg_catalog.<>) 'D' AS enabled
  FROM pg_catalog.pg_trigger t
  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.tgrelid
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
  JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) t.tgfoid
 WHERE n.nspname OPERATOR(pg_catalog.=) $1
   AND NOT t.tgisinternal
 ORDER BY c.relname, t.tgname
