/** Status and Content-Range for a read, decided as PostgREST decides them. */
import { rangeNotSatisfiable } from '../errors.ts';

export function contentRange(lower: number, pageTotal: number, total: number | null): string {
  const upper = lower + pageTotal - 1;
  const totalText = total === null ? '*' : String(total);
  const rangeText = total !== 0 && lower <= upper ? `${lower}-${upper}` : '*';
  return `${rangeText}/${totalText}`;
}

/** 200, 206 (a part of a known total) or 416 (the offset is past the total). */
export function rangeStatus(lower: number, pageTotal: number, total: number | null): number {
  if (total === null) return 200;
  const upper = lower + pageTotal - 1;
  if (lower > total) throw rangeNotSatisfiable(`An offset of ${lower} was requested, but there are only ${total} rows.`, { 'Content-Range': `*/${total}` });
  return 1 + upper - lower < total ? 206 : 200;
}
