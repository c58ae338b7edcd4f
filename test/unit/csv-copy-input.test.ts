/** The CSV pass before PostgreSQL's COPY (src/workers/csv-copy-input.ts): what it changes, what it keeps, and line mapping. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvCopyInput, locateCsvLine } from '../../src/workers/csv-copy-input.ts';

/** Runs `text` through the pass, cut into pieces of `size` bytes (so every state crosses a chunk boundary somewhere). */
function pass(text: string, size: number): { out: string; records: number } {
  const s = new CsvCopyInput();
  const parts: Buffer[] = [];
  s.on('data', (b: Buffer) => parts.push(b));
  const buf = Buffer.from(text);
  for (let i = 0; i < buf.length; i += size) s.feed(buf.subarray(i, i + size));
  s.finish();
  return { out: Buffer.concat(parts).toString(), records: s.records };
}

const sizes = [1, 2, 3, 5, 64];

describe('CsvCopyInput', () => {
  it('passes ordinary CSV through unchanged, quoted newlines and quotes included', () => {
    const csv = 'id,name\r\n1,"a ""b""\r\nc"\r\n2,x\r\n3,\\x\r\n';
    for (const n of sizes) expect(pass(csv, n)).toEqual({ out: csv, records: 4 });
  });

  it('drops a leading BOM and empty lines outside quotes, keeps empty lines inside quotes', () => {
    const csv = '\ufeff\nid,name\n\n1,"x\n\ny"\n\r\n2,z\n\n\n';
    for (const n of sizes) expect(pass(csv, n)).toEqual({ out: 'id,name\n1,"x\n\ny"\n2,z\n', records: 3 });
  });

  it('quotes a lone \\. line, which COPY would take for the end of the data; leaves \\.x alone', () => {
    for (const n of sizes) {
      expect(pass('v\n\\.\n\\.x\n\\.', n).out).toBe('v\n"\\."\n\\.x\n"\\."');
      expect(pass('v\r\n\\.\r\n', n).out).toBe('v\r\n"\\."\r\n');
    }
  });

  it('maps PostgreSQL line numbers (lines it was given) back to records and file lines', async () => {
    // file lines: 1 header, 2 empty, 3 rec 1, 4-5 rec 2 (quoted newline), 6 empty, 7 rec 3
    const csv = 'a,b\n\n1,x\n2,"y\nz"\n\n3,w\n';
    // PostgreSQL's lines: 1 header, 2 rec 1, 3-4 rec 2, 5 rec 3
    const at = (l: number) => locateCsvLine(Readable.from([Buffer.from(csv)]), l);
    expect(await at(2)).toEqual({ record: 1, fileLine: 3 });
    expect(await at(3)).toEqual({ record: 2, fileLine: 4 });
    expect(await at(4)).toEqual({ record: 2, fileLine: 4 });
    expect(await at(5)).toEqual({ record: 3, fileLine: 7 });
  });
});
