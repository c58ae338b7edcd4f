/**
 * A function version's files on disk, as the registry stores them: the source (kept
 * brotli-compressed in basalt.project_functions) written once per version under the
 * runtime's directory, at its entrypoint's file name. That directory is all it may read.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { fail } from '../shared/errors.ts';
import type { Pool } from '../shared/db/pool.ts';

const unbrotli = promisify(zlib.brotliDecompress);
const RUNNABLE = /\.(ts|js|mjs|mts|tsx|jsx)$/;

export const bootError = (message: string) => fail('BOOT_ERROR', `Function failed to boot: ${message}`);

/** The entrypoint's file name: the base name of entrypoint_path (a path or a file: URL), else index.ts/js. */
export function entryFileName(entrypointPath: string | null, contentType: string): string {
  const fallback = /javascript/i.test(contentType) ? 'index.js' : 'index.ts';
  if (!entrypointPath) return fallback;
  const base = path.posix.basename(entrypointPath.replace(/^file:\/\//, '').replace(/\\/g, '/'));
  return base && RUNNABLE.test(base) && !base.startsWith('.') ? base : fallback;
}

export interface Materialized {
  dir: string;
  entry: string;
}

export async function materialize(pool: Pool, root: string, ref: string, id: string): Promise<Materialized> {
  const { rows } = await pool.query<{ body_br: Buffer; content_type: string; version: number; ezbr_sha256: string; entrypoint_path: string | null }>(
    'SELECT body_br, content_type, version, ezbr_sha256, entrypoint_path FROM basalt.project_functions WHERE project_ref = $1 AND id = $2',
    [ref, id],
  );
  const r = rows[0];
  if (!r) throw fail('NOT_FOUND', 'Requested function was not found');
  if (/eszip/i.test(r.content_type)) throw bootError('eszip bundles cannot run here; deploy the source (TypeScript or JavaScript)');
  // One directory per pool (a secrets change makes a new pool of the same version), removed with it.
  const dir = path.join(root, ref, id, `${r.version}-${r.ezbr_sha256.slice(0, 16)}-${randomBytes(4).toString('hex')}`);
  const name = entryFileName(r.entrypoint_path, r.content_type);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await writeFile(path.join(dir, name), await unbrotli(r.body_br), { mode: 0o644 });
  return { dir, entry: pathToFileURL(path.join(dir, name)).href };
}

/** Removes a pool's files once it has no instances left. */
export const removeSources = (dir: string) => rm(dir, { recursive: true, force: true });
