import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import the workspace packages by name; they run against the sources, not a build.
const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const alias = {
  '@galaxy/rtmanager-client/streams': source('./packages/rtmanager-client/src/streams.ts'),
  '@galaxy/rtmanager-client': source('./packages/rtmanager-client/src/index.ts'),
};

// Three projects: `unit` (fakes, fast, parallel), `integration` (real Docker, PostgreSQL,
// Redis; one file at a time because they share one daemon and the game network) and
// `faults` (outages of private servers and SIGKILLs of the real RTM process; minutes, so
// `npm run test:faults`, not part of `npm test`).
export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/adapters/**', 'test/property/rest/**', 'test/faults/**', 'test/swarm/**', '**/node_modules/**'],
          testTimeout: 10_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/adapters/**/*.test.ts', 'test/property/rest/**/*.test.ts'],
          exclude: ['test/adapters/docker/swarm/**', 'test/integration/swarm/**', '**/node_modules/**'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
      {
        resolve: { alias },
        test: {
          // The swarm backend on a single-node swarm (an extra dockerd in its own network
          // namespace, started and torn down by the project's setup): part of `npm test`.
          name: 'integration-swarm',
          include: ['test/adapters/docker/swarm/**/*.test.ts', 'test/integration/swarm/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          globalSetup: ['test/support/swarm-global-setup.ts'],
        },
      },
      {
        resolve: { alias },
        test: {
          // RTM's image on a three-node swarm (`npm run test:swarm`; docs/swarm.md): minutes, own command.
          name: 'swarm',
          include: ['test/swarm/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 600_000,
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
      {
        resolve: { alias },
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
