-- A job that writes a project schema's table runs in that tenant's own session, which has no
-- rights on basalt.artifacts. So that such a job is still applied exactly once, its outcome is
-- recorded in the same transaction through this function, which attributes it to the tenant
-- whose login (session_user) calls it: a tenant can record outcomes for its own schema only.
CREATE TABLE basalt.tenant_job_outcomes (
  job_id      text PRIMARY KEY,
  schema_name text NOT NULL,
  result      jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION basalt.record_tenant_job_outcome(job_id text, result jsonb) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  INSERT INTO basalt.tenant_job_outcomes (job_id, schema_name, result)
  SELECT $1, p.schema_name, $2 FROM basalt.projects p WHERE p.schema_name || '_authenticator' = session_user
  RETURNING true
$$;
REVOKE ALL ON FUNCTION basalt.record_tenant_job_outcome(text, jsonb) FROM PUBLIC;
