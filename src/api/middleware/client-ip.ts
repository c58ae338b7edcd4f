import type { Request } from 'express';
import type { Config } from '../../shared/config.ts';

/**
 * The client's address. X-Forwarded-For is believed only when the connection comes from a
 * TRUSTED_PROXIES address.
 *
 * STUB (owned by the Management API network helper): ignores X-Forwarded-For for now.
 */
export function clientIp(req: Request, _config: Pick<Config, 'TRUSTED_PROXIES'>): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
