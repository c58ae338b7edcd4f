/**
 * The contract between the API (which routes /functions/v1 requests by project) and the
 * functions process (which runs them): the path, and headers that only the API may set.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Config } from '../config.ts';

/** Proves a request comes from the API: derived from a server secret, so nothing is stored. */
export const GATEWAY_KEY_HEADER = 'x-basalt-functions-key';
/** The client's address as the API saw it (after TRUSTED_PROXIES). */
export const CLIENT_IP_HEADER = 'x-basalt-client-ip';

export function functionsGatewayKey(config: Pick<Config, 'BASALT_MASTER_KEY' | 'JWT_SECRET'>): string {
  return createHmac('sha256', config.BASALT_MASTER_KEY || config.JWT_SECRET).update('basalt-functions-gateway').digest('hex');
}

export function isGatewayKey(expected: string, given: string | string[] | undefined): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/** The functions process's path for a project's /functions/v1/<rest>. */
export const gatewayPath = (ref: string, rest: string) => `/invoke/${ref}${rest.startsWith('/') ? rest : `/${rest}`}`;

/** Supabase's edge-function error shape: {code, message}. */
export function sendFunctionError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ code, message });
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
