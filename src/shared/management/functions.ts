/**
 * The edge-function registry of a project. Sources are kept brotli-compressed with two
 * SHA-256s: of the source (body_sha256) and of the stored compressed bytes (ezbr_sha256,
 * the field Supabase reports for its eszip+brotli bundles). Timestamps are epoch milliseconds.
 */
import { createHash, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { fail } from '../errors.ts';
import type { Pool } from '../db/pool.ts';
import { pgErrorKind } from '../db/sqlstate.ts';

const brotli = promisify(zlib.brotliCompress);
const unbrotli = promisify(zlib.brotliDecompress);

const SLUG = /^[A-Za-z][A-Za-z0-9_-]*$/;
export const MAX_SLUG = 100;

export interface FunctionFields {
  slug?: string;
  name?: string;
  verify_jwt?: boolean;
  import_map?: boolean;
  entrypoint_path?: string;
  import_map_path?: string;
  body?: { bytes: Buffer; contentType: string };
}

export interface FunctionView {
  id: string;
  slug: string;
  name: string;
  status: 'ACTIVE' | 'REMOVED' | 'THROTTLED';
  version: number;
  created_at: number;
  updated_at: number;
  verify_jwt: boolean;
  import_map: boolean;
  entrypoint_path?: string;
  import_map_path?: string;
  ezbr_sha256: string;
}

const bad = (message: string) => fail('BAD_REQUEST', message);
export const functionNotFound = (slug: string) => fail('NOT_FOUND', `Function ${slug} not found`);

function bool(name: string, v: unknown): boolean | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw bad(`${name} must be true or false`);
}

function str(name: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(`${name} must be a string`);
  return v;
}

/**
 * parse: query parameters plus a body that is either the source itself (any non-JSON content
 * type, as bytes) or JSON {slug, name, body, verify_jwt, …}. JSON fields win over the query.
 */
export function parseFunctionRequest(query: URLSearchParams, body: unknown, contentType: string | undefined): FunctionFields {
  const q = (k: string) => query.get(k) ?? undefined;
  const json = body && typeof body === 'object' && !Buffer.isBuffer(body) && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  if (body !== undefined && !json && !Buffer.isBuffer(body)) throw bad('Expected the function source, or a JSON object {slug, name, body, …}');
  const pick = (k: string) => (json && json[k] !== undefined ? json[k] : q(k));
  const out: FunctionFields = {
    slug: str('slug', pick('slug')),
    name: str('name', pick('name')),
    verify_jwt: bool('verify_jwt', pick('verify_jwt')),
    import_map: bool('import_map', pick('import_map')),
    entrypoint_path: str('entrypoint_path', pick('entrypoint_path')),
    import_map_path: str('import_map_path', pick('import_map_path')),
  };
  if (out.slug !== undefined && (!SLUG.test(out.slug) || out.slug.length > MAX_SLUG)) {
    throw bad(`Invalid function slug "${out.slug}": start with a letter, then letters, digits, - or _ (at most ${MAX_SLUG})`);
  }
  if (out.name !== undefined && !out.name.trim()) throw bad('name must not be empty');
  if (json) {
    const src = json.body;
    if (src !== undefined) {
      if (typeof src !== 'string') throw bad('body must be the function source as a string');
      out.body = { bytes: Buffer.from(src, 'utf8'), contentType: 'application/typescript' };
    }
  } else if (Buffer.isBuffer(body) && body.length) {
    out.body = { bytes: body, contentType: contentType?.split(';')[0]?.trim() || 'application/octet-stream' };
  }
  if (out.body && !out.body.bytes.length) throw bad('The function body is empty');
  return out;
}

interface Row {
  id: string;
  slug: string;
  name: string;
  status: FunctionView['status'];
  version: number;
  verify_jwt: boolean;
  import_map: boolean;
  entrypoint_path: string | null;
  import_map_path: string | null;
  ezbr_sha256: string;
  created_at: Date;
  updated_at: Date;
}

const COLS = 'id, slug, name, status, version, verify_jwt, import_map, entrypoint_path, import_map_path, ezbr_sha256, created_at, updated_at';

