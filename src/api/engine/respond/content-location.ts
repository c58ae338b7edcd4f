/** PostgREST's Content-Location for reads: the resource and its query string in canonical form. */
import { splitQueryString } from '../parse/query-params.ts';

/** Percent-encodes every UTF-8 byte but ASCII letters, digits and `-_.~` (uppercase hex). */
function encode(s: string): string {
  try {
    return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch {
    // A lone surrogate: encode the bytes Node would send.
    let out = '';
    for (const b of Buffer.from(s, 'utf8')) {
      const c = String.fromCharCode(b);
      out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    return out;
  }
}

/**
 * Parameters sorted by name (stably), a name given twice written once with its values
 * comma-joined, a parameter without `=` written with an empty value.
 */
export function contentLocation(resource: string, query: string): string {
  const params = splitQueryString(query)
    .filter(([k, v]) => k !== '' || v !== undefined)
    .map(([k, v]) => [k, v ?? ''] as [string, string]);
  params.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const parts: string[] = [];
  const done = new Set<string>();
  for (const [k] of params) {
    if (done.has(k)) continue;
    done.add(k);
    parts.push(`${encode(k)}=${params.filter(([x]) => x === k).map(([, v]) => encode(v)).join(',')}`);
  }
  return `/${resource}${parts.length ? `?${parts.join('&')}` : ''}`;
}
