/** `response.headers` / `response.status` set by SQL (e.g. inside a function) shape the HTTP response. */
import { ApiError } from '../../../shared/errors.ts';
import { restErrorWith } from '../errors.ts';

/** What an HTTP header name (a token) and a header value or reason phrase may contain; Node refuses anything else. */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
export const FIELD_TEXT = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Applies the GUCs to `headers`; answers the status they set, if any, and the Set-Cookie lines
 * (one header line per cookie, as PostgREST sends them: cookies cannot be comma-joined).
 */
export function applyResponseGucs(
  headers: Record<string, string>,
  rawHeaders: string | null,
  rawStatus: string | null,
): { status?: number; cookies?: string[] } {
  const cookies: string[] = [];
  if (rawHeaders) {
    let list: unknown;
    try {
      list = JSON.parse(rawHeaders);
    } catch {
      throw restErrorWith('PGRST111', 'response.headers guc must be a JSON array composed of objects with a single key and a string value');
    }
    if (!Array.isArray(list)) throw restErrorWith('PGRST111', 'response.headers guc must be a JSON array composed of objects with a single key and a string value');
    for (const h of list) {
      const entries = h && typeof h === 'object' ? Object.entries(h) : [];
      if (entries.length !== 1 || typeof entries[0][1] !== 'string' || !HEADER_NAME.test(entries[0][0]) || !FIELD_TEXT.test(entries[0][1])) {
        throw restErrorWith('PGRST111', 'response.headers guc must be a JSON array composed of objects with a single key and a string value');
      }
      const [k, v] = entries[0] as [string, string];
      if (k.toLowerCase() === 'set-cookie') {
        cookies.push(v);
        continue;
      }
      // A repeated header (Cache-Control, Vary) is joined, as HTTP allows.
      const existing = Object.keys(headers).find((x) => x.toLowerCase() === k.toLowerCase());
      if (existing && k.toLowerCase() !== 'content-type' && k.toLowerCase() !== 'location') headers[existing] = `${headers[existing]}, ${v}`;
      else {
        if (existing) delete headers[existing];
        headers[k] = v;
      }
    }
  }
  if (rawStatus) {
    const n = Number(rawStatus);
    if (!Number.isInteger(n) || n < 100 || n > 599) throw restErrorWith('PGRST112', 'response.status guc must be a valid status code');
    return { status: n, cookies: cookies.length ? cookies : undefined };
  }
  return { cookies: cookies.length ? cookies : undefined };
}
