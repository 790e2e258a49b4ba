import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Measured separately, one scenario at a time: `pnpm reliability` (vitest.reliability.config.ts).
    exclude: ['test/reliability/**', '**/node_modules/**'],
    environment: 'node',
    // A test that asserts nothing cannot fail; a poll's 1 s default is shorter than this 2-core machine's
    // hiccups (a test that needs a tighter bound states it in its own expect.poll).
    expect: { requireAssertions: true, poll: { timeout: 10_000 } },
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Integration tests start real servers and databases; two cores do not gain from more.
    maxWorkers: 2,
  },
});
