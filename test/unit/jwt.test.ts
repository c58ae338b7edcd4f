/** Token verification without a server: algorithms, keys, claims checks and the role claim path. */
import { describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { JwtVerifier, parseClaimPath } from '../../src/api/auth/jwt.ts';
import { ApiError } from '../../src/shared/errors.ts';

const SECRET = 'a-shared-secret-that-is-long-enough-for-hs256';
const hs = (claims: Record<string, unknown>, alg = 'HS256', secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret));
const verifier = (o: Partial<{ secret: string; audience: string; roleClaimKey: string }> = {}) =>
  new JwtVerifier({ secret: o.secret ?? SECRET, audience: o.audience, roleClaimKey: o.roleClaimKey ?? '.role', cacheMax: 10 });

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    return e as ApiError;
  }
  throw new Error('expected the token to be refused');
}

describe('JwtVerifier', () => {
  it('accepts HS256/384/512 tokens signed with the secret', async () => {
    for (const alg of ['HS256', 'HS384', 'HS512']) expect((await verifier().verify(await hs({ role: 'authenticated' }, alg))).role).toBe('authenticated');
  });

  it('refuses a tampered token with 401 PGRST301 and WWW-Authenticate', async () => {
    const token = await hs({ role: 'anon' });
    const [h, , sig] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ role: 'service_role' })).toString('base64url')}.${sig}`;
    const e = await rejection(verifier().verify(forged));
    expect([e.status, e.code]).toEqual([401, 'PGRST301']);
    expect(e.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  it('refuses alg none and a token signed with another secret', async () => {
    const none = new UnsecuredJWT({ role: 'service_role' }).encode();
    expect((await rejection(verifier().verify(none))).code).toBe('PGRST301');
    expect((await rejection(verifier().verify(await hs({ role: 'x' }, 'HS256', 'another-secret-that-is-long-enough!!')))).code).toBe('PGRST301');
  });

  it('refuses an expired token with PGRST303 "JWT expired"', async () => {
    const e = await rejection(verifier().verify(await hs({ role: 'anon', exp: Math.floor(Date.now() / 1000) - 3600 })));
    expect([e.status, e.code, e.message]).toEqual([401, 'PGRST303', 'JWT expired']);
  });

  it('refuses a token that is not valid yet, and one for another audience', async () => {
    expect((await rejection(verifier().verify(await hs({ nbf: Math.floor(Date.now() / 1000) + 3600 })))).code).toBe('PGRST303');
    const e = await rejection(verifier({ audience: 'basalt' }).verify(await hs({ aud: 'someone-else' })));
    expect([e.code, e.message]).toEqual(['PGRST303', 'JWT not in audience']);
    expect((await verifier({ audience: 'basalt' }).verify(await hs({ aud: 'basalt', role: 'r' }))).role).toBe('r');
  });

  it('verifies RS256 and ES256 tokens against a JWKS, and refuses an HS256 token forged with the public key', async () => {
    const rsa = await generateKeyPair('RS256');
    const ec = await generateKeyPair('ES256');
    const jwks = { keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'r1', alg: 'RS256' }, { ...(await exportJWK(ec.publicKey)), kid: 'e1', alg: 'ES256' }] };
    const v = verifier({ secret: JSON.stringify(jwks) });
    const rs = await new SignJWT({ role: 'authenticated' }).setProtectedHeader({ alg: 'RS256', kid: 'r1' }).sign(rsa.privateKey);
    const es = await new SignJWT({ role: 'service_role' }).setProtectedHeader({ alg: 'ES256', kid: 'e1' }).sign(ec.privateKey);
    expect((await v.verify(rs)).role).toBe('authenticated');
    expect((await v.verify(es)).role).toBe('service_role');
    const other = await generateKeyPair('RS256');
    const stranger = await new SignJWT({ role: 'service_role' }).setProtectedHeader({ alg: 'RS256', kid: 'r1' }).sign(other.privateKey);
    expect((await rejection(v.verify(stranger))).code).toBe('PGRST301');
    // The classic confusion attack: an HMAC token keyed with the RSA public key's text.
    const confused = await hs({ role: 'service_role' }, 'HS256', JSON.stringify(jwks.keys[0]));
    expect((await rejection(v.verify(confused))).status).toBe(401);
  });

  it('reads the role from a configurable claim path', async () => {
    const token = await hs({ app_metadata: { role: 'editor' }, 'https://x.io': { roles: ['admin'] } });
    const claims = await verifier().verify(token);
    expect(verifier({ roleClaimKey: '.app_metadata.role' }).roleOf(claims)).toBe('editor');
    expect(verifier({ roleClaimKey: '."https://x.io".roles[0]' }).roleOf(claims)).toBe('admin');
    expect(parseClaimPath('.a."b.c"[2]')).toEqual(['a', 'b.c', '2']);
  });

  it('caches verified tokens', async () => {
    const v = verifier();
    const token = await hs({ role: 'anon', exp: Math.floor(Date.now() / 1000) + 60 });
    const first = await v.verify(token);
    expect(await v.verify(token)).toBe(first);
  });
});
