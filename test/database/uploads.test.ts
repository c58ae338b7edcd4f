/** Malformed and truncated multipart uploads get a 400, and the API stays up. */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { adminAuth, apiUrl } from '../support/env.ts';

async function rawRequest(body: string, declaredLength: number): Promise<string> {
  const { hostname, port } = new URL(apiUrl);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname, () => {
      sock.write(
        `POST /api/database/advance/import HTTP/1.1\r\nHost: x\r\nAuthorization: ${adminAuth}\r\n` +
          `Content-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: ${declaredLength}\r\nConnection: close\r\n\r\n${body}`,
      );
      // Half-close: the body stops short of what Content-Length promised.
      sock.end();
    });
    let out = '';
    sock.on('data', (d) => (out += d));
    sock.on('close', () => resolve(out));
    sock.on('error', reject);
  });
}

describe('multipart uploads', () => {
  it('answers a body cut short in the middle of the file without crashing the API', async () => {
    const partial = '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.sql"\r\nContent-Type: application/sql\r\n\r\nCREATE TABLE x (id int);\n';
    await rawRequest(partial, partial.length + 500);
    const health = await fetch(`${apiUrl}/api/health`);
    expect(health.status).toBe(200);
  });

  it('answers a body with no closing boundary with 400', async () => {
    const body = '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.sql"\r\n\r\nSELECT 1;\r\n';
    const res = await fetch(`${apiUrl}/api/database/advance/import`, {
      method: 'POST',
      headers: { Authorization: adminAuth, 'Content-Type': 'multipart/form-data; boundary=XYZ' },
      body,
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('VALIDATION_ERROR');
    expect((await fetch(`${apiUrl}/api/health`)).status).toBe(200);
  });
});
