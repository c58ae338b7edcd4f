import { defineConfig } from 'vitest/config';

// Two projects: unit tests need no services and run first and fast; the rest run against the
// real API, worker, PostgreSQL and Redis that test/global-setup.ts starts.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: ['test/unit/**'], globalSetup: ['test/global-setup.ts'], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
