/** Admin API: personal access tokens for the Management API (/v1). Mounted at /api/tokens behind requireAdmin. */
import { Router } from 'express';
import { z } from 'zod';
import { fail } from '../../shared/errors.ts';
import { createToken, listTokens, revokeToken, type TokenRow } from '../../shared/management/tokens.ts';
import type { Services } from '../services.ts';

const MAX_DAYS = 3650;

export const tokenCreateBody = z
  .object({
    name: z.string({ error: 'name is required' }).trim().min(1, 'name is required').max(100, 'name is at most 100 characters'),
    owner: z.string().trim().min(1, 'owner must not be empty').max(200, 'owner is at most 200 characters').optional(),
    expires_at: z.iso.datetime({ offset: true, error: 'expires_at must be an ISO 8601 date-time' }).optional(),
    expires_in_days: z.number({ error: 'expires_in_days must be a number' }).int('expires_in_days must be a whole number').min(1, 'expires_in_days must be at least 1').max(MAX_DAYS, `expires_in_days is at most ${MAX_DAYS}`).optional(),
  })
  .strict()
  .refine((b) => !(b.expires_at && b.expires_in_days), 'send expires_at or expires_in_days, not both');

/** Never includes the secret: it is shown once, when created. */
const publicView = (t: TokenRow) => ({
  id: t.id,
  name: t.name,
  owner: t.owner,
  token_prefix: t.token_prefix,
  created_at: t.created_at,
  expires_at: t.expires_at,
  revoked_at: t.revoked_at,
  last_used_at: t.last_used_at,
});

export function tokenRoutes(s: Services): Router {
  const r = Router();

  r.post('/', async (req, res) => {
    const parsed = tokenCreateBody.safeParse(req.body ?? {});
    if (!parsed.success) throw fail('VALIDATION_ERROR', parsed.error.issues.map((i) => i.message).join('; '));
    const b = parsed.data;
    const expiresAt = b.expires_at ? new Date(b.expires_at) : b.expires_in_days ? new Date(Date.now() + b.expires_in_days * 86_400_000) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw fail('VALIDATION_ERROR', 'expires_at must be in the future');
    const t = await createToken(s.pool, { name: b.name, owner: b.owner, expiresAt });
    res.status(201).json({ id: t.id, name: t.name, owner: t.owner, token: t.token, token_prefix: t.token_prefix, created_at: t.created_at, expires_at: t.expires_at });
  });

  r.get('/', async (_req, res) => {
    res.json((await listTokens(s.pool)).map(publicView));
  });

  r.delete('/:id', async (req, res) => {
    const t = await revokeToken(s.pool, req.params.id);
    if (!t) throw fail('TOKEN_NOT_FOUND', `No access token with id '${req.params.id.slice(0, 64)}'`);
    res.json(publicView(t));
  });

  return r;
}
