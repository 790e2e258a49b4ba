import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const apiUrl = process.env.HUDDLE_API_URL ?? 'http://127.0.0.1:3001';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // Bundle the protocol from source: the web build must not depend on the protocol package having been built first.
    alias: {
      '@huddle/protocol': fileURLToPath(new URL('../../packages/protocol/src/index.ts', import.meta.url)),
    },
  },
  server: {
    // No changeOrigin: the server checks that the Origin header matches the Host it was reached on.
    proxy: {
      '/api': { target: apiUrl },
      '/socket.io': { target: apiUrl, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
    // A test that asserts nothing cannot fail; a poll's 1 s default is shorter than a busy 2-core machine's hiccups.
    expect: { requireAssertions: true, poll: { timeout: 10_000 } },
  },
});
