/** Accept header → the representation to build, as PostgREST negotiates it. */
import { notAcceptable } from '../errors.ts';

export type Media =
  | { kind: 'json'; stripNulls: boolean }
  | { kind: 'object'; stripNulls: boolean }
  | { kind: 'csv' }
  | { kind: 'binary' }
  | { kind: 'openapi' }
  /** EXPLAIN of the statement that would build `for` (PostgREST's db-plan-enabled). */
  | { kind: 'plan'; format: 'json' | 'text'; for: Media; forType: string; options: string[] };

const PLAN_OPTIONS = ['analyze', 'verbose', 'settings', 'buffers', 'wal'];

interface Range {
  type: string;
  params: Record<string, string>;
  q: number;
}

function parseAccept(accept: string): Range[] {
  return accept
    .split(',')
    .map((part, i) => {
      const [type, ...rest] = part.split(';').map((s) => s.trim());
      const params: Record<string, string> = {};
      for (const r of rest) {
        const eq = r.indexOf('=');
        if (eq > 0) params[r.slice(0, eq).trim().toLowerCase()] = r.slice(eq + 1).trim();
      }
      const q = params.q === undefined ? 1 : Number(params.q);
      return { type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((r) => r.type && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
}

function match(r: Range, root: boolean, planEnabled: boolean): Media | undefined {
  const strip = r.params.nulls === 'stripped';
  switch (r.type) {
    case '*/*':
    case 'application/*':
      return root ? { kind: 'openapi' } : { kind: 'json', stripNulls: false };
    case 'application/json':
      return { kind: 'json', stripNulls: false };
    case 'application/vnd.pgrst.array+json':
    case 'application/vnd.pgrst.array':
      return root ? undefined : { kind: 'json', stripNulls: strip };
    case 'application/vnd.pgrst.object+json':
    case 'application/vnd.pgrst.object':
      return root ? undefined : { kind: 'object', stripNulls: strip };
    case 'text/csv':
      return root ? undefined : { kind: 'csv' };
    case 'application/octet-stream':
      return root ? undefined : { kind: 'binary' };
    case 'application/openapi+json':
      return root ? { kind: 'openapi' } : undefined;
    case 'application/vnd.pgrst.plan':
    case 'application/vnd.pgrst.plan+json':
    case 'application/vnd.pgrst.plan+text': {
      if (root || !planEnabled) return undefined;
      const forType = (r.params.for ?? 'application/json').replace(/^"|"$/g, '');
      const target = forType === 'application/json' ? ({ kind: 'json', stripNulls: false } as Media) : match({ type: forType.toLowerCase(), params: {}, q: 1 }, false, false);
      if (!target || target.kind === 'plan' || target.kind === 'openapi') return undefined;
      const options = (r.params.options ?? '').split('|').filter(Boolean);
      if (options.some((o) => !PLAN_OPTIONS.includes(o))) return undefined;
      return { kind: 'plan', format: r.type.endsWith('+json') ? 'json' : 'text', for: target, forType: contentType(target).split(';')[0], options };
    }
  }
  return undefined;
}

export function negotiate(accept: string | undefined, root = false, planEnabled = false): Media {
  if (!accept || !accept.trim()) return root ? { kind: 'openapi' } : { kind: 'json', stripNulls: false };
  for (const r of parseAccept(accept)) {
    const m = match(r, root, planEnabled);
    if (m) return m;
  }
  throw notAcceptable(accept);
}

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
    case 'plan':
      return `application/vnd.pgrst.plan+${m.format}; for="${m.forType}"${m.options.length ? `; options=${m.options.join('|')}` : ''}; charset=utf-8`;
  }
}
