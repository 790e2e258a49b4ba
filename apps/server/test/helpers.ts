import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type Ack,
  type ClientToServerEvents,
  type CommandName,
  type CommandPayload,
  type CommandResults,
  DEFAULT_POMODORO_SETTINGS,
  type PomodoroSnapshot,
  PROTOCOL_VERSION,
  ServerEvent,
  type ServerToClientEvents,
  type SessionGrant,
} from '@huddle/protocol';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import type { Config } from '../src/config.js';
import { type RunningHuddle, startHuddle } from '../src/server.js';

export type TestClient = Socket<ServerToClientEvents, ClientToServerEvents>;

export function tempDir(prefix = 'huddle-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    env: 'test',
    port: 0,
    host: '127.0.0.1',
    dataDir: overrides.dataDir ?? tempDir().dir,
    databaseUrl: undefined,
    sessionSecret: 'test-secret-that-is-long-enough-0123456789',
    allowedOrigins: [],
    logLevel: process.env.LOG_LEVEL ?? 'silent',
    webDist: undefined,
    pomodoroDefaults: DEFAULT_POMODORO_SETTINGS,
    ...overrides,
  };
}

export function startTestServer(overrides: Partial<Config> = {}): Promise<RunningHuddle> {
  return startHuddle(testConfig(overrides));
}

export async function join(baseUrl: string, space: string, name: string): Promise<SessionGrant> {
  const res = await fetch(`${baseUrl}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ space, name }),
  });
  if (res.status !== 201) throw new Error(`join failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as SessionGrant;
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
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
