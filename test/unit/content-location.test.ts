/** PostgREST's canonical query string in Content-Location (qsCanonical: sorted, grouped, percent-encoded). */
import { describe, expect, it } from 'vitest';
import { contentLocation } from '../../src/api/engine/respond/content-location.ts';

describe('contentLocation', () => {
  it('sorts parameters by name, stably, and writes a bare name with an empty value', () => {
    expect(contentLocation('items', 'c=3&a=1&b=2&d')).toBe('/items?a=1&b=2&c=3&d=');
  });

  it('joins repeated names with commas, as Network.HTTP.urlEncodeVars does', () => {
    expect(contentLocation('items', 'id=gt.1&id=lt.5')).toBe('/items?id=gt.1,lt.5');
  });

  it('decodes then re-encodes everything but letters, digits and -_.~', () => {
    expect(contentLocation('items', 'select=id,name&name=eq.a+b&x=%C3%A9!*')).toBe('/items?name=eq.a%20b&select=id%2Cname&x=%C3%A9%21%2A');
  });

  it('has no query string when there are no parameters', () => {
    expect(contentLocation('items', '')).toBe('/items');
  });
});
