import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { ReliabilityReporter } from './test/reliability/report-reporter.js';

/**
 * The reliability suite (`pnpm --filter @huddle/server reliability`): faults, floods, hostile input and
 * origins, measured. One file at a time, so no scenario's figures are skewed by another's load. Every run
 * writes `.reliability/report.md` with each scenario's status; `reliability:publish` (RELIABILITY_PUBLISH=1)
 * also replaces docs/reliability.md, from a complete passing run of committed code only.
 * RELIABILITY_SOAK=1 runs longer.
 */
export default defineConfig({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'] } },
  test: {
    include: ['test/reliability/*.test.ts'],
    environment: 'node',
    // A test that asserts nothing cannot fail; a poll's 1 s default is shorter than this 2-core machine's
    // hiccups (a test that needs a tighter bound states it in its own expect.poll).
    expect: { requireAssertions: true, poll: { timeout: 10_000 } },
    testTimeout: 30 * 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    reporters: [
      'default',
      new ReliabilityReporter({
        scenariosDir: path.resolve(import.meta.dirname, 'test/reliability'),
        publishTo: path.resolve(import.meta.dirname, '../../docs/reliability.md'),
      }),
    ],
  },
});
