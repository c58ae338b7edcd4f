/**
 * Personal access tokens for the Management API: `sbp_` + 40 hex characters. Only a
 * SHA-256 of the token is stored. Each token acts for an `owner` (the Management API's
 * "user"): tokens created without one are each their own user; tokens given the same
 * owner share that owner's organizations (so a token can be rotated without losing access).
 */
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';

export const TOKEN_FORMAT = /^sbp_[0-9a-f]{40}$/;

type Queryable = Pick<pg.Pool, 'query'>;

export interface TokenIdentity {
  id: string;
  name: string;
  owner: string;
}

export interface TokenRow {
  id: string;
  name: string;
  owner: string;
  token_prefix: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest();

export function newPersonalToken(): { token: string; prefix: string; hash: Buffer } {
  const token = `sbp_${randomBytes(20).toString('hex')}`;
  return { token, prefix: token.slice(0, 12), hash: hashOf(token) };
}

const COLUMNS = 'id::text AS id, name, owner, token_prefix, created_at, expires_at, revoked_at, last_used_at';

/** Stores a new token; `owner` defaults to the token's own id (a user of its own). The secret is returned once. */
export async function createToken(db: Queryable, o: { name: string; owner?: string; expiresAt?: Date | null }): Promise<TokenRow & { token: string }> {
  const { token, prefix, hash } = newPersonalToken();
  const { rows } = await db.query<TokenRow>(
    `WITH id AS (SELECT gen_random_uuid() AS id)
     INSERT INTO basalt.management_tokens (id, name, owner, token_prefix, token_hash, expires_at)
     SELECT id.id, $1, coalesce($2, 'token:' || id.id::text), $3, $4, $5 FROM id
     RETURNING ${COLUMNS}`,
    [o.name, o.owner ?? null, prefix, hash, o.expiresAt ?? null],
  );
  return { ...rows[0], token };
}

export async function listTokens(db: Queryable): Promise<TokenRow[]> {
  const { rows } = await db.query<TokenRow>(`SELECT ${COLUMNS} FROM basalt.management_tokens ORDER BY created_at, id`);
  return rows;
}

/** Revokes a token; undefined for an unknown id. Revoking twice keeps the first revocation time. */
export async function revokeToken(db: Queryable, id: string): Promise<TokenRow | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const { rows } = await db.query<TokenRow>(
    `UPDATE basalt.management_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1::uuid RETURNING ${COLUMNS}`,
    [id],
  );
  return rows[0];
}

/**
 * The identity of a live token, or undefined for an unknown, revoked or expired one. Not
 * cached: a revocation holds at once on every instance. last_used_at is written at most
 * once a minute per token.
 */
export async function verifyToken(db: Queryable, token: string): Promise<TokenIdentity | undefined> {
  if (!TOKEN_FORMAT.test(token)) return undefined;
  const { rows } = await db.query<TokenIdentity & { stale: boolean }>(
    `SELECT id::text AS id, name, owner, (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS stale
       FROM basalt.management_tokens
      WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
    [hashOf(token)],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.stale) void db.query('UPDATE basalt.management_tokens SET last_used_at = now() WHERE id = $1', [row.id]).catch(() => {});
  return { id: row.id, name: row.name, owner: row.owner };
}
