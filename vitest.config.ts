import { defineConfig } from 'vitest/config';

// Two projects: `unit` (fakes, fast, parallel) and `integration` (real Docker, PostgreSQL,
// Redis; one file at a time because they share one daemon and the game network).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/adapters/**', 'test/property/rest/**', 'node_modules/**'],
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
    ],
  },
});
