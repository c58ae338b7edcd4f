/**
 * /v1/projects/:ref/network-bans and /network-restrictions.
 *
 * Bans: Basalt's brute-force bans (src/shared/security/auth-bans.ts) that concern this
 * project: its data API's scope (failed keys and JWTs) plus the server-wide `admin` and
 * `management` scopes (failed admin logins and personal access tokens), since those guard
 * the same server. Lifting removes the address from all three.
 */
import ipaddr from 'ipaddr.js';
import { Router } from 'express';
import type { Services } from '../services.ts';
import { clientIp } from '../middleware/client-ip.ts';
import { parseRestrictions, parseUnban } from '../../shared/management/network.ts';
import { refOf } from './project-ref.ts';

export const banScopesOf = (ref: string) => [ref, 'admin', 'management'];

export function networkRoutes(s: Services): Router {
  const r = Router({ mergeParams: true });

  r.post('/network-bans/retrieve', async (_req, res) => {
    const lists = await Promise.all(banScopesOf(refOf(res)).map((scope) => s.authBans.list(scope)));
    const v4 = [...new Set(lists.flat())].filter((a) => ipaddr.IPv4.isValidFourPartDecimal(a)).sort();
    res.status(201).json({ banned_ipv4_addresses: v4 });
  });

  r.delete('/network-bans', async (req, res) => {
    const ips = parseUnban(req.body, clientIp(req, s.config));
    await Promise.all(banScopesOf(refOf(res)).map((scope) => s.authBans.lift(scope, ips)));
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
