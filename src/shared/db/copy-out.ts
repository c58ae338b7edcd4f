import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type { CopyToStreamQuery } from 'pg-copy-streams';

// pg-copy-streams' COPY TO stream, with a faster message decoder. Its own decoder takes
// each CopyData message (one per row) out of a buffer list, which for a 1 M-row export
// cost the worker about a third of its CPU. This one walks the socket chunk by offsets
// and pushes each chunk's row bytes as one buffer. Attaching to and detaching from the
// connection (and error interception) stay the library's; the fields used here are its
// internals as of 7.0 (pinned in package.json).
const copyToFactory = createRequire(import.meta.url)('pg-copy-streams/copy-to') as (text: string) => object;
// The module exports a factory; the class is its result's constructor.
const CopyToQueryStream = Object.getPrototypeOf(copyToFactory('')).constructor as new (text: string, options?: object) => CopyToInternals;

interface CopyToInternals extends Readable {
  _buffer: { push(b: Buffer): void; size: number } | null;
  _detach(): void;
  _cleanup(): void;
  _parse(chunk: Buffer): boolean | undefined;
}

const CopyData = 0x64;
const ErrorResponse = 0x45;
/** Messages that may come between CopyData ones; anything else ends copy-out mode. */
const INTERSPERSED = new Set([0x48 /* CopyOutResponse */, 0x53 /* ParameterStatus */, 0x4e /* NoticeResponse */, 0x41 /* NotificationResponse */]);

class FastCopyOut extends CopyToQueryStream {
  /** Bytes of a message header (code + length) split across socket chunks. */
  private head: Buffer | null = null;
  private code = 0;
  private remaining = 0;
  /** CopyData messages begun so far: COPY sends one per row (a CSV header is one too). */
  messages = 0;

  override _parse(chunk: Buffer): boolean | undefined {
    let buf = chunk;
    if (this.head) {
      buf = Buffer.concat([this.head, chunk]);
      this.head = null;
    }
    // Row bytes are moved down over the message headers, in place (each socket read is a fresh
    // buffer that only this decoder sees; the bytes it hands back to pg are left untouched):
    // copyWithin allocates nothing, where Buffer#copy makes a view per row (~7 times slower,
    // and garbage), and a subarray per row would be 1 M objects per million rows.
    const rows = buf;
    let size = 0;
    let done = false;
    let i = 0;
    while (i < buf.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, buf.length - i);
        if (this.code === CopyData) {
          // Only bytes before i are written: what follows i is still to be read.
          if (size !== i) buf.copyWithin(size, i, i + n);
          size += n;
        }
        i += n;
        this.remaining -= n;
        if (this.remaining === 0 && this.code !== CopyData && !INTERSPERSED.has(this.code)) {
          done = true;
          break;
        }
        continue;
      }
      if (buf[i] === ErrorResponse) {
        // Hand the error (and what follows) back to pg, which fails the query.
        this.pushRows(rows, size);
        this._buffer!.push(buf.subarray(i));
        this._detach();
        return;
      }
      if (buf.length - i < 5) {
        this.head = buf.subarray(i);
        break;
      }
      this.code = buf[i]!;
      if (this.code === CopyData) this.messages++;
      this.remaining = buf.readUInt32BE(i + 1) - 4;
      i += 5;
      if (this.remaining === 0 && this.code !== CopyData && !INTERSPERSED.has(this.code)) {
        done = true; // CopyDone
        break;
      }
    }
    const drained = this.pushRows(rows, size);
    if (done) {
      // What follows (CommandComplete, ReadyForQuery) is pg's to read.
      if (i < buf.length) this._buffer!.push(buf.subarray(i));
      this._detach();
      this.push(null);
      this._cleanup();
      return false; // stop the library's read loop: the socket is pg's again
    }
    return drained;
  }

  private pushRows(rows: Buffer, size: number): boolean {
    if (size === 0) return true;
    return this.push(rows.subarray(0, size));
  }
}

export type CopyOut = CopyToStreamQuery & { readonly messages: number };

/** A `COPY … TO STDOUT` query for `client.query()`: a readable of the COPY output, in blocks; `messages` counts its rows. */
export function copyOut(sql: string): CopyOut {
  return new FastCopyOut(sql) as unknown as CopyOut;
}
