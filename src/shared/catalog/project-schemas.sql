-- The schema projects (basalt.projects) whose schema still exists, with their login names.
SELECT p.schema_name, p.username
  FROM basalt.projects p
 WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) p.schema_name)
