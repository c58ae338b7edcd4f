/** PostgREST's Content-Location for reads: the resource and its query string in canonical form. */
import { splitQueryString } from '../parse/query-params.ts';

/** Percent-encodes every UTF-8 byte but ASCII letters, digits and `-_.~` (uppercase hex). */
const UNRESERVED = /^[A-Za-z0-9\-_.~]*$/;

function encode(s: string): string {
  if (UNRESERVED.test(s)) return s;
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
  // Sorted stably: a repeated name's values are next to each other, in the order given.
  let out = '';
  for (let i = 0; i < params.length; ) {
    const k = params[i][0];
    let values = encode(params[i][1]);
    for (i++; i < params.length && params[i][0] === k; i++) values += `,${encode(params[i][1])}`;
    out += `${out ? '&' : '?'}${encode(k)}=${values}`;
  }
  return `/${resource}${out}`;
}
