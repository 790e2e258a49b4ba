import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type Socket as TcpSocket, connect as tcpConnect } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ServerEvent } from '@huddle/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { connectRecorded, join, send, tempDir, uniqueSpace } from './helpers.js';

const SERVER_DIR = path.resolve(import.meta.dirname, '..');
/**
 * index.ts gives up on a hung shutdown after 10 s and exits 1 (the exit code tells that apart); a clean
 * one takes about a second. The bound only tells a process that never exits from one that does.
 */
const SHUTDOWN_BOUND_MS = 15_000;
/** Each test starts a server process (tsx compiles on start): seconds on this busy machine. */
const PROCESS_TEST_MS = 60_000;

interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Resolves when a log line with this `msg` has been printed (also one printed before the call). */
  logged(msg: string): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The real entry point (index.ts) as its own process, so SIGTERM reaches its own handler. */
async function startServerProcess(dataDir: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', 'src/index.ts'], {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      DATA_DIR: dataDir,
      SESSION_SECRET: 'shutdown-test-secret-shutdown-test-secret',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      process.off('exit', orphanGuard);
      resolve({ code, signal });
    }),
  );
  const messages = new Set<string>();
  const waiters = new Map<string, () => void>();
  const listening = new Promise<string>((resolve, reject) => {
    void exited.then(({ code }) => reject(new Error(`server exited with ${code} before listening`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      let log: { msg?: string; url?: string };
      try {
        log = JSON.parse(line);
      } catch {
        return;
      }
      if (!log.msg) return;
      messages.add(log.msg);
      waiters.get(log.msg)?.();
      if (log.msg === 'huddle listening' && log.url) resolve(log.url);
    });
  });
  const url = await listening;
  return {
    url,
    port: Number(new URL(url).port),
    child,
    exited,
    logged: (msg) =>
      messages.has(msg) ? Promise.resolve() : new Promise((resolve) => waiters.set(msg, () => resolve())),
  };
}

/** A raw HTTP/1.1 connection, so a test decides when each byte of a request is sent. */
async function rawConnection(port: number) {
  const socket: TcpSocket = tcpConnect(port, '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    write: (text: string) =>
      new Promise<void>((resolve, reject) => socket.write(text, (err) => (err ? reject(err) : resolve()))),
    /** Everything the server sent, once it closed the connection. */
    response: async () => {
      await ended;
      return received;
    },
  };
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);
const bodyOf = (response: string) => response.slice(response.indexOf('\r\n\r\n') + 4);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('SIGTERM', () => {
  it(
    'turns /readyz to 503, answers the request in flight, closes sockets cleanly and exits 0',
    async () => {
      const data = tempDir('huddle-shutdown-');
      cleanups.push(() => data.remove());
      const server = await startServerProcess(data.dir);
      cleanups.push(async () => {
        if (server.child.exitCode === null && server.child.signalCode === null) {
          server.child.kill('SIGKILL');
          await server.exited;
        }
      });

      const space = uniqueSpace('shutdown');
      const grant = await join(server.url, space, 'Ana');
      const tab = await connectRecorded(server.url, grant.token);
      cleanups.push(() => void tab.socket.disconnect());
      await tab.events.next(ServerEvent.Welcome);
      const tokenAck = await send(tab.socket, 'sensor:token', {});
      if (!tokenAck.ok) throw new Error(tokenAck.error.message);
      const disconnected = new Promise<string>((resolve) => tab.socket.once('disconnect', resolve));
      expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ ok: true });

      // A device upload in flight: headers and half of its body sent, the rest after SIGTERM.
      const body = JSON.stringify({ humidity: 41.5, temperature: 71.2 });
      const upload = await rawConnection(server.port);
      await upload.write(
        `POST /api/spaces/${space}/sensors/desk/readings HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
          `Authorization: Bearer ${tokenAck.data.token}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
      );
      // A readiness probe that has begun on its connection: all but the blank line that ends its headers.
      const probe = await rawConnection(server.port);
      await probe.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n');
      // A full round trip after those bytes: the server has read them by the time it answers this one.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

      const signalledAt = performance.now();
      server.child.kill('SIGTERM');
      await server.logged('shutting down');

      await probe.write('\r\n');
      const probeResponse = await probe.response();
      expect(statusOf(probeResponse)).toBe(503);
      expect(JSON.parse(bodyOf(probeResponse))).toEqual({ ok: false, reason: 'shutting down' });

      // The socket is closed by the server (not dropped by a heartbeat timeout) while the upload still runs.
      expect(await disconnected).toBe('transport close');
      // New connections are not taken any more.
      await expect(fetch(`${server.url}/readyz`)).rejects.toThrow();

      await upload.write(body.slice(10));
      const uploadResponse = await upload.response();
      expect(statusOf(uploadResponse)).toBe(201);
      expect(JSON.parse(bodyOf(uploadResponse))).toEqual({ stored: 1 });

      // Exit 0 is a finished shutdown: index.ts exits 1 when one fails or hangs for 10 s.
      expect(await server.exited).toEqual({ code: 0, signal: null });
      expect(performance.now() - signalledAt).toBeLessThan(SHUTDOWN_BOUND_MS);
    },
    PROCESS_TEST_MS,
  );

  it(
    'stops promptly when nothing is in flight, after closing every socket',
    async () => {
      const data = tempDir('huddle-shutdown-idle-');
      cleanups.push(() => data.remove());
      const server = await startServerProcess(data.dir);
      cleanups.push(async () => {
        if (server.child.exitCode === null && server.child.signalCode === null) {
          server.child.kill('SIGKILL');
          await server.exited;
        }
      });
      const space = uniqueSpace('shutdown');
      const tabs = await Promise.all(
        ['Ana', 'Bo', 'Cy'].map(async (name) =>
          connectRecorded(server.url, (await join(server.url, space, name)).token),
        ),
      );
      for (const tab of tabs) cleanups.push(() => void tab.socket.disconnect());
      await Promise.all(tabs.map((tab) => tab.events.next(ServerEvent.Welcome)));
      const reasons = Promise.all(
        tabs.map((tab) => new Promise<string>((resolve) => tab.socket.once('disconnect', resolve))),
      );

      const signalledAt = performance.now();
      server.child.kill('SIGTERM');
      expect(await server.exited).toEqual({ code: 0, signal: null });
      expect(performance.now() - signalledAt).toBeLessThan(SHUTDOWN_BOUND_MS);
      expect(await reasons).toEqual(['transport close', 'transport close', 'transport close']);
    },
    PROCESS_TEST_MS,
  );
});
