/** The test-only clock cannot be switched on outside tests: API and worker refuse to start. */
import { describe, expect, it } from 'vitest';
import { databaseUrl, redisUrl, testEnv } from '../support/env.ts';
import { startProcess } from '../support/processes.ts';
import { freePort } from '../../scripts/local-services.ts';

describe('BASALT_CLOCK=adjustable outside NODE_ENV=test', () => {
  for (const entry of ['src/api/main.ts', 'src/workers/main.ts'] as const) {
    it(`${entry} refuses to start`, async () => {
      const p = startProcess(entry, { ...process.env, ...testEnv({ databaseUrl, redisUrl, port: await freePort() }), NODE_ENV: 'production', BASALT_CLOCK: 'adjustable', QUEUE_PREFIX: 'licclock' });
      const { code } = await p.exited;
      expect(code).not.toBe(0);
      expect(p.output()).toMatch(/BASALT_CLOCK=adjustable is a test-only clock and is refused unless NODE_ENV=test/);
    }, 60_000);
  }
});
