/** Requests to the Postgres Admin API at the root, as admin unless told otherwise. */
import { adminAuth, apiUrl } from '../support/env.ts';
import { toReply, type Reply } from '../support/http.ts';

export interface MetaOptions {
  body?: unknown;
  params?: Record<string, string>;
  /** `null` sends no Authorization header. */
  auth?: string | null;
  base?: string;
}

export async function meta(method: string, path: string, o: MetaOptions = {}): Promise<Reply> {
  const qs = o.params ? `?${new URLSearchParams(o.params)}` : '';
  const headers: Record<string, string> = {};
  const auth = o.auth === undefined ? adminAuth : o.auth;
  if (auth) headers.Authorization = auth;
  if (o.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${o.base ?? apiUrl}${path}${qs}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
  return toReply(res);
}

/** GET that must answer 200; its JSON body. */
export async function get(path: string, params?: Record<string, string>) {
  const r = await meta('GET', path, { params });
  if (r.status !== 200) throw new Error(`GET ${path} → ${r.status}: ${r.text}`);
  return r.json();
}
