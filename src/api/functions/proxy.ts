/**
 * The API's side of edge functions: a project's /functions/v1/<slug>… request, already
 * matched to its project (src/api/projects/routes.ts), is streamed to the functions process
 * (FUNCTIONS_URL) with the gateway key, the request id and the client's address, and its
 * answer streamed back. The functions process down → 503 with Retry-After.
 */
import http from 'node:http';
import type { Request, Response } from 'express';
import { CLIENT_IP_HEADER, GATEWAY_KEY_HEADER, functionsGatewayKey, gatewayPath, sendFunctionError } from '../../shared/functions/gateway.ts';
import { clientIp } from '../middleware/client-ip.ts';
import type { Services } from '../services.ts';

const HOP = new Set(['connection', 'expect', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export function functionsProxy(s: Services): (ref: string, req: Request, res: Response) => void {
  const target = new URL(s.config.FUNCTIONS_URL);
  const key = functionsGatewayKey(s.config);
  const agent = s.functionsAgent;

  return (ref, req, res) => {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && !k.startsWith('x-basalt-')) headers[k] = v;
    headers[GATEWAY_KEY_HEADER] = key;
    headers[CLIENT_IP_HEADER] = clientIp(req, s.config);
    headers['x-request-id'] = req.id;
    headers['x-forwarded-host'] = req.headers.host ?? '';
    // req.url is what follows /functions/v1 (Express strips the mount path).
    const upstream = http.request({ host: target.hostname, port: target.port || 80, method: req.method, path: gatewayPath(ref, req.url), headers, agent });
    upstream.on('socket', (sock) => sock.setNoDelay(true));
    upstream.on('response', (up) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(up.headers)) if (!HOP.has(k) && v !== undefined) out[k] = v;
      res.writeHead(up.statusCode ?? 502, out);
      up.pipe(res);
      up.on('error', () => res.destroy());
    });
    upstream.on('error', (e) => {
      if (res.headersSent) return void res.destroy();
      req.log.warn({ err: e.message }, 'functions runtime unreachable');
      sendFunctionError(res, 503, 'FUNCTIONS_UNAVAILABLE', 'The functions runtime is not reachable; try again shortly', { 'Retry-After': '2' });
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };
}