function view(r: Row): FunctionView {
  return {
    id: r.id,
    slug: r.slug,
    name: r.name,
    status: r.status,
    version: r.version,
    created_at: r.created_at.getTime(),
    updated_at: r.updated_at.getTime(),
    verify_jwt: r.verify_jwt,
    import_map: r.import_map,
    ...(r.entrypoint_path !== null ? { entrypoint_path: r.entrypoint_path } : {}),
    ...(r.import_map_path !== null ? { import_map_path: r.import_map_path } : {}),
    ezbr_sha256: r.ezbr_sha256,
  };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function packed(body: { bytes: Buffer; contentType: string }) {
  const br = await brotli(body.bytes);
  return { br, size: body.bytes.length, bodySha: sha(body.bytes), ezbr: sha(br), contentType: body.contentType };
}

const isUniqueViolation = (e: unknown) => pgErrorKind(e) === 'unique_violation';

export class FunctionStore {
  constructor(private readonly pool: Pool) {}

  async list(ref: string): Promise<FunctionView[]> {
    const { rows } = await this.pool.query<Row>(`SELECT ${COLS} FROM basalt.project_functions WHERE project_ref = $1 ORDER BY created_at, slug`, [ref]);
    return rows.map(view);
  }

  async get(ref: string, slug: string): Promise<FunctionView> {
    const { rows } = await this.pool.query<Row>(`SELECT ${COLS} FROM basalt.project_functions WHERE project_ref = $1 AND slug = $2`, [ref, slug]);
    if (!rows[0]) throw functionNotFound(slug);
    return view(rows[0]);
  }

  async create(ref: string, f: FunctionFields): Promise<FunctionView> {
    if (!f.slug) throw bad('slug is required (query parameter or JSON field)');
    if (!f.body) throw bad('The function body is required: send the source as the request body, or JSON {"body": "…"}');
    const p = await packed(f.body);
    try {
      const { rows } = await this.pool.query<Row>(
        `INSERT INTO basalt.project_functions
           (id, project_ref, slug, name, verify_jwt, import_map, entrypoint_path, import_map_path, content_type, body_br, body_size, body_sha256, ezbr_sha256)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ${COLS}`,
        [randomUUID(), ref, f.slug, f.name ?? f.slug, f.verify_jwt ?? true, f.import_map ?? false, f.entrypoint_path ?? null, f.import_map_path ?? null, p.contentType, p.br, p.size, p.bodySha, p.ezbr],
      );
      return view(rows[0]!);
    } catch (e) {
      if (isUniqueViolation(e)) throw bad(`A function with slug "${f.slug}" already exists in this project`);
      throw e;
    }
  }

  /** Changes what was given; every update is a new version. */
  async update(ref: string, slug: string, f: FunctionFields): Promise<FunctionView> {
    const p = f.body ? await packed(f.body) : undefined;
    try {
      const { rows } = await this.pool.query<Row>(
        `UPDATE basalt.project_functions SET
           slug = coalesce($3, slug), name = coalesce($4, name), verify_jwt = coalesce($5, verify_jwt),
           import_map = coalesce($6, import_map), entrypoint_path = coalesce($7, entrypoint_path),
           import_map_path = coalesce($8, import_map_path), content_type = coalesce($9, content_type),
           body_br = coalesce($10, body_br), body_size = coalesce($11, body_size),
           body_sha256 = coalesce($12, body_sha256), ezbr_sha256 = coalesce($13, ezbr_sha256),
           version = version + 1, updated_at = now()
         WHERE project_ref = $1 AND slug = $2 RETURNING ${COLS}`,
        [ref, slug, f.slug ?? null, f.name ?? null, f.verify_jwt ?? null, f.import_map ?? null, f.entrypoint_path ?? null, f.import_map_path ?? null, p?.contentType ?? null, p?.br ?? null, p?.size ?? null, p?.bodySha ?? null, p?.ezbr ?? null],
      );
      if (!rows[0]) throw functionNotFound(slug);
      return view(rows[0]);
    } catch (e) {
      if (isUniqueViolation(e)) throw bad(`A function with slug "${f.slug}" already exists in this project`);
      throw e;
    }
  }

  async remove(ref: string, slug: string): Promise<void> {
    const { rowCount } = await this.pool.query('DELETE FROM basalt.project_functions WHERE project_ref = $1 AND slug = $2', [ref, slug]);
    if (!rowCount) throw functionNotFound(slug);
  }

  async body(ref: string, slug: string): Promise<{ bytes: Buffer; contentType: string; sha256: string }> {
    const { rows } = await this.pool.query<{ body_br: Buffer; content_type: string; body_sha256: string }>(
      'SELECT body_br, content_type, body_sha256 FROM basalt.project_functions WHERE project_ref = $1 AND slug = $2',
      [ref, slug],
    );
    if (!rows[0]) throw functionNotFound(slug);
    return { bytes: await unbrotli(rows[0].body_br), contentType: rows[0].content_type, sha256: rows[0].body_sha256 };
  }
}
