import { expect } from 'vitest';
/** The shapes HTTP tests share: a reply whose body is already read, as text and JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
export type Param = [string, string];

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: () => Json;
}

export const JSON_CT = 'application/json; charset=utf-8';

export async function toReply(res: Response): Promise<Reply> {
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

export interface SendOptions {
  params?: Param[];
  /** JSON-encoded and sent as application/json. */
  body?: unknown;
  /** Sent verbatim (set Content-Type in headers). */
  raw?: string;
  headers?: Record<string, string>;
  /** The profile to send (Accept-Profile for GET/HEAD, Content-Profile otherwise); `null` sends none. */
  profile?: string | null;
}

/** A request to `${base}${path}` with a default profile, answering a Reply. */
export function sender(base: string, defaultProfile: string) {
  return async (method: string, path: string, o: SendOptions = {}): Promise<Response> => {
    const search = new URLSearchParams(o.params ?? []).toString();
    const headers: Record<string, string> = {};
    const profile = o.profile === undefined ? defaultProfile : o.profile;
    if (profile !== null) headers[method === 'GET' || method === 'HEAD' ? 'Accept-Profile' : 'Content-Profile'] = profile;
    let body: string | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['Content-Type'] = 'application/json';
    }
    Object.assign(headers, o.headers);
    return fetch(`${base}${path}${search ? `?${search}` : ''}`, { method, headers, body });
  };
}

export interface CallerOptions {
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  /** Sent as Bearer; `null` sends no token. */
  token?: string | null;
}

/** Requests to `${base}${path}` as a caller with a token (the Database API's records and RPC). */
export function caller(base: string, defaultToken: string) {
  return async (method: string, path: string, o: CallerOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = {};
    const token = o.token === undefined ? defaultToken : o.token;
    if (token) headers.Authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.body !== undefined) body = JSON.stringify(o.body);
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    Object.assign(headers, o.headers);
    return toReply(await fetch(`${base}${path}`, { method, headers, body }));
  };
}

/** `(method, path, body?, auth?)` against `${base}` with an Authorization header (admin by default; null sends none). */
export function authorizedCall(base: string, defaultAuth: string) {
  return async (method: string, path: string, body?: unknown, auth: string | null = defaultAuth): Promise<Reply> =>
    toReply(
      await fetch(`${base}${path}`, {
        method,
        headers: { ...(auth ? { Authorization: auth } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
}

/** `get(table, params?, headers?)`: GET `${base}/<table>` in a profile, answering a Reply. */
export function profileGet(base: string, profile: string) {
  const send = sender(base, profile);
  return async (table: string, params: Param[] = [], headers: Record<string, string> = {}): Promise<Reply> =>
    toReply(await send('GET', `/${table}`, { params, headers }));
}

/** `rows(table, params)`: a profile's GET that must answer 200 JSON; its body. */
export function profileRows(base: string, profile: string) {
  const get = profileGet(base, profile);
  return async (table: string, params: Param[]): Promise<Json> => {
    const r = await get(table, params);
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    return r.json();
  };
}
