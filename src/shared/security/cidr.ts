/** Addresses and CIDR ranges (ipaddr.js), shared by client-ip, bans and network restrictions. */
import ipaddr from 'ipaddr.js';

export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** `::ffff:1.2.3.4` → `1.2.3.4`; other addresses in their canonical text; junk unchanged. */
export function normaliseIp(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  return ipaddr.process(ip).toString();
}

/** An address or CIDR (`1.2.3.4` = /32, `::1` = /128). undefined when it is neither. */
export function parseCidr(text: string): Cidr | undefined {
  const t = text.trim();
  const [addrText, bitsText, extra] = t.split('/');
  if (extra !== undefined || (bitsText !== undefined && !/^\d{1,3}$/.test(bitsText))) return undefined;
  // ipaddr.js also takes legacy forms (`10.1`, `0x7f.1`); only dotted quads and IPv6 text are addresses here.
  if (!(addrText!.includes(':') ? ipaddr.IPv6.isValid(addrText!) : ipaddr.IPv4.isValidFourPartDecimal(addrText!))) return undefined;
  try {
    if (t.includes('/')) {
      // parseCIDR accepts host bits set (10.0.0.1/8); so does Supabase's form, it is just a range.
      const [addr, bits] = ipaddr.parseCIDR(t);
      if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) return [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96];
      return [addr, bits];
    }
    if (!ipaddr.isValid(t)) return undefined;
    const addr = ipaddr.process(t);
    return [addr, addr.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}

export function parseCidrList(list: string[]): { valid: Cidr[]; invalid: string[] } {
  const valid: Cidr[] = [];
  const invalid: string[] = [];
  for (const s of list) {
    const c = parseCidr(s);
    if (c) valid.push(c);
    else invalid.push(s);
  }
  return { valid, invalid };
}

export function inAnyCidr(ip: string, cidrs: Cidr[]): boolean {
  if (!cidrs.length || !ipaddr.isValid(ip)) return false;
  const addr = ipaddr.process(ip);
  return cidrs.some(([range, bits]) => range.kind() === addr.kind() && addr.match(range, bits));
}

export const isIpv4 = (s: string) => ipaddr.IPv4.isValidFourPartDecimal(s);
