/** The body expression for media types built by SQL functions: user handlers and PostGIS's GeoJSON. */
import { qualified } from '../../../shared/sql/ident.ts';
import type { Media } from '../respond/media.ts';

/**
 * Over the rows `"_p"` of a level: the handler aggregate, fed the row typed as its relation (or as
 * it is, for anyelement); bytes for a bytea domain, text otherwise, empty when it yields NULL.
 * undefined for the built-in types.
 */
export function mediaBodySql(media: Media): string | undefined {
  if (media.kind === 'geojson') {
    return `json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(${qualified(media.func.schema, media.func.name)}("_p")::json), '[]'))::text`;
  }
  if (media.kind !== 'custom' || media.handler.kind !== 'aggregate' || !media.handler.func) return undefined;
  const h = media.handler;
  const row = h.target ? `"_p"::${qualified(h.target.schema, h.target.name)}` : `"_p"`;
  return h.binary ? `coalesce(${qualified(h.func!.schema, h.func!.name)}(${row})::bytea, ''::bytea)` : `coalesce(${qualified(h.func!.schema, h.func!.name)}(${row})::text, '')`;
}
