import { Router, type Request, type Response } from 'express';
import type { Services } from './services.ts';
import { requireAdmin } from './admin/auth.ts';
import { RETRY_AFTER_SECONDS } from '../shared/db/unavailable.ts';
import { redisReady } from '../shared/redis.ts';

/**
 * How long PostgreSQL may take to answer a health check (Redis's commands time out sooner, at
 * REDIS_TIMEOUT_MS). A refused connection fails at once; this bounds a hang, and is generous
 * because a loaded host can take seconds to open a connection, which is slowness, not an outage.
 */
const CHECK_MS = 5000;

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no answer in ${ms} ms`)), ms))]);

/**
 * GET /api/health: 200 when PostgreSQL and Redis answer, 503 naming what is down. Why it is
 * down (a driver's message: host names, ports, roles) is shown only to admin credentials;
 * a wrong password counts as a failed admin login here too, so this is no guessing oracle.
 */
export function healthRoutes(s: Services): Router {
  const r = Router();
  const admin = requireAdmin(s);
  const isAdmin = (req: Request, res: Response) => new Promise<boolean>((resolve) => admin(req, res, (err?: unknown) => resolve(!err)));

  r.get('/health', async (req, res) => {
    const [database, redis] = await Promise.allSettled([
      within(s.pool.query('SELECT 1'), CHECK_MS),
      // A connection still making its first attempt (a web process just started) is waited
      // for, as an enqueue waits, instead of failing the ping at once (no offline queue).
      within(
        redisReady(s.queues.connection).then((up) => (up ? s.queues.connection.ping() : Promise.reject(new Error('not connected')))),
        CHECK_MS,
      ),
    ]);
    const failures = {
      database: database.status === 'rejected' ? String((database.reason as Error)?.message ?? database.reason) : undefined,
      redis: redis.status === 'rejected' ? String((redis.reason as Error)?.message ?? redis.reason) : undefined,
    };
    const down = Object.entries(failures).filter(([, v]) => v !== undefined).map(([k]) => k);
    const detailed = down.length > 0 && (await isAdmin(req, res));
    const state = (why: string | undefined) => (why === undefined ? 'ok' : detailed ? `down: ${why}` : 'down');
    if (down.length) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(down.length ? 503 : 200).json({
      status: down.length ? 'error' : 'ok',
      timestamp: new Date().toISOString(),
      checks: { database: state(failures.database), redis: state(failures.redis) },
      ...(down.length ? { down } : {}),
    });
  });

  // As PostgREST's admin /live and /ready: live while the process serves HTTP; ready only
  // with a working database pool and a loaded schema cache (Redis is not needed to serve data).
  r.get('/live', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  r.get('/ready', async (_req, res) => {
    const pool = await within(s.pool.query('SELECT 1'), CHECK_MS).then(() => true, () => false);
    const cache = s.schemaCache.loaded;
    const ready = pool && cache;
    if (!ready) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'error', checks: { database: pool ? 'ok' : 'down', schemaCache: cache ? 'ok' : 'not loaded' } });
  });
  return r;
}
