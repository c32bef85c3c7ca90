import { defineConfig } from 'vitest/config';

// Three projects: `unit` (fakes, fast, parallel), `integration` (real Docker, PostgreSQL,
// Redis; one file at a time because they share one daemon and the game network) and
// `faults` (outages of private servers and SIGKILLs of the real RTM process; minutes, so
// `npm run test:faults`, not part of `npm test`).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/adapters/**', 'test/property/rest/**', 'test/faults/**', 'node_modules/**'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/adapters/**/*.test.ts', 'test/property/rest/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
      {
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
