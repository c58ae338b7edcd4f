-- The user-defined triggers on the tables of one schema ($1) for
-- GET /api/database/triggers: timing, events (decoded from tgtype), function, enabled.
SELECT t.tgname AS name,
       c.relname AS "tableName",
       CASE WHEN t.tgtype::int & 2 <> 0 THEN 'BEFORE'
            WHEN t.tgtype::int & 64 <> 0 THEN 'INSTEAD OF'
            ELSE 'AFTER' END AS timing,
       array_remove(ARRAY[
         CASE WHEN t.tgtype::int & 4 <> 0 THEN 'INSERT' END,
         CASE WHEN t.tgtype::int & 16 <> 0 THEN 'UPDATE' END,
         CASE WHEN t.tgtype::int & 8 <> 0 THEN 'DELETE' END,
         CASE WHEN t.tgtype::int & 32 <> 0 THEN 'TRUNCATE' END
       ], NULL) AS events,
       p.proname AS "functionName",
       t.tgenabled <> 'D' AS enabled
  FROM pg_trigger t
  JOIN pg_class c ON c.oid = t.tgrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_proc p ON p.oid = t.tgfoid
 WHERE n.nspname = $1
   AND NOT t.tgisinternal
 ORDER BY c.relname, t.tgname
