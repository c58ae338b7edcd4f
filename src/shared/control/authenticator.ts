import { createHmac } from 'node:crypto';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { setupTransaction } from './setup-transaction.ts';

export const AUTHENTICATOR = 'authenticator';
// Set by the process that enabled the login, read by the processes it starts.
const FALLBACK_ENV = 'BASALT_REST_LOGIN_FALLBACK';
const LOCK_KEY = 7_403_112_002;

const passwordOf = (config: Config) => createHmac('sha256', config.JWT_SECRET).update('basalt-authenticator').digest('hex');

/**
 * The data API connects as `authenticator`, a NOINHERIT login role that can only
 * switch to the roles granted to it, so no token can reach a role it was not given.
 * Its password derives from JWT_SECRET, so every instance computes the same one.
 * Run once per start, before web processes fork (they race otherwise: "tuple
 * concurrently updated"); the advisory lock covers instances on other hosts.
 */
export async function enableAuthenticatorLogin(config: Config, log: Logger): Promise<void> {
  if (config.DB_REST_URL) return;
  try {
    await setupTransaction(
      config.DATABASE_URL,
      async (client) => {
        // ALTER ROLE takes no parameters; the password is our own hex digest, never user input.
        await client.query(`ALTER ROLE ${AUTHENTICATOR} WITH LOGIN NOINHERIT PASSWORD '${passwordOf(config)}'`);
      },
      { lockKey: LOCK_KEY },
    );
    delete process.env[FALLBACK_ENV];
  } catch (e) {
    const user = decodeURIComponent(new URL(config.DATABASE_URL).username);
    log.warn({ err: (e as Error).message }, `cannot enable the authenticator login; the data API will connect as ${user} and only switch to roles granted to authenticator`);
    process.env[FALLBACK_ENV] = '1';
  }
}

/** The data API's connection string (pure: no I/O, the same in every process). */
export function restConnectionUrl(config: Config): { url: string; loginRole: string } {
  if (config.DB_REST_URL) return { url: config.DB_REST_URL, loginRole: decodeURIComponent(new URL(config.DB_REST_URL).username) };
  if (process.env[FALLBACK_ENV] === '1') return { url: config.DATABASE_URL, loginRole: AUTHENTICATOR };
  const u = new URL(config.DATABASE_URL);
  u.username = AUTHENTICATOR;
  u.password = passwordOf(config);
  return { url: u.toString(), loginRole: AUTHENTICATOR };
}
