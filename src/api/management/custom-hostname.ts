import { Router } from 'express';
import type { Services } from '../services.ts';
import { CustomHostnameStore, parseCustomHostname } from '../../shared/management/custom-hostnames.ts';
import { customHostnameRateLimit } from './rate-limit.ts';
import { refOf } from './project-ref.ts';

/**
 * /v1/projects/:ref/custom-hostname: GET, POST initialize {custom_hostname}, POST reverify,
 * POST activate, DELETE. initialize, reverify and delete (the calls that reach DNS or change
 * routing) allow 10 per minute per token.
 */
export function customHostnameRoutes(s: Services): Router {
  const store = new CustomHostnameStore(s.pool, s.redis, s.config);
  const limited = customHostnameRateLimit(s);
  const r = Router({ mergeParams: true });
  r.get('/custom-hostname', async (_req, res) => {
    res.json(await store.get(refOf(res)));
  });
  r.post('/custom-hostname/initialize', limited, async (req, res) => {
    const host = parseCustomHostname(req.body, s.config.PROJECT_BASE_DOMAIN);
    res.status(201).json(await store.initialize(refOf(res), host));
  });
  r.post('/custom-hostname/reverify', limited, async (_req, res) => {
    res.status(201).json(await store.reverify(refOf(res)));
  });
  r.post('/custom-hostname/activate', async (_req, res) => {
    res.status(201).json(await store.activate(refOf(res)));
  });
  r.delete('/custom-hostname', limited, async (_req, res) => {
    await store.remove(refOf(res));
    res.status(200).json({});
  });
  return r;
}
