/**
 * Redis connections, and what a Redis outage means to a caller.
 *
 * Workers wait for Redis: their commands queue until it is back (BullMQ's blocking reads need
 * that). The API does not wait: a request that needs Redis while it is away is answered 503
 * with Retry-After within about two seconds, and a command that failed is never sent again
 * later, so a refused enqueue cannot turn into a job after all. Every connection reconnects
 * by itself, at most a second apart.
 */
import { Redis, ReplyError, type RedisOptions } from 'ioredis';
import { ApiError, fail } from './errors.ts';

/** No command of the API waits longer than this for Redis (connect or reply). */
export const REDIS_TIMEOUT_MS = 2000;
export const REDIS_RETRY_AFTER_SECONDS = 2;

/** Never gives up, and tries at least every second, so the API and workers come back by themselves. */
export const reconnectForever: RedisOptions['retryStrategy'] = (times) => Math.min(times * 100, 1000);

/** Connections whose first connection attempt is over: not ready now means Redis is unavailable. */
const attempted = new WeakSet<Redis>();
const remembered = (r: Redis) => {
  const done = () => attempted.add(r);
  r.once('ready', done);
  r.once('close', done);
  return r;
};

/**
 * Commands fail at once while disconnected (no offline queue), commands in flight when the
 * connection drops fail at once and are not resent, and a stuck Redis times out.
 * For the API's job queues: a 202 is sent only for a job Redis has stored.
 */
export function failFastRedis(url: string): Redis {
  const r = remembered(new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: REDIS_TIMEOUT_MS,
    commandTimeout: REDIS_TIMEOUT_MS,
    retryStrategy: reconnectForever,
  }));
  r.on('error', () => {}); // reconnects on its own; health and the 503s report it
  return r;
}

/**
 * The API's general client. Its subscribers are duplicated from it and subscribe right away,
 * so commands sent while (re)connecting may wait, but only until the next failed connection
 * attempt (maxRetriesPerRequest: 0) and never longer than REDIS_TIMEOUT_MS.
 */
export function boundedRedis(url: string): Redis {
  return remembered(new Redis(url, {
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: REDIS_TIMEOUT_MS,
    commandTimeout: REDIS_TIMEOUT_MS,
    retryStrategy: reconnectForever,
  }));
}

/** Redis replies that mean the server, not the command, is the problem. */
const SERVER_NOT_SERVING = /^(LOADING|MASTERDOWN|BUSY|TRYAGAIN|CLUSTERDOWN|OOM|MISCONF|READONLY)\b/;
/** ioredis' and BullMQ's words for a connection that is down, dropped or stuck. */
const CONNECTION_FAILED = /Stream isn't writeable|Connection is closed|Command timed out|Reached the max retries per request|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN/;

/** Whether an error thrown by a Redis command means Redis is unavailable (not that the command was wrong). */
export function isRedisUnavailable(e: unknown): boolean {
  if (e instanceof ApiError || !(e instanceof Error)) return false;
  if (e instanceof ReplyError) return SERVER_NOT_SERVING.test(e.message);
  return e.name === 'MaxRetriesPerRequestError' || e.name === 'ConnectionClosedError' || CONNECTION_FAILED.test(e.message);
}

/** Whether a failed command never left this process (so Redis cannot have run it). */
export function neverSent(e: unknown): boolean {
  return /Stream isn't writeable/.test((e as Error)?.message ?? '');
}

/** 503 with Retry-After; `what` says what did or did not happen (e.g. "the job was not enqueued; retry shortly"). */
export function redisUnavailableError(what: string, fields: Record<string, unknown> = {}): ApiError {
  return fail('REDIS_UNAVAILABLE', `Redis is unavailable: ${what}`, {
    headers: { 'Retry-After': String(REDIS_RETRY_AFTER_SECONDS) },
    hint: 'Retry after the number of seconds in Retry-After; if it persists, check that Redis is up (GET /api/health)',
    fields,
  });
}

/**
 * Whether `conn` is connected. During its first connection attempt (the process has just
 * started) it is given up to REDIS_TIMEOUT_MS; after that, not ready answers at once.
 */
export function redisReady(conn: Redis): Promise<boolean> {
  if (conn.status === 'ready') return Promise.resolve(true);
  if (attempted.has(conn)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const settle = (ready: boolean) => () => {
      clearTimeout(timer);
      conn.off('ready', onReady).off('close', onClose);
      resolve(ready);
    };
    const onReady = settle(true);
    const onClose = settle(false);
    const timer = setTimeout(onClose, REDIS_TIMEOUT_MS);
    conn.once('ready', onReady).once('close', onClose);
  });
}

/**
 * Runs Redis commands on `conn`, refusing at once when it is not connected and turning an
 * outage met midway into redisUnavailableError(what). Other errors pass through.
 */
export async function whileRedisUp<T>(conn: Redis, what: string, run: () => Promise<T>): Promise<T> {
  if (!(await redisReady(conn))) throw redisUnavailableError(what);
  try {
    return await run();
  } catch (e) {
    throw isRedisUnavailable(e) ? redisUnavailableError(what) : e;
  }
}
