/**
 * A project's pgsodium root key (32 bytes, hex), sealed with the master key. Every Supabase
 * project has one, so a project that never set one gets a random key on first read.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { fail } from '../errors.ts';
import type { Config } from '../config.ts';
import type { Pool } from '../db/pool.ts';
import { openWithMasterKey, requireMasterKey, sealWithMasterKey } from '../crypto/master-key.ts';

export const ROOT_KEY_MESSAGE = 'Expected a 32 byte secret, hex-encoded (64 characters).';

/** The PUT body (also the OpenAPI document's). */
export const rootKeyBody = z.object({ root_key: z.string().regex(/^[0-9a-fA-F]{64}$/).meta({ description: ROOT_KEY_MESSAGE }) });

/** parse: PUT body → the key, lower-cased; one message for every way it can be wrong. */
export function parseRootKey(body: unknown): string {
  const parsed = rootKeyBody.safeParse(body);
  if (!parsed.success) throw fail('BAD_REQUEST', ROOT_KEY_MESSAGE);
  return parsed.data.root_key.toLowerCase();
}

export class PgsodiumStore {
  constructor(
    private readonly pool: Pool,
    private readonly config: Pick<Config, 'BASALT_MASTER_KEY'>,
  ) {}

  async get(ref: string): Promise<string> {
    requireMasterKey(this.config);
    const { rows } = await this.pool.query<{ root_key_sealed: string }>('SELECT root_key_sealed FROM basalt.project_pgsodium WHERE project_ref = $1', [ref]);
    if (rows[0]) return openWithMasterKey(this.config, rows[0].root_key_sealed);
    // ON CONFLICT DO NOTHING: two first reads at once agree on the key that got stored.
    const key = randomBytes(32).toString('hex');
    await this.pool.query('INSERT INTO basalt.project_pgsodium (project_ref, root_key_sealed) VALUES ($1, $2) ON CONFLICT (project_ref) DO NOTHING', [ref, sealWithMasterKey(this.config, key)]);
    return this.get(ref);
  }

  async set(ref: string, key: string): Promise<string> {
    requireMasterKey(this.config);
    await this.pool.query(
      `INSERT INTO basalt.project_pgsodium (project_ref, root_key_sealed) VALUES ($1, $2)
       ON CONFLICT (project_ref) DO UPDATE SET root_key_sealed = EXCLUDED.root_key_sealed, updated_at = now()`,
      [ref, sealWithMasterKey(this.config, key)],
    );
    return key;
  }
}
