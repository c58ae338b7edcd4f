-- The data API checks max-affected and singular objects itself before COMMIT (engine/execute.ts),
-- so nothing calls basalt.raise_error any more: a function every API role could execute goes.
DROP FUNCTION IF EXISTS basalt.raise_error(text, text, text);
