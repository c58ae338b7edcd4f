/** Accept header → the representation to build, as PostgREST negotiates it (media type handlers included). */
import { notAcceptable } from '../errors.ts';
import { memoize } from '../parse/memo.ts';
import { mediaHandlerKey, type MediaHandler, type QualifiedName } from '../../schema-cache/model.ts';

export type Media =
  | { kind: 'json'; stripNulls: boolean }
  | { kind: 'object'; stripNulls: boolean }
  | { kind: 'csv' }
  | { kind: 'binary' }
  | { kind: 'openapi' }
  /** PostGIS's ST_AsGeoJSON over the rows, as a FeatureCollection. */
  | { kind: 'geojson'; func: QualifiedName }
  /** A user-defined handler; `type` is the Content-Type's media type. */
  | { kind: 'custom'; handler: MediaHandler; type: string }
  /** EXPLAIN of the statement that would build `for` (PostgREST's db-plan-enabled). */
  | { kind: 'plan'; format: 'json' | 'text'; for: Media; forType: string; options: string[] };

/** What the resource offers beyond the built-in types. */
export interface Offer {
  handlers?: Map<string, MediaHandler>;
  /** The relation (or, for a scalar function, the function) handlers are looked up for. */
  target?: QualifiedName;
  /** `select` is absent or `*`: a relation's own handlers apply only then (its row type is the input). */
  defaultSelect?: boolean;
  geoJson?: QualifiedName;
  /** Built-in application/octet-stream needs exactly one output column. */
  singleColumn?: boolean;
  planEnabled?: boolean;
}

const PLAN_OPTIONS = ['analyze', 'verbose', 'settings', 'buffers', 'wal'];

interface Range {
  /** The range as PostgREST echoes it: spaces and the q parameter removed, known types normalised. */
  mime: string;
  /** type/subtype, lower-cased. */
  type: string;
  params: Record<string, string>;
}

/**
 * As PostgREST (wai's parseHttpAccept): spaces dropped, `;q=` and what follows cut off, sorted by
 * q then specificity (parameters minus wildcards), stably; q=0 is not excluded.
 */
const parseAccept = memoize(parseAcceptText, 256);

function parseAcceptText(accept: string): Range[] {
  return accept
    .split(',')
    .map((part, i) => {
      const s = part.replace(/ /g, '');
      const at = s.indexOf(';q=');
      const base = at < 0 ? s : s.slice(0, at);
      const qm = at < 0 ? null : /^\d+(\.\d+)?([eE][-+]?\d+)?/.exec(s.slice(at + 3));
      const q = qm ? Number(qm[0]) : 1;
      const spec = (base.match(/;/g)?.length ?? 0) - (base.match(/\*/g)?.length ?? 0);
      const [type, ...rest] = base.split(';');
      const params: Record<string, string> = {};
      for (const r of rest) {
        const eq = r.indexOf('=');
        if (eq > 0) params[r.slice(0, eq).toLowerCase()] = r.slice(eq + 1);
      }
      return { type: type.toLowerCase(), params, mime: mimeOf(type.toLowerCase(), params, base), q, spec, i };
    })
    .sort((a, b) => b.q - a.q || b.spec - a.spec || a.i - b.i);
}

const KNOWN = ['application/json', 'application/geo+json', 'text/csv', 'text/plain', 'text/xml', 'application/openapi+json', 'application/x-www-form-urlencoded', 'application/octet-stream', '*/*'];

/** PostgREST's name for a range in its 406 message. */
function mimeOf(type: string, params: Record<string, string>, raw: string): string {
  const strip = params.nulls === 'stripped';
  if (type === 'application/vnd.pgrst.array+json' || type === 'application/vnd.pgrst.array') return strip ? 'application/vnd.pgrst.array+json;nulls=stripped' : 'application/json';
  if (type === 'application/vnd.pgrst.object+json' || type === 'application/vnd.pgrst.object') return `application/vnd.pgrst.object+json${strip ? ';nulls=stripped' : ''}`;
  if (type.startsWith('application/vnd.pgrst.plan')) {
    const fmt = type.endsWith('+json') ? 'json' : 'text';
    const forType = (params.for ?? 'application/json').replace(/^"|"$/g, '');
    const options = (params.options ?? '').split('|').filter((o) => PLAN_OPTIONS.includes(o));
    return `application/vnd.pgrst.plan+${fmt}; for="${forType}"${options.length ? `; options=${options.join('|')}` : ''}`;
  }
  return KNOWN.includes(type) ? type : raw;
}

