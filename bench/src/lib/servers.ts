import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { onInterrupt } from './cleanup.js';
import type { Target } from './targets.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BENCH_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FLOORS = fileURLToPath(new URL('../floors/', import.meta.url));

/**
 * Huddle's environment in every run. All clients come from 127.0.0.1, so per-IP caps and per-user
 * rate limits are lifted (recorded in the results); everything else is the production default.
 */
export const HUDDLE_ENV = {
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  // Production needs one; the bench never scrapes /metrics.
  METRICS_TOKEN: 'bench-metrics-token-bench-metrics-token',
  MAX_CONNECTIONS_PER_IP: '100000',
  RATE_LIMIT_SCALE: '1000',
  CHAT_SEND_BURST: '1000000',
  CHAT_SEND_PER_SECOND: '1000000',
} as const;

export interface RunningServer {
  target: Target;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** A port free right now (the server binds it a moment later). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts one target as its own process and waits until it answers /healthz. */
export async function startServer(target: Target, options: { cpuProfDir?: string } = {}): Promise<RunningServer> {
  const port = await freePort();
  // One directory per server process: with tsx, the loader thread writes a (near idle) profile too.
  const profile = options.cpuProfDir
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(options.cpuProfDir, `${target}-${Date.now()}`)}`]
    : [];
  let dataDir: string | undefined;
  let child: ChildProcess;
  if (target === 'huddle') {
    dataDir = mkdtempSync(path.join(tmpdir(), 'huddle-bench-'));
    child = spawn(process.execPath, [...profile, path.join(REPO_ROOT, 'apps/server/dist/index.js')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...HUDDLE_ENV,
        PORT: String(port),
        DATA_DIR: dataDir,
        SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-0123456789',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } else {
    const script = path.join(FLOORS, target === 'ws' ? 'ws-server.ts' : 'socketio-server.ts');
    child = spawn(process.execPath, [...profile, '--import', 'tsx', script], {
      cwd: BENCH_ROOT,
      env: { ...process.env, NODE_ENV: 'production', PORT: String(port) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  const forget = onInterrupt(() => {
    child.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${target} server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${target} server did not start in 30 s`);
    await sleep(100);
  }
  return {
    target,
    url,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        });
      }
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      forget();
    },
  };
}
