/** parse steps of the network-bans and network-restrictions endpoints (pure). */
import ipaddr from 'ipaddr.js';
import { fail } from '../errors.ts';
import { parseCidr } from '../security/cidr.ts';
import type { RestrictionConfig } from '../security/network-restrictions.ts';

const bad = (message: string) => fail('BAD_REQUEST', message);

/** DELETE /network-bans {ipv4_addresses, requester_ip?} → addresses to unban. */
export function parseUnban(body: unknown, requesterIp: string): string[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw bad('Expected a JSON object {"ipv4_addresses": ["…"]}');
  const b = body as Record<string, unknown>;
  const list = b.ipv4_addresses ?? [];
  if (!Array.isArray(list)) throw bad('ipv4_addresses must be an array of IPv4 addresses');
  const out: string[] = [];
  for (const a of list) {
    if (typeof a !== 'string' || !ipaddr.IPv4.isValidFourPartDecimal(a.trim())) throw bad(`Invalid IPv4 address: ${JSON.stringify(a)}`);
    out.push(a.trim());
  }
  if (b.requester_ip !== undefined && typeof b.requester_ip !== 'boolean') throw bad('requester_ip must be a boolean');
  if (b.requester_ip === true) out.push(requesterIp);
  if (!out.length) throw bad('ipv4_addresses must list at least one address');
  return [...new Set(out)];
}

/** POST /network-restrictions/apply → validated lists; every bad entry is named. */
export function parseRestrictions(body: unknown): RestrictionConfig {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw bad('Expected a JSON object {"dbAllowedCidrs": [...], "dbAllowedCidrsV6": [...]}');
  const b = body as Record<string, unknown>;
  const one = (field: string, kind: 'ipv4' | 'ipv6'): string[] => {
    const v = b[field] ?? [];
    if (!Array.isArray(v)) throw bad(`${field} must be an array of CIDRs`);
    const problems: string[] = [];
    const out: string[] = [];
    for (const c of v) {
      const parsed = typeof c === 'string' ? parseCidr(c) : undefined;
      if (!parsed) problems.push(`${JSON.stringify(c)} is not a valid CIDR`);
      else if (parsed[0].kind() !== kind) problems.push(`${JSON.stringify(c)} is not an ${kind === 'ipv4' ? 'IPv4' : 'IPv6'} range`);
      else out.push((c as string).trim());
    }
    if (problems.length) throw bad(`Invalid ${field}: ${problems.join('; ')}`);
    return [...new Set(out)];
  };
  return { dbAllowedCidrs: one('dbAllowedCidrs', 'ipv4'), dbAllowedCidrsV6: one('dbAllowedCidrsV6', 'ipv6') };
}
