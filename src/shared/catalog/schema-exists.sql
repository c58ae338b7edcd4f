-- Whether the schema $1 exists (the listings answer 404 for one that does not).
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname OPERATOR(pg_catalog.=) $1) AS exists
