import { Router } from 'express';
import type { Services } from '../services.ts';
import { SecretStore, parseSecretNames, parseSecrets } from '../../shared/management/secrets.ts';
import { refOf } from './project-ref.ts';

/** /v1/projects/:ref/secrets: bulk upsert (201), list as SHA-256s, bulk delete by name. */
export function secretRoutes(s: Services): Router {
  const store = new SecretStore(s.pool, s.config);
  const r = Router({ mergeParams: true });
  r.get('/secrets', async (_req, res) => {
    res.json(await store.list(refOf(res)));
  });
  r.post('/secrets', async (req, res) => {
    await store.upsert(refOf(res), parseSecrets(req.body));
    res.status(201).end();
  });
  r.delete('/secrets', async (req, res) => {
    await store.remove(refOf(res), parseSecretNames(req.body));
    res.status(200).json({});
  });
  return r;
}
