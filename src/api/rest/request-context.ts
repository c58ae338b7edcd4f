/**
 * Express request → the engine's RestRequest: profile, role and claims from the token
 * (Authorization, else Supabase's apikey), and what SQL sees of the request. Shared by
 * /rest/v1 and the Database API's records and RPC.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../../shared/errors.ts';
import { jwtVerifierFor, type Claims } from '../auth/jwt.ts';
import { KEY_FORMAT } from '../auth/api-keys.ts';
import { resolveProfile, type RestRequest } from '../engine/read.ts';
import type { SchemaCacheData } from '../schema-cache/model.ts';
import type { Services } from '../services.ts';
import { schemaTenant, tenantRoleFor } from '../../shared/tenants/schema-tenants.ts';
import { jwtError, cannotSetRole, roleNotFound, keyScopedToSchema } from '../engine/errors.ts';

function cookiesOf(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    // A value that is not valid percent-encoding is skipped: the cookie is not ours to reject the request for.
    try {
      out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      continue;
    }
  }
  return out;
}

/**
 * What build reads of a request: node's IncomingMessage, with Express's `path` and
 * `originalUrl` when there is one (the data API's direct read path passes `path` and `query`).
 */
export type HttpRequest = Pick<IncomingMessage, 'method' | 'headers'> & { path?: string; originalUrl?: string; url?: string };

const header = (req: HttpRequest, name: string): string | undefined => req.headers[name] as string | undefined;

export interface RequestContextBuilder {
  /** `profileHeader` is accept-profile for reads, content-profile for writes; `schema` overrides it. */
  build(req: HttpRequest, cache: SchemaCacheData, opts: { profileHeader: string; schema?: string; resource: string; query?: string; path?: string }): Promise<RestRequest>;
  engine(): Promise<EngineContext>;
  /** The engine for a built request: a project schema's requests go to its tenant's own login. */
  engineFor(c: EngineContext, r: RestRequest): EngineContext;
}

export interface EngineContext {
  cache: SchemaCacheData;
  pool: Services['restPool'];
  maxRows?: number;
  aggregates?: boolean;
  txEnd: Services['config']['DB_TX_END'];
  planEnabled?: boolean;
}

export function requestContext(s: Services): RequestContextBuilder {
  const verifier = jwtVerifierFor(s.config);

  async function authOf(req: HttpRequest): Promise<{ role: string; claims: Claims; authenticated: boolean; keySchema?: string; token: boolean }> {
    // `Bearer` with nothing after it is an empty token (401 PGRST301), as PostgREST has it.
    const bearerMatch = header(req, 'authorization')?.match(/^Bearer(?:\s+(.*))?$/i);
    const bearer = bearerMatch ? (bearerMatch[1] ?? '').trim() : undefined;
    const apikey = header(req, 'apikey')?.trim();
    // A Basalt API key (64 hex) in either header: its schema is the profile, its type the role.
    const key = [bearer, apikey].find((t) => t && KEY_FORMAT.test(t));
    if (key) {
      const found = await s.apiKeys.lookup(key);
      if (!found) throw jwtError('PGRST301', 'Invalid API key');
      return { role: found.type, claims: { role: found.type, api_key_id: found.id, schema: found.schema }, authenticated: found.type !== s.config.DB_ANON_ROLE, keySchema: found.schema, token: true };
    }
    const token = bearer ?? (apikey && apikey.split('.').length === 3 ? apikey : undefined);
    let role: string | undefined;
    let claims: Claims = {};
    if (token !== undefined) {
      claims = await verifier.verify(token);
      role = verifier.roleOf(claims);
    }
    role ??= s.config.DB_ANON_ROLE || undefined;
    if (!role) throw jwtError('PGRST302', 'Anonymous access is disabled');
    // PostgREST always puts the role it runs as into the claims.
    claims = token !== undefined ? { ...claims, role: claims.role ?? role } : { role };
    // As PostgREST: anything but the anon role counts as authenticated (42501 → 403, not 401).
    return { role, claims, authenticated: role !== s.config.DB_ANON_ROLE, token: token !== undefined };
  }

  /**
   * The database role a request runs as: only roles granted to the login it runs under, so a
   * token can never pick any other. A project schema's login holds its tenant's own roles only.
   */
  function dbRoleOf(role: string, token: boolean, schema: string, cache: SchemaCacheData): string {
    const bearer401 = { headers: { 'WWW-Authenticate': 'Bearer' } };
    const denied = () => cannotSetRole(role, token, bearer401.headers);
    if (s.schemaCache.isTenantSchema(schema)) {
      // The configured anonymous role (DB_ANON_ROLE) is the tenant's anon role too.
      const mapped = tenantRoleFor(schemaTenant(schema), role === s.config.DB_ANON_ROLE ? 'anon' : role);
      if (!mapped) throw cache.allRoles.has(role) ? denied() : roleNotFound(role, bearer401.headers);
      return mapped;
    }
    if (!cache.allRoles.has(role)) throw roleNotFound(role, bearer401.headers);
    if (!cache.roles.has(role)) throw denied();
    return role;
  }

  return {
    async build(req, cache, opts) {
      const exposed = s.schemaCache.exposedSchemas;
      const { role: tokenRole, claims, authenticated, keySchema, token } = await authOf(req);
      const asked = opts.schema ?? header(req, opts.profileHeader);
      // An API key of schema A never reads or writes schema B.
      if (keySchema && asked && asked !== keySchema) throw keyScopedToSchema(keySchema);
      const schema = resolveProfile(keySchema ?? asked, exposed);
      const role = dbRoleOf(tokenRole, token, schema, cache);
      const url = req.originalUrl ?? req.url ?? '';
      const rawQuery = opts.query ?? (url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
      return {
        method: req.method!,
        resource: opts.resource,
        query: rawQuery,
        headers: req.headers as Record<string, string | undefined>,
        schema,
        echoProfile: exposed.length > 1,
        tx: {
          role,
          claims,
          method: req.method!,
          path: opts.path ?? req.path ?? '',
          headers: req.headers as Record<string, string>,
          cookies: cookiesOf(header(req, 'cookie')),
          // DB_PRE_REQUEST is the default tenant's hook: a project schema's session has no rights on it.
          preRequest: s.schemaCache.isTenantSchema(schema) ? undefined : s.config.DB_PRE_REQUEST,
          authenticated,
        },
      };
    },
    async engine() {
      return { cache: await s.schemaCache.get(), pool: s.restPool, maxRows: s.config.DB_MAX_ROWS, aggregates: s.config.DB_AGGREGATES_ENABLED, txEnd: s.config.DB_TX_END, planEnabled: s.config.DB_PLAN_ENABLED };
    },
    engineFor(c, r) {
      return s.schemaCache.isTenantSchema(r.schema) ? { ...c, pool: s.tenantPools.rest(r.schema) } : c;
    },
  };
}
