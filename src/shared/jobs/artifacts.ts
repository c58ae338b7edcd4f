import { randomUUID } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, Readable } from 'node:stream';
import zlib from 'node:zlib';
import { finished, pipeline as pipelineAsync } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import pg from 'pg';
import type { ClientBase } from 'pg';
import { transactionOn, withTransaction, type Pool, type PoolClient } from '../db/pool.ts';
import { fail } from '../errors.ts';
import { quoteLiteral } from '../sql/ident.ts';

const CHUNK_BYTES = 1 << 20;
/** NOTIFY channel: payload `<artifact id>` when it gains a chunk, completes or goes; `job:<id>` when a job's output is created. */
const CHANNEL = 'basalt_artifacts';
/** A follower looks again this often if no notification came (LISTEN down, or missed). */
const FOLLOW_POLL_MS = 500;
/** …and asks whether the job still runs after this long without a new chunk. */
const FOLLOW_ALIVE_CHECK_MS = 2_000;
/**
 * Compressed outputs use brotli at quality 1: about 300 MB/s on one core with a ratio near
 * 6 on export text, so the store writes a sixth of the bytes (and of their WAL).
 */
const BROTLI = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1, [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT }, chunkSize: 64 * 1024 };
/** Source bytes are handed to the compressor in blocks this big: each write is a thread-pool task. */
const COMPRESS_BLOCK = 256 * 1024;

export interface ArtifactInfo {
  id: string;
  jobId: string | null;
  filename: string | null;
  contentType: string;
  /** Stored bytes. */
  size: number;
  /** 'br' when stored brotli-compressed; readers decode with `content()`, or pass it on. */
  encoding: 'br' | null;
  /** Decoded bytes (equal to `size` when not encoded). */
  contentSize: number;
  complete: boolean;
  expiresAt: Date;
}

interface ArtifactRow {
  id: string;
  job_id: string | null;
  filename: string | null;
  content_type: string;
  size: string;
  encoding: 'br' | null;
  content_size: string | null;
  complete: boolean;
  expires_at: Date;
}

const toInfo = (r: ArtifactRow): ArtifactInfo => ({
  id: r.id,
  jobId: r.job_id,
  filename: r.filename,
  contentType: r.content_type,
  size: Number(r.size),
  encoding: r.encoding,
  contentSize: Number(r.content_size ?? r.size),
  complete: r.complete,
  expiresAt: r.expires_at,
});

/** What the API and the workers do with job inputs and outputs; `createArtifactStore` picks the implementation. */
export interface ArtifactStore {
  /**
   * Streams `source` into the job's output so that followers can read it while it is written.
   * Each attempt gets a fresh artifact id; creating it deletes any earlier attempt's output,
   * so a follower of that attempt fails rather than splice two attempts. On failure the
   * partial output is deleted; a worker that dies leaves it to the retry (or the expiry sweep).
   */
  writeJobOutput(jobId: string, meta: { filename: string; contentType: string; compress?: boolean }, source: AsyncIterable<Buffer | string>): Promise<ArtifactInfo>;
  /** Stores an uploaded input: complete, or not there at all. */
  writeInput(meta: { filename: string; contentType: string }, source: AsyncIterable<Buffer | string>, maxBytes?: number): Promise<ArtifactInfo>;
  info(id: string): Promise<ArtifactInfo | undefined>;
  /** The job's complete output. */
  jobOutput(jobId: string): Promise<ArtifactInfo | undefined>;
  /** The job's output as it stands, complete or still being written (follow mode). */
  currentOutput(jobId: string): Promise<ArtifactInfo | undefined>;
  /** Resolves when something is notified for `key` (an artifact id, or `job:<id>`), or after `ms`. */
  waitFor(key: string, ms: number): { promise: Promise<void>; cancel: () => void };
  /**
   * Reads an artifact that may still be written, as it grows, and ends once it is complete and
   * every byte was read. It errors if the artifact disappears before it is complete, or if
   * `alive` answers false while it waits: the reader never mixes two attempts.
   */
  follow(id: string, opts?: { alive?: () => Promise<boolean> }): Readable;
  /** A complete artifact's stored bytes; `size` (the stored size), when given, is checked. */
  stream(id: string, size?: number): Readable;
  /** An artifact's stored bytes, decoded if it is stored compressed. */
  content(info: Pick<ArtifactInfo, 'id' | 'encoding' | 'size'>): Readable;
  /** Reads a small artifact whole, decoded (sync job answers); callers check the size first. */
  readAll(id: string): Promise<Buffer>;
  /**
   * A job's small JSON result (an import's or a bulk upsert's), written on `client` in the job's
   * own transaction, so it commits with the work it describes: the exactly-once marker.
   */
  writeResult(client: ClientBase, jobId: string, filename: string, value: unknown): Promise<void>;
  /** The result writeResult stored for a job that committed, read on `client` (inside the caller's transaction) or the pool. */
  readResult<T>(jobId: string, client?: ClientBase): Promise<T | undefined>;
  /** Drops an artifact nothing will read again (an upload that was refused or has been applied). */
  remove(id: string): Promise<void>;
  /** Deletes expired artifacts; returns how many. */
  deleteExpired(): Promise<number>;
  /** Stops the LISTEN connection (shutdown). */
  close(): Promise<void>;
}

