-- Triggers (not internal constraint triggers) with their timing, events and function.
SELECT t.oid::int8 AS id,
       c.oid::int8 AS table_id,
       CASE t.tgenabled WHEN 'O' THEN 'ORIGIN' WHEN 'R' THEN 'REPLICA' WHEN 'A' THEN 'ALWAYS' ELSE 'DISABLED' END AS enabled_mode,
       t.tgname::text AS name,
       c.relname::text AS table,
       n.nspname::text AS schema,
       substring(pg_get_triggerdef(t.oid) FROM 'WHEN \((.*)\) EXECUTE') AS condition,
       CASE WHEN t.tgtype & 1 = 1 THEN 'ROW' ELSE 'STATEMENT' END AS orientation,
       CASE WHEN t.tgtype & 2 = 2 THEN 'BEFORE' WHEN t.tgtype & 64 = 64 THEN 'INSTEAD OF' ELSE 'AFTER' END AS activation,
       array_remove(ARRAY[CASE WHEN t.tgtype & 4 = 4 THEN 'INSERT' END,
                          CASE WHEN t.tgtype & 8 = 8 THEN 'DELETE' END,
                          CASE WHEN t.tgtype & 16 = 16 THEN 'UPDATE' END,
                          CASE WHEN t.tgtype & 32 = 32 THEN 'TRUNCATE' END], NULL)::text[] AS events,
       fn.nspname::text AS function_schema,
       f.proname::text AS function_name,
       -- tgargs is NUL-separated bytes; escape encoding shows each NUL as \000
       coalesce((SELECT array_agg(replace(a, '\\', '\') ORDER BY o)
                   FROM unnest(string_to_array(encode(t.tgargs, 'escape'), '\000')) WITH ORDINALITY AS x(a, o)
                  WHERE o <= t.tgnargs), '{}'::text[]) AS function_args
  FROM pg_trigger t
  JOIN pg_class c ON c.oid = t.tgrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_proc f ON f.oid = t.tgfoid
  JOIN pg_namespace fn ON fn.oid = f.pronamespace
 WHERE NOT t.tgisinternal
