import { createHmac } from 'node:crypto';
import pg from 'pg';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';

export const AUTHENTICATOR = 'authenticator';

/**
 * The data API connects as `authenticator`, a NOINHERIT login role that can only
 * switch to the roles granted to it, so no token can reach a role it was not given.
 * Its password derives from JWT_SECRET, so every instance computes the same one.
 */
export async function restConnectionUrl(config: Config, log: Logger): Promise<{ url: string; loginRole: string }> {
  if (config.DB_REST_URL) return { url: config.DB_REST_URL, loginRole: decodeURIComponent(new URL(config.DB_REST_URL).username) };
  const password = createHmac('sha256', config.JWT_SECRET).update('basalt-authenticator').digest('hex');
  const client = new pg.Client({ connectionString: config.DATABASE_URL, application_name: 'basalt-setup' });
  try {
    await client.connect();
    // ALTER ROLE takes no parameters; the password is our own hex digest, never user input.
    await client.query(`ALTER ROLE ${AUTHENTICATOR} WITH LOGIN NOINHERIT PASSWORD '${password}'`);
    const u = new URL(config.DATABASE_URL);
    u.username = AUTHENTICATOR;
    u.password = password;
    return { url: u.toString(), loginRole: AUTHENTICATOR };
  } catch (e) {
    const user = decodeURIComponent(new URL(config.DATABASE_URL).username);
    log.warn({ err: (e as Error).message }, `cannot enable the authenticator login; the data API will connect as ${user} and only switch to roles granted to authenticator`);
    return { url: config.DATABASE_URL, loginRole: AUTHENTICATOR };
  } finally {
    await client.end().catch(() => {});
  }
}
