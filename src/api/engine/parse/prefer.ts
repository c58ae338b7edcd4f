/**
 * The `Prefer` request header (RFC 7240) as PostgREST reads it: every header value is split on
 * commas and trimmed; tokens must match exactly (case-sensitive). The first token of each kind
 * wins, later ones of the same kind are ignored (but are not invalid). `timezone=` and
 * `max-affected=` take any value; anything else unknown is listed in `invalid`.
 */
import { readInteger } from './range.ts';
import { restError } from '../errors.ts';
import type { Preferences } from './types.ts';

type Setter = (p: Preferences) => void;

/** Exact tokens; the Preferences key each one sets. */
const TOKENS: Record<string, { key: keyof Preferences; set: Setter }> = {
  'return=representation': { key: 'return', set: (p) => (p.return = 'representation') },
  'return=minimal': { key: 'return', set: (p) => (p.return = 'minimal') },
  'return=headers-only': { key: 'return', set: (p) => (p.return = 'headers-only') },
  'count=exact': { key: 'count', set: (p) => (p.count = 'exact') },
  'count=planned': { key: 'count', set: (p) => (p.count = 'planned') },
  'count=estimated': { key: 'count', set: (p) => (p.count = 'estimated') },
  'resolution=merge-duplicates': { key: 'resolution', set: (p) => (p.resolution = 'merge-duplicates') },
  'resolution=ignore-duplicates': { key: 'resolution', set: (p) => (p.resolution = 'ignore-duplicates') },
  'missing=default': { key: 'missing', set: (p) => (p.missing = 'default') },
  'missing=null': { key: 'missing', set: (p) => (p.missing = 'null') },
  'handling=strict': { key: 'handling', set: (p) => (p.handling = 'strict') },
  'handling=lenient': { key: 'handling', set: (p) => (p.handling = 'lenient') },
  'tx=commit': { key: 'tx', set: (p) => (p.tx = 'commit') },
  'tx=rollback': { key: 'tx', set: (p) => (p.tx = 'rollback') },
  // Deprecated in PostgREST 12 and later dropped; kept because the request type models it.
  'params=single-object': { key: 'params', set: (p) => (p.params = 'single-object') },
};

/** Haskell's `BS.strip` on Latin-1 text: ASCII whitespace and NBSP. */
function strip(s: string): string {
  return s.replace(/^[ \t\n\v\f\r\u00a0]+|[ \t\n\v\f\r\u00a0]+$/g, '');
}

export function parsePrefer(values: string | string[] | undefined): Preferences {
  const prefs: Preferences = { applied: [], invalid: [] };
  const list = values === undefined ? [] : Array.isArray(values) ? values : [values];
  // An empty header value yields no tokens, but `a,` yields an empty (invalid) one.
  const tokens = list.flatMap((v) => (v === '' ? [] : v.split(',').map(strip)));

  const seen = new Set<string>();
  for (const token of tokens) {
    const known = Object.hasOwn(TOKENS, token) ? TOKENS[token] : undefined;
    if (known) {
      if (!seen.has(known.key)) {
        seen.add(known.key);
        known.set(prefs);
        prefs.applied.push(token);
      }
    } else if (token.startsWith('timezone=')) {
      if (!seen.has('timezone')) {
        seen.add('timezone');
        prefs.timezone = token.slice('timezone='.length);
        prefs.applied.push(token);
      }
    } else if (token.startsWith('max-affected=')) {
      // Only the first max-affected token is read; if it is not a number none applies.
      if (!seen.has('maxAffected')) {
        seen.add('maxAffected');
        const n = readInteger(token.slice('max-affected='.length));
        if (n !== undefined) {
          prefs.maxAffected = n;
          prefs.applied.push(token);
        }
      }
    } else {
      prefs.invalid.push(token);
    }
  }
  return prefs;
}

/** handling=strict: 400 PGRST122 listing the preferences not understood. */
export function checkStrict(prefs: Preferences) {
  if (prefs.handling === 'strict' && prefs.invalid.length) {
    throw restError('PGRST122', 'Invalid preferences given with handling=strict', `Invalid preferences: ${prefs.invalid.join(', ')}`);
  }
}
