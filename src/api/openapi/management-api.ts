/**
 * The Management API (/v1, docs/management-api.md) as OpenAPI operations, with Supabase's
 * operationIds and shapes where Basalt answers the same call. Organization and project bodies
 * reuse the routes' zod schemas; the per-project features describe their parsers in
 * src/shared/management. Examples use the placeholder ref `abcdefghijklmnopqrst` and
 * organization `example-org`: put your own project's there (the test does).
 */
import { z } from 'zod';
import { organizationCreateBody } from '../management/organizations.ts';
import { projectCreateBody } from '../management/projects.ts';
import { MAX_SECRET_NAME, MAX_SECRET_VALUE, MAX_SECRETS } from '../../shared/management/secrets.ts';
import { rootKeyBody } from '../../shared/management/pgsodium.ts';
import { type Operation } from './operations.ts';
import type { Surface } from './documents.ts';

const EXAMPLE_REF = 'abcdefghijklmnopqrst';
const EXAMPLE_ORG = 'example-org';
const SECURITY = ['managementToken'];

const errorSchema = z.object({ message: z.string() }).meta({ id: 'ManagementError' });

const refParam = z.object({ ref: z.string().regex(/^[a-z]{20}$/).meta({ description: "The project's ref (20 lowercase letters)" }) });
const slugParam = refParam.extend({ slug: z.string().meta({ description: "The function's slug" }) });

const organization = z.object({ id: z.string(), slug: z.string().optional(), name: z.string() }).loose().meta({ id: 'Organization' });
const project = z
  .object({
    id: z.string(),
    ref: z.string(),
    organization_id: z.string(),
    name: z.string(),
    region: z.string(),
    created_at: z.string(),
    status: z.enum(['COMING_UP', 'ACTIVE_HEALTHY', 'INIT_FAILED', 'GOING_DOWN']),
    database: z.object({ host: z.string(), version: z.string() }),
  })
  .meta({ id: 'Project' });
const functionView = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    status: z.enum(['ACTIVE', 'REMOVED', 'THROTTLED']),
    version: z.number().int(),
    created_at: z.number(),
    updated_at: z.number(),
    verify_jwt: z.boolean(),
    import_map: z.boolean(),
    entrypoint_path: z.string().optional(),
    import_map_path: z.string().optional(),
    ezbr_sha256: z.string(),
  })
  .meta({ id: 'FunctionResponse' });
const functionBody = z
  .object({
    slug: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/).optional(),
    name: z.string().optional(),
    body: z.string().optional().meta({ description: 'The source (TypeScript or JavaScript)' }),
    verify_jwt: z.boolean().optional(),
    import_map: z.boolean().optional(),
    entrypoint_path: z.string().optional(),
    import_map_path: z.string().optional(),
  })
  .meta({ description: 'Or send the source itself as the body (any non-JSON type) with slug, name… as query parameters' });
