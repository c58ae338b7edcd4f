/**
 * Row ranges from `limit`/`offset` (any embed level) and the `Range: 0-19` request header.
 *
 * PostgREST semantics, kept on purpose:
 * - A `limit`/`offset` value that is not an integer is ignored (Haskell `readMaybe`), except
 *   that an unreadable `limit` next to a readable `offset` counts as `limit=0`.
 * - The top level is clamped to row 0 (`offset=-2&limit=4` reads rows 0-1), `limit=0` is
 *   allowed, and a range left empty (`limit=-1`, `offset=5&limit=0`) is 416 PGRST103.
 * - Embedded ranges are not clamped: PostgreSQL rejects a negative LIMIT/OFFSET there, so
 *   those are reported with PostgreSQL's own codes (400 2201W / 2201X).
 * - A `Range` header that does not look like `N-` or `N-M` is ignored; `M < N` is 416.
 *   Only GET honours the header, and `limit=0` overrides it.
 */
import { ApiError } from '../../../shared/errors.ts';
import { parseTreePath } from './filters.ts';
import type { PathRange } from './types.ts';
import { restErrorWith, negativeOffset, negativeLimit } from '../errors.ts';

/** An inclusive row range; `upper` undefined means unbounded. Empty when upper < lower. */
interface RowRange {
  lower: number;
  upper?: number;
}

const NEGATIVE_LIMIT = 'Limit should be greater than or equal to zero.';
const LOWER_GT_UPPER = 'The lower boundary must be lower than or equal to the upper boundary in the Range header.';

function unsatisfiable(details: string): ApiError {
  return restErrorWith('PGRST103', 'Requested range not satisfiable', { details });
}

/**
 * Haskell's `read :: Integer` as PostgREST applies it: blanks and parentheses around the
 * number, a leading `-` (optionally followed by blanks), decimal, `0x` hex or `0o` octal.
 */
export function readInteger(text: string): number | undefined {
  let t = text.trim();
  while (t.startsWith('(') && t.endsWith(')')) t = t.slice(1, -1).trim();
  const m = /^(-\s*)?(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|([0-9]+))$/.exec(t);
  if (!m) return undefined;
  const n = m[2] !== undefined ? parseInt(m[2], 16) : m[3] !== undefined ? parseInt(m[3], 8) : Number(m[4]);
  return m[1] !== undefined && n !== 0 ? -n : n;
}

const isEmpty = (r: RowRange) => r.upper !== undefined && r.upper < r.lower;

/** `limit=0` is represented as rows 0..-1; PostgREST recognises it by that upper bound alone. */
const isLimitZero = (r: RowRange) => r.upper === -1;

function intersect(a: RowRange, b: RowRange): RowRange {
  const upper = a.upper === undefined ? b.upper : b.upper === undefined ? a.upper : Math.min(a.upper, b.upper);
  return upper === undefined ? { lower: Math.max(a.lower, b.lower) } : { lower: Math.max(a.lower, b.lower), upper };
}

function toSpec(r: RowRange): { offset: number; limit?: number } {
  return r.upper === undefined ? { offset: r.lower } : { offset: r.lower, limit: r.upper - r.lower + 1 };
}

/** The raw range of one level from its `limit` and `offset` texts (either may be absent). */
function rangeFromParams(limit: string | undefined, offset: string | undefined): RowRange {
  const l = limit === undefined ? undefined : readInteger(limit);
  const o = offset === undefined ? undefined : readInteger(offset);
  if (limit !== undefined && offset !== undefined) {
    const from = o ?? 0;
    return { lower: from, upper: from + (l ?? 0) - 1 };
  }
  if (l !== undefined) return { lower: 0, upper: l - 1 };
  if (o !== undefined) return { lower: o };
  return { lower: 0 };
}

/**
 * Ranges for every level from the `limit`/`offset` parameters, in first-seen order. Later
 * duplicates of a key win. Levels whose range is "all rows" are left out.
 * `entries` holds [key, value] pairs whose key's last segment is `limit` or `offset`.
 */
