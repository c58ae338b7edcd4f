-- Lets a data-API statement abort its own transaction with a PostgREST error
-- (max-affected exceeded, singular object requested), so nothing is committed.
CREATE OR REPLACE FUNCTION basalt.raise_error(code text, message text, detail text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message, DETAIL = detail;
END $$;

GRANT USAGE ON SCHEMA basalt TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION basalt.raise_error(text, text, text) TO anon, authenticated, service_role;