const functionQuery = z.object({
  slug: z.string().optional(),
  name: z.string().optional(),
  verify_jwt: z.enum(['true', 'false']).optional(),
  import_map: z.enum(['true', 'false']).optional(),
  entrypoint_path: z.string().optional(),
  import_map_path: z.string().optional(),
});
const hostname = z
  .object({
    status: z.enum(['1_not_started', '2_initiated', '3_challenge_verified', '4_origin_setup_completed', '5_services_reconfigured']),
    custom_hostname: z.string(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'UpdateCustomHostnameResponse' });
const restrictions = z
  .object({
    entitlement: z.literal('allowed'),
    config: z.object({ dbAllowedCidrs: z.array(z.string()), dbAllowedCidrsV6: z.array(z.string()) }),
    old_config: z.object({ dbAllowedCidrs: z.array(z.string()), dbAllowedCidrsV6: z.array(z.string()) }).optional(),
    status: z.string(),
  })
  .meta({ id: 'NetworkRestrictionsResponse' });
const empty = z.object({});

const op = (o: Omit<Operation, 'security' | 'errors' | 'tags'> & { errors?: number[]; tag: string }): Operation => {
  const { tag, ...rest } = o;
  return { ...rest, tags: [tag], security: SECURITY, errors: [...new Set([401, 429, 503, ...(o.errors ?? [])])].sort() };
};
const perProject = (o: Parameters<typeof op>[0]): Operation => op({ ...o, errors: [400, 404, ...(o.errors ?? [])] });

const operations: Operation[] = [
  op({
    method: 'get', path: '/v1/organizations', operationId: 'v1-list-all-organizations', summary: "The organizations the token's owner belongs to", tag: 'Organizations',
    responses: { 200: { description: 'Organizations', schema: z.array(organization) } },
    example: { status: 200 },
  }),
  op({
    method: 'post', path: '/v1/organizations', operationId: 'v1-create-an-organization', summary: 'Create an organization', tag: 'Organizations', errors: [400],
    body: organizationCreateBody,
    responses: { 201: { description: 'Created', schema: organization } },
    example: { body: { name: 'Example organization' }, status: 201 },
  }),
  op({
    method: 'get', path: '/v1/projects', operationId: 'v1-list-all-projects', summary: "The projects of the token owner's organizations", tag: 'Projects',
    responses: { 200: { description: 'Projects', schema: z.array(project) } },
    example: { status: 200 },
  }),
  op({
    method: 'post', path: '/v1/projects', operationId: 'v1-create-a-project', summary: 'Create a project (its own database)', tag: 'Projects', errors: [400, 404],
    description: 'Answers at once with status COMING_UP; GET the project until it is ACTIVE_HEALTHY.',
    body: projectCreateBody,
    responses: { 201: { description: 'Created', schema: project } },
    example: { body: { name: 'Docs example', organization_slug: EXAMPLE_ORG, db_pass: 'Example-db-passw0rd!' }, status: 201 },
  }),
  perProject({
    method: 'get', path: '/v1/projects/{ref}', operationId: 'v1-get-project', summary: 'A project', tag: 'Projects', params: refParam,
    responses: { 200: { description: 'The project', schema: project } },
    example: { params: { ref: EXAMPLE_REF }, status: 200 },
  }),
  perProject({
    method: 'delete', path: '/v1/projects/{ref}', operationId: 'v1-delete-a-project', summary: 'Delete a project and its database', tag: 'Projects', params: refParam,
    responses: { 200: { description: 'Deleted', schema: z.object({ id: z.string(), ref: z.string(), name: z.string() }) } },
    example: { params: { ref: EXAMPLE_REF }, status: 200 },
  }),
  perProject({
    method: 'get', path: '/v1/projects/{ref}/api-keys', operationId: 'v1-get-project-api-keys', summary: "The project's anon and service_role keys", tag: 'Secrets', params: refParam,
    responses: { 200: { description: 'Keys', schema: z.array(z.object({ name: z.string(), api_key: z.string() })) } },
    example: { params: { ref: EXAMPLE_REF }, status: 200 },
  }),
  perProject({
    method: 'get', path: '/v1/projects/{ref}/types/typescript', operationId: 'v1-generate-typescript-types', summary: "TypeScript types of the project's database", tag: 'Database',
    errors: [409], params: refParam, query: z.object({ included_schemas: z.string().optional().meta({ description: 'Comma-separated; default public' }) }),
    responses: { 200: { description: 'Types', schema: z.object({ types: z.string() }) } },
    example: { params: { ref: EXAMPLE_REF }, query: { included_schemas: 'public' }, status: 200 },
  }),
  perProject({
    method: 'get', path: '/v1/projects/{ref}/secrets', operationId: 'v1-list-all-secrets', summary: "The project's secrets (values as SHA-256)", tag: 'Secrets', params: refParam,
    responses: { 200: { description: 'Secrets', schema: z.array(z.object({ name: z.string(), value: z.string() })) } },
    example: { params: { ref: EXAMPLE_REF }, status: 200 },
  }),
  perProject({
    method: 'post', path: '/v1/projects/{ref}/secrets', operationId: 'v1-bulk-create-secrets', summary: 'Create or replace secrets', tag: 'Secrets', params: refParam,
    body: z.array(z.object({ name: z.string().max(MAX_SECRET_NAME).regex(/^[A-Za-z_][A-Za-z0-9_]*$/), value: z.string().max(MAX_SECRET_VALUE) })).min(1).max(MAX_SECRETS),
    responses: { 201: { description: 'Stored' } },
    example: { params: { ref: EXAMPLE_REF }, body: [{ name: 'EXAMPLE_SECRET', value: 'example value' }], status: 201 },
  }),
  perProject({
    method: 'delete', path: '/v1/projects/{ref}/secrets', operationId: 'v1-bulk-delete-secrets', summary: 'Delete secrets by name', tag: 'Secrets', params: refParam,
    body: z.array(z.string().min(1)),
    responses: { 200: { description: 'Deleted', schema: empty } },
    example: { params: { ref: EXAMPLE_REF }, body: ['EXAMPLE_SECRET'], status: 200 },
  }),
  perProject({
    method: 'get', path: '/v1/projects/{ref}/functions', operationId: 'v1-list-all-functions', summary: "The project's edge functions", tag: 'Edge Functions', params: refParam,
    responses: { 200: { description: 'Functions', schema: z.array(functionView) } },
    example: { params: { ref: EXAMPLE_REF }, status: 200 },
  }),
  perProject({
    method: 'post', path: '/v1/projects/{ref}/functions', operationId: 'v1-create-a-function', summary: 'Create an edge function', tag: 'Edge Functions',
    errors: [409], params: refParam, query: functionQuery, body: functionBody,
    responses: { 201: { description: 'Created', schema: functionView } },
    example: { params: { ref: EXAMPLE_REF }, body: { slug: 'hello', name: 'hello', body: "Deno.serve(() => new Response('hello'))", verify_jwt: false }, status: 201 },
  }),
  perProject({
    method: 'get', path: '/v1/projects/{ref}/functions/{slug}', operationId: 'v1-get-a-function', summary: 'An edge function', tag: 'Edge Functions', params: slugParam,
    responses: { 200: { description: 'The function', schema: functionView } },
    example: { params: { ref: EXAMPLE_REF, slug: 'hello' }, status: 200 },
  }),
  perProject({
    method: 'patch', path: '/v1/projects/{ref}/functions/{slug}', operationId: 'v1-update-a-function', summary: 'Update an edge function (a new version)', tag: 'Edge Functions',
    params: slugParam, query: functionQuery, body: functionBody,
    responses: { 200: { description: 'Updated', schema: functionView } },
    example: { params: { ref: EXAMPLE_REF, slug: 'hello' }, body: { name: 'Hello' }, status: 200 },
  }),
  perProject({
    method: 'delete', path: '/v1/projects/{ref}/functions/{slug}', operationId: 'v1-delete-a-function', summary: 'Delete an edge function', tag: 'Edge Functions', params: slugParam,
    responses: { 200: { description: 'Deleted', schema: empty } },
    example: { params: { ref: EXAMPLE_REF, slug: 'hello' }, status: 200 },
  }),
  perProject({
    method: 'get', path: '/v1/projects/{ref}/functions/{slug}/body', operationId: 'v1-get-a-function-body', summary: "An edge function's source", tag: 'Edge Functions', params: slugParam,
    responses: { 200: { description: 'The source as stored', schema: z.string(), contentType: 'application/octet-stream' } },
    example: { params: { ref: EXAMPLE_REF, slug: 'hello' }, status: 200 },
  }),
  perProject({
    method: 'get', path: '/v1/projects/{ref}/custom-hostname', operationId: 'v1-get-hostname-config', summary: "The project's custom hostname", tag: 'Domains', params: refParam,
    responses: { 200: { description: 'The hostname and its verification status', schema: hostname } },
    example: { params: { ref: EXAMPLE_REF }, status: 200 },
  }),
  perProject({
    method: 'delete', path: '/v1/projects/{ref}/custom-hostname', operationId: 'v1-delete-hostname-config', summary: 'Remove the custom hostname', tag: 'Domains', params: refParam,
    responses: { 200: { description: 'Removed', schema: empty } },
    example: { params: { ref: EXAMPLE_REF }, status: 200 },
  }),
  perProject({
    method: 'post', path: '/v1/projects/{ref}/custom-hostname/reverify', operationId: 'v1-verify-dns-config', summary: 'Check DNS (TXT challenge, then CNAME/A) and advance', tag: 'Domains', params: refParam,
    responses: { 201: { description: 'The status after the checks', schema: hostname } },
    // Before initialize, so the example reaches no DNS server.
    example: { params: { ref: EXAMPLE_REF }, status: 400 },
  }),
  perProject({
    method: 'post', path: '/v1/projects/{ref}/custom-hostname/activate', operationId: 'v1-activate-custom-hostname', summary: 'Route the verified hostname to the project', tag: 'Domains', params: refParam,
    responses: { 201: { description: 'Active', schema: hostname } },
    example: { params: { ref: EXAMPLE_REF }, status: 400 },
  }),
  perProject({
    method: 'post', path: '/v1/projects/{ref}/custom-hostname/initialize', operationId: 'v1-update-hostname-config', summary: 'Start verifying a custom hostname', tag: 'Domains', params: refParam,
    body: z.object({ custom_hostname: z.string() }),
    responses: { 201: { description: 'Verification started: publish the TXT record in data', schema: hostname } },
    example: { params: { ref: EXAMPLE_REF }, body: { custom_hostname: 'api.docs-example.test' }, status: 201 },
  }),
  perProject({
    method: 'get', path: '/v1/projects/{ref}/pgsodium', operationId: 'v1-get-pgsodium-config', summary: "The project's pgsodium root key", tag: 'Secrets', params: refParam,
    responses: { 200: { description: 'The key', schema: z.object({ root_key: z.string() }) } },
    example: { params: { ref: EXAMPLE_REF }, status: 200 },
  }),
  perProject({
    method: 'put', path: '/v1/projects/{ref}/pgsodium', operationId: 'v1-update-pgsodium-config', summary: 'Replace the pgsodium root key', tag: 'Secrets', params: refParam,
    description: 'Data encrypted with the old key can no longer be read.',
    body: rootKeyBody,
    responses: { 200: { description: 'The new key', schema: z.object({ root_key: z.string() }) } },
    example: { params: { ref: EXAMPLE_REF }, body: { root_key: '0123456789abcdef'.repeat(4) }, status: 200 },
  }),
  perProject({
    method: 'post', path: '/v1/projects/{ref}/network-bans/retrieve', operationId: 'v1-list-all-network-bans', summary: "Addresses banned from the project's data API", tag: 'Network', params: refParam,
    responses: { 201: { description: 'Bans', schema: z.object({ banned_ipv4_addresses: z.array(z.string()) }) } },
    example: { params: { ref: EXAMPLE_REF }, status: 201 },
  }),
  perProject({
    method: 'delete', path: '/v1/projects/{ref}/network-bans', operationId: 'v1-delete-network-bans', summary: 'Lift bans', tag: 'Network', params: refParam,
    body: z.object({ ipv4_addresses: z.array(z.string()).optional(), requester_ip: z.boolean().optional() }),
    responses: { 200: { description: 'Lifted', schema: empty } },
    example: { params: { ref: EXAMPLE_REF }, body: { ipv4_addresses: ['192.0.2.1'] }, status: 200 },
  }),
  perProject({
    method: 'get', path: '/v1/projects/{ref}/network-restrictions', operationId: 'v1-get-network-restrictions', summary: "Which addresses may reach the project's data API", tag: 'Network', params: refParam,
    responses: { 200: { description: 'Restrictions', schema: restrictions } },
    example: { params: { ref: EXAMPLE_REF }, status: 200 },
  }),
  perProject({
    method: 'post', path: '/v1/projects/{ref}/network-restrictions/apply', operationId: 'v1-update-network-restrictions', summary: 'Replace the network restrictions', tag: 'Network', params: refParam,
    body: z.object({ dbAllowedCidrs: z.array(z.string()).optional(), dbAllowedCidrsV6: z.array(z.string()).optional() }),
    responses: { 201: { description: 'Applied', schema: restrictions } },
    example: { params: { ref: EXAMPLE_REF }, body: { dbAllowedCidrs: ['0.0.0.0/0'], dbAllowedCidrsV6: ['::/0'] }, status: 201 },
  }),
];

export const surface: Surface = {
  title: 'Management API',
  description:
    "Supabase's Management API v1 for Basalt's projects (docs/management-api.md): organizations, projects, keys, secrets, edge functions, custom hostnames, network bans and restrictions. Authenticate with a personal access token from POST /api/tokens. Errors: `{message}`.",
  securitySchemes: {
    managementToken: { type: 'http', scheme: 'bearer', description: 'A personal access token (sbp_…) made with POST /api/tokens' },
  },
  errorSchema,
  tags: ['Organizations', 'Projects', 'Database', 'Secrets', 'Edge Functions', 'Domains', 'Network'].map((name) => ({ name })),
  operations,
};
