/**
 * Schema-scoped API keys: 64 hex characters of CSPRNG output, shown once; stored as a
 * SHA-256. Lookups are cached briefly, and last_used_at is written in batches rather
 * than on every request.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from '../../shared/db/pool.ts';
import type { Logger } from '../../shared/log.ts';

export type KeyType = 'anon' | 'service_role';

export interface ApiKey {
  id: number;
  schema: string;
  type: KeyType;
  /**
   * The schema is a project's (a row in basalt.projects): the key belongs to a tenant and is
   * never an admin credential, whatever its type. Keys of other schemas are the operator's.
   */
  isProject: boolean;
}

export const KEY_FORMAT = /^[0-9a-f]{64}$/;
const hashOf = (key: string) => createHash('sha256').update(key).digest();

export function newKey(): { key: string; prefix: string; hash: Buffer } {
  const key = randomBytes(32).toString('hex');
  return { key, prefix: key.slice(0, 8), hash: hashOf(key) };
}

export class ApiKeyStore {
  private readonly cache = new Map<string, { key: ApiKey | null; until: number }>();
  private readonly used = new Set<number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    private readonly opts: { cacheMs: number; flushMs: number } = { cacheMs: 10_000, flushMs: 5_000 },
  ) {
    this.timer = setInterval(() => void this.flush(), opts.flushMs);
    this.timer.unref();
  }

  /** The key's scope and role, or null for an unknown or revoked key. */
  async lookup(key: string): Promise<ApiKey | null> {
    if (!KEY_FORMAT.test(key)) return null;
    const h = hashOf(key).toString('hex');
    const hit = this.cache.get(h);
    let found: ApiKey | null;
    if (hit && hit.until > Date.now()) found = hit.key;
    else {
      const { rows } = await this.pool.query<{ id: string; schema_name: string; key_type: KeyType; is_project: boolean }>(
        `SELECT k.id, k.schema_name, k.key_type, p.schema_name IS NOT NULL AS is_project
           FROM basalt.api_keys k LEFT JOIN basalt.projects p ON p.schema_name = k.schema_name
          WHERE k.key_hash = $1 AND k.is_active`,
        [Buffer.from(h, 'hex')],
      );
      const row = rows[0];
      found = row ? { id: Number(row.id), schema: row.schema_name, type: row.key_type, isProject: row.is_project } : null;
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(h, { key: found, until: Date.now() + this.opts.cacheMs });
    }
    if (found) this.used.add(found.id);
    return found;
  }

  /** Forget cached lookups (after a key is deleted on this instance). */
  forget(): void {
    this.cache.clear();
  }

  /** Writes the batched last_used_at. */
  async flush(): Promise<void> {
    if (this.used.size === 0) return;
    const ids = [...this.used];
    this.used.clear();
    await this.pool.query('UPDATE basalt.api_keys SET last_used_at = now() WHERE id = ANY($1::bigint[])', [ids]).catch((e) => {
      this.log.warn({ err: (e as Error).message }, 'could not record API key use');
    });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
