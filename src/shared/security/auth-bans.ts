/**
 * Brute-force protection: failed logins (passwords, keys, tokens) counted per scope and
 * client address; past AUTH_BAN_THRESHOLD within the window the address is banned.
 * Scope is `admin` for the server's own admin logins and the project ref for a project.
 * The Management API's network-bans endpoints read and lift these bans.
 *
 * STUB (owned by the Management API network helper): replace with a Redis-backed store so
 * bans hold across API instances.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';

export class AuthBans {
  constructor(
    readonly redis: Redis,
    readonly config: Pick<Config, 'AUTH_BAN_THRESHOLD' | 'AUTH_BAN_WINDOW_SECONDS' | 'AUTH_BAN_DURATION_SECONDS' | 'AUTH_BAN_EXEMPT' | 'QUEUE_PREFIX'>,
  ) {}
  async isBanned(_scope: string, _ip: string): Promise<boolean> {
    return false;
  }
  /** Counts one failed authentication; true when this failure produced a ban. */
  async recordFailure(_scope: string, _ip: string): Promise<boolean> {
    return false;
  }
  async list(_scope: string): Promise<string[]> {
    return [];
  }
  async lift(_scope: string, _ips: string[]): Promise<void> {}
}
