import { defineConfig } from 'vitest/config';

/**
 * The reliability suite (`pnpm --filter @huddle/server reliability`): faults, floods, hostile input and
 * origins, measured. One file at a time, so no scenario's figures are skewed by another's load; the
 * figures go to docs/reliability.md (see test/reliability/report.ts). RELIABILITY_SOAK=1 runs longer.
 */
export default defineConfig({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'] } },
  test: {
    include: ['test/reliability/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30 * 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    globalSetup: ['test/reliability/global-setup.ts'],
  },
});
