import type { Request } from 'express';
import ipaddr from 'ipaddr.js';
import type { Config } from '../../shared/config.ts';
import { parseCidrList, inAnyCidr, normaliseIp, type Cidr } from '../../shared/security/cidr.ts';

// Config is validated at start only as text; an unparsable entry trusts nothing rather than crash.
// Parsed per call: the list is a few entries, and no cache has to outlive a config.
const trustedOf = (config: Pick<Config, 'TRUSTED_PROXIES'>): Cidr[] => parseCidrList(config.TRUSTED_PROXIES).valid;

/**
 * The client's address. X-Forwarded-For is believed only when the connection comes from a
 * TRUSTED_PROXIES address; then the right-most address that is not itself a trusted proxy is
 * the client (anything left of it could have been written by the client). IPv4-mapped IPv6
 * addresses come back as plain IPv4.
 */
export function clientIp(req: Request, config: Pick<Config, 'TRUSTED_PROXIES'>): string {
  const peer = normaliseIp(req.socket.remoteAddress ?? '');
  const trusted = trustedOf(config);
  if (!trusted.length || !inAnyCidr(peer, trusted)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = stripPort(hops[i]!);
    if (!ipaddr.isValid(hop)) return peer; // garbage from here on: trust nothing further left
    const ip = normaliseIp(hop);
    if (!inAnyCidr(ip, trusted)) return ip;
  }
  return hops.length ? normaliseIp(stripPort(hops[0]!)) : peer;
}

/** `1.2.3.4:5678` and `[::1]:80` appear in some proxies' headers. */
function stripPort(hop: string): string {
  const v6 = hop.match(/^\[([^\]]+)\](?::\d+)?$/);
  if (v6) return v6[1]!;
  const v4 = hop.match(/^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/);
  return v4 ? v4[1]! : hop;
}