/** The key a media type is looked up by (a stripped array is a vendored type, a plain one is JSON). */
const lookupType = (r: Range) => (r.type === 'application/vnd.pgrst.array+json' || r.type === 'application/vnd.pgrst.array' ? 'application/json' : r.type);

function handlerFor(type: string, offer: Offer): Media | undefined {
  const h = offer.handlers;
  if (!h?.size) return undefined;
  const found =
    (offer.defaultSelect && offer.target && (h.get(mediaHandlerKey(offer.target, '*/*')) ?? h.get(mediaHandlerKey(offer.target, type)))) ||
    h.get(mediaHandlerKey(undefined, type));
  if (!found) return undefined;
  return { kind: 'custom', handler: found, type: found.mediaType === '*/*' ? 'application/octet-stream' : found.mediaType };
}

function match(r: Range, root: boolean, offer: Offer): Media | undefined {
  const strip = r.params.nulls === 'stripped';
  // Vendored types carry parameters and cannot be overridden.
  switch (r.type) {
    case 'application/vnd.pgrst.array+json':
    case 'application/vnd.pgrst.array':
      if (root) return undefined;
      if (strip) return { kind: 'json', stripNulls: true };
      break;
    case 'application/vnd.pgrst.object+json':
    case 'application/vnd.pgrst.object':
      return root ? undefined : { kind: 'object', stripNulls: strip };
    case 'application/vnd.pgrst.plan':
    case 'application/vnd.pgrst.plan+json':
    case 'application/vnd.pgrst.plan+text': {
      if (root || !offer.planEnabled) return undefined;
      const forType = (r.params.for ?? 'application/json').replace(/^"|"$/g, '').toLowerCase();
      const forRange = { type: forType, params: {}, mime: forType };
      const target = match(forRange, false, { ...offer, planEnabled: false });
      if (!target || target.kind === 'plan' || target.kind === 'openapi') return undefined;
      const options = (r.params.options ?? '').split('|').filter(Boolean);
      if (options.some((o) => !PLAN_OPTIONS.includes(o))) return undefined;
      return { kind: 'plan', format: r.type.endsWith('+json') ? 'json' : 'text', for: target, forType: contentType(target).split(';')[0], options };
    }
  }
  if (!root) {
    const custom = handlerFor(lookupType(r), offer);
    if (custom) return custom;
  }
  switch (lookupType(r)) {
    case '*/*':
      return root ? { kind: 'openapi' } : { kind: 'json', stripNulls: false };
    case 'application/json':
      return { kind: 'json', stripNulls: false };
    case 'text/csv':
      return root ? undefined : { kind: 'csv' };
    case 'application/octet-stream':
      return root || offer.singleColumn === false ? undefined : { kind: 'binary' };
    case 'application/geo+json':
      return root || !offer.geoJson ? undefined : { kind: 'geojson', func: offer.geoJson };
    case 'application/openapi+json':
      return root ? { kind: 'openapi' } : undefined;
  }
  return undefined;
}

export function negotiate(accept: string | undefined, root = false, offer: Offer | boolean = {}): Media {
  const o: Offer = typeof offer === 'boolean' ? { planEnabled: offer } : offer;
  if (!accept || !accept.trim()) accept = '*/*';
  const ranges = parseAccept(accept);
  for (const r of ranges) {
    const m = match(r, root, o);
    if (m) return m;
  }
  throw notAcceptable(ranges.map((r) => r.mime).join(', '));
}

/** The charset PostgREST adds: to its own text types, not to octet-stream or other types. */
const CHARSET_TYPES = new Set(['application/json', 'application/geo+json', 'text/csv', 'text/plain', 'text/xml', 'application/openapi+json', 'application/x-www-form-urlencoded']);

export function contentType(m: Media): string {
  switch (m.kind) {
    case 'json':
      return m.stripNulls ? 'application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8' : 'application/json; charset=utf-8';
    case 'object':
      return m.stripNulls ? 'application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8' : 'application/vnd.pgrst.object+json; charset=utf-8';
    case 'csv':
      return 'text/csv; charset=utf-8';
    case 'binary':
      return 'application/octet-stream';
    case 'openapi':
      return 'application/openapi+json; charset=utf-8';
    case 'geojson':
      return 'application/geo+json; charset=utf-8';
    case 'custom':
      return CHARSET_TYPES.has(m.type) ? `${m.type}; charset=utf-8` : m.type;
    case 'plan':
      return `application/vnd.pgrst.plan+${m.format}; for="${m.forType}"${m.options.length ? `; options=${m.options.join('|')}` : ''}; charset=utf-8`;
  }
}
