import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Splits COPY ... TO STDOUT (text format) output into rows and undoes its escapes,
 * for single-column COPYs whose values are themselves JSON text.
 */
export class CopyTextRows extends Transform {
  private rest = '';
  // A UTF-8 character may be split across chunks.
  private readonly decoder = new StringDecoder('utf8');
  constructor() {
    super({ readableObjectMode: true });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    const text = this.rest + this.decoder.write(chunk);
    const lines = text.split('\n');
    this.rest = lines.pop()!;
    for (const l of lines) this.push(unescapeCopyText(l));
    cb();
  }
  override _flush(cb: TransformCallback) {
    this.rest += this.decoder.end();
    if (this.rest) this.push(unescapeCopyText(this.rest));
    cb();
  }
}

const ESC: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', '\\': '\\' };

export function unescapeCopyText(line: string): string {
  if (!line.includes('\\')) return line;
  return line.replace(/\\(.)/g, (_, c: string) => ESC[c] ?? c);
}
