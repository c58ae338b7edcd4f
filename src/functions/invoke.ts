/**
 * One invocation, as the functions process receives it from the API (which already chose
 * the project from the Host or the /project/<ref> prefix and applied the project's network
 * rules): find the function, check verify_jwt with the project's own secret, take a warm
 * instance of its current version, and stream the request to it and its answer back, within
 * the wall-clock and body limits. Errors are Supabase's {code, message}.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import type { Config } from '../shared/config.ts';
import type { Pool } from '../shared/db/pool.ts';
import { ApiError, isApiError, fail } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import { openWithMasterKey } from '../shared/crypto/master-key.ts';
import { CLIENT_IP_HEADER, GATEWAY_KEY_HEADER, isGatewayKey, sendFunctionError } from '../shared/functions/gateway.ts';
import { functionEnvironment } from './environment.ts';
import type { FunctionPools } from './pools.ts';
import type { Instance, InstanceSpec } from './instance.ts';
import { bootError, materialize } from './sources.ts';

const PING_TIMEOUT_MS = 1000;
/** How long a reset connection waits to learn whether its instance ended, and why. */
const EXIT_GRACE_MS = 2000;
/** Headers that belong to one connection, not to the message. */
const HOP = new Set(['connection', 'expect', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);
const PATH = /^\/invoke\/([a-z0-9]{1,64})\/([^/?#]+)([^?#]*)(\?[^#]*)?$/;

interface Target {
  ref: string;
  status: string;
  db_name: string;
  jwt_secret_sealed: string;
  created_at: Date;
  id: string | null;
  slug: string | null;
  version: number | null;
  verify_jwt: boolean | null;
  ezbr_sha256: string | null;
  secrets_digest: string;
}

/** One round trip: the project, the function and a digest of the project's secrets. */
const LOOKUP = `SELECT p.ref, p.status, p.db_name, p.jwt_secret_sealed, p.created_at,
    f.id, f.slug, f.version, f.verify_jwt, f.ezbr_sha256,
    (SELECT pg_catalog.md5(coalesce(pg_catalog.string_agg(s.name || '=' || s.value_sha256, ',' ORDER BY s.name), ''))
       FROM basalt.project_secrets s WHERE s.project_ref OPERATOR(pg_catalog.=) p.ref) AS secrets_digest
  FROM basalt.management_projects p
  LEFT JOIN basalt.project_functions f ON f.project_ref OPERATOR(pg_catalog.=) p.ref AND f.slug OPERATOR(pg_catalog.=) $2
  WHERE p.ref OPERATOR(pg_catalog.=) $1`;

const notFound = () => fail('NOT_FOUND', 'Requested function was not found');

export interface InvokeDeps {
  config: Config;
  pool: Pool;
  pools: FunctionPools;
  log: Logger;
  gatewayKey: string;
  /** Instance settings shared by every function (binary, bootstrap, module cache, denied hosts). */
  base: Pick<InstanceSpec, 'deno' | 'bootstrap' | 'denoDir' | 'memoryMb' | 'denyNet'>;
  sourcesDir: string;
}

export function invocationHandler(d: InvokeDeps) {
  const secrets = new Map<string, Uint8Array>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const maxBody = d.config.FUNCTIONS_MAX_BODY_MB * 1024 * 1024;
  const wallClock = d.config.FUNCTIONS_WALL_CLOCK_MS;

  const secretOf = (t: Target) => {
    let key = secrets.get(t.jwt_secret_sealed);
    if (!key) {
      key = new TextEncoder().encode(openWithMasterKey(d.config, t.jwt_secret_sealed));
      secrets.set(t.jwt_secret_sealed, key);
    }
    return key;
  };

  async function verify(t: Target, authorization: string | undefined) {
    if (!authorization) throw fail('UNAUTHORIZED_NO_AUTH_HEADER', 'Missing authorization header');
    const m = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!m) throw fail('UNAUTHORIZED_INVALID_JWT_FORMAT', 'Invalid JWT: expected Authorization: Bearer <token>');
    try {
      await jwtVerify(m[1]!, secretOf(t), { algorithms: ['HS256'] });
    } catch {
      throw fail('UNAUTHORIZED_INVALID_JWT', 'Invalid JWT');
    }
  }

  return async function invoke(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const rid = String(req.headers['x-request-id'] ?? '');
    let fields: Record<string, unknown> = { reqId: rid || undefined };
    const done = () => {
      const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
      d.log.info({ ...fields, status: res.statusCode, ms }, 'function invoked');
    };
    res.once('close', done);
    if (!isGatewayKey(d.gatewayKey, req.headers[GATEWAY_KEY_HEADER])) return sendFunctionError(res, 403, 'FORBIDDEN', 'Only the Basalt API may call the functions runtime');
    const m = PATH.exec(req.url ?? '');
    if (!m) return sendFunctionError(res, 404, 'NOT_FOUND', 'Requested function was not found');
    const [, ref, rawSlug, rest, query] = m;
    let slug: string;
    try {
      slug = decodeURIComponent(rawSlug!);
    } catch {
      return sendFunctionError(res, 404, 'NOT_FOUND', 'Requested function was not found');
    }
    fields = { ...fields, project: ref, function: slug };
    let inst: Instance | undefined;
    try {
      const { rows } = await d.pool.query<Target>(LOOKUP, [ref, slug]);
      const t = rows[0];
      if (!t || !t.id) throw notFound();
      if (t.status !== 'ACTIVE_HEALTHY') throw fail('PROJECT_NOT_READY', `Project ${ref} is not ready (status ${t.status})`, { headers: { 'Retry-After': '1' } });
      fields = { ...fields, version: t.version };
      if (t.verify_jwt) await verify(t, req.headers.authorization);
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > maxBody) throw fail('PAYLOAD_TOO_LARGE', `The request body is larger than ${d.config.FUNCTIONS_MAX_BODY_MB} MB`);
      const log = d.log.child({ project: ref, function: slug, version: t.version });
      const fnId = t.id;
      inst = await d.pools.acquire({
        key: `${ref}/${fnId}`,
        generation: `${t.version}:${t.ezbr_sha256}:${t.secrets_digest}`,
        log,
        prepare: async () => {
          const files = await materialize(d.pool, d.sourcesDir, ref!, fnId);
          const env = await functionEnvironment(d.pool, d.config, { ref: ref!, dbName: t.db_name, jwtSecret: openWithMasterKey(d.config, t.jwt_secret_sealed), createdAt: t.created_at });
          return { ...d.base, ...files, env };
        },
      }).catch((e: unknown) => {
        if (isApiError(e)) throw e;
        throw bootError((e as Error).message);
      });
      await forward(inst, req, res, `/${rawSlug}${rest}${query ?? ''}`, rid);
    } catch (e) {
      if (!isApiError(e)) d.log.error({ ...fields, err: (e as Error).message }, 'function invocation failed');
      const err = isApiError(e) ? e : fail('INTERNAL_ERROR', (e as Error).message);
      sendFunctionError(res, err.status, err.code, err.message, err.headers);
    } finally {
      if (inst) d.pools.release(inst);
    }
  };

  /** Is the instance's event loop still turning? A request that hits the wall clock in a busy loop says no. */
  function responsive(inst: Instance): Promise<boolean> {
    return new Promise((resolve) => {
      const r = http.get({ host: '127.0.0.1', port: inst.port, path: '/__basalt/ping', headers: { 'x-basalt-instance-token': inst.token }, timeout: PING_TIMEOUT_MS }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      r.on('timeout', () => r.destroy());
      r.on('error', () => resolve(false));
    });
  }

  function forward(inst: Instance, req: IncomingMessage, res: ServerResponse, path: string, rid: string): Promise<void> {
    return new Promise<void>((resolve) => {
      let settled = false;
      const finish = (err?: ApiError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          upstream.destroy();
          req.unpipe?.();
          if (res.headersSent) res.destroy();
          else sendFunctionError(res, err.status, err.code, err.message, err.headers);
        }
        resolve();
      };
      const headers: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && k !== GATEWAY_KEY_HEADER && k !== CLIENT_IP_HEADER && !k.startsWith('x-basalt-')) headers[k] = v;
      headers.host = String(req.headers['x-forwarded-host'] ?? req.headers.host ?? 'localhost');
      headers['x-basalt-instance-token'] = inst.token;
      headers['x-basalt-request-id'] = rid;
      const ip = req.headers[CLIENT_IP_HEADER];
      if (typeof ip === 'string') headers['x-forwarded-for'] = ip;

      const upstream = http.request({ host: '127.0.0.1', port: inst.port, method: req.method, path, headers, agent });
      // Small request/response pairs on kept-alive sockets: Nagle would hold each write for an ACK.
      upstream.on('socket', (sock) => sock.setNoDelay(true));
      const timer = setTimeout(async () => {
        if (settled) return;
        if (!(await responsive(inst))) {
          inst.kill('wall_clock');
          finish(fail('WORKER_LIMIT', `Function exceeded its wall clock limit of ${wallClock} ms and was stopped`));
        } else {
          finish(fail('GATEWAY_TIMEOUT', `Function did not finish within its wall clock limit of ${wallClock} ms`));
        }
      }, wallClock);

      upstream.on('response', (up) => {
        const out: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(up.headers)) if (!HOP.has(k) && v !== undefined) out[k] = v;
        res.writeHead(up.statusCode ?? 502, out);
        up.pipe(res);
        up.on('end', () => finish());
        up.on('error', () => finish(fail('BAD_GATEWAY', 'The function’s response was cut off')));
      });
      upstream.on('error', async () => {
        if (settled) return;
        // The instance may have died under this request (its exit is seen a moment after the reset): say why.
        const reason = await Promise.race([inst.ended, new Promise<undefined>((r) => setTimeout(() => r(undefined), EXIT_GRACE_MS))]);
        if (reason === 'memory') finish(fail('WORKER_LIMIT', `Function exceeded its memory limit of ${d.config.FUNCTIONS_MEMORY_MB} MB and was stopped`));
        else if (reason === 'wall_clock') finish(fail('WORKER_LIMIT', 'The function’s instance was stopped: a request on it exceeded the wall clock limit'));
        else finish(fail('BAD_GATEWAY', reason ? `The function’s instance ended (${reason})` : 'The function closed the connection'));
      });
      res.on('close', () => {
        if (!res.writableFinished) finish(fail('CLIENT_CLOSED', 'The client went away'));
      });

      // The body, counted as it streams: past the limit the request is refused.
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        if (settled) return;
        received += chunk.length;
        if (received > maxBody) return finish(fail('PAYLOAD_TOO_LARGE', `The request body is larger than ${d.config.FUNCTIONS_MAX_BODY_MB} MB`));
        if (!upstream.write(chunk)) {
          req.pause();
          upstream.once('drain', () => req.resume());
        }
      });
      req.on('end', () => settled || upstream.end());
      req.on('error', () => finish(fail('BAD_REQUEST', 'The request body could not be read')));
    });
  }
}
