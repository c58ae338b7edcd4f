/** Shared by the Management API tests: tokens from the admin API, /v1 calls, organizations and projects. */
import { adminAuth, apiUrl } from '../support/env.ts';
import { caller, toReply, type Reply } from '../support/http.ts';
import { poll } from '../support/processes.ts';

export interface CreatedToken {
  id: string;
  token: string;
  owner: string;
}

/** A new personal access token (each test file makes its own: the rate limit is per token). */
export async function newToken(name: string, extra: Record<string, unknown> = {}): Promise<CreatedToken> {
  const res = await fetch(`${apiUrl}/api/tokens`, {
    method: 'POST',
    headers: { Authorization: adminAuth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, ...extra }),
  });
  if (res.status !== 201) throw new Error(`token create failed: ${res.status} ${await res.text()}`);
  return res.json();
}

export interface V1Options {
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

/** Calls /v1 as `token` (null: no Authorization header). */
export function v1(token: string | null) {
  const call = caller(`${apiUrl}/v1`, token ?? '');
  return (method: string, path: string, o: V1Options = {}): Promise<Reply> => call(method, path, o);
}

export type V1 = ReturnType<typeof v1>;

export async function newOrganization(call: V1, name: string): Promise<{ id: string; slug: string; name: string }> {
  const r = await call('POST', '/organizations', { body: { name } });
  if (r.status !== 201) throw new Error(`organization create failed: ${r.status} ${r.text}`);
  return r.json();
}

/** Creates a project and waits until it is ACTIVE_HEALTHY. */
export async function newProject(call: V1, organizationSlug: string, name: string, dbPass: string): Promise<any> {
  const r = await call('POST', '/projects', { body: { name, organization_slug: organizationSlug, db_pass: dbPass } });
  if (r.status !== 201) throw new Error(`project create failed: ${r.status} ${r.text}`);
  const ref = r.json().ref as string;
  return poll(async () => {
    const g = await call('GET', `/projects/${ref}`);
    const p = g.json();
    if (p.status === 'INIT_FAILED') throw new Error(`project ${ref} failed to initialise`);
    return p.status === 'ACTIVE_HEALTHY' ? p : undefined;
  }, `project ${ref} to become ACTIVE_HEALTHY`, 60_000, 250);
}
