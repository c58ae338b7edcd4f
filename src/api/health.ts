import { Router } from 'express';
import type { Services } from './services.ts';

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no answer in ${ms} ms`)), ms))]);

/** GET /api/health: 200 when PostgreSQL and Redis answer, 503 naming what is down. */
export function healthRoutes(s: Services): Router {
  const r = Router();
  r.get('/health', async (_req, res) => {
    const [database, redis] = await Promise.allSettled([
      within(s.pool.query('SELECT 1'), 2000),
      within(s.queues.connection.ping(), 2000),
    ]);
    const checks = {
      database: database.status === 'fulfilled' ? 'ok' : `down: ${database.reason.message}`,
      redis: redis.status === 'fulfilled' ? 'ok' : `down: ${redis.reason.message}`,
    };
    const down = Object.entries(checks).filter(([, v]) => v !== 'ok').map(([k]) => k);
    res.status(down.length ? 503 : 200).json({
      status: down.length ? 'error' : 'ok',
      timestamp: new Date().toISOString(),
      checks,
      ...(down.length ? { down } : {}),
    });
  });
  return r;
}
