/**
 * Licence revalidation: a repeatable job on the `license` queue, run when a worker starts and
 * daily. It asks LICENSE_SERVER_URL about the current licence; when the server cannot be
 * reached it records that, and the licence runs on its offline grace period (7 days paid,
 * 3 days trial, from the last successful validation). Without a server, the signature check
 * counts as the validation.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/log.ts';
import type { JobContext } from './handlers.ts';
import { queueName } from '../shared/jobs/names.ts';
import type { JobData, JobPayloads } from '../shared/jobs/payloads.ts';
import { clockMode } from '../shared/license/clock.ts';
import { licensePublicKey } from '../shared/license/license-key.ts';
import { LicenseStore } from '../shared/license/license-store.ts';
import { askLicenseServer } from '../shared/license/license-server.ts';
import { DAY_MS, licenseStatus } from '../shared/license/license-status.ts';

/** Stable ids: however many workers start, there is one schedule and one start-up run at a time. */
export const REVALIDATION_SCHEDULER_ID = 'license-revalidation';
const STARTUP_DEDUP_ID = 'license-revalidation-startup';

export async function runLicenseRevalidation(_payload: JobPayloads['license'], ctx: JobContext): Promise<unknown> {
  const c = ctx.licenseClock;
  await c.sync();
  const now = c.now();
  const store = new LicenseStore(ctx.pool, licensePublicKey(ctx.config.LICENSE_PUBLIC_KEY));
  const license = await store.current();
  const server = ctx.config.LICENSE_SERVER_URL;
  let outcome: string;
  if (!license) outcome = 'no licence activated';
  else if (!license.genuine) outcome = 'stored key does not verify with the configured public key';
  else if (!server) {
    await store.recordValidated(license.hash, now);
    outcome = 'validated offline (no licence server configured)';
  } else {
    const verdict = await askLicenseServer(server, license.key, license.email);
    if (verdict.kind === 'valid') {
      await store.recordValidated(license.hash, now);
      outcome = 'validated by the licence server';
    } else if (verdict.kind === 'revoked') {
      await store.recordRevoked(license.hash, now, verdict.message);
      outcome = `revoked: ${verdict.message}`;
    } else {
      await store.recordUnreachable(license.hash, now, verdict.error);
      outcome = `licence server unreachable (${verdict.error}); offline grace period applies`;
    }
  }
  const status = licenseStatus(await store.state(!!server), now);
  (license && status.status !== 'active' && status.status !== 'trial' ? ctx.log.warn : ctx.log.info).call(ctx.log, { outcome, status: status.status }, 'licence revalidated');
  return { outcome, status };
}

/**
 * Called once per worker start: the daily schedule (upserted under a stable id) and one
 * immediate run, deduplicated so that workers starting together add it once. A bad licence
 * setting ends the process at once; the Redis part runs in the background, so a worker still
 * starts while Redis is away (BullMQ waits for it too).
 */
export function scheduleLicenseRevalidation(config: Config, log: Logger, connection: Redis): void {
  try {
    clockMode(process.env);
    licensePublicKey(config.LICENSE_PUBLIC_KEY);
  } catch (e) {
    log.fatal({ err: (e as Error).message }, 'worker cannot start');
    process.exit(78);
  }
  void (async () => {
    const queue = new Queue<JobData>(queueName('license'), { connection, prefix: config.QUEUE_PREFIX });
    const data: JobData = { type: 'license', payload: {} };
    const keep = { removeOnComplete: { count: 20 }, removeOnFail: { count: 20 } };
    try {
      // A new `every` schedule runs at once; an existing one does not, so then a start-up run is added.
      const existed = !!(await queue.getJobScheduler(REVALIDATION_SCHEDULER_ID));
      await queue.upsertJobScheduler(REVALIDATION_SCHEDULER_ID, { every: DAY_MS }, { name: 'license', data, opts: keep });
      if (existed) await queue.add('license', data, { ...keep, deduplication: { id: STARTUP_DEDUP_ID, ttl: 60_000 } });
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'could not schedule licence revalidation');
    } finally {
      await queue.close().catch(() => {});
    }
  })();
}
