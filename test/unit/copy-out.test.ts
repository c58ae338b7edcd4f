/**
 * The COPY TO decoder, fed protocol bytes cut at every possible place: what it pushes is
 * exactly the CopyData payloads, and what follows CopyDone (or an ErrorResponse) is handed
 * back to pg untouched.
 */
import { describe, expect, it } from 'vitest';
import { copyOut } from '../../src/shared/db/copy-out.ts';

const msg = (code: string, body: Buffer | string = '') => {
  const b = Buffer.from(body);
  const head = Buffer.alloc(5);
  head.write(code, 0, 'latin1');
  head.writeUInt32BE(b.length + 4, 1);
  return Buffer.concat([head, b]);
};

interface Internals {
  _parse(chunk: Buffer): boolean | undefined;
  _detach(): void;
  _buffer: { size: number; take(n: number): Buffer } | null;
}

/**
 * Runs the decoder over `chunks`; returns what it pushed, whether it ended, and the bytes given
 * back. Each chunk is a fresh copy, as a socket delivers them: the decoder moves row bytes
 * within the chunk it is given.
 */
function decode(given: Buffer[]) {
  const chunks = given.map((c) => Buffer.from(c));
  const stream = copyOut('COPY x TO STDOUT');
  const s = stream as unknown as Internals;
  let handedBack: Buffer | undefined;
  s._detach = () => {
    handedBack = s._buffer!.take(s._buffer!.size);
  };
  const out: Buffer[] = [];
  let ended = false;
  stream.on('data', (c: Buffer) => out.push(c));
  stream.on('end', () => (ended = true));
  let fed = 0;
  for (const c of chunks) {
    if (handedBack) break;
    s._parse(c);
    fed++;
  }
  // pg reads on from the socket: what was handed back, then the chunks not fed here.
  const rest = handedBack && Buffer.concat([handedBack, ...chunks.slice(fed)]);
  return { get data() { return Buffer.concat(out); }, handedBack, rest, ended: () => ended };
}

const rows = ['1\tone\n', '2\ttwo with a tab\\there\n', '', '3\t\\N\n', 'x'.repeat(70_000) + '\n'];
const tail = Buffer.concat([msg('C', 'COPY 4\0'), msg('Z', 'I')]);
const wire = Buffer.concat([
  msg('H', Buffer.from([0, 0, 1, 0, 0])),
  msg('d', rows[0]),
  msg('N', 'SNOTICE\0Mhello\0\0'), // notices may come between rows
  msg('d', rows[1]),
  msg('d', rows[2]),
  msg('S', 'a\0b\0'),
  msg('d', rows[3]),
  msg('d', rows[4]),
  msg('c'),
  tail,
]);
const payload = Buffer.from(rows.join(''));

describe('copyOut decoder', () => {
  it('passes every CopyData byte through, and hands back what follows CopyDone', async () => {
    const r = decode([wire]);
    await new Promise((res) => setImmediate(res));
    expect(r.data.equals(payload)).toBe(true);
    expect(r.handedBack?.equals(tail)).toBe(true);
    expect(r.ended()).toBe(true);
  });

  it('gives the same result whatever the socket chunk boundaries', async () => {
    // Every two-way cut in the first 200 bytes (headers split, bodies split), and then
    // random cuts into many pieces across the whole message stream.
    const cuts: number[][] = [];
    for (let i = 1; i < 200; i++) cuts.push([i]);
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let k = 0; k < 50; k++) {
      const points = new Set<number>();
      for (let j = 0; j < 30; j++) points.add(1 + Math.floor(rand() * (wire.length - 1)));
      cuts.push([...points].sort((a, b) => a - b));
    }
    for (const points of cuts) {
      const pieces: Buffer[] = [];
      let at = 0;
      for (const p of points) (pieces.push(wire.subarray(at, p)), (at = p));
      pieces.push(wire.subarray(at));
      const r = decode(pieces);
      await new Promise((res) => setImmediate(res));
      expect(r.data.equals(payload), `cuts ${points.join(',')}`).toBe(true);
      expect(r.rest?.equals(tail), `cuts ${points.join(',')}`).toBe(true);
      expect(r.ended()).toBe(true);
    }
  });

  it('on an ErrorResponse mid-COPY pushes the rows before it and hands the error to pg', async () => {
    const error = Buffer.concat([msg('E', 'SERROR\0C22012\0Mdivision by zero\0\0'), msg('Z', 'I')]);
    const r = decode([Buffer.concat([msg('H', Buffer.from([0, 0, 1, 0, 0])), msg('d', rows[0]), msg('d', rows[1]), error])]);
    await new Promise((res) => setImmediate(res));
    expect(r.data.toString()).toBe(rows[0] + rows[1]);
    expect(r.handedBack?.equals(error)).toBe(true);
    expect(r.ended()).toBe(false); // pg fails the query; the stream errors then, not ends
  });
});
