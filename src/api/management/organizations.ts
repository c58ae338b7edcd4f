/** GET/POST /v1/organizations: the organizations the token's owner belongs to. */
import { Router } from 'express';
import { z } from 'zod';
import { createOrganization, listOrganizations } from '../../shared/management/organizations.ts';
import { parseBody } from './body.ts';
import type { Services } from '../services.ts';

export const organizationCreateBody = z.object({
  name: z.string({ error: 'name is required and must be a string' }).trim().min(1, 'name must not be empty').max(256, 'name is at most 256 characters'),
});

export function organizationRoutes(s: Services): Router {
  const r = Router();
  r.get('/organizations', async (_req, res) => {
    res.json(await listOrganizations(s.pool, res.locals.token!.owner));
  });
  r.post('/organizations', async (req, res) => {
    const { name } = parseBody(organizationCreateBody, req.body);
    res.status(201).json(await createOrganization(s.pool, res.locals.token!.owner, name));
  });
  return r;
}
