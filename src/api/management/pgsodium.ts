import { Router } from 'express';
import type { Services } from '../services.ts';
import { PgsodiumStore, parseRootKey } from '../../shared/management/pgsodium.ts';
import { refOf } from './project-ref.ts';

/** /v1/projects/:ref/pgsodium: GET and PUT {root_key}. Updating the key makes data encrypted with the old one unreadable. */
export function pgsodiumRoutes(s: Services): Router {
  const store = new PgsodiumStore(s.pool, s.config);
  const r = Router({ mergeParams: true });
  r.get('/pgsodium', async (_req, res) => {
    res.json({ root_key: await store.get(refOf(res)) });
  });
  r.put('/pgsodium', async (req, res) => {
    const key = parseRootKey(req.body);
    res.json({ root_key: await store.set(refOf(res), key) });
  });
  return r;
}
