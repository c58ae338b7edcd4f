/**
 * /v1/projects/:ref/network-bans and /network-restrictions.
 *
 * Bans: Basalt's brute-force bans (src/shared/security/auth-bans.ts) of this project's own
 * scope (the ref: failed keys and JWTs on its data API). The server-wide `admin` and
 * `management` scopes are neither shown nor lifted here: a token holder must not learn of,
 * or clear, the bans that guard the server's own logins. Admins do that with /api/bans.
 */
import ipaddr from 'ipaddr.js';
import { Router } from 'express';
import type { Services } from '../services.ts';
import { clientIp } from '../middleware/client-ip.ts';
import { parseRestrictions, parseUnban } from '../../shared/management/network.ts';
import { refOf } from './project-ref.ts';

export function networkRoutes(s: Services): Router {
  const r = Router({ mergeParams: true });

  r.post('/network-bans/retrieve', async (_req, res) => {
    const v4 = (await s.authBans.list(refOf(res))).filter((a) => ipaddr.IPv4.isValidFourPartDecimal(a)).sort();
    res.status(201).json({ banned_ipv4_addresses: v4 });
  });

  r.delete('/network-bans', async (req, res) => {
    const ips = parseUnban(req.body, clientIp(req, s.config));
    await s.authBans.lift(refOf(res), ips);
    res.status(200).json({});
  });

  const shape = (st: Awaited<ReturnType<Services['networkRestrictions']['get']>>) => ({
    entitlement: 'allowed' as const,
    config: st.config,
    ...(st.old_config ? { old_config: st.old_config } : {}),
    status: st.status,
  });

  r.get('/network-restrictions', async (_req, res) => {
    res.json(shape(await s.networkRestrictions.get(refOf(res))));
  });

  r.post('/network-restrictions/apply', async (req, res) => {
    const config = parseRestrictions(req.body);
    res.status(201).json(shape(await s.networkRestrictions.apply(refOf(res), config)));
  });
  return r;
}
