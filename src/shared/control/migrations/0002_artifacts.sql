-- Job inputs and outputs, stored in the database so that every API and worker
-- instance, on any host, can read them. Content is split into chunks so that
-- it can be written and read as a stream.
CREATE TABLE basalt.artifacts (
  id           uuid PRIMARY KEY,
  job_id       text,
  role         text NOT NULL CHECK (role IN ('input', 'output')),
  filename     text,
  content_type text NOT NULL DEFAULT 'application/octet-stream',
  size         bigint NOT NULL DEFAULT 0,
  complete     boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
-- One output per job: a retried job reuses or replaces it, never duplicates it.
CREATE UNIQUE INDEX artifacts_job_output ON basalt.artifacts (job_id) WHERE role = 'output';
CREATE INDEX artifacts_expires ON basalt.artifacts (expires_at);

CREATE TABLE basalt.artifact_chunks (
  artifact_id uuid NOT NULL REFERENCES basalt.artifacts (id) ON DELETE CASCADE,
  seq         int NOT NULL,
  data        bytea NOT NULL,
  PRIMARY KEY (artifact_id, seq)
);
