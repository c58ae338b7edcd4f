/**
 * The query string → QueryParams. Splitting and decoding follow PostgREST (Haskell http-types):
 * pairs are separated by `&` or `;`, the key ends at the first `=`, `+` means a space, and a
 * `%` not followed by two hex digits is kept as is. A key without `=` has no value and is
 * ignored everywhere except that `?select` alone means the default `*`.
 *
 * Keys are routed by their last dot-separated segment: `…and`/`…or` are logic trees,
 * `…order` orderings, `…limit`/`…offset` ranges. `select`, `columns` and `on_conflict` are
 * top-level only (first occurrence wins). Everything else is a filter, except top-level keys
 * named in `rpcArgNames`, which are kept raw as RPC arguments.
 */
import { type Res, Scanner, fieldName, lexeme, parseFilterParam } from './filters.ts';
import { parseLogicParam } from './logic.ts';
import { parseOrderParam } from './order.ts';
import { parseLimitOffset } from './range.ts';
import { parseSelect } from './select.ts';
import type { PathFilter, PathOrder, QueryParams } from './types.ts';

const TOP_LEVEL_RESERVED = new Set(['select', 'columns', 'on_conflict']);

function isHex(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

/** Percent- and plus-decoding of one key or value; invalid UTF-8 becomes U+FFFD. */
export function urlDecode(raw: string): string {
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  const bytes = new TextEncoder().encode(raw);
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x2b) {
      out[n++] = 0x20;
    } else if (b === 0x25 && i + 2 < bytes.length && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
      out[n++] = parseInt(String.fromCharCode(bytes[i + 1], bytes[i + 2]), 16);
      i += 2;
    } else {
      out[n++] = b;
    }
  }
  return new TextDecoder('utf-8').decode(out.subarray(0, n));
}

/** `a=1&b&c=x=y` → [['a','1'], ['b', undefined], ['c','x=y']] (decoded, in order). */
export function splitQueryString(query: string): Array<[string, string | undefined]> {
  const q = query.startsWith('?') ? query.slice(1) : query;
  if (q === '') return [];
  return q.split(/[&;]/).map((piece) => {
    const eq = piece.indexOf('=');
    return eq < 0 ? [urlDecode(piece), undefined] : [urlDecode(piece.slice(0, eq)), urlDecode(piece.slice(eq + 1))];
  });
}

function columnList(s: Scanner): Res<string[]> {
  return s.sepBy1(() => fieldName(s), () => lexeme(s, () => s.char(',')));
}

function parseColumns(param: 'columns' | 'on_conflict', value: string): string[] {
  return Scanner.run(`failed to parse ${param} parameter (${value})`, value, columnList);
}

export function parseQueryParams(query: string, opts: { rpcArgNames?: ReadonlySet<string> } = {}): QueryParams {
  const params = splitQueryString(query);
  const first = (name: string) => params.find(([k]) => k === name)?.[1];
  const lastSegment = (key: string) => key.slice(key.lastIndexOf('.') + 1);

  const logic: Array<[number, string, string]> = [];
  const orders: Array<[string, string]> = [];
  const ranges: Array<[string, string]> = [];
  const filters: Array<[number, string, string]> = [];
  const rpc = new Map<string, string[]>();

  params.forEach(([key, value], index) => {
    if (value === undefined) return;
    const last = lastSegment(key);
    if (last === 'and' || last === 'or') logic.push([index, key, value]);
    else if (last === 'order') orders.push([key, value]);
    else if (last === 'limit' || last === 'offset') ranges.push([key, value]);
    else if (TOP_LEVEL_RESERVED.has(key)) return;
    else if (opts.rpcArgNames?.has(key)) rpc.set(key, [...(rpc.get(key) ?? []), value]);
    else filters.push([index, key, value]);
  });

  // Same order as PostgREST, so the same error wins when several parameters are bad.
  const order: PathOrder[] = orders.map(([k, v]) => parseOrderParam(k, v));
  const trees: Array<[number, PathFilter]> = logic.map(([i, k, v]) => [i, parseLogicParam(k, v)]);
  const columnsRaw = first('columns');
  const columns = columnsRaw === undefined ? undefined : [...new Set(parseColumns('columns', columnsRaw))];
  const select = parseSelect(first('select') ?? '*');
  const plain: Array<[number, PathFilter]> = filters.map(([i, k, v]) => [i, parseFilterParam(k, v)]);
  const onConflictRaw = first('on_conflict');
  const onConflict = onConflictRaw === undefined ? undefined : parseColumns('on_conflict', onConflictRaw);
  const pathRanges = parseLimitOffset(ranges);

  const result: QueryParams = {
    select,
    filters: [...trees, ...plain].sort((a, b) => a[0] - b[0]).map(([, f]) => f),
    order,
    ranges: pathRanges,
    rpcArgs: Object.fromEntries([...rpc].map(([k, vs]) => [k, vs[vs.length - 1]])),
  };
  if (columns !== undefined) result.columns = columns;
  if (onConflict !== undefined) result.onConflict = onConflict;
  if (rpc.size > 0) result.rpcArgValues = Object.fromEntries(rpc);
  return result;
}
