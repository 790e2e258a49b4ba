import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

// Playwright cannot download its own browser here: use the system Chromium (Debian's package).
const executablePath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

export default defineConfig<{ topology: 'single' | 'cluster' }>({
  testDir: 'e2e',
  fullyParallel: true,
  forbidOnly: true,
  retries: 0,
  // Each test starts its own server; two workers fit two cores. Generous timeouts: on a busy 2-core CI
  // machine Chromium alone can take a second to act on a click (latency targets live in bench/).
  workers: 2,
  timeout: 120_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    ...devices['Desktop Chrome'],
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'single', testIgnore: /cluster\.spec\.ts/ },
    // The chat and pomodoro scenarios again, through nginx to three nodes on PostgreSQL and Redis.
    { name: 'cluster', use: { topology: 'cluster' }, testMatch: /(chat|pomodoro|cluster|removal)\.spec\.ts/ },
  ],
});
