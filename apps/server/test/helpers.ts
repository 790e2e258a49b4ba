import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type Ack,
  applyPresence,
  CHAT_LIMITS,
  type ChatMessage,
  type ChatPresence,
  type ClientToServerEvents,
  type CommandName,
  type CommandPayload,
  type CommandResults,
  DEFAULT_POMODORO_SETTINGS,
  EMPTY_PRESENCE,
  type PomodoroSnapshot,
  PROTOCOL_VERSION,
  type PresenceEvent,
  ServerEvent,
  type ServerToClientEvents,
  type SessionGrant,
} from '@huddle/protocol';
import { Redis } from 'ioredis';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { Config } from '../src/config.js';
import { type Db, DEFAULT_POSTGRES_TIMEOUTS, openDatabase } from '../src/db/database.js';
import { type RunningHuddle, startHuddle } from '../src/server.js';

export type TestClient = Socket<ServerToClientEvents, ClientToServerEvents>;

export function tempDir(prefix = 'huddle-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const TEST_SESSION_SECRET = 'test-secret-that-is-long-enough-0123456789';

/** A promise and the function that settles it (Promise.withResolvers, which the ES2023 lib lacks). */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  // The caller owns the data folder (and removes it): one made here would be left behind after every run.
  if (overrides.dataDir === undefined && overrides.databaseUrl === undefined) {
    throw new Error('testConfig needs a dataDir (SQLite) or a databaseUrl (PostgreSQL); startTestServer makes one');
  }
  return {
    env: 'test',
    port: 0,
    host: '127.0.0.1',
    dataDir: overrides.dataDir ?? '',
    databaseUrl: undefined,
    sessionSecret: TEST_SESSION_SECRET,
    allowedOrigins: [],
    logLevel: process.env.LOG_LEVEL ?? 'silent',
    webDist: undefined,
    pomodoroDefaults: DEFAULT_POMODORO_SETTINGS,
    redis: undefined,
    nodeId: `test-${process.pid}`,
    heartbeat: { intervalMs: 25_000, timeoutMs: 20_000 },
    chatSendRate: { burst: CHAT_LIMITS.sendBurst, perSecond: CHAT_LIMITS.sendPerSecond },
    sessionTtlMs: 30 * 24 * 3_600_000,
    sessionMaxAgeMs: 90 * 24 * 3_600_000,
    revocationCheckMs: 1000,
    maxConnectionsPerIp: 1000,
    trustProxy: ['loopback'],
    // Feature tests send bursts (every malformed payload in a row, hundreds of messages); the limits
    // themselves are tested at scale 1 (reliability suite) and the e2e suite runs the app at scale 1.
    rateLimitScale: 100,
    retentionIntervalMs: 3_600_000,
    sqliteSynchronous: 'NORMAL',
    postgresTimeouts: DEFAULT_POSTGRES_TIMEOUTS,
    ...overrides,
  };
}

/** A server on port 0; without a `dataDir` it gets a data folder of its own, removed when it stops. */
export async function startTestServer(overrides: Partial<Config> = {}): Promise<RunningHuddle> {
  if (overrides.dataDir !== undefined) return startHuddle(testConfig(overrides));
  const data = tempDir();
  try {
    const running = await startHuddle(testConfig({ ...overrides, dataDir: data.dir }));
    return {
      ...running,
      async stop() {
        await running.stop();
        data.remove();
      },
    };
  } catch (err) {
    data.remove();
    throw err;
  }
}

