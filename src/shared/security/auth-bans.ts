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
 *
 * Redis unavailable (docs/operations.md): checks answer from the last ban list this instance
 * read, so known bans hold until they end and nothing else is refused (fails open: credentials
 * are still checked, and refusing everyone would turn a Redis outage into an outage of every
 * authenticated surface); failures are not counted; listing and lifting bans answer 503.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import { isRedisUnavailable, redisReady, whileRedisUp } from '../redis.ts';
import { inAnyCidr, normaliseIp, parseCidrList, type Cidr } from './cidr.ts';

/** How long an instance trusts its copy of a scope's ban list before asking Redis again. */
const LOCAL_TTL_MS = 1000;

interface BanList {
  at: number;
  bans: Map<string, number>;
}

export class AuthBans {
  private readonly exempt: Cidr[];
  private readonly prefix: string;
  /** Per scope: the ban list (ip → ban end) and when it was read. */
  private readonly local = new Map<string, BanList>();
  /** One read of a scope's list at a time: while Redis is slow, requests share it. */
  private readonly reading = new Map<string, Promise<BanList>>();

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
   * of the scope's ban list, read again once it is a second old (bans and lifts made by this
   * instance show at once). Only a scope's first check waits for Redis: later ones answer from
   * the copy while the next is read, so a slow or absent Redis delays no request.
   */
  async isBanned(scope: string, ip: string): Promise<boolean> {
    const addr = normaliseIp(ip);
    if (!addr || this.isExempt(addr)) return false;
    let entry = this.local.get(scope);
    if (!entry || Date.now() - entry.at > LOCAL_TTL_MS) {
      const read = this.refresh(scope);
      if (!entry) entry = await read;
      else read.catch(() => {}); // answered from the copy; a failed read is tried again by the next check
    }
    const until = entry.bans.get(addr);
    return until !== undefined && until > Date.now();
  }

  /** Reads a scope's list again (one read at a time); with Redis unavailable, keeps the last one for another LOCAL_TTL_MS. */
  private refresh(scope: string): Promise<BanList> {
    let read = this.reading.get(scope);
    if (!read) {
      read = this.readBans(scope)
        .then((bans) => {
          const next = { at: Date.now(), bans: bans ?? this.local.get(scope)?.bans ?? new Map<string, number>() };
          this.local.set(scope, next);
          return next;
        })
        .finally(() => this.reading.delete(scope));
      this.reading.set(scope, read);
    }
    return read;
  }

  /** The scope's current bans, or undefined when Redis is unavailable. */
  private async readBans(scope: string): Promise<Map<string, number> | undefined> {
    if (!(await redisReady(this.redis))) return undefined;
    try {
      const flat = await this.redis.zrangebyscore(this.bansKey(scope), Date.now(), '+inf', 'WITHSCORES');
      const bans = new Map<string, number>();
      for (let i = 0; i < flat.length; i += 2) bans.set(flat[i]!, Number(flat[i + 1]));
      return bans;
    } catch (e) {
      if (isRedisUnavailable(e)) return undefined;
      throw e;
    }
  }

  /** Counts one failed authentication; true when this failure produced a ban. Not counted while Redis is unavailable. */
  async recordFailure(scope: string, ip: string): Promise<boolean> {
    const addr = normaliseIp(ip);
    if (!addr || this.isExempt(addr) || !(await redisReady(this.redis))) return false;
    try {
      return await this.countFailure(scope, addr);
    } catch (e) {
      if (isRedisUnavailable(e)) return false;
      throw e;
    }
  }

  private async countFailure(scope: string, addr: string): Promise<boolean> {
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
    return whileRedisUp(this.redis, 'the ban list cannot be read now; retry shortly', () => this.redis.zrangebyscore(this.bansKey(scope), Date.now(), '+inf'));
  }

  /** Bans in `scope` right now, with when each ends. */
  async listWithEnd(scope: string): Promise<Array<{ ip: string; until: Date }>> {
    const flat = await whileRedisUp(this.redis, 'the ban list cannot be read now; retry shortly', () => this.redis.zrangebyscore(this.bansKey(scope), Date.now(), '+inf', 'WITHSCORES'));
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
    await whileRedisUp(this.redis, 'no ban was lifted; retry shortly', () => m.exec());
    const entry = this.local.get(scope);
    for (const a of addrs) entry?.bans.delete(a);
  }
}
