/**
 * Brute-force protection: failed logins (passwords, keys, tokens) counted per scope and
 * client address; past AUTH_BAN_THRESHOLD within the window the address is banned for
 * AUTH_BAN_DURATION_SECONDS. Scope is `admin` for the server's own admin logins, `management`
 * for /v1 personal access tokens and the project ref for a project's data API.
 * A project's network-bans endpoints (/v1) read and lift its own scope only; the `admin` and
 * `management` scopes are read and lifted with admin credentials (/api/bans).
 *
 * Redis layout (under QUEUE_PREFIX, so bans hold across API instances):
 *   <p>:authban:fail:<scope>:<ip>  counter, expires with the window
 *   <p>:authban:bans:<scope>       sorted set: banned ip → ban end (epoch ms)
 * The sorted set makes `list` one command and lets expired bans fall out by score.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import { inAnyCidr, normaliseIp, parseCidrList, type Cidr } from './cidr.ts';

/** How long an instance trusts its copy of a scope's ban list before asking Redis again. */
const LOCAL_TTL_MS = 1000;

export class AuthBans {
  private readonly exempt: Cidr[];
  private readonly prefix: string;
  private readonly local = new Map<string, { at: number; bans: Map<string, number> }>();

  constructor(
    readonly redis: Redis,
    readonly config: Pick<Config, 'AUTH_BAN_THRESHOLD' | 'AUTH_BAN_WINDOW_SECONDS' | 'AUTH_BAN_DURATION_SECONDS' | 'AUTH_BAN_EXEMPT' | 'QUEUE_PREFIX'>,
  ) {
    this.exempt = parseCidrList(config.AUTH_BAN_EXEMPT).valid;
    this.prefix = `${config.QUEUE_PREFIX}:authban`;
  }

  private bansKey = (scope: string) => `${this.prefix}:bans:${scope}`;
  private failKey = (scope: string, ip: string) => `${this.prefix}:fail:${scope}:${ip}`;

  isExempt(ip: string): boolean {
    return inAnyCidr(ip, this.exempt);
  }

  /**
   * Checked on every authenticated request of a scope, so it answers from a per-instance copy
   * of the scope's ban list that is at most a second old (bans and lifts made by this
   * instance show at once).
   */
  async isBanned(scope: string, ip: string): Promise<boolean> {
    const addr = normaliseIp(ip);
    if (!addr || this.isExempt(addr)) return false;
    const now = Date.now();
    let entry = this.local.get(scope);
    if (!entry || now - entry.at > LOCAL_TTL_MS) {
      const flat = await this.redis.zrangebyscore(this.bansKey(scope), now, '+inf', 'WITHSCORES');
      const bans = new Map<string, number>();
      for (let i = 0; i < flat.length; i += 2) bans.set(flat[i]!, Number(flat[i + 1]));
      entry = { at: now, bans };
      this.local.set(scope, entry);
    }
    const until = entry.bans.get(addr);
    return until !== undefined && until > now;
  }

  /** Counts one failed authentication; true when this failure produced a ban. */
  async recordFailure(scope: string, ip: string): Promise<boolean> {
    const addr = normaliseIp(ip);
    if (!addr || this.isExempt(addr)) return false;
    const key = this.failKey(scope, addr);
    // SET NX starts the window with the first failure; later failures do not extend it.
    const res = await this.redis.multi().set(key, 0, 'EX', this.config.AUTH_BAN_WINDOW_SECONDS, 'NX').incr(key).exec();
    const count = Number(res?.[1]?.[1] ?? 0);
    if (count < this.config.AUTH_BAN_THRESHOLD) return false;
    const until = Date.now() + this.config.AUTH_BAN_DURATION_SECONDS * 1000;
    const bans = this.bansKey(scope);
    await this.redis
      .multi()
      .zadd(bans, until, addr)
      .zremrangebyscore(bans, '-inf', Date.now())
      // The set outlives its newest ban by nothing: an idle scope leaves no key behind.
      .pexpire(bans, this.config.AUTH_BAN_DURATION_SECONDS * 1000)
      .del(key)
      .exec();
    this.local.get(scope)?.bans.set(addr, until);
    return true;
  }

  /** Addresses banned in `scope` right now. */
  async list(scope: string): Promise<string[]> {
    return this.redis.zrangebyscore(this.bansKey(scope), Date.now(), '+inf');
  }

  /** Bans in `scope` right now, with when each ends. */
  async listWithEnd(scope: string): Promise<Array<{ ip: string; until: Date }>> {
    const flat = await this.redis.zrangebyscore(this.bansKey(scope), Date.now(), '+inf', 'WITHSCORES');
    const out: Array<{ ip: string; until: Date }> = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ ip: flat[i]!, until: new Date(Number(flat[i + 1])) });
    return out;
  }

  /** Lifts bans (and forgets the failures counted so far) for these addresses. */
  async lift(scope: string, ips: string[]): Promise<void> {
    const addrs = ips.map(normaliseIp).filter(Boolean);
    if (!addrs.length) return;
    const m = this.redis.multi().zrem(this.bansKey(scope), ...addrs);
    for (const a of addrs) m.del(this.failKey(scope, a));
    await m.exec();
    const entry = this.local.get(scope);
    for (const a of addrs) entry?.bans.delete(a);
  }
}
