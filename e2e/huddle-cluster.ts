import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type HuddleServer, METRICS_HEADERS, startHuddleServer } from './huddle-server.js';

const TEMPLATE = path.resolve(import.meta.dirname, '../deploy/nginx.conf.template');
const PG_ADMIN_URL = process.env.HUDDLE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.HUDDLE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface HuddleCluster extends HuddleServer {
  /** Each node, reachable directly (not through nginx). */
  nodes: HuddleServer[];
  /** Open Socket.IO connections on each node, from its /metrics; 0 for a node that is down. */
  socketsPerNode(): Promise<number[]>;
  /** A tab id (the web client's `?tab=`) that nginx sends to `nodes[index]`. */
  tabOn(index: number): Promise<string>;
}

/** Renders deploy/nginx.conf.template for `upstreams` listening on `listen`. */
export function renderNginxConfig(runtimeDir: string, listen: string, upstreams: string[]): string {
  const servers = upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=5s;`).join('\n');
  return readFileSync(TEMPLATE, 'utf8')
    .replaceAll('@RUNTIME@', runtimeDir)
    .replaceAll('@LISTEN@', listen)
    .replaceAll('@SERVERS@', servers);
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * `count` built server processes sharing a fresh PostgreSQL database and a Redis key prefix, behind
 * Debian's nginx with deploy/nginx.conf.template: the topology of a real deployment, on this machine.
 */
export async function startHuddleCluster(env: Record<string, string> = {}, count = 3): Promise<HuddleCluster> {
  const id = randomBytes(4).toString('hex');
  const database = `huddle_e2e_${id}`;
  const prefix = `huddle-e2e-${id}`;
  execFileSync('psql', [PG_ADMIN_URL, '-qc', `CREATE DATABASE ${database}`]);
  const databaseUrl = new URL(PG_ADMIN_URL);
  databaseUrl.pathname = `/${database}`;

  const nodeId = (index: number) => `${prefix}-n${index + 1}`;

  const dropStorage = () => {
    execFileSync('psql', [PG_ADMIN_URL, '-qc', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`]);
    const keys = execFileSync('redis-cli', ['-u', REDIS_URL, '--scan', '--pattern', `${prefix}*`], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean);
    if (keys.length > 0) execFileSync('redis-cli', ['-u', REDIS_URL, 'del', ...keys]);
  };

  // A start that fails half-way (a node too slow to come up) leaves no process, database or key behind.
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      startHuddleServer({
        ...env,
        DATABASE_URL: databaseUrl.toString(),
        REDIS_URL,
        REDIS_PREFIX: prefix,
        NODE_ID: nodeId(i),
        // The production heartbeat (25 s ping, 20 s timeout). A killed node needs no short one: nginx
        // drops its clients' connections at once and they reconnect to the others. A 1 s / 2 s heartbeat
        // dropped healthy connections on this busy 2-core machine whenever a pong took over 2 s.
      }),
    ),
  );
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(nodes.map((n) => n.stop()));
    dropStorage();
    throw failed.reason;
  }

  const runtime = mkdtempSync(path.join(tmpdir(), 'huddle-nginx-'));
  for (const dir of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(runtime, dir));
  const port = await freePort();
  const config = path.join(runtime, 'nginx.conf');
  writeFileSync(
    config,
    renderNginxConfig(
      runtime,
      `127.0.0.1:${port}`,
      nodes.map((n) => new URL(n.url).host),
    ),
  );
  const nginx = spawn('nginx', ['-p', runtime, '-c', config, '-g', 'daemon off;'], { stdio: 'inherit' });
  const url = `http://127.0.0.1:${port}`;
  const stopAll = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    if (nginx.exitCode === null && nginx.signalCode === null) {
      await new Promise<void>((resolve) => {
        nginx.once('exit', () => resolve());
        nginx.kill('SIGTERM');
      });
    }
    rmSync(runtime, { recursive: true, force: true });
    dropStorage();
  };
  for (let attempt = 0; ; attempt += 1) {
    const ready = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (attempt > 200) {
      await stopAll();
      throw new Error('nginx did not start');
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    url,
    nodes,
    socketsPerNode: () =>
      Promise.all(
        nodes.map(async (node) => {
          // A node that is down holds no sockets.
          const text = await fetch(`${node.url}/metrics`, { headers: METRICS_HEADERS }).then(
            (r) => r.text(),
            () => '',
          );
          return Number(/^huddle_connected_sockets (\d+)/m.exec(text)?.[1] ?? 0);
        }),
      ),
    async tabOn(index) {
      // Asked of nginx itself: its /healthz?tab=… goes where that tab's Socket.IO requests go, and the
      // node that answers names itself.
      for (let attempt = 0; attempt < 200; attempt += 1) {
        const tab = randomBytes(8).toString('hex');
        const health = (await (await fetch(`${url}/healthz?tab=${tab}`)).json()) as { node?: string };
        if (health.node === nodeId(index)) return tab;
      }
      throw new Error(`nginx sent none of 200 tab ids to node ${index + 1}`);
    },
    async restart() {
      await Promise.all(nodes.map((n) => n.restart()));
    },
    async crash() {
      await Promise.all(nodes.map((n) => n.crash()));
    },
    async relaunch() {
      await Promise.all(nodes.map((n) => n.relaunch()));
    },
    stop: stopAll,
    // The nodes' lines merged in time order, each prefixed with its node number.
    recentLog: () =>
      nodes
        .flatMap((n, i) =>
          n
            .recentLog()
            .split('\n')
            .map((line) => ({ line: `n${i + 1} ${line}`, time: Number(/"time":(\d+)/.exec(line)?.[1] ?? 0) })),
        )
        .sort((a, b) => a.time - b.time)
        .map((l) => l.line)
        .join('\n'),
  };
}
