/**
 * /api/bans (behind requireAdmin): the server-wide brute-force bans, scopes `admin` (failed
 * admin logins) and `management` (failed personal access tokens). Only admin credentials
 * lift them: a project's /v1 network-bans endpoints see and lift that project's scope only,
 * so a tenant cannot clear the bans that guard the server's own logins.
 */
import ipaddr from 'ipaddr.js';
import { Router, type Request } from 'express';
import { fail } from '../../shared/errors.ts';
import type { Services } from '../services.ts';
import { ADMIN_BAN_SCOPE } from './auth.ts';
import { MANAGEMENT_BAN_SCOPE } from '../management/token-auth.ts';

export const SERVER_BAN_SCOPES = [ADMIN_BAN_SCOPE, MANAGEMENT_BAN_SCOPE];

const invalid = (message: string) => fail('VALIDATION_ERROR', message);

/** DELETE body → addresses and scopes; every bad entry is refused by name. */
export function parseLift(body: unknown): { ips: string[]; scopes: string[] } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('Expected a JSON object {"ipv4_addresses": ["…"], "scopes": ["admin", "management"]}');
  const b = body as Record<string, unknown>;
  const ips: string[] = [];
  for (const [field, version] of [['ipv4_addresses', 'ipv4'], ['ipv6_addresses', 'ipv6']] as const) {
    const list = b[field] ?? [];
    if (!Array.isArray(list)) throw invalid(`${field} must be an array of addresses`);
    for (const a of list) {
      const text = typeof a === 'string' ? a.trim() : '';
      const ok = version === 'ipv4' ? ipaddr.IPv4.isValidFourPartDecimal(text) : ipaddr.IPv6.isValid(text);
      if (!ok) throw invalid(`${field}: ${JSON.stringify(a)} is not an ${version === 'ipv4' ? 'IPv4' : 'IPv6'} address`);
      ips.push(text);
    }
  }
  if (!ips.length) throw invalid('ipv4_addresses (or ipv6_addresses) must list at least one address');
  const scopes = b.scopes ?? SERVER_BAN_SCOPES;
  if (!Array.isArray(scopes) || !scopes.length) throw invalid(`scopes must be a non-empty array of ${SERVER_BAN_SCOPES.join(', ')}`);
  for (const sc of scopes) {
    if (typeof sc !== 'string' || !SERVER_BAN_SCOPES.includes(sc)) {
      throw invalid(`scopes: ${JSON.stringify(sc)} is not one of ${SERVER_BAN_SCOPES.join(', ')} (a project's bans are lifted with DELETE /v1/projects/{ref}/network-bans)`);
    }
  }
  return { ips: [...new Set(ips)], scopes: [...new Set(scopes as string[])] };
}

export function banRoutes(s: Services): Router {
  const r = Router();

  r.get('/', async (_req, res) => {
    const lists = await Promise.all(SERVER_BAN_SCOPES.map(async (scope) => (await s.authBans.listWithEnd(scope)).map((b) => ({ scope, ip: b.ip, until: b.until.toISOString() }))));
    res.json(lists.flat());
  });

  r.delete('/', async (req: Request, res) => {
    const { ips, scopes } = parseLift(req.body);
    await Promise.all(scopes.map((scope) => s.authBans.lift(scope, ips)));
    res.json({ lifted: ips, scopes });
  });

  return r;
}
