import { Transform, type TransformCallback } from 'node:stream';

/** A malformed JSON array: `element` is the 1-based element it was in (0 outside any), `line` the 1-based line. */
export class JsonArrayError extends Error {
  constructor(
    message: string,
    readonly element: number,
    readonly line: number,
  ) {
    super(message);
    this.name = 'JsonArrayError';
  }
}

/** One element of the array: its value, 1-based position, and the line it starts on. */
export interface JsonArrayElement {
  value: unknown;
  index: number;
  line: number;
}

const enum S {
  BeforeArray,
  BeforeFirst,
  BeforeElement,
  InElement,
  AfterArray,
}

const BOM = [0xef, 0xbb, 0xbf];
const WS = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) WS[c] = 1;

/**
 * Parses a top-level JSON array as a stream, emitting each element (parsed by
 * JSON.parse) as one object-mode chunk, a `JsonArrayElement` (wrapped: a null
 * element cannot be pushed bare). Written here rather than taken from npm
 * because it is small: a byte scanner finds element boundaries (depth and string
 * state; the structural characters are ASCII, so split UTF-8 sequences never
 * matter), and each element's bytes are parsed whole. Memory is bounded by the
 * largest element (`maxElementBytes`), never the file.
 */
export class JsonArrayStream extends Transform {
  private state = S.BeforeArray;
  private depth = 0;
  private inString = false;
  private escape = false;
  private parts: Buffer[] = [];
  private partBytes = 0;
  private elements = 0;
  private line = 1;
  private elementLine = 1;
  /** UTF-8 byte order mark bytes seen so far at the very start; -1 once past it. */
  private bom = 0;
  private readonly maxElementBytes: number;

  constructor(opts: { maxElementBytes?: number } = {}) {
    super({ readableObjectMode: true, writableObjectMode: false, readableHighWaterMark: 1024 });
    this.maxElementBytes = opts.maxElementBytes ?? 16 << 20;
  }

  private fail(msg: string, inElement = this.state === S.InElement): JsonArrayError {
    return new JsonArrayError(`${msg} (${inElement ? `element ${this.elements + 1}, ` : ''}line ${this.line})`, inElement ? this.elements + 1 : 0, this.line);
  }

  private emitElement(buf: Buffer, start: number, end: number): void {
    if (end > start) this.parts.push(buf.subarray(start, end));
    const text = (this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts)).toString('utf8');
    this.parts = [];
    this.partBytes = 0;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new JsonArrayError(
        `Invalid JSON in element ${this.elements + 1} (starting on line ${this.elementLine}): ${(e as Error).message}`,
        this.elements + 1,
        this.elementLine,
      );
    }
    this.elements++;
    this.push({ value, index: this.elements, line: this.elementLine } satisfies JsonArrayElement);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      let i = 0;
      let start = this.state === S.InElement ? i : -1;
      const n = chunk.length;
      for (; i < n; i++) {
        const c = chunk[i];
        if (c === 0x0a) this.line++;
        switch (this.state) {
          case S.BeforeArray:
            if (this.bom >= 0 && this.bom < 3 && c === BOM[this.bom]) {
              this.bom++;
              continue;
            }
            this.bom = -1;
            if (WS[c]) continue;
            if (c !== 0x5b) throw this.fail('Expected a JSON array');
            this.state = S.BeforeFirst;
            continue;
          case S.BeforeFirst:
          case S.BeforeElement:
            if (WS[c]) continue;
            if (c === 0x5d && this.state === S.BeforeFirst) {
              this.state = S.AfterArray;
              continue;
            }
            if (c === 0x2c || c === 0x5d) throw this.fail(`Expected a value before '${String.fromCharCode(c)}'`, true);
            this.state = S.InElement;
            this.depth = 0;
            this.inString = false;
            this.escape = false;
            this.elementLine = this.line;
            start = i;
            i--; // scan this character (never a newline) as part of the element
            continue;
          case S.InElement:
            if (this.inString) {
              if (this.escape) this.escape = false;
              else if (c === 0x5c) this.escape = true;
              else if (c === 0x22) this.inString = false;
              continue;
            }
            if (c === 0x22) this.inString = true;
            else if (c === 0x7b || c === 0x5b) this.depth++;
            else if (this.depth > 0 && (c === 0x7d || c === 0x5d)) this.depth--;
            else if (this.depth === 0 && (c === 0x2c || c === 0x5d)) {
              this.emitElement(chunk, start, i);
              start = -1;
              this.state = c === 0x2c ? S.BeforeElement : S.AfterArray;
            }
            continue;
          case S.AfterArray:
            if (!WS[c]) throw this.fail('Unexpected data after the end of the JSON array');
            continue;
        }
      }
      if (this.state === S.InElement && start !== -1) {
        this.parts.push(chunk.subarray(start));
        this.partBytes += n - start;
        if (this.partBytes > this.maxElementBytes) throw this.fail(`Element larger than ${this.maxElementBytes} bytes`);
      }
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    if (this.state === S.AfterArray) return cb();
    cb(this.state === S.BeforeArray ? this.fail('Expected a JSON array, found no data') : this.fail('Unexpected end of input inside the JSON array'));
  }
}
