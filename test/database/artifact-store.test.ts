/**
 * The artifact store, both implementations against the real PostgreSQL: files in a directory
 * (ARTIFACT_STORE=fs, what the test stack and npm start run) and chunks in the database
 * (ARTIFACT_STORE=postgres, for API and workers on hosts that share no disk). Every case runs
 * on each.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createArtifactStore, type ArtifactStore } from '../../src/shared/jobs/artifacts.ts';
import { db } from '../support/env.ts';
import { poll } from '../support/processes.ts';

const MiB = 1 << 20;
const dir = mkdtempSync(path.join(os.tmpdir(), 'basalt-artifact-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kinds = [
  { kind: 'fs' as const, make: () => createArtifactStore(db(), { JOB_RESULT_TTL_SECONDS: 600, ARTIFACT_STORE: 'fs', ARTIFACT_DIR: dir }), files: true },
  { kind: 'postgres' as const, make: () => createArtifactStore(db(), { JOB_RESULT_TTL_SECONDS: 600, ARTIFACT_STORE: 'postgres' }), files: false },
];

const readAll = async (r: Readable) => {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
};
const chunkRows = async (id: string) => (await db().query(`SELECT count(*)::int AS n FROM basalt.artifact_chunks WHERE artifact_id = $1`, [id])).rows[0].n as number;

describe.each(kinds)('artifact store: $kind', ({ kind, make, files }) => {
  let store: ArtifactStore;
  afterAll(async () => store?.close());
  const s = () => (store ??= make());

  it('a job output reads back whole, as stored and decoded, and only once complete without follow', async () => {
    const jobId = randomUUID();
    const text = Buffer.from('x'.repeat(3 * MiB + 17) + 'end\n');
    const info = await s().writeJobOutput(jobId, { filename: 'export.sql', contentType: 'application/sql', compress: true }, Readable.from([text.subarray(0, MiB), text.subarray(MiB)]));
    expect(info.complete).toBe(true);
    expect(info.contentSize).toBe(text.length);
    // The chunk store keeps outputs brotli-compressed; the file store as they are.
    expect(info.encoding).toBe(kind === 'postgres' ? 'br' : null);
    if (kind === 'fs') expect(info.size).toBe(text.length);
    else expect(info.size).toBeLessThan(text.length);
    expect((await s().jobOutput(jobId))?.id).toBe(info.id);
    expect((await readAll(s().content(info))).equals(text)).toBe(true);
    expect((await readAll(s().stream(info.id, info.size))).length).toBe(info.size);
    expect(existsSync(path.join(dir, info.id))).toBe(files);
    if (files) expect(await chunkRows(info.id)).toBe(0);
    await s().remove(info.id);
    expect(await s().info(info.id)).toBeUndefined();
    expect(existsSync(path.join(dir, info.id))).toBe(false);
  });

  it('a follower reads the output while it is written, and ends at its last byte', async () => {
    const jobId = randomUUID();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slow() {
      yield Buffer.alloc(MiB, 'a');
      await gate;
      yield Buffer.alloc(MiB, 'b');
    }
    const writing = s().writeJobOutput(jobId, { filename: 'x', contentType: 'text/plain' }, slow());
    const current = await poll(async () => s().currentOutput(jobId), 'output row', 10_000, 20);
    expect(current.complete).toBe(false);
    const got: Buffer[] = [];
    const followed = (async () => {
      for await (const c of s().follow(current.id, { alive: async () => true })) got.push(c as Buffer);
    })();
    followed.catch(() => {});
    // The first MiB arrives before the writer has finished.
    await poll(async () => (got.length && (kind === 'postgres' || Buffer.concat(got).length === MiB) ? true : undefined), 'first bytes', 10_000, 20);
    expect((await s().info(current.id))?.complete).toBe(false);
    release();
    const info = await writing;
    await followed;
    const whole = Buffer.concat(got);
    const decoded = info.encoding ? await readAll(s().content({ ...info, id: info.id })) : whole;
    expect(decoded.length).toBe(2 * MiB);
    expect(decoded.subarray(0, MiB).every((b) => b === 0x61)).toBe(true);
    expect(decoded.subarray(MiB).every((b) => b === 0x62)).toBe(true);
    if (!info.encoding) expect(whole.equals(decoded)).toBe(true);
    await s().remove(info.id);
  });

  it('a follower of attempt 1 fails when attempt 2 replaces the output; attempt 2 reads back whole', async () => {
    const jobId = randomUUID();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* attempt1() {
      yield Buffer.alloc(MiB, 'a');
      await gate; // stalls, as a dying worker would
      yield Buffer.alloc(MiB, 'a');
      yield Buffer.alloc(MiB, 'a');
    }
    const first = s().writeJobOutput(jobId, { filename: 'x', contentType: 'text/plain' }, attempt1());
    first.catch(() => {});
    const a = await poll(async () => s().currentOutput(jobId), 'attempt 1 output', 10_000, 20);
    const follower = s().follow(a.id);
    const got: Buffer[] = [];
    const followed = (async () => {
      for await (const c of follower) got.push(c as Buffer);
    })();
    followed.catch(() => {});
    await poll(async () => (got.length ? true : undefined), 'first chunk', 10_000, 20);

    async function* attempt2() {
      for (let i = 0; i < 3; i++) yield Buffer.alloc(MiB, 'b');
    }
    const second = await s().writeJobOutput(jobId, { filename: 'x', contentType: 'text/plain' }, attempt2());
    release();
    await expect(followed).rejects.toThrow(/gone before it was complete/);
    await expect(first).rejects.toThrow();
    expect(Buffer.concat(got).every((b) => b === 'a'.charCodeAt(0))).toBe(true);
    if (files) expect(existsSync(path.join(dir, a.id))).toBe(false);

    const again = await readAll(s().follow(second.id));
    expect(again.length).toBe(3 * MiB);
    expect(again.every((b) => b === 'b'.charCodeAt(0))).toBe(true);
    const { rows } = await db().query(`SELECT count(*)::int AS n FROM basalt.artifacts WHERE job_id = $1`, [jobId]);
    expect(rows[0].n).toBe(1);
    await s().remove(second.id);
  }, 30_000);

  it('a follower of a job that stopped writing (its worker died) fails once the job is not alive', async () => {
    const jobId = randomUUID();
    async function* dies() {
      yield Buffer.alloc(1000, 'a');
      await new Promise(() => {}); // never ends, as a killed worker's output
    }
    void s().writeJobOutput(jobId, { filename: 'x', contentType: 'text/plain' }, dies()).catch(() => {});
    const a = await poll(async () => s().currentOutput(jobId), 'output row', 10_000, 20);
    await expect(readAll(s().follow(a.id, { alive: async () => false }))).rejects.toThrow(/stopped before the output was complete/);
    await s().remove(a.id);
  }, 15_000);

  it('a failed write leaves nothing behind', async () => {
    const jobId = randomUUID();
    async function* broken() {
      yield Buffer.alloc(MiB + 5, 'a');
      throw new Error('COPY failed');
    }
    const before = files ? readdirSync(dir).length : 0;
    await expect(s().writeJobOutput(jobId, { filename: 'x', contentType: 'text/plain' }, broken())).rejects.toThrow('COPY failed');
    expect(await s().currentOutput(jobId)).toBeUndefined();
    if (files) expect(readdirSync(dir).length).toBe(before);
  });

  it('an upload is stored complete or not at all, and maxBytes is enforced', async () => {
    const input = await s().writeInput({ filename: 'a.csv', contentType: 'text/csv' }, Readable.from([Buffer.from('id,v\n'), Buffer.from('1,a\n')]));
    expect(input).toMatchObject({ complete: true, size: 9, jobId: null, filename: 'a.csv' });
    expect((await s().readAll(input.id)).toString()).toBe('id,v\n1,a\n');
    const before = files ? readdirSync(dir).length : 0;
    const { rows: n0 } = await db().query(`SELECT count(*)::int AS n FROM basalt.artifacts WHERE filename = 'big.csv'`);
    await expect(s().writeInput({ filename: 'big.csv', contentType: 'text/csv' }, Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), 1000)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const { rows: n1 } = await db().query(`SELECT count(*)::int AS n FROM basalt.artifacts WHERE filename = 'big.csv'`);
    expect(n1[0].n).toBe(n0[0].n);
    if (files) expect(readdirSync(dir).length).toBe(before);
    await s().remove(input.id);
    if (files) expect(existsSync(path.join(dir, input.id))).toBe(false);
  });

  it('the result marker commits or rolls back with the transaction that writes it', async () => {
    const jobId = randomUUID();
    const client = await db().connect();
    try {
      await client.query('BEGIN');
      await s().writeResult(client, jobId, 'r.json', { rows: 3 });
      expect(await s().readResult(jobId, client)).toEqual({ rows: 3 });
      await client.query('ROLLBACK');
      expect(await s().readResult(jobId)).toBeUndefined();
      await client.query('BEGIN');
      await s().writeResult(client, jobId, 'r.json', { rows: 4 });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(await s().readResult(jobId)).toEqual({ rows: 4 });
    // GET /api/jobs/:id/result serves it as the job's output.
    const out = await s().jobOutput(jobId);
    expect(out).toMatchObject({ complete: true, contentType: 'application/json', filename: 'r.json' });
    expect(JSON.parse((await readAll(s().content(out!))).toString())).toEqual({ rows: 4 });
    await db().query(`DELETE FROM basalt.artifacts WHERE job_id = $1`, [jobId]);
  });

  it('expiry removes the rows and the files', async () => {
    const input = await s().writeInput({ filename: 'old.csv', contentType: 'text/csv' }, Readable.from([Buffer.from('id\n1\n')]));
    await db().query(`UPDATE basalt.artifacts SET expires_at = now() - interval '1 second' WHERE id = $1`, [input.id]);
    expect(await s().info(input.id)).toBeUndefined();
    expect(await s().deleteExpired()).toBeGreaterThanOrEqual(1);
    expect((await db().query(`SELECT 1 FROM basalt.artifacts WHERE id = $1`, [input.id])).rowCount).toBe(0);
    expect(existsSync(path.join(dir, input.id))).toBe(false);
  });

  // Only the file store can lose bytes behind its row.
  if (files) it('a file shorter than its row says (lost in a crash) is refused, not served truncated', async () => {
    const input = await s().writeInput({ filename: 't.csv', contentType: 'text/csv' }, Readable.from([Buffer.from('id\n1\n2\n')]));
    truncateSync(path.join(dir, input.id), 3);
    await expect(s().readAll(input.id)).rejects.toThrow(/holds 3 of 7 bytes/);
    await s().remove(input.id);
  });
});
