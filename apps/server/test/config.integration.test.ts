import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ServerEvent } from '@huddle/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { connectRecorded, join, type TestClient, tempDir, uniqueSpace } from './helpers.js';
import { type NodeProcess, startNodeProcess } from './node-process.js';

const SERVER_DIR = path.resolve(import.meta.dirname, '..');
/** Each test starts server processes (tsx compiles on start): seconds each on this busy machine. */
const PROCESS_TEST_MS = 60_000;

/**
 * Runs the server's entry point to its end, as `node src/index.ts` would run. One that starts listening
 * instead of stopping is killed after 30 s, so a refusal that does not come fails the test.
 */
function runServer(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { SESSION_SECRET: _inherited, ...inherited } = process.env;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--conditions=development', '--import', 'tsx', 'src/index.ts'],
      {
        cwd: SERVER_DIR,
        env: { ...inherited, HOST: '127.0.0.1', PORT: '0', ...env },
        timeout: 30_000,
        killSignal: 'SIGKILL',
      },
      (_err, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

const data: { remove(): void }[] = [];
const nodes: NodeProcess[] = [];
const sockets: TestClient[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  for (const n of nodes.splice(0)) await n.stop();
  for (const d of data.splice(0)) d.remove();
});

describe('configuration, as the server process sees it', () => {
  it(
    'a production start without SESSION_SECRET stops with exit code 1, the problems listed, never listening',
    async () => {
      const dir = tempDir('huddle-config-prod-');
      data.push(dir);
      const { code, stdout, stderr } = await runServer({
        NODE_ENV: 'production',
        DATA_DIR: dir.dir,
        LOG_LEVEL: 'info',
      });
      expect(code).toBe(1);
      expect(stderr).toContain('Invalid configuration:');
      expect(stderr).toContain('SESSION_SECRET: required in production');
      expect(stdout).not.toContain('huddle listening');
    },
    PROCESS_TEST_MS,
  );

  it(
    'a production start without METRICS_TOKEN or METRICS_PORT stops with exit code 1, never listening',
    async () => {
      const dir = tempDir('huddle-config-metrics-');
      data.push(dir);
      const { code, stdout, stderr } = await runServer({
        NODE_ENV: 'production',
        DATA_DIR: dir.dir,
        SESSION_SECRET: 'a-production-secret-of-40-characters-xyz',
        LOG_LEVEL: 'info',
      });
      expect(code).toBe(1);
      expect(stderr).toContain('METRICS_TOKEN: required in production');
      expect(stdout).not.toContain('huddle listening');
    },
    PROCESS_TEST_MS,
  );

  it(
    'a start with bad values stops with exit code 1 and names each of them',
    async () => {
      const dir = tempDir('huddle-config-bad-');
      data.push(dir);
      const { code, stderr } = await runServer({ DATA_DIR: dir.dir, PORT: 'eighty', LOG_LEVEL: 'loud' });
      expect(code).toBe(1);
      expect(stderr).toMatch(/^\s+PORT: /m);
      expect(stderr).toMatch(/^\s+LOG_LEVEL: /m);
    },
    PROCESS_TEST_MS,
  );

  it(
    'the generated secret survives a restart: a token issued before it is still accepted after',
    async () => {
      const dir = tempDir('huddle-config-restart-');
      data.push(dir);
      const env = { DATA_DIR: dir.dir, NODE_ENV: 'development' };

      const first = await startNodeProcess(env);
      nodes.push(first);
      const space = uniqueSpace('restart');
      const grant = await join(first.url, space, 'Ana');
      const secret = readFileSync(path.join(dir.dir, 'session-secret'), 'utf8');
      await first.stop();
      nodes.splice(0);

      const second = await startNodeProcess(env);
      nodes.push(second);
      const tab = await connectRecorded(second.url, grant.token);
      sockets.push(tab.socket);
      expect(await tab.events.next(ServerEvent.Welcome)).toMatchObject({ user: grant.user, space });
      expect(readFileSync(path.join(dir.dir, 'session-secret'), 'utf8')).toBe(secret);
    },
    PROCESS_TEST_MS,
  );
});
