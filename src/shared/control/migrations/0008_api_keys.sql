-- Schema-scoped API keys. Only a SHA-256 of the key is kept, with its first 8
-- characters to tell keys apart in listings.
CREATE TABLE basalt.api_keys (
  id           bigserial PRIMARY KEY,
  schema_name  text NOT NULL,
  key_name     text NOT NULL,
  key_type     text NOT NULL CHECK (key_type IN ('anon', 'service_role')),
  key_prefix   text NOT NULL,
  key_hash     bytea NOT NULL UNIQUE,
  is_active    boolean NOT NULL DEFAULT true,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  UNIQUE (schema_name, key_name)
);
