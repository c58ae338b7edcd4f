-- History of the custom migrations applied through POST /api/database/migrations.
-- version is compared as a number (0001 < 20260416170500); version_text keeps the
-- spelling the client sent. job_id makes a retried job recognise its own work.
CREATE TABLE basalt.user_migrations (
  version      numeric(64, 0) PRIMARY KEY CHECK (version >= 0),
  version_text text NOT NULL,
  name         text NOT NULL,
  statements   text[] NOT NULL,
  job_id       text,
  created_at   timestamptz NOT NULL DEFAULT now()
);
