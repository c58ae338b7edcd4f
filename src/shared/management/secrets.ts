/**
 * Management API secrets of a project: values sealed with the master key, listed only as the
 * hex SHA-256 of the plaintext. Limits as Supabase: names not starting with SUPABASE_, at most
 * 256 characters; values at most 24,576 characters; at most 100 secrets per project.
 */
import { createHash } from 'node:crypto';
import { fail } from '../errors.ts';
import type { Config } from '../config.ts';
import type { Pool } from '../db/pool.ts';
import { withTransaction } from '../db/pool.ts';
import { requireMasterKey, sealWithMasterKey } from '../crypto/master-key.ts';

export const MAX_SECRETS = 100;
export const MAX_SECRET_VALUE = 24_576;
export const MAX_SECRET_NAME = 256;
/** Environment-variable names: what an edge function can read with Deno.env.get. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SecretInput {
  name: string;
  value: string;
}

const bad = (message: string) => fail('BAD_REQUEST', message);

/** parse: the body of POST /secrets → validated secrets (the last of a repeated name wins). */
export function parseSecrets(body: unknown): SecretInput[] {
  if (!Array.isArray(body)) throw bad('Expected a JSON array of {name, value} objects');
  if (!body.length) throw bad('Expected at least one secret');
  const byName = new Map<string, SecretInput>();
  body.forEach((item, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw bad(`Secret ${i}: expected an object {name, value}`);
    const { name, value } = item as Record<string, unknown>;
    if (typeof name !== 'string' || !name) throw bad(`Secret ${i}: name must be a non-empty string`);
    if (typeof value !== 'string') throw bad(`Secret ${name}: value must be a string`);
    if (name.startsWith('SUPABASE_')) throw bad(`Secret name ${name} is reserved: names must not start with the SUPABASE_ prefix`);
    if (name.length > MAX_SECRET_NAME) throw bad(`Secret name ${name.slice(0, 32)}… is longer than ${MAX_SECRET_NAME} characters`);
    if (!NAME.test(name)) throw bad(`Secret name ${name} is invalid: use letters, digits and underscores, not starting with a digit`);
    if (value.length > MAX_SECRET_VALUE) throw bad(`Secret ${name}: value is longer than ${MAX_SECRET_VALUE} characters`);
    byName.set(name, { name, value });
  });
  return [...byName.values()];
}

/** parse: the body of DELETE /secrets → names. */
export function parseSecretNames(body: unknown): string[] {
  if (!Array.isArray(body) || body.some((n) => typeof n !== 'string' || !n)) throw bad('Expected a JSON array of secret names');
  return [...new Set(body as string[])];
}

export const sha256Hex = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

export class SecretStore {
  constructor(
    private readonly pool: Pool,
    private readonly config: Pick<Config, 'BASALT_MASTER_KEY'>,
  ) {}

  async list(ref: string): Promise<Array<{ name: string; value: string; updated_at: string }>> {
    const { rows } = await this.pool.query<{ name: string; value_sha256: string; updated_at: Date }>(
      'SELECT name, value_sha256, updated_at FROM basalt.project_secrets WHERE project_ref = $1 ORDER BY name',
      [ref],
    );
    return rows.map((r) => ({ name: r.name, value: r.value_sha256, updated_at: r.updated_at.toISOString() }));
  }

  /** Creates or replaces; the 100-secret cap counts names after the upsert, under a per-project lock. */
  async upsert(ref: string, secrets: SecretInput[]): Promise<void> {
    requireMasterKey(this.config);
    const sealed = secrets.map((s) => ({ name: s.name, sealed: sealWithMasterKey(this.config, s.value), sha: sha256Hex(s.value) }));
    await withTransaction(this.pool, async (c) => {
      await c.query("SELECT pg_advisory_xact_lock(hashtext('basalt.project_secrets:' || $1))", [ref]);
      const { rows } = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (
           SELECT name FROM basalt.project_secrets WHERE project_ref = $1 UNION SELECT unnest($2::text[])) t`,
        [ref, sealed.map((s) => s.name)],
      );
      if (rows[0]!.n > MAX_SECRETS) throw bad(`A project can have at most ${MAX_SECRETS} secrets; this request would make ${rows[0]!.n}`);
      await c.query(
        `INSERT INTO basalt.project_secrets (project_ref, name, value_sealed, value_sha256)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])
         ON CONFLICT (project_ref, name) DO UPDATE SET value_sealed = EXCLUDED.value_sealed, value_sha256 = EXCLUDED.value_sha256, updated_at = now()`,
        [ref, sealed.map((s) => s.name), sealed.map((s) => s.sealed), sealed.map((s) => s.sha)],
      );
    });
  }

  async remove(ref: string, names: string[]): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM basalt.project_secrets WHERE project_ref = $1 AND name = ANY($2::text[])', [ref, names]);
    return rowCount ?? 0;
  }
}