export interface ArtifactStoreConfig {
  JOB_RESULT_TTL_SECONDS: number;
  ARTIFACT_STORE?: 'fs' | 'postgres';
  ARTIFACT_DIR?: string;
}

/** The store the configuration asks for: files in ARTIFACT_DIR (when set, unless ARTIFACT_STORE=postgres), else PostgreSQL chunks. */
export function createArtifactStore(pool: Pool, config: ArtifactStoreConfig): ArtifactStore {
  const kind = config.ARTIFACT_STORE ?? (config.ARTIFACT_DIR ? 'fs' : 'postgres');
  if (kind === 'postgres') return new PostgresArtifactStore(pool, config.JOB_RESULT_TTL_SECONDS);
  if (!config.ARTIFACT_DIR) throw new Error('ARTIFACT_STORE=fs needs ARTIFACT_DIR');
  return new FileArtifactStore(pool, config.JOB_RESULT_TTL_SECONDS, config.ARTIFACT_DIR);
}

/**
 * What both stores share: every artifact has a row in basalt.artifacts (its metadata, the
 * one-output-per-job index, expiry), and the small job results that serve as exactly-once
 * markers are always chunks in PostgreSQL, written in the job's own transaction.
 */
abstract class ArtifactCatalog implements ArtifactStore {
  protected readonly signals: ChunkSignals;

  constructor(
    protected readonly pool: Pool,
    protected readonly ttlSeconds: number,
  ) {
    this.signals = new ChunkSignals(pool);
  }

  abstract writeJobOutput(jobId: string, meta: { filename: string; contentType: string; compress?: boolean }, source: AsyncIterable<Buffer | string>): Promise<ArtifactInfo>;
  abstract writeInput(meta: { filename: string; contentType: string }, source: AsyncIterable<Buffer | string>, maxBytes?: number): Promise<ArtifactInfo>;
  abstract follow(id: string, opts?: { alive?: () => Promise<boolean> }): Readable;
  abstract stream(id: string, size?: number): Readable;
  abstract remove(id: string): Promise<void>;
  abstract deleteExpired(): Promise<number>;

