import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const SERVER_ENTRY = path.resolve(import.meta.dirname, '../apps/server/dist/index.js');

export interface HuddleServer {
  url: string;
  /** Kills the process (SIGKILL, like a crash) and starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Kills the process (SIGKILL) and leaves it down until `relaunch`. */
  crash(): Promise<void>;
  /** Starts the process again on the same port and data. */
  relaunch(): Promise<void>;
  stop(): Promise<void>;
  /** The server's recent log lines (JSON, one per line), for a failed test's report. */
  recentLog(): string;
}

const LOG_LINES_KEPT = 150;

/** Starts the built server as a real process with its own data directory, as production runs it. */
/** Production refuses to start without a metrics token (or a metrics port of their own). */
export const E2E_METRICS_TOKEN = 'e2e-metrics-token-e2e-metrics-token';
/** What a scrape of an e2e server's /metrics sends. */
export const METRICS_HEADERS = { authorization: `Bearer ${E2E_METRICS_TOKEN}` };

export async function startHuddleServer(env: Record<string, string> = {}): Promise<HuddleServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'huddle-e2e-'));
  let port = 0;
  let child: ChildProcess;
  const log: string[] = [];

  async function launch(): Promise<string> {
    child = spawn(process.execPath, [SERVER_ENTRY], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        SESSION_SECRET: 'e2e-session-secret-e2e-session-secret',
        METRICS_TOKEN: E2E_METRICS_TOKEN,
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: dataDir,
        // Debug: a failed test's report shows each handshake, connection, command and disconnect.
        LOG_LEVEL: 'debug',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // The server never outlives the test run, whatever ends it.
    const launched = child;
    const orphanGuard = () => launched.kill('SIGKILL');
    process.once('exit', orphanGuard);
    launched.once('exit', () => process.off('exit', orphanGuard));
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        launched.kill('SIGKILL');
        reject(new Error('server did not start in 30 s'));
      }, 30_000);
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
      lines.on('line', (line) => {
        log.push(line);
        if (log.length > LOG_LINES_KEPT) log.splice(0, log.length - LOG_LINES_KEPT);
        try {
          const log = JSON.parse(line) as { msg?: string; url?: string };
          if (log.msg === 'huddle listening' && log.url) {
            clearTimeout(timer);
            resolve(log.url);
          }
        } catch {
          // not a log line
        }
      });
    });
  }

  function kill(signal: NodeJS.Signals): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  const url = await launch();
  port = Number(new URL(url).port);
  return {
    url,
    async restart() {
      await kill('SIGKILL');
      await launch();
    },
    crash: () => kill('SIGKILL'),
    async relaunch() {
      await launch();
    },
    async stop() {
      await kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
    recentLog: () => log.join('\n'),
  };
}
