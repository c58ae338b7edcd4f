import { Router, type Request, type Response } from 'express';
import type { Services } from './services.ts';
import { requireAdmin } from './admin/auth.ts';

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
      within(s.pool.query('SELECT 1'), 2000),
      within(s.queues.connection.ping(), 2000),
    ]);
    const failures = {
      database: database.status === 'rejected' ? String((database.reason as Error)?.message ?? database.reason) : undefined,
      redis: redis.status === 'rejected' ? String((redis.reason as Error)?.message ?? redis.reason) : undefined,
    };
    const down = Object.entries(failures).filter(([, v]) => v !== undefined).map(([k]) => k);
    const detailed = down.length > 0 && (await isAdmin(req, res));
    const state = (why: string | undefined) => (why === undefined ? 'ok' : detailed ? `down: ${why}` : 'down');
    res.status(down.length ? 503 : 200).json({
      status: down.length ? 'error' : 'ok',
      timestamp: new Date().toISOString(),
      checks: { database: state(failures.database), redis: state(failures.redis) },
      ...(down.length ? { down } : {}),
    });
  });
  return r;
}
