/**
 * The optional licence server (LICENSE_SERVER_URL). Protocol:
 *   POST <LICENSE_SERVER_URL>  Content-Type: application/json  {"licenseKey": "...", "email": "..."}
 *   200 {"valid": true}                      the key is good: counts as a successful validation
 *   200 {"valid": false, "message": "..."}   the key is revoked: the licence becomes invalid
 * Anything else (no connection, no answer within 5 s, another status, a body without a boolean
 * `valid`) means unreachable: the licence runs on its offline grace period.
 */
export type ServerVerdict = { kind: 'valid' } | { kind: 'revoked'; message: string } | { kind: 'unreachable'; error: string };

export const LICENSE_SERVER_TIMEOUT_MS = 5_000;

export async function askLicenseServer(url: string, licenseKey: string, email: string, timeoutMs = LICENSE_SERVER_TIMEOUT_MS): Promise<ServerVerdict> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ licenseKey, email }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    return { kind: 'unreachable', error: err.cause?.code ?? err.cause?.message ?? err.message };
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => {});
    return { kind: 'unreachable', error: `licence server answered HTTP ${res.status}` };
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    return { kind: 'unreachable', error: 'licence server answered with something other than JSON' };
  }
  const verdict = body as { valid?: unknown; message?: unknown };
  if (typeof verdict?.valid !== 'boolean') return { kind: 'unreachable', error: 'licence server answer has no boolean "valid"' };
  if (verdict.valid) return { kind: 'valid' };
  return { kind: 'revoked', message: typeof verdict.message === 'string' && verdict.message ? verdict.message.slice(0, 500) : 'revoked by the licence server' };
}