/** Joins (creating it open if it is new) as `name`; from address `ip` (x-forwarded-for) if given. */
export async function join(baseUrl: string, space: string, name: string, ip?: string): Promise<SessionGrant> {
  const res = await fetch(`${baseUrl}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(ip === undefined ? {} : { 'x-forwarded-for': ip }) },
    body: JSON.stringify({ space, name, create: { visibility: 'open' } }),
  });
  if (res.status !== 201) throw new Error(`join failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as SessionGrant;
}

/** A TCP port free on 127.0.0.1 a moment ago, for a process that must be given its port (and keep it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export function uniqueSpace(prefix = 'space'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A connected client that has received its first pomodoro state. */
export async function connect(
  baseUrl: string,
  token: string,
  options: { transports?: ('polling' | 'websocket')[] } = {},
): Promise<{ socket: TestClient; initial: PomodoroSnapshot }> {
  const socket: TestClient = io(baseUrl, {
    auth: { token, protocolVersion: PROTOCOL_VERSION },
    transports: options.transports ?? ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const initial = await new Promise<PomodoroSnapshot>((resolve, reject) => {
    socket.once(ServerEvent.PomodoroState, resolve);
    socket.once('connect_error', reject);
  });
  return { socket, initial };
}

export function send<K extends CommandName>(
  socket: TestClient,
  name: K,
  payload: CommandPayload<K>,
): Promise<Ack<CommandResults[K]>> {
  // The typed emit cannot take a generic event name; the protocol map types the result.
  return (
    socket.timeout(5000) as unknown as { emitWithAck(n: string, p: unknown): Promise<Ack<CommandResults[K]>> }
  ).emitWithAck(name, payload);
}

/**
 * Pages `chat:history { after }` of a conversation forward from seq `after` until the server has nothing
 * newer, as the web client's catch-up does (socket-bridge → resumeChat), handing each page's messages to
 * `take`. Throws on a refused page.
 */
export async function pageHistory(
  socket: TestClient,
  conversationId: string,
  after: number,
  take: (messages: ChatMessage[]) => void,
): Promise<void> {
  for (let cursor = after; ; ) {
    const page = await send(socket, 'chat:history', { conversationId, after: cursor, limit: CHAT_LIMITS.maxPageSize });
    if (!page.ok) throw new Error(`chat:history failed: ${page.error.code}`);
    take(page.data.messages);
    const last = page.data.messages.at(-1);
    if (!page.data.hasMore || last === undefined) return;
    cursor = last.seq;
  }
}

/** Sends anything at all, as a hostile client would. */
export function sendRaw(socket: TestClient, name: string, ...args: unknown[]): Promise<unknown> {
  return (socket.timeout(5000) as unknown as { emitWithAck(n: string, ...a: unknown[]): Promise<unknown> }).emitWithAck(
    name,
    ...args,
  );
}

export function nextState(
  socket: TestClient,
  predicate: (s: PomodoroSnapshot) => boolean = () => true,
  timeoutMs = 5000,
): Promise<PomodoroSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(ServerEvent.PomodoroState, listener);
      reject(new Error('no matching pomodoro:state'));
    }, timeoutMs);
    const listener = (s: PomodoroSnapshot) => {
      if (!predicate(s)) return;
      clearTimeout(timer);
      socket.off(ServerEvent.PomodoroState, listener);
      resolve(s);
    };
    socket.on(ServerEvent.PomodoroState, listener);
  });
}

