-- Management API per-project extras: secrets, the edge-function registry, custom hostnames,
-- pgsodium root keys and network restrictions. Rows are keyed by the project ref (20 lowercase
-- letters) and go with the project (ON DELETE CASCADE).

-- Secrets: the value sealed with BASALT_MASTER_KEY (AES-256-GCM) and the hex SHA-256 of the
-- plaintext, which is all that listings ever show.
CREATE TABLE basalt.project_secrets (
  project_ref  text NOT NULL REFERENCES basalt.management_projects (ref) ON DELETE CASCADE,
  name         text NOT NULL,
  value_sealed text NOT NULL,
  value_sha256 text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_ref, name)
);

-- Edge functions: the source kept brotli-compressed with the SHA-256 of the source and of the
-- compressed bytes; version counts updates.
CREATE TABLE basalt.project_functions (
  id              uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  project_ref     text NOT NULL REFERENCES basalt.management_projects (ref) ON DELETE CASCADE,
  slug            text NOT NULL,
  name            text NOT NULL,
  status          text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'REMOVED', 'THROTTLED')),
  version         integer NOT NULL DEFAULT 1,
  verify_jwt      boolean NOT NULL DEFAULT true,
  import_map      boolean NOT NULL DEFAULT false,
  entrypoint_path text,
  import_map_path text,
  content_type    text NOT NULL,
  body_br         bytea NOT NULL,
  body_size       integer NOT NULL,
  body_sha256     text NOT NULL,
  ezbr_sha256     text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_ref, slug)
);

-- One custom hostname per project; a hostname belongs to one project at most.
CREATE TABLE basalt.project_custom_hostnames (
  project_ref     text PRIMARY KEY REFERENCES basalt.management_projects (ref) ON DELETE CASCADE,
  hostname        text NOT NULL UNIQUE,
  status          text NOT NULL CHECK (status IN ('2_initiated', '3_challenge_verified', '4_origin_setup_completed', '5_services_reconfigured')),
  challenge_value text NOT NULL,
  verification_errors jsonb NOT NULL DEFAULT '[]',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE basalt.project_pgsodium (
  project_ref     text PRIMARY KEY REFERENCES basalt.management_projects (ref) ON DELETE CASCADE,
  root_key_sealed text NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Allowed client ranges. version grows with every apply; instances acknowledge the version
-- they enforce in Redis, which is how GET tells `stored` from `applied`.
CREATE TABLE basalt.project_network_restrictions (
  project_ref   text PRIMARY KEY REFERENCES basalt.management_projects (ref) ON DELETE CASCADE,
  allowed_v4    text[] NOT NULL,
  allowed_v6    text[] NOT NULL,
  old_allowed_v4 text[],
  old_allowed_v6 text[],
  version       bigint NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One sequence for every project: an instance that has loaded the table up to version N
-- enforces every apply numbered N or less, so it acknowledges with a single number.
CREATE SEQUENCE basalt.network_restrictions_version;
