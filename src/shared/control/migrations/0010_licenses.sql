-- Licences and the trial of this installation (= this database's control schema).
-- Every time is written by the application from its clock, never now(), so that tests
-- can move time.

-- Activated licence keys; the current one is the last activated. A key's row is kept
-- when it is activated again, so re-activating cannot reset its offline grace period.
CREATE TABLE basalt.licenses (
  key_hash          bytea PRIMARY KEY,
  license_key       text NOT NULL,
  email             text NOT NULL,
  license_type      text NOT NULL CHECK (license_type IN ('paid', 'trial')),
  issued_at         timestamptz NOT NULL,
  expires_at        timestamptz,
  activated_at      timestamptz NOT NULL,
  -- Last successful validation: the licence server said valid, or (without a server) the
  -- signature checked out. The offline grace period counts from here.
  last_validated_at timestamptz NOT NULL,
  -- Last revalidation attempt and, when the server could not be reached, why.
  last_checked_at   timestamptz,
  last_check_error  text,
  -- Set when the licence server answered that the key is no longer valid.
  revoked_at        timestamptz,
  revoked_reason    text
);
CREATE INDEX licenses_activated_at ON basalt.licenses (activated_at DESC);

-- One trial per installation: the table holds at most one row.
CREATE TABLE basalt.trial (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  email      text NOT NULL,
  started_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
