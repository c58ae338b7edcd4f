// Throughput of the CSV pass before COPY (src/workers/csv-copy-input.ts) on 1 M bench-like rows.
import { CsvCopyInput } from '../src/workers/csv-copy-input.ts';
const lines = ['id,name,email,score,token,created'];
for (let i = 1; i <= 1_000_000; i++) lines.push(`${i},user ${i},user${i}@example.com,${i % 997},${'abcdef0123456789'.repeat(2)},2024-01-12 13:46:40+00`);
const file = Buffer.from(lines.join('\n') + '\n');
for (let k = 0; k < 3; k++) {
  const t0 = performance.now();
  const s = new CsvCopyInput();
  let out = 0;
  s.on('data', (b: Buffer) => (out += b.length));
  for (let i = 0; i < file.length; i += 65536) s.feed(file.subarray(i, i + 65536));
  s.finish();
  console.log(`${(file.length / 1e6).toFixed(0)} MB, ${s.records} records, ${(performance.now() - t0).toFixed(0)} ms`);
}
