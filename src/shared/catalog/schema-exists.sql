-- Whether the schema $1 exists (the listings answer 404 for one that does not).
SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS exists
