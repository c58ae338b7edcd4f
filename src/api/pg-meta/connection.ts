import type { RequestHandler } from 'express';
import type { Services } from '../services.ts';
import { fail } from '../../shared/errors.ts';
import { CryptoJsAesError, decryptCryptoJsAes } from './crypto-js-aes.ts';
import { TargetPools } from './target-pools.ts';
import { checkoutClient } from './connection-errors.ts';

/** res.locals set here: `db` (pg Pool) and `dbWhich` ('server' | 'target'). */

function isPostgresUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Chooses the database a pg-meta request talks to and puts it in `res.locals.db`: the
 * server's own pool, or, when the request carries X-Connection-Encrypted (a connection
 * string encrypted as CryptoJS.AES.encrypt(url, CRYPTO_KEY) does, as postgres-meta takes
 * it), a bounded per-target pool. A target that cannot be reached is answered here with a
 * 502, so the routes after this never see an unreachable target on their first query.
 */
export function pgMetaConnection(s: Services): RequestHandler {
  const c = s.config;
  const targets = s.pgMetaTargets;

  return async (req, res, next) => {
    const header = req.headers['x-connection-encrypted'];
    // As postgres-meta: an absent or empty header means the default connection.
    if (!header) {
      res.locals.db = s.pool;
      res.locals.dbWhich = 'server';
      return next();
    }
    if (!c.CRYPTO_KEY) {
      throw fail('ENCRYPTED_CONNECTIONS_DISABLED', 'encrypted connections are not enabled: the server has no CRYPTO_KEY, so X-Connection-Encrypted cannot be used');
    }
    let url: string;
    try {
      url = decryptCryptoJsAes(String(header), c.CRYPTO_KEY);
    } catch (e) {
      if (!(e instanceof CryptoJsAesError)) throw e;
      throw fail('INVALID_CONNECTION_HEADER', `X-Connection-Encrypted could not be decrypted with the server's CRYPTO_KEY (${e.message}); encrypt the connection string as CryptoJS.AES.encrypt(url, CRYPTO_KEY).toString() does`);
    }
    if (!isPostgresUrl(url)) {
      throw fail('INVALID_CONNECTION_HEADER', 'X-Connection-Encrypted decrypted, but not to a postgres:// or postgresql:// connection URL with a host');
    }
    const lease = targets.acquire(url);
    res.once('finish', lease.release);
    res.once('close', lease.release);
    // A pool without connections (new, or idled out) is probed now, so an unreachable target
    // is a 502 before any route runs; the probed client stays in the pool for the route. A
    // pool with connections is not: the target answered recently, and waiting here for a
    // busy pool's free slot would only delay the route.
    if (lease.pool.totalCount === 0) (await checkoutClient(lease.pool, 'target')).release();
    res.locals.db = lease.pool;
    res.locals.dbWhich = 'target';
    next();
  };
}