  /**
   * A follower that has read all that is written looks at the artifact's row: gone is an error
   * (its job was retried, failed or cancelled); while incomplete and idle for
   * FOLLOW_ALIVE_CHECK_MS, a job that is no longer alive is an error too. `idle.since` restarts
   * when the job is asked. Both stores' follow() use it.
   */
  protected async followerLook(id: string, alive: (() => Promise<boolean>) | undefined, idle: { since: number }): Promise<ArtifactInfo> {
    const info = await this.info(id);
    if (!info) throw new Error(`artifact ${id} is gone before it was complete (the job was retried, failed or cancelled)`);
    if (!info.complete && alive && Date.now() - idle.since > FOLLOW_ALIVE_CHECK_MS) {
      idle.since = Date.now();
      if (!(await alive())) throw new Error(`artifact ${id}: its job stopped before the output was complete`);
    }
    return info;
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

  async currentOutput(jobId: string): Promise<ArtifactInfo | undefined> {
    const { rows } = await this.pool.query<ArtifactRow>(
      `SELECT * FROM basalt.artifacts WHERE job_id = $1 AND role = 'output' AND expires_at > now()`,
      [jobId],
    );
    return rows[0] ? toInfo(rows[0]) : undefined;
  }

  waitFor(key: string, ms: number): { promise: Promise<void>; cancel: () => void } {
    return this.signals.arm(key, ms);
  }

  async close(): Promise<void> {
    await this.signals.close();
  }

  content(info: Pick<ArtifactInfo, 'id' | 'encoding' | 'size'>): Readable {
    return decode(this.stream(info.id, info.size), info.encoding);
  }

  async readAll(id: string): Promise<Buffer> {
    const info = await this.info(id);
    if (!info) throw new Error(`artifact ${id} is gone`);
    const parts: Buffer[] = [];
    for await (const c of this.content(info)) parts.push(c as Buffer);
    return Buffer.concat(parts);
  }

  /**
   * Reads chunk by chunk (one prefetched), so a reader holds about 2 MiB whatever the
   * size, and holds a connection only while a chunk is fetched: a slow client never
   * keeps one from the pool, and stopping early costs nothing. Each chunk comes with
   * `COPY … TO STDOUT (FORMAT binary)`, as stored: selecting it as base64 (bytea has
   * no binary results in node-postgres) cost about three times as much, in PostgreSQL
   * encoding it and in Node decoding it.
   */
  protected chunkStream(id: string): Readable {
    const fetchChunk = this.chunkReader(id);
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

  /** Fetches one chunk of `id` (undefined if absent), holding a pooled connection only meanwhile. */
  protected chunkReader(id: string): (seq: number) => Promise<Buffer | undefined> {
    const pool = this.pool;
    const chunkOf = `COPY (SELECT data FROM basalt.artifact_chunks WHERE artifact_id = ${quoteLiteral(id)}::uuid AND seq = `;
    const chunk = (seq: number) => `${chunkOf}${seq}) TO STDOUT (FORMAT binary)`;
    return async (seq: number) => {
      const client = await pool.connect();
      try {
        const parts: Buffer[] = [];
        for await (const b of client.query(copyTo(chunk(seq)))) parts.push(b as Buffer);
        client.release();
        return binaryCopyField(Buffer.concat(parts));
      } catch (e) {
        client.release(e as Error); // it may be mid-COPY
        throw e;
      }
    };
  }

  async writeResult(client: ClientBase, jobId: string, filename: string, value: unknown): Promise<void> {
    const id = randomUUID();
    const data = Buffer.from(JSON.stringify(value));
    await client.query(
      `INSERT INTO basalt.artifacts (id, job_id, role, filename, content_type, size, complete, expires_at)
       VALUES ($1, $2, 'output', $3, 'application/json', $4, true, now() + make_interval(secs => $5))`,
      [id, jobId, filename, data.length, this.ttlSeconds],
    );
    await client.query('INSERT INTO basalt.artifact_chunks (artifact_id, seq, data) VALUES ($1, 0, $2)', [id, data]);
  }

  async readResult<T>(jobId: string, client?: ClientBase): Promise<T | undefined> {
    const { rows } = await (client ?? this.pool).query<{ data: Buffer }>(
      `SELECT c.data FROM basalt.artifacts a JOIN basalt.artifact_chunks c ON c.artifact_id = a.id AND c.seq = 0
        WHERE a.job_id = $1 AND a.role = 'output' AND a.complete`,
      [jobId],
    );
    return rows[0] ? (JSON.parse(rows[0].data.toString('utf8')) as T) : undefined;
  }
}

/**
 * Artifacts kept in the database in 1 MiB chunks, so that any API or worker instance, on any
 * host, can stream them, and memory stays flat whatever their size (ARTIFACT_STORE=postgres).
 */
export class PostgresArtifactStore extends ArtifactCatalog {
  /**
   * One chunk committed at a time, each with a NOTIFY, so that followers read the output
   * while it is written. Readers that do not follow see only complete outputs (`jobOutput`).
   */
  async writeJobOutput(
    jobId: string,
    meta: { filename: string; contentType: string; compress?: boolean },
    source: AsyncIterable<Buffer | string>,
  ): Promise<ArtifactInfo> {
    const id = randomUUID();
    const client = await this.pool.connect();
    let broken = false;
    try {
      await transactionOn(client, async (c) => {
        await c.query(`DELETE FROM basalt.artifacts WHERE job_id = $1 AND role = 'output'`, [jobId]);
        await c.query(
          `INSERT INTO basalt.artifacts (id, job_id, role, filename, content_type, encoding, expires_at)
           VALUES ($1, $2, 'output', $3, $4, $5, now() + make_interval(secs => $6))`,
          [id, jobId, meta.filename, meta.contentType, meta.compress ? 'br' : null, this.ttlSeconds],
        );
        await c.query('SELECT pg_notify($1, $2)', [CHANNEL, `job:${jobId}`]);
      });
      // Autocommit from here: each chunk (and its notification) is visible once written.
      // Chunk commits do not wait for their WAL flush; the completing commit does, and
      // WAL is flushed in order, so a crash can lose chunks only of an incomplete output.
      await client.query('SET synchronous_commit = off');
      let contentSize = 0;
      const counted = countBytes(source, (n) => (contentSize = n));
      const total = await this.writeChunks(client, id, meta.compress ? brotliCompress(counted) : counted, { notify: true });
      await client.query('RESET synchronous_commit');
      const { rows } = await client.query<ArtifactRow>(
        `WITH u AS (UPDATE basalt.artifacts SET size = $2, content_size = $3, complete = true WHERE id = $1 RETURNING *)
         SELECT u.*, pg_notify($4, u.id::text) FROM u`,
        [id, total, contentSize, CHANNEL],
      );
      if (!rows[0]) throw new Error(`job ${jobId}: this attempt's output was replaced by another attempt`);
      return toInfo(rows[0]);
    } catch (e) {
      broken = true;
      // Best effort: followers of this attempt stop at once instead of waiting for the retry.
      await this.pool
        .query(`WITH d AS (DELETE FROM basalt.artifacts WHERE id = $1 RETURNING id) SELECT pg_notify($2, d.id::text) FROM d`, [id, CHANNEL])
        .catch(() => {});
      throw e;
    } finally {
      // It may be mid-INSERT of a chunk: discard it rather than return it to the pool.
      client.release(broken || undefined);
    }
  }

  /**
   * Streams an uploaded input (a job's file) into the store, in one transaction: complete,
   * or not there at all.
   */
  async writeInput(meta: { filename: string; contentType: string }, source: AsyncIterable<Buffer | string>, maxBytes?: number): Promise<ArtifactInfo> {
    return withTransaction(this.pool, async (client) => {
      const id = randomUUID();
      await client.query(
        `INSERT INTO basalt.artifacts (id, job_id, role, filename, content_type, expires_at)
         VALUES ($1, NULL, 'input', $2, $3, now() + make_interval(secs => $4))`,
        [id, meta.filename, meta.contentType, this.ttlSeconds],
      );
      const total = await this.writeChunks(client, id, source, { maxBytes });
      const { rows } = await client.query<ArtifactRow>('UPDATE basalt.artifacts SET size = $2, complete = true WHERE id = $1 RETURNING *', [id, total]);
      return toInfo(rows[0]);
    });
  }

  /** Writes `source` as 1 MiB chunks of artifact `id`; returns the byte count. */
  private async writeChunks(
    client: PoolClient,
    id: string,
    source: AsyncIterable<Buffer | string>,
    { maxBytes, notify = false }: { maxBytes?: number; notify?: boolean },
  ): Promise<number> {
    let seq = 0;
    let total = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    // One chunk's COPY stays in flight while the next chunk is read: reading and writing
    // overlap, and memory stays at about two chunks.
    let inflight: Promise<unknown> | undefined;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const parts = pending;
      const size = pendingBytes;
      pending = [];
      pendingBytes = 0;
      if (inflight) await inflight;
      const n = seq++;
      inflight = copyChunk(client, id, n, parts, size).then(() => (notify ? client.query('SELECT pg_notify($1, $2)', [CHANNEL, id]) : undefined));
      inflight.catch(() => {}); // awaited on the next flush or at the end
    };
    for await (const piece of source) {
      const buf = typeof piece === 'string' ? Buffer.from(piece) : piece;
      total += buf.length;
      if (maxBytes !== undefined && total > maxBytes) throw fail('PAYLOAD_TOO_LARGE', `The upload exceeds ${maxBytes} bytes`);
      pending.push(buf);
      pendingBytes += buf.length;
      if (pendingBytes >= CHUNK_BYTES) await flush();
    }
    await flush();
    if (inflight) await inflight;
    return total;
  }

  /**
   * Reads an artifact that may still be written, chunk by chunk as they are committed,
   * and ends once it is complete and every byte was read. Between chunks it waits for
   * the writer's NOTIFY on the process's one LISTEN connection, polling every
   * FOLLOW_POLL_MS as a fallback; it holds a pooled connection only while a chunk is
   * fetched. It fails (the stream errors) if the artifact disappears before it is
   * complete (the job was retried, failed or cancelled), or if `alive` answers false
   * while it waits: the reader never mixes two attempts.
   */
  follow(id: string, opts: { alive?: () => Promise<boolean> } = {}): Readable {
    const fetchChunk = this.chunkReader(id);
    const store = this;
    async function* chunks() {
      let bytes = 0;
      const idle = { since: Date.now() };
      let seq = 0;
      let next: Promise<Buffer | undefined> = fetchChunk(0);
      let sawComplete = false;
      for (;;) {
        // Armed before looking, so that a notification between the look and the wait is not lost.
        const wake = store.signals.arm(id, FOLLOW_POLL_MS);
        const data = await next;
        if (data) {
          wake.cancel();
          seq++;
          bytes += data.length;
          next = fetchChunk(seq);
          next.catch(() => {});
          idle.since = Date.now();
          sawComplete = false;
          yield data;
          continue;
        }
        const info = await store.followerLook(id, opts.alive, idle).catch((e: unknown) => (wake.cancel(), Promise.reject(e)));
        if (info.complete) {
          wake.cancel();
          if (bytes === info.size) return;
          // The last chunks were committed between the look and the check: read them now.
          if (sawComplete) throw new Error(`artifact ${id}: read ${bytes} of ${info.size} bytes, and no more chunks`);
          sawComplete = true;
        } else {
          await wake.promise;
        }
        next = fetchChunk(seq);
        next.catch(() => {});
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  stream(id: string, _size?: number): Readable {
    return this.chunkStream(id);
  }

  /** Drops an artifact nothing will read again (an upload that was refused or has been applied). */
  async remove(id: string): Promise<void> {
    await this.pool.query('DELETE FROM basalt.artifacts WHERE id = $1', [id]);
  }

  async deleteExpired(): Promise<number> {
    const r = await this.pool.query('DELETE FROM basalt.artifacts WHERE expires_at <= now()');
    return r.rowCount ?? 0;
  }
}


/** A follower at the end of a growing file looks again this often when no change event came. */
const FILE_POLL_MS = 50;
/** …and asks the database whether the artifact is complete (or gone) at least this often. */
const FILE_CHECK_MS = 250;
/** Reads and writes of files go in blocks this big. */
const FILE_BLOCK = 1 << 20;
/** After a short read while following, how long to let the writer add more before reading again. */
const FOLLOW_BATCH_MS = 4;
const ARTIFACT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Artifacts as files in one directory shared by the API and the workers (one host, or a volume
 * both mount: ARTIFACT_STORE=fs), their rows still in basalt.artifacts. An export's bytes go
 * from the worker's COPY to a file and from the file to the client's socket as they are, with no
 * database round trip per chunk: PostgreSQL does only the COPY, as it does for psql. Outputs are
 * stored uncompressed (`compress` is ignored): serving them needs no decoding for any client,
 * and compressing cost the worker more CPU than the bytes it saved on a local disk.
 *
 * Files are not fsynced: a complete artifact whose file is shorter than its row says (a power
 * loss) is refused on read, never served truncated.
 */
export class FileArtifactStore extends ArtifactCatalog {
  private ready?: Promise<unknown>;

  constructor(
    pool: Pool,
    ttlSeconds: number,
    private readonly dir: string,
  ) {
    super(pool, ttlSeconds);
  }

  private file(id: string): string {
    if (!ARTIFACT_ID.test(id)) throw new Error(`artifact id must be a UUID, got '${id.slice(0, 64)}'`);
    return path.join(this.dir, id);
  }

  /** Creates `id`'s file (which must not exist yet). */
  private async create(id: string): Promise<FileHandle> {
    this.ready ??= mkdir(this.dir, { recursive: true, mode: 0o700 }).catch((e) => {
      this.ready = undefined;
      throw e;
    });
    await this.ready;
    return open(this.file(id), 'wx', 0o600);
  }

  /**
   * The file is created before its row commits, so a follower that finds the row finds the file.
   * Followers learn of new bytes from the file itself (fs.watch, or polling); the row is updated
   * only at the end, with the size, and NOTIFY wakes them to see it.
   */
  async writeJobOutput(
    jobId: string,
    meta: { filename: string; contentType: string; compress?: boolean },
    source: AsyncIterable<Buffer | string>,
  ): Promise<ArtifactInfo> {
    const id = randomUUID();
    const fh = await this.create(id);
    try {
      const earlier = await withTransaction(this.pool, async (c) => {
        const gone = await c.query<{ id: string }>(`DELETE FROM basalt.artifacts WHERE job_id = $1 AND role = 'output' RETURNING id`, [jobId]);
        await c.query(
          `INSERT INTO basalt.artifacts (id, job_id, role, filename, content_type, expires_at)
           VALUES ($1, $2, 'output', $3, $4, now() + make_interval(secs => $5))`,
          [id, jobId, meta.filename, meta.contentType, this.ttlSeconds],
        );
        // The job's followers find the new output; an earlier attempt's followers find theirs gone.
        await c.query('SELECT pg_notify($1, k) FROM unnest($2::text[]) k', [CHANNEL, [`job:${jobId}`, ...gone.rows.map((r) => r.id)]]);
        return gone.rows.map((r) => r.id);
      });
      await Promise.all(earlier.map((e) => unlinkQuietly(this.file(e))));
      let size = 0;
      // Pieces queued while a write is in flight go out in one writev (no copying into blocks).
      await pipelineAsync(
        countBytes(source, (n) => (size = n)),
        fh.createWriteStream({ highWaterMark: FILE_BLOCK }),
      );
      const { rows } = await this.pool.query<ArtifactRow>(
        `WITH u AS (UPDATE basalt.artifacts SET size = $2, content_size = $2, complete = true WHERE id = $1 RETURNING *)
         SELECT u.*, pg_notify($3, u.id::text) FROM u`,
        [id, size, CHANNEL],
      );
      if (!rows[0]) throw new Error(`job ${jobId}: this attempt's output was replaced by another attempt`);
      return toInfo(rows[0]);
    } catch (e) {
      await fh.close().catch(() => {});
      // Best effort: followers of this attempt stop at once instead of waiting for the retry.
      await this.pool
        .query(`WITH d AS (DELETE FROM basalt.artifacts WHERE id = $1 RETURNING id) SELECT pg_notify($2, d.id::text) FROM d`, [id, CHANNEL])
        .catch(() => {});
      await unlinkQuietly(this.file(id));
      throw e;
    }
  }

  /** The file first, then its row, complete: a reader never finds a partial upload. */
  async writeInput(meta: { filename: string; contentType: string }, source: AsyncIterable<Buffer | string>, maxBytes?: number): Promise<ArtifactInfo> {
    const id = randomUUID();
    const fh = await this.create(id);
    try {
      let size = 0;
      await pipelineAsync(
        countBytes(source, (n) => {
          size = n;
          if (maxBytes !== undefined && n > maxBytes) throw fail('PAYLOAD_TOO_LARGE', `The upload exceeds ${maxBytes} bytes`);
        }),
        fh.createWriteStream({ highWaterMark: FILE_BLOCK }),
      );
      const { rows } = await this.pool.query<ArtifactRow>(
        `INSERT INTO basalt.artifacts (id, job_id, role, filename, content_type, size, complete, expires_at)
         VALUES ($1, NULL, 'input', $2, $3, $4, true, now() + make_interval(secs => $5)) RETURNING *`,
        [id, meta.filename, meta.contentType, size, this.ttlSeconds],
      );
      return toInfo(rows[0]!);
    } catch (e) {
      await fh.close().catch(() => {});
      await unlinkQuietly(this.file(id));
      throw e;
    }
  }

  stream(id: string, size?: number): Readable {
    const file = this.file(id);
    const store = this;
    async function* blocks() {
      let fh: FileHandle;
      try {
        fh = await open(file, 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        // No file: a job result (writeResult keeps those in the database, in the job's transaction).
        let n = 0;
        for await (const c of store.chunkStream(id)) {
          n += (c as Buffer).length;
          yield c as Buffer;
        }
        if (size !== undefined && n !== size) throw new Error(`artifact ${id}: read ${n} of ${size} bytes (its file is gone)`);
        return;
      }
      try {
        if (size !== undefined) {
          const st = await fh.stat();
          if (st.size !== size) throw new Error(`artifact ${id}: its file holds ${st.size} of ${size} bytes`);
        }
        yield* fh.createReadStream({ highWaterMark: FILE_BLOCK, autoClose: false });
      } finally {
        await fh.close();
      }
    }
    return Readable.from(blocks(), { objectMode: false });
  }

  /**
   * Reads the file as it grows. At its end, waits for a change event (fs.watch), a NOTIFY for the
   * artifact (complete, or deleted by a retry) or FILE_POLL_MS; asks the database whether the
   * artifact is complete when notified or every FILE_CHECK_MS, and whether the job still runs
   * after FOLLOW_ALIVE_CHECK_MS without new bytes. An earlier attempt's file is unlinked when the
   * retry starts: the follower may read what that attempt wrote, but ends with an error since its
   * row is gone, never with the retry's bytes.
   */
  follow(id: string, opts: { alive?: () => Promise<boolean> } = {}): Readable {
    const file = this.file(id);
    const store = this;
    async function* blocks() {
      let fh: FileHandle;
      try {
        fh = await open(file, 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`artifact ${id} is gone before it was complete (the job was retried, failed or cancelled)`);
        throw e;
      }
      let grew: (() => void) | undefined;
      let watcher: FSWatcher | undefined;
      try {
        watcher = watch(file, { persistent: false }, () => grew?.());
        watcher.on('error', () => {});
      } catch {
        // No change events (some network file systems): polling alone.
      }
      try {
        let pos = 0;
        const idle = { since: Date.now() };
        let checkedAt = 0;
        let notified = false;
        // Reads into a block that is handed on when mostly filled; a few bytes (a follower keeping
        // up with the writer reads what one write added) are copied out and the block reused,
        // so that a follower does not allocate a block per read (GC churn in the API).
        let buf = Buffer.allocUnsafe(FILE_BLOCK);
        for (;;) {
          const { bytesRead } = await fh.read(buf, 0, FILE_BLOCK, pos);
          if (bytesRead > 0) {
            pos += bytesRead;
            idle.since = Date.now();
            if (bytesRead >= FILE_BLOCK / 4) {
              yield buf.subarray(0, bytesRead);
              buf = Buffer.allocUnsafe(FILE_BLOCK);
            } else {
              yield Buffer.from(buf.subarray(0, bytesRead));
              // Caught up with the writer: let it add more before reading (and sending) again.
              await new Promise((r) => setTimeout(r, FOLLOW_BATCH_MS));
            }
            continue;
          }
          // At the end of what is written. Armed before the check, so that a NOTIFY in between is not lost.
          const wake = store.signals.arm(id, FILE_POLL_MS);
          if (notified || Date.now() - checkedAt >= FILE_CHECK_MS) {
            checkedAt = Date.now();
            const info = await store.followerLook(id, opts.alive, idle).catch((e: unknown) => (wake.cancel(), Promise.reject(e)));
            if (info.complete) {
              wake.cancel();
              if (pos === info.size) return;
              if (pos > info.size) throw new Error(`artifact ${id}: read ${pos} bytes, more than its ${info.size}`);
              // The last bytes were written between the read and the check: read them now.
              const { size } = await fh.stat();
              if (size < info.size) throw new Error(`artifact ${id}: its file holds ${size} of ${info.size} bytes`);
              continue;
            }
          }
          let changed = false;
          grew = () => {
            changed = true;
            wake.cancel();
          };
          await wake.promise;
          grew = undefined;
          notified = !changed;
        }
      } finally {
        watcher?.close();
        await fh.close();
      }
    }
    return Readable.from(blocks(), { objectMode: false });
  }

  async remove(id: string): Promise<void> {
    await this.pool.query('DELETE FROM basalt.artifacts WHERE id = $1', [id]);
    await unlinkQuietly(this.file(id));
  }

  /**
   * Expired rows and their files; also files with no row that are older than the TTL (a process
   * that died between creating a file and committing its row).
   */
  async deleteExpired(): Promise<number> {
    const { rows } = await this.pool.query<{ id: string }>('DELETE FROM basalt.artifacts WHERE expires_at <= now() RETURNING id');
    await Promise.all(rows.map((r) => unlinkQuietly(this.file(r.id))));
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => ARTIFACT_ID.test(n));
    } catch {
      return rows.length;
    }
    const cutoff = Date.now() - this.ttlSeconds * 1000;
    const old: string[] = [];
    for (const n of names) {
      const st = await stat(path.join(this.dir, n)).catch(() => undefined);
      if (st && st.mtimeMs < cutoff) old.push(n);
    }
    if (!old.length) return rows.length;
    const known = await this.pool.query<{ id: string }>('SELECT id::text FROM basalt.artifacts WHERE id = ANY($1::uuid[])', [old]);
    const keep = new Set(known.rows.map((r) => r.id));
    const orphans = old.filter((n) => !keep.has(n.toLowerCase()));
    await Promise.all(orphans.map((n) => unlinkQuietly(path.join(this.dir, n))));
    return rows.length + orphans.length;
  }
}

async function unlinkQuietly(file: string): Promise<void> {
  await unlink(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}

const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Writes one chunk row with `COPY … FROM STDIN (FORMAT binary)`: the pieces go to the
 * socket as they are. (An INSERT would copy them twice more: into one buffer, then into
 * the Bind message, whose buffer grows by doubling, several MB of garbage per chunk.)
 */
async function copyChunk(client: PoolClient, id: string, seq: number, parts: Buffer[], size: number): Promise<void> {
  const head = Buffer.alloc(COPY_SIGNATURE.length + 8 + 2 + 4 + 16 + 4 + 4 + 4);
  let o = COPY_SIGNATURE.copy(head, 0);
  o = head.writeInt32BE(0, o); // flags
  o = head.writeInt32BE(0, o); // header extension length
  o = head.writeInt16BE(3, o); // fields: artifact_id, seq, data
  o = head.writeInt32BE(16, o);
  o += Buffer.from(id.replace(/-/g, ''), 'hex').copy(head, o);
  o = head.writeInt32BE(4, o);
  o = head.writeInt32BE(seq, o);
  head.writeInt32BE(size, o);
  const copy = client.query(copyFrom('COPY basalt.artifact_chunks (artifact_id, seq, data) FROM STDIN (FORMAT binary)'));
  const done = finished(copy);
  copy.write(head);
  for (const p of parts) copy.write(p);
  copy.end(Buffer.from([0xff, 0xff])); // end of data
  await done;
}

/** `stream` decoded when `encoding` says it is compressed; errors of either end the result. */
export function decode(stream: Readable, encoding: 'br' | null): Readable {
  if (!encoding) return stream;
  return pipeline(stream, zlib.createBrotliDecompress({ chunkSize: 64 * 1024 }), () => {});
}

/** Passes `source` through as Buffers, reporting the running byte count. */
async function* countBytes(source: AsyncIterable<Buffer | string>, onTotal: (n: number) => void): AsyncGenerator<Buffer> {
  let n = 0;
  for await (const piece of source) {
    const buf = typeof piece === 'string' ? Buffer.from(piece) : piece;
    n += buf.length;
    onTotal(n);
    yield buf;
  }
}

/**
 * Brotli-compresses `source`. Input goes to the compressor in COMPRESS_BLOCK blocks (each
 * write is a thread-pool task), and compression overlaps reading the source. An error on
 * either side, or a reader that stops early, tears down both.
 */
function brotliCompress(source: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  return pipeline(Readable.from(inBlocks(source, COMPRESS_BLOCK)), zlib.createBrotliCompress(BROTLI), () => {});
}

/** `source` regrouped into buffers of at least `size` bytes (the last may be smaller). */
async function* inBlocks(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let block: Buffer[] = [];
  let bytes = 0;
  for await (const piece of source) {
    block.push(piece);
    bytes += piece.length;
    if (bytes >= size) {
      yield block.length === 1 ? block[0]! : Buffer.concat(block, bytes);
      block = [];
      bytes = 0;
    }
  }
  if (bytes) yield Buffer.concat(block, bytes);
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

/**
 * One LISTEN connection per process, opened on first use, fanning notifications out
 * to the followers waiting on each key. If it cannot connect (or drops), waits just
 * time out: followers fall back to polling, and the next wait tries to reconnect.
 */
class ChunkSignals {
  private client?: pg.Client;
  private connecting?: Promise<void>;
  private closed = false;
  private failedAt = 0;
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly pool: Pool) {}

  arm(key: string, ms: number): { promise: Promise<void>; cancel: () => void } {
    void this.connect();
    let done!: () => void;
    const promise = new Promise<void>((resolve) => (done = resolve));
    const set = this.waiters.get(key) ?? new Set();
    this.waiters.set(key, set);
    const timer = setTimeout(() => fire(), ms);
    const fire = () => {
      clearTimeout(timer);
      set.delete(fire);
      if (set.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
      done();
    };
    set.add(fire);
    return { promise, cancel: fire };
  }

  private connect(): Promise<void> {
    if (this.client || this.connecting || this.closed) return this.connecting ?? Promise.resolve();
    // After a failure, followers poll for a while before the next attempt.
    if (Date.now() - this.failedAt < 5_000) return Promise.resolve();
    const opts = (this.pool as unknown as { options: pg.ClientConfig }).options;
    const client = new pg.Client({ ...opts, application_name: 'basalt-artifact-listener' } as pg.ClientConfig);
    let gone = false;
    const drop = () => {
      if (gone) return;
      gone = true;
      this.failedAt = Date.now();
      if (this.client === client) this.client = undefined;
      client.end().catch(() => {});
    };
    client.on('error', drop);
    client.on('notification', (n) => {
      for (const fire of [...(this.waiters.get(n.payload ?? '') ?? [])]) fire();
    });
    this.connecting = client
      .connect()
      .then(() => client.query(`LISTEN ${CHANNEL}`))
      .then(() => {
        if (this.closed || gone) return drop();
        this.client = client;
        client.once('end', drop);
        // Not a reason to keep the process alive.
        (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
      }, drop)
      .finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting;
    const c = this.client;
    this.client = undefined;
    c?.removeAllListeners('end');
    await c?.end().catch(() => {});
  }
}