export function parseLimitOffset(entries: ReadonlyArray<readonly [string, string]>): PathRange[] {
  // Keyed by the `…limit` spelling so `actors.limit` and `actors.offset` meet.
  const levels = new Map<string, { limit?: string; offset?: string }>();
  for (const [key, value] of entries) {
    const segments = key.split('.');
    const kind = segments[segments.length - 1];
    const levelKey = [...segments.slice(0, -1), 'limit'].join('.');
    const level = levels.get(levelKey) ?? {};
    if (kind === 'limit') level.limit = value;
    else level.offset = value;
    levels.set(levelKey, level);
  }

  const top = levels.get('limit');
  const out: PathRange[] = [];
  if (top) {
    const raw = rangeFromParams(top.limit, top.offset);
    if (isLimitZero(raw)) {
      out.push({ path: [], offset: 0, limit: 0 });
    } else {
      const r = intersect(raw, { lower: 0 });
      if (isEmpty(r)) throw unsatisfiable(NEGATIVE_LIMIT);
      if (r.lower !== 0 || r.upper !== undefined) out.push({ path: [], ...toSpec(r) });
    }
  }

  const embedded: Array<{ path: string[]; range: RowRange }> = [];
  for (const [levelKey, level] of levels) {
    if (levelKey === 'limit') continue;
    const { path } = parseTreePath(levelKey);
    embedded.push({ path, range: rangeFromParams(level.limit, level.offset) });
  }
  for (const { path, range } of embedded) {
    const spec = toSpec(range);
    if (spec.offset < 0) throw negativeOffset();
    if (spec.limit !== undefined && spec.limit < 0) throw negativeLimit();
    if (spec.offset !== 0 || spec.limit !== undefined) out.push({ path, ...spec });
  }
  return out;
}

/** `N-M` / `N-` → the rows asked for, or undefined when the header is absent or not of that form. */
function readRangeHeader(value: string | undefined): RowRange | undefined {
  if (value === undefined) return undefined;
  const m = /^([0-9]+)-([0-9]*)$/.exec(value);
  if (!m) return undefined;
  const lower = Number(m[1]);
  return m[2] === '' ? { lower } : { lower, upper: Number(m[2]) };
}

/**
 * The `Range` request header (`0-19`, `10-`). Absent or malformed headers give undefined
 * (ignored); a lower bound above the upper bound is 416 PGRST103.
 */
export function parseRangeHeader(value: string | undefined): { offset: number; limit?: number } | undefined {
  const r = readRangeHeader(value);
  if (r === undefined) return undefined;
  if (isEmpty(r)) throw unsatisfiable(LOWER_GT_UPPER);
  return toSpec(r);
}

/**
 * The top-level rows to read: the top-level `limit`/`offset` range (the entry with path []
 * from `parseQueryParams`, if any) narrowed by the `Range` header. The header only counts for
 * GET, and `limit=0` wins over it. Throws 416 PGRST103 when nothing is left.
 */
export function combineRanges(
  queryRange: { offset: number; limit?: number } | undefined,
  rangeHeader: string | undefined,
  method: string,
): { offset: number; limit?: number } {
  const q: RowRange = queryRange === undefined
    ? { lower: 0 }
    : queryRange.limit === undefined
      ? { lower: queryRange.offset }
      : { lower: queryRange.offset, upper: queryRange.offset + queryRange.limit - 1 };
  if (isLimitZero(q)) return { offset: 0, limit: 0 };
  const header = method.toUpperCase() === 'GET' ? readRangeHeader(rangeHeader) : undefined;
  if (header === undefined) return toSpec(q);
  if (isEmpty(header)) throw unsatisfiable(LOWER_GT_UPPER);
  const r = intersect(header, q);
  if (isEmpty(r)) throw unsatisfiable(NEGATIVE_LIMIT);
  return toSpec(r);
}
