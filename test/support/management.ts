/**
 * A Management API token with an organization and a project of its own, made through the
 * public endpoints (POST /api/tokens as admin, POST /v1/organizations, POST /v1/projects).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { adminAuth, apiUrl, databaseUrl, db } from './env.ts';
import { toReply, type Reply } from './http.ts';
import { poll } from './processes.ts';

export interface ManagementCaller {
  base: string;
  token: string;
  tokenId: string;
  ref: string;
  orgId: string;
  /** A /v1 request with the token; `body` is JSON unless `raw` is given (then set content-type in headers). */
  v1: (method: string, path: string, o?: { body?: unknown; raw?: string | Buffer; headers?: Record<string, string>; token?: string | null }) => Promise<Reply>;
  /** Waits for ACTIVE_HEALTHY and returns the project's anon and service_role keys. */
  active: () => Promise<{ anon: string; service_role: string }>;
}

export async function createToken(base = apiUrl, name = `t-${randomBytes(4).toString('hex')}`): Promise<{ token: string; id: string }> {
  const res = await fetch(`${base}/api/tokens`, { method: 'POST', headers: { Authorization: adminAuth, 'Content-Type': 'application/json' }, body: JSON.stringify({ name }) });
  if (res.status !== 201) throw new Error(`POST /api/tokens → ${res.status}: ${await res.text()}`);
  const t = (await res.json()) as { token: string; id: string };
  return { token: t.token, id: t.id };
}

export async function createTokenAndProject(base = apiUrl): Promise<ManagementCaller> {
  const { token, id: tokenId } = await createToken(base);
  const v1: ManagementCaller['v1'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = {};
    const t = o.token === undefined ? token : o.token;
    if (t) headers.Authorization = `Bearer ${t}`;
    let body: string | Buffer | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['Content-Type'] = 'application/json';
    }
    Object.assign(headers, o.headers);
    return toReply(await fetch(`${base}/v1${path}`, { method, headers, body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body) }));
  };
  const org = await v1('POST', '/organizations', { body: { name: `org ${tokenId.slice(0, 8)}` } });
  if (org.status !== 201) throw new Error(`POST /v1/organizations → ${org.status}: ${org.text}`);
  const orgId = org.json().id as string;
  const project = await v1('POST', '/projects', { body: { name: 'extras', organization_slug: orgId, db_pass: `Pw-${randomBytes(8).toString('hex')}` } });
  if (project.status !== 201) throw new Error(`POST /v1/projects → ${project.status}: ${project.text}`);
  const ref = project.json().ref as string;
  const active = async () => {
    await poll(
      async () => {
        const p = await v1('GET', `/projects/${ref}`);
        if (p.json().status === 'INIT_FAILED') throw new Error(`project ${ref} failed: ${p.text}`);
        return p.json().status === 'ACTIVE_HEALTHY' ? true : undefined;
      },
      `project ${ref} ACTIVE_HEALTHY`,
      60_000,
      200,
    );
    const keys = (await v1('GET', `/projects/${ref}/api-keys`)).json() as Array<{ name: string; api_key: string }>;
    return { anon: keys.find((k) => k.name === 'anon')!.api_key, service_role: keys.find((k) => k.name === 'service_role')!.api_key };
  };
  return { base, token, tokenId, ref, orgId, v1, active };
}

/** Runs SQL in a project's own database as the test superuser (to arrange tables). */
export async function projectSql(ref: string, sql: string): Promise<void> {
  const { rows } = await db().query('SELECT db_name FROM basalt.management_projects WHERE ref = $1', [ref]);
  if (!rows[0]) throw new Error(`no project ${ref}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${rows[0].db_name}`;
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A table `things` (id, label) with one row, readable by anon, in a project's database. */
export const THINGS_SQL = `CREATE TABLE public.things (id int PRIMARY KEY, label text);
INSERT INTO public.things VALUES (1, 'one');
GRANT SELECT ON public.things TO anon;
NOTIFY pgrst, 'reload schema';`;

/** A URL to `dbName` on the test cluster as `user`. */
export function databaseUrlAs(user: string, password: string, dbName: string): string {
  const u = new URL(databaseUrl);
  u.username = user;
  u.password = password;
  u.pathname = `/${dbName}`;
  return u.toString();
}

/** Connects and runs one query: true, or the error message when PostgreSQL refuses. */
export async function tryConnect(url: string): Promise<true | string> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await c.end().catch(() => {});
  }
}
