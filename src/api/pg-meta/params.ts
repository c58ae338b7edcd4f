import type { Request } from 'express';
import { fail } from '../../shared/errors.ts';
import type { ListingFilter } from './listing.ts';

/** The query string as sent (the app leaves parsing to each surface). */
export function searchParams(req: Request): URLSearchParams {
  const i = req.originalUrl.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : req.originalUrl.slice(i + 1));
}

const invalid = (name: string, why: string) => fail('INVALID_PARAMETER', `Invalid query parameter ${name}: ${why}`);

/** `true`/`false` under any of the given names (postgres-meta's snake_case, the seed's camelCase). */
export function boolParam(p: URLSearchParams, names: string[], fallback: boolean): boolean {
  for (const name of names) {
    const v = p.get(name);
    if (v === null) continue;
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw invalid(name, 'expected true or false');
  }
  return fallback;
}

export function intParam(p: URLSearchParams, name: string): number | undefined {
  const v = p.get(name);
  if (v === null || v === '') return undefined;
  if (!/^\d{1,15}$/.test(v)) throw invalid(name, 'expected a non-negative integer');
  return Number(v);
}

/** A comma-separated list (`included_schemas=public,app`). */
export function listParam(p: URLSearchParams, name: string): string[] | undefined {
  const v = p.get(name);
  if (v === null) return undefined;
  const items = v.split(',').map((x) => x.trim()).filter(Boolean);
  return items.length ? items : undefined;
}

/** postgres-meta's listing parameters, with the seed's includeSystemSchemas accepted too. */
export function listingFilter(req: Request): ListingFilter {
  const p = searchParams(req);
  return {
    includeSystemSchemas: boolParam(p, ['include_system_schemas', 'includeSystemSchemas'], false),
    includedSchemas: listParam(p, 'included_schemas'),
    excludedSchemas: listParam(p, 'excluded_schemas'),
    limit: intParam(p, 'limit'),
    offset: intParam(p, 'offset'),
  };
}

/** A numeric object id (an oid) from the path; anything else is bad input. */
export function oidParam(raw: string | undefined, what: string): number {
  if (!raw || !/^\d{1,10}$/.test(raw) || Number(raw) > 4294967295) throw fail('INVALID_ID', `Invalid ${what} ID ${JSON.stringify(raw ?? '')}: expected a number`);
  return Number(raw);
}

/** A column id `<table id>.<ordinal position>`. */
export function columnIdParam(raw: string | undefined): string {
  if (!raw || !/^\d{1,10}\.\d{1,5}$/.test(raw)) throw fail('INVALID_ID', `Invalid column ID ${JSON.stringify(raw ?? '')}: expected <table id>.<ordinal position>`);
  return raw;
}
