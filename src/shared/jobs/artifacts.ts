import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { to as copyTo } from 'pg-copy-streams';
import type { Pool, PoolClient } from '../db/pool.ts';
import { ApiError } from '../errors.ts';
import { quoteLiteral } from '../sql/ident.ts';

const CHUNK_BYTES = 1 << 20;

export interface ArtifactInfo {
  id: string;
  jobId: string | null;
  filename: string | null;
  contentType: string;
  size: number;
  complete: boolean;
  expiresAt: Date;
}

interface ArtifactRow {
  id: string;
  job_id: string | null;
  filename: string | null;
  content_type: string;
  size: string;
  complete: boolean;
  expires_at: Date;
}

const toInfo = (r: ArtifactRow): ArtifactInfo => ({
  id: r.id,
  jobId: r.job_id,
  filename: r.filename,
  contentType: r.content_type,
  size: Number(r.size),
  complete: r.complete,
  expiresAt: r.expires_at,
});

/**
 * Job inputs and outputs, kept in the database in 1 MiB chunks so that any API or
 * worker instance can stream them, and memory stays flat whatever their size.
 */
export class ArtifactStore {
  constructor(
    private readonly pool: Pool,
    private readonly ttlSeconds: number,
  ) {}

  /**
   * Streams `source` into the job's output in one transaction. A worker that dies
   * mid-write leaves nothing; a retried job replaces its earlier output, so a job
   * has exactly one.
   */
  writeJobOutput(
    jobId: string,
    meta: { filename: string; contentType: string },
    source: AsyncIterable<Buffer | string>,
    onBytes?: (total: number) => void,
  ): Promise<ArtifactInfo> {
    return this.write({ ...meta, role: 'output', jobId }, source, {
      onBytes,
      before: (c) => c.query(`DELETE FROM basalt.artifacts WHERE job_id = $1 AND role = 'output'`, [jobId]),
    });
  }

  /** Streams an uploaded input (a job's file) into the store; returns it once complete. */
  writeInput(meta: { filename: string; contentType: string }, source: AsyncIterable<Buffer | string>, maxBytes?: number): Promise<ArtifactInfo> {
    return this.write({ ...meta, role: 'input', jobId: null }, source, { maxBytes });
  }

