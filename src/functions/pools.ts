/**
 * Warm instances, per function and version: started on a function's first call, more of
 * them (up to FUNCTIONS_INSTANCES_PER_VERSION) when those running are busy, replaced when a
 * new version is deployed or the project's secrets change (old ones finish what they serve,
 * then stop), and stopped when idle. FUNCTIONS_MAX_INSTANCES bounds the whole process.
 */
import { fail } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { Instance, type InstanceSpec } from './instance.ts';
import { removeSources } from './sources.ts';

export interface PoolLimits {
  perVersion: number;
  concurrency: number;
  maxInstances: number;
  idleMs: number;
  /** Resident memory past which an instance is killed (ArrayBuffers live outside the V8 heap). */
  rssLimitBytes: number;
}

const RSS_CHECK_MS = 250;

/** What acquire needs to know about a function; prepare runs once per generation. */
export interface FunctionTarget {
  /** The function (project ref and function id). */
  key: string;
  /** What makes a new instance necessary: version, source hash, secrets. */
  generation: string;
  log: Logger;
  prepare(): Promise<Omit<InstanceSpec, 'log'>>;
}

interface VersionPool {
  generation: string;
  instances: Instance[];
  spec?: Promise<Omit<InstanceSpec, 'log'>>;
  /** Instances being started: the pool's files must stay until they are in `instances`. */
  starting: Set<Promise<unknown>>;
}

export class FunctionPools {
  private readonly pools = new Map<string, VersionPool>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly watcher: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly limits: PoolLimits,
    private readonly log: Logger,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(10_000, Math.max(500, limits.idleMs / 2)));
    this.sweeper.unref();
    this.watcher = setInterval(() => this.watchMemory(), RSS_CHECK_MS);
    this.watcher.unref();
  }

  private watchMemory() {
    for (const p of this.pools.values()) {
      for (const i of p.instances) {
        const rss = i.rss();
        if (rss !== undefined && rss > this.limits.rssLimitBytes) {
          this.log.warn({ rssMb: Math.round(rss / 1048576) }, 'function instance over its resident memory limit: stopped');
          i.kill('memory');
        }
      }
    }
  }

  get size(): number {
    let n = 0;
    for (const p of this.pools.values()) n += p.instances.length;
    return n;
  }

  /** An instance ready to take one more request (counted in its inflight); release it after. */
  async acquire(t: FunctionTarget): Promise<Instance> {
    if (this.closed) throw fail('SHUTTING_DOWN', 'The functions runtime is shutting down', { headers: { 'Retry-After': '1' } });
    let pool = this.pools.get(t.key);
    if (pool && pool.generation !== t.generation) {
      this.retire(pool);
      pool = undefined;
    }
    if (!pool) {
      pool = { generation: t.generation, instances: [], starting: new Set() };
      this.pools.set(t.key, pool);
    }
    const live = pool.instances.filter((i) => !i.retired);
    const least = live.reduce<Instance | undefined>((a, b) => (!a || b.inflight < a.inflight ? b : a), undefined);
    let chosen = least && (least.inflight < this.limits.concurrency || live.length >= this.limits.perVersion) ? least : undefined;
    if (!chosen) {
      if (this.size >= this.limits.maxInstances && !this.evictIdle()) {
        if (!least) throw fail('FUNCTIONS_BUSY', `The functions runtime is at its limit of ${this.limits.maxInstances} instances; try again shortly`, { headers: { 'Retry-After': '1' } });
        chosen = least;
      } else {
        chosen = await this.start(pool, t);
      }
    }
    chosen.inflight++;
    chosen.lastUsed = Date.now();
    try {
      await chosen.ready;
    } catch (e) {
      chosen.inflight--;
      throw e;
    }
    return chosen;
  }

  release(i: Instance): void {
    i.inflight--;
    i.lastUsed = Date.now();
    if (i.retired && i.inflight === 0) void i.stop();
  }

  private start(pool: VersionPool, t: FunctionTarget): Promise<Instance> {
    pool.spec ??= t.prepare();
    const spec = pool.spec;
    spec.catch(() => {
      if (pool.spec === spec) pool.spec = undefined; // try again on the next call
    });
    const started = (async () => {
      const i = new Instance({ ...(await spec), log: t.log });
      pool.instances.push(i);
      // A newer version was deployed meanwhile: this one serves its request, then stops.
      if (this.pools.get(t.key) !== pool) i.retired = true;
      void i.ended.then(() => {
        pool.instances = pool.instances.filter((x) => x !== i);
      });
      return i;
    })();
    pool.starting.add(started);
    void started.finally(() => pool.starting.delete(started)).catch(() => {});
    return started;
  }

  private retire(pool: VersionPool) {
    for (const i of pool.instances) {
      i.retired = true;
      if (i.inflight === 0) void i.stop();
    }
    this.dispose(pool);
  }

  /** Once the pool's last instance has ended, its files go. */
  private dispose(pool: VersionPool) {
    const spec = pool.spec;
    if (!spec) return;
    void (async () => {
      await Promise.allSettled([...pool.starting]);
      await Promise.all(pool.instances.map((i) => i.ended));
      await removeSources((await spec).dir);
    })().catch(() => {});
  }

  /** Stops the least recently used idle instance; false when none is idle. */
  private evictIdle(): boolean {
    let lru: Instance | undefined;
    for (const p of this.pools.values()) for (const i of p.instances) if (i.inflight === 0 && (!lru || i.lastUsed < lru.lastUsed)) lru = i;
    if (!lru) return false;
    void lru.stop();
    for (const p of this.pools.values()) p.instances = p.instances.filter((x) => x !== lru);
    return true;
  }

  private sweep() {
    const now = Date.now();
    for (const [key, p] of this.pools) {
      if (p.starting.size) continue;
      for (const i of p.instances) {
        if (i.inflight === 0 && now - i.lastUsed > this.limits.idleMs) {
          i.retired = true;
          void i.stop();
        }
      }
      p.instances = p.instances.filter((i) => !(i.retired && i.inflight === 0));
      if (!p.instances.length) {
        this.pools.delete(key);
        this.dispose(p);
      }
    }
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    clearInterval(this.watcher);
    const all = [...this.pools.values()].flatMap((p) => p.instances);
    this.pools.clear();
    await Promise.allSettled(all.map((i) => i.stop()));
    this.log.info({ stopped: all.length }, 'function instances stopped');
  }
}
