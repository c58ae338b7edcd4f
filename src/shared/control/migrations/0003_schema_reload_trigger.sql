-- Reload every instance's schema cache after DDL, with PostgREST's channel and
-- payload so existing tooling (NOTIFY pgrst, 'reload schema') keeps working.
CREATE OR REPLACE FUNCTION basalt.notify_schema_change() RETURNS event_trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('pgrst', 'reload schema');
END $$;

-- Event triggers need a superuser; without one, reloads still work through NOTIFY.
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    DROP EVENT TRIGGER IF EXISTS basalt_ddl_reload;
    CREATE EVENT TRIGGER basalt_ddl_reload ON ddl_command_end EXECUTE FUNCTION basalt.notify_schema_change();
    DROP EVENT TRIGGER IF EXISTS basalt_drop_reload;
    CREATE EVENT TRIGGER basalt_drop_reload ON sql_drop EXECUTE FUNCTION basalt.notify_schema_change();
  ELSE
    RAISE WARNING 'basalt: not a superuser, so no DDL event trigger; send NOTIFY pgrst, ''reload schema'' after migrations';
  END IF;
END $$;
