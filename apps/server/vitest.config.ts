import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Measured separately, one scenario at a time: `pnpm reliability` (vitest.reliability.config.ts).
    exclude: ['test/reliability/**', '**/node_modules/**'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Integration tests start real servers and databases; two cores do not gain from more.
    maxWorkers: 2,
  },
});
