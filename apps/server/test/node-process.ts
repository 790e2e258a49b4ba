import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createPgDatabase, removeRedisKeys } from './helpers.js';

const SERVER_DIR = path.resolve(import.meta.dirname, '..');

export interface NodeProcess {
  url: string;
  /** SIGKILL: the node dies without a word, like a crashed machine. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the server from source as its own process (tsx), as one node of a cluster. */
export async function startNodeProcess(env: Record<string, string>): Promise<NodeProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', 'src/index.ts'], {
    cwd: SERVER_DIR,
    env: { ...process.env, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // A node never outlives the test process, whatever ends it (a timed-out test, a crash).
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  child.once('exit', () => process.off('exit', orphanGuard));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('node did not start in 90 s'));
    }, 90_000);
    child.once('exit', (code) => reject(new Error(`node exited with ${code}`)));
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      try {
        const log = JSON.parse(line) as { msg?: string; url?: string };
        if (log.msg === 'huddle listening' && log.url) {
          clearTimeout(timer);
          // Later logs are drained unread: parsing them would cost the test process under load.
          lines.close();
          child.stdout?.resume();
          resolve(log.url);
        }
      } catch {
        // not a log line
      }
    });
  });
  const end = (signal: NodeJS.Signals) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill(signal);
        });
  return { url, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

const CLUSTER_SECRET = 'cluster-test-secret-cluster-test-secret';

/** Node `id` of a cluster on one PostgreSQL database and one Redis key prefix. */
const clusterNodeEnv = (databaseUrl: string, redisUrl: string, prefix: string, id: string) => ({
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  REDIS_PREFIX: prefix,
  NODE_ID: `${prefix}-${id}`,
  SESSION_SECRET: CLUSTER_SECRET,
});

/**
 * `count` server processes of one cluster on the PostgreSQL database at `databaseUrl` and the Redis key
 * `prefix`, started one at a time: several starting at once on a busy machine can each miss the start-up
 * deadline. Node i (from 0) is `${prefix}-n${i + 1}` and reaches Redis at `redisUrl(i)` (a proxy, say);
 * `env` adds to every node's environment. If one fails to start, those already started are stopped.
 */
export async function startClusterNodes(options: {
  count: number;
  databaseUrl: string;
  prefix: string;
  redisUrl: (node: number) => string;
  env?: Record<string, string>;
}): Promise<NodeProcess[]> {
  const nodes: NodeProcess[] = [];
  try {
    for (let i = 0; i < options.count; i += 1) {
      const env = clusterNodeEnv(options.databaseUrl, options.redisUrl(i), options.prefix, `n${i + 1}`);
      nodes.push(await startNodeProcess({ ...env, ...options.env }));
    }
  } catch (err) {
    for (const n of nodes) await n.stop();
    throw err;
  }
  return nodes;
}

/**
 * Two server processes sharing a fresh PostgreSQL database and a Redis key prefix of their own, for the
 * tests of one `describe`: started before them, stopped and cleaned up after. `nodes()` answers their
 * URLs; sockets handed to `track` are closed after each test. `env` adds to a node's environment (read
 * when the nodes start, after the `beforeAll` hooks registered before this call).
 */
export function useTwoNodeCluster(options: { env?: (id: 'n1' | 'n2') => Record<string, string> } = {}) {
  const redisUrl = process.env.HUDDLE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `huddle-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  let pg: Awaited<ReturnType<typeof createPgDatabase>> | undefined;
  let nodes: NodeProcess[] = [];
  const sockets: { disconnect(): unknown }[] = [];

  // Two node processes starting at once can take tens of seconds on a busy machine.
  beforeAll(async () => {
    pg = await createPgDatabase();
    const url = pg.url;
    nodes = await Promise.all(
      (['n1', 'n2'] as const).map((id) =>
        startNodeProcess({ ...clusterNodeEnv(url, redisUrl, prefix, id), ...options.env?.(id) }),
      ),
    );
  }, 200_000);
  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });
  afterAll(async () => {
    for (const n of nodes.splice(0)) await n.stop();
    await pg?.drop();
    await removeRedisKeys(redisUrl, prefix);
  });

  return {
    nodes: () => nodes.map((n) => n.url) as [string, string],
    track<S extends { disconnect(): unknown }>(socket: S): S {
      sockets.push(socket);
      return socket;
    },
  };
}
