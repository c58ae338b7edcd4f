/**
 * Follow mode: GET /api/jobs/:id/result?follow=true streams an export while the worker
 * still writes it, and never splices two attempts of a retried job.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, db } from '../support/env.ts';
import { isolatedStack, type IsolatedStack } from '../support/isolated-stack.ts';
import { poll, stopProcess } from '../support/processes.ts';

const ROWS = 400_000;
const T = 'follow_rows';
// Hex digests: export outputs are stored brotli-compressed, and a pad that compresses
// well would fit in one stored chunk; this keeps the file many chunks long.
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const pad = (i: number) => md5(String(i)) + md5(String(i + 1)) + md5(String(i + 2));

/** GET without any decoding: the raw status, headers and body bytes. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  await db().query(`
    DROP TABLE IF EXISTS public.${T};
    CREATE TABLE public.${T} (id int PRIMARY KEY, pad text);
    INSERT INTO public.${T} SELECT i, md5(i::text) || md5((i + 1)::text) || md5((i + 2)::text) FROM generate_series(1, ${ROWS}) i;
  `);
}, 60_000);

afterAll(async () => {
  await db().query(`DROP TABLE IF EXISTS public.${T}`);
});

async function enqueue(base: string, body: object): Promise<string> {
  const res = await fetch(`${base}/api/database/advance/export`, {
    method: 'POST',
    headers: { Authorization: adminAuth, 'Content-Type': 'application/json', Prefer: 'respond-async' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  return res.headers.get('location')!;
}
const jobStatus = async (base: string, location: string) => (await fetch(`${base}${location}`, { headers: { Authorization: adminAuth } })).json();

describe('GET /api/jobs/:id/result?follow=true', () => {
  it('streams the first bytes before the job completes, and the whole file matches the stored result', async () => {
    const location = await enqueue(apiUrl, { tables: [T], format: 'sql' });
    const res = await fetch(`${apiUrl}${location}/result?follow=true`, { headers: { Authorization: adminAuth } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/sql/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="export.sql"');
    expect(res.headers.get('content-length')).toBeNull(); // still being written: chunked
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    // The first chunk is here; the job still runs.
    expect((await jobStatus(apiUrl, location)).state).toBe('active');
    const parts: Buffer[] = [Buffer.from(first.value!)];
    for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(Buffer.from(r.value));
    const followed = Buffer.concat(parts);

    const done = await jobStatus(apiUrl, location);
    expect(done.state).toBe('completed');
    expect(done.result.rows).toBe(ROWS);
    expect(followed.length).toBe(done.result.bytes);
    const stored = await fetch(`${apiUrl}${location}/result`, { headers: { Authorization: adminAuth } });
    expect(stored.headers.get('content-length')).toBe(String(done.result.bytes));
    expect(Buffer.from(await stored.arrayBuffer()).equals(followed)).toBe(true);
    expect(followed.toString('utf8')).toContain(`${ROWS}\t${pad(ROWS)}\n\\.\n`);

    // The test stack stores files (ARTIFACT_STORE=fs, as npm start): outputs are kept as they are,
    // and every client, one that accepts br too, gets them unencoded with their length.
    const info = (await db().query(`SELECT size, content_size, encoding FROM basalt.artifacts WHERE job_id = $1`, [location.split('/').pop()])).rows[0];
    expect(info.encoding).toBeNull();
    expect(Number(info.size)).toBe(done.result.bytes);
    const br = await rawGet(`${apiUrl}${location}/result`, { Authorization: adminAuth, 'Accept-Encoding': 'br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBeUndefined();
    expect(br.headers['content-length']).toBe(String(done.result.bytes));
    expect(br.body.equals(followed)).toBe(true);
  }, 60_000);

  it('on a finished job answers as without follow (Content-Length)', async () => {
    const location = await enqueue(apiUrl, { tables: [T], format: 'json', rowLimit: 3 });
    await poll(async () => ((await jobStatus(apiUrl, location)).state === 'completed' ? true : undefined), 'completion');
    const res = await fetch(`${apiUrl}${location}/result?follow=true`, { headers: { Authorization: adminAuth } });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
    expect(JSON.parse(body)[T]).toHaveLength(3);
  });

  it('refuses a bad follow value with 400, and without follow a running job is still 409', async () => {
    const location = await enqueue(apiUrl, { tables: [T], format: 'sql' });
    const bad = await fetch(`${apiUrl}${location}/result?follow=maybe`, { headers: { Authorization: adminAuth } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toBe('VALIDATION_ERROR');
    const early = await fetch(`${apiUrl}${location}/result`, { headers: { Authorization: adminAuth } });
    expect(early.status).toBe(409);
    expect((await early.json()).error).toBe('JOB_NOT_FINISHED');
  });
});

describe('a retried attempt is never spliced into a follower', () => {
  describe.each(['fs', 'postgres'] as const)('through the API (artifact store %s), with the worker killed', (store) => {
    let stack: IsolatedStack;
    beforeAll(async () => {
      stack = await isolatedStack(`follow${store}`, { ARTIFACT_STORE: store });
    }, 60_000);
    afterAll(async () => {
      await stack?.stop();
    });

    it('the follower’s response is aborted, and the retried job’s result holds every row once', async () => {
      const worker = await stack.spawn('src/workers/main.ts');
      const location = await enqueue(stack.base, { tables: [T], format: 'sql' });
      const res = await fetch(`${stack.base}${location}/result?follow=true`, { headers: { Authorization: adminAuth } });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      expect((await reader.read()).done).toBe(false);
      await stopProcess(worker, 'SIGKILL');
      await stack.spawn('src/workers/main.ts');
      // The rest of the body never completes normally: the connection is aborted.
      const drained = (async () => {
        for (let r = await reader.read(); !r.done; r = await reader.read());
      })();
      await expect(drained).rejects.toThrow();

      const done = await poll(async () => {
        const s = await stack.status(location);
        return s.state === 'completed' || s.state === 'failed' ? s : undefined;
      }, 'completion after retry', 90_000, 200);
      expect(done.state).toBe('completed');
      const text = await (await fetch(`${stack.base}${location}/result?follow=true`, { headers: { Authorization: adminAuth } })).text();
      const dataLines = text.split('\n').filter((l) => /^\d+\t/.test(l));
      expect(dataLines).toHaveLength(ROWS);
      expect(new Set(dataLines.map((l) => l.split('\t')[0])).size).toBe(ROWS);
    }, 150_000);

    if (store === 'postgres') it('the chunk store keeps outputs brotli: a br client gets them as stored, following or not; others decoded', async () => {
      await stack.spawn('src/workers/main.ts');
      const location = await enqueue(stack.base, { tables: [T], format: 'sql' });
      const res = await rawGet(`${stack.base}${location}/result?follow=true`, { Authorization: adminAuth, 'Accept-Encoding': 'br' });
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBe('br');
      expect(res.headers['transfer-encoding']).toBe('chunked');
      const followed = zlib.brotliDecompressSync(res.body);
      const done = await poll(async () => {
        const s = await stack.status(location);
        return s.state === 'completed' ? s : undefined;
      }, 'completion', 60_000, 100);
      expect(followed.length).toBe(done.result.bytes);
      expect(followed.toString('utf8').split('\n').filter((l) => /^\d+\t/.test(l))).toHaveLength(ROWS);
      const info = (await db().query(`SELECT size, content_size, encoding FROM basalt.artifacts WHERE job_id = $1`, [location.split('/').pop()])).rows[0];
      expect(info.encoding).toBe('br');
      expect(Number(info.content_size)).toBe(done.result.bytes);
      expect(Number(info.size)).toBeLessThan(done.result.bytes);
      const br = await rawGet(`${stack.base}${location}/result`, { Authorization: adminAuth, 'Accept-Encoding': 'gzip, br;q=0.5' });
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers.vary).toMatch(/Accept-Encoding/i);
      expect(br.headers['content-length']).toBe(String(info.size));
      expect(zlib.brotliDecompressSync(br.body).equals(followed)).toBe(true);
      const refused = await rawGet(`${stack.base}${location}/result`, { Authorization: adminAuth, 'Accept-Encoding': 'br;q=0, gzip' });
      expect(refused.headers['content-encoding']).toBeUndefined();
      expect(refused.headers['content-length']).toBe(String(done.result.bytes));
      expect(refused.body.equals(followed)).toBe(true);
    }, 90_000);
  });
});
