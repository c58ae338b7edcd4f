-- Schemas created as projects, each with its own login role that owns it.
CREATE TABLE basalt.projects (
  schema_name text PRIMARY KEY,
  username    text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- CREATE ROLE takes no bind parameters. This function receives the name and the
-- password as parameters and quotes them server-side, so neither is ever spliced
-- into SQL text by the client, and the statement with the password is not logged
-- as a top-level statement.
CREATE OR REPLACE FUNCTION basalt.create_login_role(role_name text, role_password text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT PASSWORD %L', role_name, role_password);
END $$;
REVOKE ALL ON FUNCTION basalt.create_login_role(text, text) FROM PUBLIC;
