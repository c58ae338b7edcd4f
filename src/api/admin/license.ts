/**
 * Licences and trials: /api/license/* and /api/trial/* (open, as the seed says), and the
 * enforcement middleware in front of every other admin endpoint.
 */
import type { KeyObject } from 'node:crypto';
import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Services } from '../services.ts';
import { ApiError, fail } from '../../shared/errors.ts';
import { createClockSource, type ClockSource } from '../../shared/license/clock.ts';
import { licensePublicKey, verifyLicenseKey } from '../../shared/license/license-key.ts';
import { LicenseStore } from '../../shared/license/license-store.ts';
import { askLicenseServer } from '../../shared/license/license-server.ts';
import { blockedReason, graceEnd, keyVerdict, licenseStatus, trialEnd, trialStatus, type LicenseStatus } from '../../shared/license/license-status.ts';

/** Enforcement reads the status at most this often per process; activation refreshes it at once. */
const STATUS_CACHE_MS = 5_000;
const ACTIVATED = 'License activated successfully. You can deploy on unlimited platforms.';

export interface Licensing {
  publicKey: KeyObject;
  store: LicenseStore;
  clock: ClockSource;
  status(): Promise<LicenseStatus>;
  cachedStatus(): Promise<LicenseStatus>;
}

/** One per process, built by the composition root at start, so that a bad LICENSE_PUBLIC_KEY or BASALT_CLOCK stops the API. */
export function createLicensing(s: Pick<Services, 'config' | 'pool' | 'redis'>): Licensing {
  const publicKey = licensePublicKey(s.config.LICENSE_PUBLIC_KEY);
  const store = new LicenseStore(s.pool, publicKey);
  const clock = createClockSource(process.env, () => s.redis, s.config.QUEUE_PREFIX);
  let cache: { status: LicenseStatus; until: number } | undefined;
  const status = async () => {
    await clock.sync();
    const st = licenseStatus(await store.state(!!s.config.LICENSE_SERVER_URL), clock.now());
    cache = { status: st, until: Date.now() + STATUS_CACHE_MS };
    return st;
  };
  return {
    publicKey,
    store,
    clock,
    status,
    cachedStatus: async () => {
      const moved = await clock.sync();
      if (cache && !moved && cache.until > Date.now()) return cache.status;
      try {
        return await status();
      } catch (e) {
        // Keep answering from the last known status while the database hiccups.
        if (cache) return cache.status;
        throw e;
      }
    },
  };
}

function body(req: Request): Record<string, unknown> {
  const b = req.body as unknown;
  return b && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
}

const required = (field: string) => {
  const message = `${field} is required (a non-empty string)`;
  return z.string({ error: message }).trim().min(1, message);
};
/** Absent, null and '' are all "not given". */
const optional = (field: string) =>
  z.preprocess((v) => (v === null || v === '' ? undefined : v), z.string({ error: `${field} must be a string` }).trim().optional());
const EMAIL = 'email must be an email address';
const email = required('email').max(254, EMAIL).regex(/^[^\s@]+@[^\s@]+$/, EMAIL);

/** Bodies of the licence routes (validated here, documented in src/api/openapi/admin-api.ts). */
export const validateLicenseBody = z.object({ licenseKey: required('licenseKey'), email: optional('email') });
export const activateLicenseBody = z.object({ licenseKey: required('licenseKey'), email: required('email') });
export const startTrialBody = z.object({ email });