  /** One artifact, written in one transaction: complete, or not there at all. */
  private async write(
    row: { role: 'input' | 'output'; jobId: string | null; filename: string; contentType: string },
    source: AsyncIterable<Buffer | string>,
    opts: { maxBytes?: number; onBytes?: (total: number) => void; before?: (c: PoolClient) => Promise<unknown> },
  ): Promise<ArtifactInfo> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await opts.before?.(client);
      const id = randomUUID();
      await client.query(
        `INSERT INTO basalt.artifacts (id, job_id, role, filename, content_type, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
        [id, row.jobId, row.role, row.filename, row.contentType, this.ttlSeconds],
      );
      const total = await this.writeChunks(client, id, source, opts.maxBytes, opts.onBytes);
      const { rows } = await client.query<ArtifactRow>('UPDATE basalt.artifacts SET size = $2, complete = true WHERE id = $1 RETURNING *', [id, total]);
      await client.query('COMMIT');
      return toInfo(rows[0]);
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  /** Writes `source` as 1 MiB chunks of artifact `id`; returns the byte count. */
  private async writeChunks(
    client: PoolClient,
    id: string,
    source: AsyncIterable<Buffer | string>,
    maxBytes?: number,
    onBytes?: (total: number) => void,
  ): Promise<number> {
    let seq = 0;
    let total = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    // One INSERT stays in flight while the next chunk is read: reading and writing overlap,
    // and memory stays at about two chunks.
    let inflight: Promise<unknown> | undefined;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const data = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      if (inflight) await inflight;
      inflight = client.query('INSERT INTO basalt.artifact_chunks (artifact_id, seq, data) VALUES ($1, $2, $3)', [id, seq++, data]);
      inflight.catch(() => {}); // awaited on the next flush or at the end
    };
    for await (const piece of source) {
      const buf = typeof piece === 'string' ? Buffer.from(piece) : piece;
      total += buf.length;
      if (maxBytes !== undefined && total > maxBytes) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `The upload exceeds ${maxBytes} bytes`);
      pending.push(buf);
      pendingBytes += buf.length;
      if (pendingBytes >= CHUNK_BYTES) {
        await flush();
        onBytes?.(total);
      }
    }
    await flush();
    if (inflight) await inflight;
    onBytes?.(total);
    return total;
  }

  async info(id: string): Promise<ArtifactInfo | undefined> {
    const { rows } = await this.pool.query<ArtifactRow>(
      'SELECT * FROM basalt.artifacts WHERE id = $1 AND expires_at > now()',
      [id],
    );
    return rows[0] ? toInfo(rows[0]) : undefined;
  }

  async jobOutput(jobId: string): Promise<ArtifactInfo | undefined> {
    const { rows } = await this.pool.query<ArtifactRow>(
      `SELECT * FROM basalt.artifacts WHERE job_id = $1 AND role = 'output' AND complete AND expires_at > now()`,
      [jobId],
    );
    return rows[0] ? toInfo(rows[0]) : undefined;
  }

  /**
   * Reads chunk by chunk (one prefetched), so a reader holds about 2 MiB whatever the
   * size, and holds a connection only while a chunk is fetched: a slow client never
   * keeps one from the pool, and stopping early costs nothing. Each chunk comes with
   * `COPY … TO STDOUT (FORMAT binary)`, as stored: selecting it as base64 (bytea has
   * no binary results in node-postgres) cost about three times as much, in PostgreSQL
   * encoding it and in Node decoding it.
   */
  stream(id: string): Readable {
    const pool = this.pool;
    const chunkOf = `COPY (SELECT data FROM basalt.artifact_chunks WHERE artifact_id = ${quoteLiteral(id)}::uuid AND seq = `;
    const fetchChunk = async (seq: number): Promise<Buffer | undefined> => {
      const client = await pool.connect();
      try {
        const parts: Buffer[] = [];
        for await (const b of client.query(copyTo(`${chunkOf}${seq}) TO STDOUT (FORMAT binary)`))) parts.push(b as Buffer);
        client.release();
        return binaryCopyField(Buffer.concat(parts));
      } catch (e) {
        client.release(e as Error); // it may be mid-COPY
        throw e;
      }
    };
    async function* chunks() {
      let next = fetchChunk(0);
      for (let seq = 0; ; seq++) {
        const data = await next;
        if (!data) return;
        // Prefetch the next chunk while this one is consumed.
        next = fetchChunk(seq + 1);
        next.catch(() => {});
        yield data;
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  /** Reads a small artifact whole (sync job answers); callers check the size first. */
  async readAll(id: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const c of this.stream(id)) parts.push(c as Buffer);
    return Buffer.concat(parts);
  }

  async deleteExpired(): Promise<number> {
    const r = await this.pool.query('DELETE FROM basalt.artifacts WHERE expires_at <= now()');
    return r.rowCount ?? 0;
  }
}

/**
 * The one field of a one-row, one-column `COPY … TO STDOUT (FORMAT binary)` output;
 * undefined when the row is absent. Layout: signature (11 bytes), flags (4), header
 * extension length (4) and extension; per row a field count (int16, -1 ends the
 * data), then per field its length (int32) and bytes.
 */
function binaryCopyField(buf: Buffer): Buffer | undefined {
  let i = 19 + buf.readUInt32BE(15);
  const fields = buf.readInt16BE(i);
  if (fields === -1) return undefined;
  if (fields !== 1) throw new Error(`artifact read: expected 1 field, got ${fields}`);
  const len = buf.readInt32BE(i + 2);
  i += 6;
  if (len < 0 || i + len > buf.length) throw new Error('artifact read: malformed chunk');
  return buf.subarray(i, i + len);
}
