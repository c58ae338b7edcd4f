/**
 * Per-project allowed CIDRs (Management API network restrictions), enforced on every
 * request that reaches a project.
 *
 * STUB (owned by the Management API network helper).
 */
import type { Redis } from 'ioredis';
import type { Pool } from '../db/pool.ts';

export class NetworkRestrictions {
  constructor(
    readonly pool: Pool,
    readonly redis: Redis,
  ) {}
  /** Whether a client address may reach the project `ref`. */
  async allows(_ref: string, _ip: string): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}
}
