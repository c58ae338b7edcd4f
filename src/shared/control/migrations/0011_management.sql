-- Management API (/v1): personal access tokens, organizations and projects.

-- Personal access tokens (sbp_ + 40 hex). Only a SHA-256 of the token is kept, with its
-- first characters to tell tokens apart in listings. `owner` is the user a token acts for:
-- tokens with the same owner see the same organizations.
CREATE TABLE basalt.management_tokens (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name         text NOT NULL,
  owner        text NOT NULL,
  token_prefix text NOT NULL,
  token_hash   bytea NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  revoked_at   timestamptz,
  last_used_at timestamptz
);

-- `id` is the slug, as in Supabase (organization_id of a project is the slug).
CREATE TABLE basalt.organizations (
  id         text PRIMARY KEY CHECK (id ~ '^[a-z]{20}$'),
  name       text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE basalt.organization_members (
  organization_id text NOT NULL REFERENCES basalt.organizations (id) ON DELETE CASCADE,
  owner           text NOT NULL,
  PRIMARY KEY (organization_id, owner)
);
CREATE INDEX organization_members_owner ON basalt.organization_members (owner);

-- A project is a database of its own (db_name) owned by a login role (owner_role).
-- Per-project tables of other features reference ref ON DELETE CASCADE.
CREATE TABLE basalt.management_projects (
  ref               text PRIMARY KEY CHECK (ref ~ '^[a-z]{20}$'),
  organization_id   text NOT NULL REFERENCES basalt.organizations (id),
  name              text NOT NULL,
  region            text NOT NULL,
  db_name           text NOT NULL UNIQUE,
  owner_role        text NOT NULL UNIQUE,
  -- AES-256-GCM under BASALT_MASTER_KEY (src/shared/crypto/master-key.ts).
  jwt_secret_sealed text NOT NULL,
  status            text NOT NULL DEFAULT 'COMING_UP'
                    CHECK (status IN ('COMING_UP', 'ACTIVE_HEALTHY', 'INIT_FAILED', 'GOING_DOWN')),
  status_detail     text,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX management_projects_org ON basalt.management_projects (organization_id);
