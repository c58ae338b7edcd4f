/** The streaming JSON array parser: element boundaries across chunk splits, errors with element and line, flat memory. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { JsonArrayError, JsonArrayStream, type JsonArrayElement } from '../../src/shared/db/json-array-stream.ts';

async function parse(chunks: (string | Buffer)[], opts?: { maxElementBytes?: number }): Promise<unknown[]> {
  const out: unknown[] = [];
  const src = Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
  for await (const v of src.pipe(new JsonArrayStream(opts))) out.push((v as JsonArrayElement).value);
  return out;
}

async function parseError(chunks: string[]): Promise<JsonArrayError> {
  try {
    await parse(chunks);
  } catch (e) {
    expect(e).toBeInstanceOf(JsonArrayError);
    return e as JsonArrayError;
  }
  throw new Error('expected an error');
}

/** Every split of `text` into two chunks, and one chunk per byte. */
const splits = (text: string) => {
  const b = Buffer.from(text);
  const out: Buffer[][] = [[b], [...b].map((x) => Buffer.from([x]))];
  for (let i = 1; i < b.length; i++) out.push([b.subarray(0, i), b.subarray(i)]);
  return out;
};

describe('JsonArrayStream', () => {
  const doc = ' \ufeff'.slice(1) + `[ {"a": 1, "s": "x,]}\\"y\\\\", "n": {"deep": [1, [2, {"z": "]"}]]}},
  {"é": "日本語", "nul": null}, 3, "str", true, null, [1,2], -1.5e3 ]  `;
  const expected = [{ a: 1, s: 'x,]}"y\\', n: { deep: [1, [2, { z: ']' }]] } }, { é: '日本語', nul: null }, 3, 'str', true, null, [1, 2], -1500];

  it('parses every element, whatever the chunk boundaries (including inside UTF-8 characters)', async () => {
    for (const chunks of splits(doc)) expect(await parse(chunks)).toEqual(expected);
  });

  it('gives each element its position and starting line', async () => {
    const out: JsonArrayElement[] = [];
    for await (const v of Readable.from([Buffer.from('[\n{"a":1},\n\n{"b":\n2}, null]')]).pipe(new JsonArrayStream())) out.push(v);
    expect(out).toEqual([
      { value: { a: 1 }, index: 1, line: 2 },
      { value: { b: 2 }, index: 2, line: 4 },
      { value: null, index: 3, line: 5 },
    ]);
  });

  it('skips a UTF-8 byte order mark', async () => {
    expect(await parse([Buffer.from([0xef, 0xbb, 0xbf]), '[{"a":1}]'])).toEqual([{ a: 1 }]);
  });

  it('accepts an empty array and surrounding whitespace', async () => {
    expect(await parse(['  [ ]\n'])).toEqual([]);
    expect(await parse(['\n[\n]'])).toEqual([]);
  });

  it('rejects what is not an array', async () => {
    expect((await parseError(['{"a":1}'])).message).toMatch(/Expected a JSON array/);
    expect((await parseError([''])).message).toMatch(/found no data/);
  });

  it('names the element and line of invalid JSON', async () => {
    const e = await parseError(['[{"a":1},\n{"a":2},\n{"a": tru}]']);
    expect(e.element).toBe(3);
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/element 3 \(starting on line 3\)/);
  });

  it('rejects missing values, trailing commas, truncation and trailing data', async () => {
    expect((await parseError(['[1,,2]'])).element).toBe(2);
    expect((await parseError(['[1,2,]'])).message).toMatch(/Expected a value/);
    expect((await parseError(['[{"a":1},{"a":'])).message).toMatch(/Unexpected end of input/);
    expect((await parseError(['[1] x'])).message).toMatch(/after the end/);
    expect((await parseError(['[{"a":1} {"b":2}]'])).element).toBe(1);
  });

  it('limits the size of one element', async () => {
    await expect(parse(['[{"a":"', 'x'.repeat(100), '"}]'], { maxElementBytes: 50 })).rejects.toThrow(/larger than 50 bytes/);
  });

  it('parses a large array fed in many chunks, in order', async () => {
    const N = 200_000;
    const row = (i: number) => JSON.stringify({ id: i, name: `name ${i}`, pad: 'p'.repeat(80) });
    async function* gen() {
      yield Buffer.from('[');
      let batch: string[] = [];
      for (let i = 0; i < N; i++) {
        batch.push((i ? ',' : '') + row(i));
        if (batch.length === 1000) {
          yield Buffer.from(batch.join(''));
          batch = [];
        }
      }
      yield Buffer.from(batch.join('') + ']');
    }
    let count = 0;
    let sum = 0;
    for await (const v of Readable.from(gen()).pipe(new JsonArrayStream())) {
      count++;
      const e = v as JsonArrayElement;
      if (e.index !== count) throw new Error(`element ${count} has index ${e.index}`);
      sum += (e.value as { id: number }).id;
    }
    expect(count).toBe(N);
    expect(sum).toBe((N * (N - 1)) / 2);
  });
});