function parse<T extends z.ZodType>(schema: T, req: Request): z.infer<T> {
  const parsed = schema.safeParse(body(req));
  if (!parsed.success) throw fail('VALIDATION_ERROR', parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}

export function licenseRoutes(s: Services): Router {
  const l = s.licensing;
  const server = s.config.LICENSE_SERVER_URL;
  const r = Router();

  r.get('/license/status', async (_req, res) => {
    res.json(await l.status());
  });

  r.post('/license/validate', async (req, res) => {
    const { licenseKey: key, email } = parse(validateLicenseBody, req);
    await l.clock.sync();
    const v = verifyLicenseKey(key, l.publicKey);
    if (!v.ok) return void res.json({ valid: false, message: v.message, type: null, expiresAt: null });
    const { type, expiresAt } = v.payload;
    const own = keyVerdict(v.payload, l.clock.now(), email);
    if (!own.valid) return void res.json({ valid: false, message: own.message, type, expiresAt });
    if (server) {
      const verdict = await askLicenseServer(server, key, v.payload.email);
      if (verdict.kind === 'revoked') return void res.json({ valid: false, message: `License key was revoked: ${verdict.message}`, type, expiresAt });
      if (verdict.kind === 'unreachable') req.log?.warn({ err: verdict.error }, 'licence server unreachable; key checked offline');
    }
    res.json({ valid: true, message: 'License key is valid', type, expiresAt });
  });

  r.post('/license/activate', async (req, res) => {
    const { licenseKey: key, email } = parse(activateLicenseBody, req);
    await l.clock.sync();
    const now = l.clock.now();
    const v = verifyLicenseKey(key, l.publicKey);
    if (!v.ok) throw fail('INVALID_LICENSE', v.message);
    const own = keyVerdict(v.payload, now, email);
    if (!own.valid) throw fail(own.code, own.message);
    // Without a server the signature is the validation; with one, its answer (when it gives one).
    let validated = true;
    if (server) {
      const verdict = await askLicenseServer(server, key, v.payload.email);
      if (verdict.kind === 'revoked') throw fail('INVALID_LICENSE', `License key was revoked: ${verdict.message}`);
      if (verdict.kind === 'unreachable') {
        validated = false;
        req.log?.warn({ err: verdict.error }, 'licence server unreachable; licence activated offline, grace period applies');
        // A key seen before keeps its last validation: activating it again must not reopen its grace period.
        const seen = await l.store.find(key);
        if (seen?.revoked) throw fail('INVALID_LICENSE', 'License key was revoked by the licence server; it cannot be activated while the server is unreachable');
        const graceEnds = seen && graceEnd(seen);
        if (graceEnds && now.getTime() >= graceEnds.getTime()) {
          throw fail('INVALID_LICENSE', `The licence server cannot be reached and this key's offline grace period ended at ${graceEnds.toISOString()}; activating it again needs the licence server`);
        }
      }
    }
    await l.store.activate(key, v.payload, now, validated);
    await l.status(); // refresh this process's enforcement cache
    res.json({ valid: true, success: true, message: ACTIVATED });
  });

  r.post('/trial/start', async (req, res) => {
    const { email } = parse(startTrialBody, req);
    await l.clock.sync();
    const now = l.clock.now();
    const expiresAt = trialEnd(now);
    if (!(await l.store.startTrial(email, now, expiresAt))) {
      const t = await l.store.trial();
      throw fail('TRIAL_ALREADY_STARTED', `A trial was already started on this installation${t ? ` (it ends ${t.expiresAt.toISOString()})` : ''}; there is one trial per installation`);
    }
    await l.status();
    res.json({ success: true, message: 'Trial started successfully', trialExpiresAt: expiresAt.toISOString() });
  });

  r.get('/trial/status', async (_req, res) => {
    await l.clock.sync();
    res.json(trialStatus(await l.store.trial(), l.clock.now()));
  });

  return r;
}

/** LICENSE_ENFORCEMENT=on: admin endpoints answer 402 without a valid licence, trial or grace period. */
export function licenseEnforcement(s: Services): RequestHandler {
  if (s.config.LICENSE_ENFORCEMENT !== 'on') return (_req, _res, next) => next();
  const l = s.licensing;
  return async (_req, _res, next) => {
    const st = await l.cachedStatus();
    if (st.valid) return next();
    throw fail('LICENSE_REQUIRED', `No valid licence, trial or grace period: ${blockedReason(st)}. Admin endpoints are disabled until a licence is activated.`);
  };
}
