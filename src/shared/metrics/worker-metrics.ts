/**
 * Worker processes are not the API's cluster children, so they hand their metrics over through
 * Redis: each writes its registry's values under its own key every few seconds (and soon after a
 * job ends); the API reads every live worker's key when scraped. A key outlives its worker by
 * KEY_TTL_SECONDS, so a killed worker's counts drop out soon after.
 */
import type { Redis } from 'ioredis';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { registry } from './registry.ts';

type Values = MetricObjectWithValues<MetricValue<string>>[];

const PUBLISH_EVERY_MS = 5_000;
const KEY_TTL_SECONDS = 30;
const keyPrefix = (queuePrefix: string) => `${queuePrefix}:metrics:worker:`;

export function publishWorkerMetrics(redis: Redis, queuePrefix: string, workerId: string) {
  const key = keyPrefix(queuePrefix) + workerId;
  const publish = async () => {
    await redis.set(key, JSON.stringify(await registry.getMetricsAsJSON()), 'EX', KEY_TTL_SECONDS).catch(() => {});
  };
  const timer = setInterval(() => void publish(), PUBLISH_EVERY_MS);
  timer.unref();
  let pending: NodeJS.Timeout | undefined;
  void publish();
  return {
    /** After a job: publish within half a second, once for a burst of jobs. */
    soon() {
      pending ??= setTimeout(() => {
        pending = undefined;
        void publish();
      }, 500);
    },
    /** A worker stopping cleanly takes its counts with it (Prometheus sees a counter reset, as for any restart). */
    async stop() {
      clearInterval(timer);
      clearTimeout(pending);
      await redis.del(key).catch(() => {});
    },
  };
}

/** The values every live worker published. */
export async function readWorkerMetrics(redis: Redis, queuePrefix: string): Promise<Values[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${keyPrefix(queuePrefix)}*`, 'COUNT', 100);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  if (!keys.length) return [];
  const texts = await redis.mget(keys);
  return texts.filter((t): t is string => !!t).map((t) => JSON.parse(t) as Values);
}