const PG_ADMIN_URL = process.env.HUDDLE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh PostgreSQL database for one test file, dropped afterwards. */
export async function createPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `huddle_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      try {
        // A pool that has just ended may still be closing its sockets: wait for them rather than
        // terminate them (a terminated client raises an error nobody listens to any more).
        for (let attempt = 0; ; attempt += 1) {
          try {
            await client.query(`DROP DATABASE IF EXISTS ${name}`);
            return;
          } catch (err) {
            if ((err as { code?: string }).code !== '55006' || attempt >= 50) throw err;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      } finally {
        await client.end();
      }
    },
  };
}

export interface StorageBackend {
  name: string;
  open(): Promise<{ db: Db; reopen(): Promise<Db>; cleanup(): Promise<void> }>;
}

// The same suite runs against both storage backends: what passes on SQLite must pass on PostgreSQL.
export const storageBackends: StorageBackend[] = [
  {
    name: 'SQLite',
    async open() {
      const dir = tempDir();
      const { db } = await openDatabase({ dataDir: dir.dir });
      return {
        db,
        reopen: async () => (await openDatabase({ dataDir: dir.dir })).db,
        cleanup: async () => dir.remove(),
      };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const pg = await createPgDatabase();
      const { db } = await openDatabase({ dataDir: '', databaseUrl: pg.url });
      return {
        db,
        reopen: async () => (await openDatabase({ dataDir: '', databaseUrl: pg.url })).db,
        cleanup: () => pg.drop(),
      };
    },
  },
];

type EventArgs<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

/**
 * Every server event a client receives, recorded from before it connects, so a test can wait for an
 * event that may already have arrived: `next` returns the oldest matching event not yet taken.
 */
export function recordEvents(socket: TestClient) {
  const log: { event: string; payload: unknown; taken: boolean }[] = [];
  const waiters = new Set<() => void>();
  socket.onAny((event: string, payload: unknown) => {
    log.push({ event, payload, taken: false });
    for (const wake of waiters) wake();
  });

  return {
    next<E extends keyof ServerToClientEvents>(
      event: E,
      predicate: (payload: EventArgs<E>) => boolean = () => true,
      timeoutMs = 5000,
    ): Promise<EventArgs<E>> {
      const find = () => {
        const entry = log.find((e) => !e.taken && e.event === event && predicate(e.payload as EventArgs<E>));
        if (entry) entry.taken = true;
        return entry;
      };
      const found = find();
      if (found) return Promise.resolve(found.payload as EventArgs<E>);
      return new Promise((resolve, reject) => {
        const wake = () => {
          const entry = find();
          if (!entry) return;
          waiters.delete(wake);
          clearTimeout(timer);
          resolve(entry.payload as EventArgs<E>);
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no matching ${event} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(wake);
      });
    },
    /** How many events of this kind (and matching) arrived so far, taken or not. */
    count<E extends keyof ServerToClientEvents>(event: E, predicate: (payload: EventArgs<E>) => boolean = () => true) {
      return log.filter((e) => e.event === event && predicate(e.payload as EventArgs<E>)).length;
    },
    /** Every presence change received so far, in order, flattened out of its batches. */
    presenceChanges(): PresenceEvent[] {
      return log.flatMap(({ event, payload }) =>
        event === ServerEvent.ChatPresence && 'changes' in (payload as ChatPresence)
          ? (payload as { changes: PresenceEvent[] }).changes
          : [],
      );
    },
    /** Who the client's list shows now: every presence event so far, applied as the web app does. */
    presenceNames(): string[] {
      let list = EMPTY_PRESENCE;
      for (const { event, payload } of log) {
        if (event === ServerEvent.ChatPresence) list = applyPresence(list, payload as ChatPresence);
      }
      return list.users.map((u) => u.name);
    },
  };
}

export type EventLog = ReturnType<typeof recordEvents>;

/** Waits for a presence batch with a change that matches, and returns that change. */
export async function nextPresenceChange(
  events: EventLog,
  match: (change: PresenceEvent) => boolean,
  timeoutMs?: number,
): Promise<PresenceEvent> {
  const batch = await events.next(ServerEvent.ChatPresence, (p) => 'changes' in p && p.changes.some(match), timeoutMs);
  const change = 'changes' in batch ? batch.changes.find(match) : undefined;
  if (!change) throw new Error('unreachable: the batch was chosen for this change');
  return change;
}

/**
 * A connected client that records every event from its first packet on; `watch` adds listeners of its
 * own before that packet too.
 */
export async function connectRecorded(
  baseUrl: string,
  token: string,
  watch: (socket: TestClient) => void = () => {},
): Promise<{ socket: TestClient; events: EventLog }> {
  const socket: TestClient = io(baseUrl, {
    auth: { token, protocolVersion: PROTOCOL_VERSION },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const events = recordEvents(socket);
  watch(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return { socket, events };
}

/**
 * Servers and clients a test file starts, all stopped after each test: `start` a server, `track` a
 * client socket so it is disconnected.
 */
export function useTestServers() {
  const running: RunningHuddle[] = [];
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    for (const s of running.splice(0)) await s.stop();
  });
  return {
    async start(overrides: Partial<Config> = {}): Promise<RunningHuddle> {
      // Its data folder goes with it when it stops (one a test chose stays the test's to remove).
      const s = await startTestServer(overrides);
      running.push(s);
      return s;
    },
    track<T extends { socket: TestClient }>(tab: T): T {
      clients.push(tab.socket);
      return tab;
    },
  };
}

/**
 * Opens `backend` once for a suite and closes and removes it afterwards. Read `storage.db` inside
 * tests and hooks (it exists once the suite has started).
 */
export function useStorage(backend: StorageBackend) {
  let handle: Awaited<ReturnType<StorageBackend['open']>> | undefined;
  const opened = () => {
    if (!handle) throw new Error(`${backend.name} storage is not open yet`);
    return handle;
  };
  beforeAll(async () => {
    handle = await backend.open();
  });
  afterAll(async () => {
    await opened().db.destroy();
    await opened().cleanup();
  });
  return {
    get db(): Db {
      return opened().db;
    },
    reopen: () => opened().reopen(),
  };
}

/** Deletes every Redis key a test run wrote under its own prefix. */
export async function removeRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}

/** The value of one sample of the server's `/metrics` (a name with its labels, as printed: `x{reason="y"}`), or 0. */
export async function metricValue(baseUrl: string, sample: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

/**
 * Waits up to `timeoutMs` for `done` to hold, then returns either way: the caller measures what was
 * reached and asserts it, so that a timeout shows in a report as the figure that fell short.
 */
export async function settle(done: () => boolean, timeoutMs: number): Promise<void> {
  await expect
    .poll(done, { timeout: timeoutMs, interval: 50 })
    .toBe(true)
    .catch(() => {});
}
