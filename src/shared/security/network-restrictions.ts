/**
 * Per-project allowed CIDRs (Management API network restrictions), enforced on every
 * request that reaches a project.
 *
 * The lists live in basalt.project_network_restrictions; every apply takes a number from one
 * global sequence. Each API instance keeps the whole table in memory (allows() never leaves
 * the process), reloads it when an apply is announced on Redis pub/sub (and every
 * RELOAD_EVERY_MS in case a message was missed), and then acknowledges the highest version it
 * has loaded. An apply is `applied` once every live instance (heartbeat younger than
 * LIVE_MS) has acknowledged its version.
 *
 * Semantics: no row, or both lists empty → unrestricted (Supabase's default, 0.0.0.0/0 and
 * ::/0). Otherwise an IPv4 client must match dbAllowedCidrs and an IPv6 client
 * dbAllowedCidrsV6, so restricting only IPv4 refuses IPv6 clients, as on Supabase.
 *
 * Redis unavailable (docs/operations.md): enforcement goes on from memory with the lists last
 * loaded from PostgreSQL (fails closed: a restriction never lapses because Redis did). An apply
 * is still stored, and every instance loads it on its timer or when Redis is back; until every
 * live instance is known to have acknowledged it, its status stays `stored`.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Pool } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import { inAnyCidr, normaliseIp, parseCidrList, type Cidr } from './cidr.ts';
import { isRedisUnavailable } from '../redis.ts';

const HEARTBEAT_MS = 5_000;
const LIVE_MS = 15_000;
const RELOAD_EVERY_MS = 30_000;

export interface RestrictionConfig {
  dbAllowedCidrs: string[];
  dbAllowedCidrsV6: string[];
}

export interface RestrictionState {
  config: RestrictionConfig;
  old_config?: RestrictionConfig;
  version: number;
}

const DEFAULT: RestrictionConfig = { dbAllowedCidrs: ['0.0.0.0/0'], dbAllowedCidrsV6: ['::/0'] };

interface Loaded {
  v4: Cidr[];
  v6: Cidr[];
}

export class NetworkRestrictions {
  readonly instanceId = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly prefix: string;
  private readonly log?: Logger;
  private byRef = new Map<string, Loaded>();
  private acked = 0;
  private readonly ready: Promise<void>;
  private subscriber?: Redis;
  private timers: NodeJS.Timeout[] = [];
  private reloading?: Promise<void>;
  private reloadAgain = false;
  private closed = false;

  constructor(
    readonly pool: Pool,
    readonly redis: Redis,
    opts: { prefix?: string; log?: Logger } = {},
  ) {
    this.prefix = `${opts.prefix ?? 'basalt'}:netrestrict`;
    this.log = opts.log;
    this.ready = this.start();
  }

  get channel() {
    return `${this.prefix}:changed`;
  }
  private get ackKey() {
    return `${this.prefix}:acks`;
  }
  private get seenKey() {
    return `${this.prefix}:seen`;
  }

  private async start(): Promise<void> {
    const sub = (this.subscriber = this.redis.duplicate());
    sub.on('error', (err) => this.log?.warn({ err: err.message }, 'network restrictions subscriber error'));
    sub.on('message', () => void this.reload());
    // After a reconnect, messages sent meanwhile are lost: reload once. Subscribing again is
    // harmless, and needed when the first subscribe failed (Redis down at start).
    sub.on('ready', () => {
      void sub.subscribe(this.channel).catch(() => {});
      void this.reload();
    });
    // Both wait for Redis at most ~2 s (src/shared/redis.ts); the lists come from PostgreSQL
    // and are loaded whether or not Redis is there.
    await Promise.all([this.heartbeat().catch(() => {}), sub.subscribe(this.channel).catch(() => {})]);
    await this.reload();
    this.timers.push(setInterval(() => void this.heartbeat().catch(() => {}), HEARTBEAT_MS).unref());
    this.timers.push(setInterval(() => void this.reload(), RELOAD_EVERY_MS).unref());
  }

  private async heartbeat() {
    await this.redis.hset(this.seenKey, this.instanceId, Date.now());
  }

  /** Reloads the whole table (it is small), then acknowledges; calls while one runs coalesce into one more. */
  reload(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        do {
          this.reloadAgain = false;
          const { rows } = await this.pool.query<{ project_ref: string; allowed_v4: string[]; allowed_v6: string[]; version: string }>(
            'SELECT project_ref, allowed_v4, allowed_v6, version FROM basalt.project_network_restrictions',
          );
          const next = new Map<string, Loaded>();
          let max = this.acked;
          for (const r of rows) {
            next.set(r.project_ref, { v4: parseCidrList(r.allowed_v4).valid, v6: parseCidrList(r.allowed_v6).valid });
            max = Math.max(max, Number(r.version));
          }
          this.byRef = next;
          this.acked = max;
          // Without Redis the lists still apply here; the acknowledgement follows on the reload when it is back.
          if (!this.closed) await this.redis.hset(this.ackKey, this.instanceId, String(max)).catch(() => {});
        } while (this.reloadAgain && !this.closed);
      } catch (err) {
        this.log?.warn({ err: (err as Error).message }, 'network restrictions reload failed');
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  /** Whether a client address may reach the project `ref`. In memory: no I/O once loaded. */
  async allows(ref: string, ip: string): Promise<boolean> {
    await this.ready;
    const r = this.byRef.get(ref);
    if (!r || (!r.v4.length && !r.v6.length)) return true;
    const addr = normaliseIp(ip);
    return addr.includes(':') ? inAnyCidr(addr, r.v6) : inAnyCidr(addr, r.v4);
  }

  /** The stored lists of a project (defaults when none were applied). */
  async get(ref: string): Promise<RestrictionState & { status: 'stored' | 'applied' }> {
    const { rows } = await this.pool.query<{ allowed_v4: string[]; allowed_v6: string[]; old_allowed_v4: string[] | null; old_allowed_v6: string[] | null; version: string }>(
      'SELECT allowed_v4, allowed_v6, old_allowed_v4, old_allowed_v6, version FROM basalt.project_network_restrictions WHERE project_ref = $1',
      [ref],
    );
    const r = rows[0];
    if (!r) return { config: DEFAULT, version: 0, status: 'applied' };
    const status = await this.statusOf(Number(r.version));
    return {
      config: { dbAllowedCidrs: r.allowed_v4, dbAllowedCidrsV6: r.allowed_v6 },
      // While the new lists are not everywhere yet, the old ones may still be in force somewhere.
      // (The first apply replaces the default, which allows everything.)
      ...(status === 'stored' ? { old_config: r.old_allowed_v4 ? { dbAllowedCidrs: r.old_allowed_v4, dbAllowedCidrsV6: r.old_allowed_v6 ?? [] } : DEFAULT } : {}),
      version: Number(r.version),
      status,
    };
  }

  /** Replaces a project's lists (already validated) and announces the change. */
  async apply(ref: string, config: RestrictionConfig): Promise<RestrictionState & { status: 'stored' | 'applied' }> {
    const { rows } = await this.pool.query<{ version: string }>(
      `INSERT INTO basalt.project_network_restrictions AS t (project_ref, allowed_v4, allowed_v6, version)
       VALUES ($1, $2, $3, nextval('basalt.network_restrictions_version'))
       ON CONFLICT (project_ref) DO UPDATE SET
         old_allowed_v4 = t.allowed_v4, old_allowed_v6 = t.allowed_v6,
         allowed_v4 = EXCLUDED.allowed_v4, allowed_v6 = EXCLUDED.allowed_v6,
         version = EXCLUDED.version, updated_at = now()
       RETURNING version`,
      [ref, config.dbAllowedCidrs, config.dbAllowedCidrsV6],
    );
    // Stored: without Redis the other instances still load it on their timer or when it is back.
    await this.redis.publish(this.channel, JSON.stringify({ ref, version: Number(rows[0]!.version) })).catch((err) => {
      this.log?.warn({ err: (err as Error).message, ref }, 'network restrictions: cannot announce a change; instances load it on their timer');
    });
    await this.reload();
    return this.get(ref);
  }

  /** `applied` when every live instance has acknowledged `version` or later. */
  async statusOf(version: number): Promise<'stored' | 'applied'> {
    let seen: Record<string, string>, acks: Record<string, string>;
    try {
      [seen, acks] = await Promise.all([this.redis.hgetall(this.seenKey), this.redis.hgetall(this.ackKey)]);
    } catch (e) {
      // The acknowledgements live in Redis: unknown, so not confirmed.
      if (isRedisUnavailable(e)) return 'stored';
      throw e;
    }
    const now = Date.now();
    const gone: string[] = [];
    let applied = true;
    for (const [id, at] of Object.entries(seen)) {
      if (now - Number(at) > LIVE_MS) {
        if (now - Number(at) > 4 * LIVE_MS) gone.push(id);
        continue;
      }
      if (Number(acks[id] ?? 0) < version) applied = false;
    }
    // Instances that stopped without saying so: forget them after a while.
    if (gone.length) await this.redis.multi().hdel(this.seenKey, ...gone).hdel(this.ackKey, ...gone).exec();
    return applied ? 'applied' : 'stored';
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.subscriber?.disconnect();
    await this.redis.multi().hdel(this.seenKey, this.instanceId).hdel(this.ackKey, this.instanceId).exec().catch(() => {});
  }
}
