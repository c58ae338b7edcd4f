import { SignJWT } from 'jose';

const TEN_YEARS_S = 10 * 365 * 86_400;

/**
 * A project's anon and service_role keys, shaped like Supabase's ({iss, ref, role, iat, exp}).
 * Signed from the project's creation time, so the same secret always gives the same keys
 * and nothing but the secret needs storing.
 */
export async function projectApiKeys(secret: string, ref: string, createdAt: Date): Promise<{ anon: string; service_role: string }> {
  const iat = Math.floor(createdAt.getTime() / 1000);
  const sign = (role: string) =>
    new SignJWT({ iss: 'basalt', ref, role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(iat)
      .setExpirationTime(iat + TEN_YEARS_S)
      .sign(new TextEncoder().encode(secret));
  const [anon, service_role] = await Promise.all([sign('anon'), sign('service_role')]);
  return { anon, service_role };
}
