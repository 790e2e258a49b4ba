import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Ack, ErrorCode, PROTOCOL_VERSION, ServerEvent } from '@huddle/protocol';
import pino from 'pino';
import { io as connectClient } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import type { Feature } from '../src/feature.js';
import { compileTrustProxy, createClientAddress } from '../src/io/client-ip.js';
import { MAX_COMMANDS_BEFORE_READY } from '../src/io/command-registry.js';
import { PACKET_BUDGET, PACKET_REFUSALS } from '../src/io/packet-budget.js';
import { BACKLOGGED_ROOM } from '../src/io/rooms.js';
import { acceptConnections, createSocketServer, SOCKET_BACKPRESSURE } from '../src/io/socket-server.js';
import type { CommandHandlers } from '../src/io/types.js';
import { memoryRateLimiters } from '../src/lib/token-bucket.js';
import { createMetrics } from '../src/metrics.js';
import { createSessionService } from '../src/session/session.service.js';
import { createTokenSigner } from '../src/session/session-token.js';
import { createUserStore } from '../src/session/user.store.js';
import { createSpaceStore } from '../src/space/space.store.js';
import {
  deferred,
  join,
  metricValue,
  recordEvents,
  send,
  sendRaw,
  startTestServer,
  TEST_SESSION_SECRET,
  type TestClient,
  tempDir,
  testConfig,
  uniqueSpace,
} from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * The socket layer alone (`acceptConnections`) on a real Socket.IO server with real sessions on SQLite,
 * with features of the test's own: their set-up steps and command handlers show when and in what
 * order the layer runs things.
 */
async function socketLayer(options: { features?: Feature[]; commands?: CommandHandlers; rateLimitScale?: number }) {
  const data = tempDir();
  const { db } = await openDatabase({ dataDir: data.dir });
  const users = createUserStore(db);
  const spaces = createSpaceStore(db);
  const sessions = createSessionService({
    users,
    spaces,
    signer: createTokenSigner(TEST_SESSION_SECRET),
    clock: { now: Date.now },
    ttlMs: 3_600_000,
    maxAgeMs: 24 * 3_600_000,
    revokeLimiter: memoryRateLimiters(Date.now)('session-revoke', { burst: 5, perSecond: 1 }),
  });
  const http = createServer();
  const config = testConfig({ dataDir: data.dir, rateLimitScale: options.rateLimitScale ?? 1 });
  const io = createSocketServer(http, config);
  const metrics = createMetrics();
  acceptConnections(io, {
    config,
    clientAddress: createClientAddress(compileTrustProxy(config.trustProxy)),
    now: Date.now,
    features: options.features ?? [],
    commands: options.commands ?? {},
    sessions,
    commandLimit: async () => ({ ok: true }),
    authorize: async () => true,
    logger: pino({ level: 'silent' }),
    metrics,
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clients: TestClient[] = [];
  cleanups.push(async () => {
    for (const c of clients) c.disconnect();
    await io.close();
    await db.destroy();
    data.remove();
  });
  return {
    io,
    metrics,
    /** A new member of a new space, connecting: commands emitted now are sent the moment it connects. */
    async client(): Promise<{ socket: TestClient; disconnected: Promise<string> }> {
      const { grant } = await sessions.join({
        space: uniqueSpace('layer'),
        name: 'Ana',
        create: { visibility: 'open' },
        deviceLabel: 'test',
      });
      const socket: TestClient = connectClient(url, {
        auth: { token: grant.token, protocolVersion: PROTOCOL_VERSION },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      clients.push(socket);
      const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      return { socket, disconnected };
    },
  };
}

describe('commands and the connection set-up', () => {
  it('no command runs before its connection is set up; those sent meanwhile run after it, one at a time, in order', async () => {
    const setUp = deferred();
    const log: string[] = [];
    const layer = await socketLayer({
      features: [
        {
          name: 'slow',
          async onConnection() {
            log.push('set-up started');
            await setUp.promise;
            log.push('set-up done');
          },
        },
      ],
      commands: {
        'chat:typing': async (_socket, { conversationId }) => {
          log.push(`start ${conversationId}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
          log.push(`end ${conversationId}`);
          return null;
        },
      },
    });
    const { socket } = await layer.client();
    const acks = ['c:1', 'c:2', 'c:3'].map((conversationId) => send(socket, 'chat:typing', { conversationId }));
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    // Everything sent has reached the server once a round trip after it is answered.
    expect(await sendRaw(socket, 'no-such-event')).toMatchObject({ ok: false, error: { code: ErrorCode.NotFound } });
    expect(log).toEqual(['set-up started']);

    setUp.resolve();
    expect(await Promise.all(acks)).toEqual([
      { ok: true, data: null },
      { ok: true, data: null },
      { ok: true, data: null },
    ]);
    expect(log).toEqual([
      'set-up started',
      'set-up done',
      ...['1', '2', '3'].flatMap((n) => [`start c:${n}`, `end c:${n}`]),
    ]);
  });

  it('a set-up that fails disconnects the socket, and none of the commands it sent meanwhile runs', async () => {
    const setUp = deferred();
    const ran: string[] = [];
    const layer = await socketLayer({
      features: [
        {
          name: 'broken',
          async onConnection() {
            await setUp.promise;
            throw new Error('storage went away');
          },
        },
      ],
      commands: {
        'clock:sync': () => {
          ran.push('clock:sync');
          return { serverTime: Date.now() };
        },
      },
    });
    const { socket, disconnected } = await layer.client();
    const acks = Array.from({ length: 5 }, () => send(socket, 'clock:sync', {}).catch((err: Error) => err.message));
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    expect(await sendRaw(socket, 'no-such-event')).toMatchObject({ ok: false });
    setUp.resolve();
    expect(await disconnected).toBe('io server disconnect');
    // The client's acks end unanswered (its socket is gone); no handler ran.
    expect(new Set(await Promise.all(acks)).size).toBe(1);
    expect(ran).toEqual([]);
  });

  it(`at most ${MAX_COMMANDS_BEFORE_READY} commands wait for the set-up; the ones beyond are refused at once`, async () => {
    const setUp = deferred();
    const layer = await socketLayer({
      features: [{ name: 'slow', onConnection: () => setUp.promise }],
      commands: { 'clock:sync': () => ({ serverTime: 1 }) },
    });
    const { socket } = await layer.client();
    const extra = 5;
    const acks = Array.from({ length: MAX_COMMANDS_BEFORE_READY + extra }, () => send(socket, 'clock:sync', {}));
    const refused = await Promise.all(acks.slice(MAX_COMMANDS_BEFORE_READY));
    expect(refused.map((a) => (a.ok ? 'ok' : a.error.code))).toEqual(Array(extra).fill(ErrorCode.RateLimited));
    setUp.resolve();
    const served = await Promise.all(acks.slice(0, MAX_COMMANDS_BEFORE_READY));
    expect(served.every((a) => a.ok)).toBe(true);
    // Once set up, commands run as they come again.
    expect(await send(socket, 'clock:sync', {})).toEqual({ ok: true, data: { serverTime: 1 } });
  });
});

describe('the packet budget', () => {
  // A twentieth of the budget (RATE_LIMIT_SCALE scales it like every limit), so the test sends little.
  const scale = 0.05;
  const burst = PACKET_BUDGET.burst * scale;

  it('counts unknown events too: past the budget they are answered RATE_LIMITED, far past it the socket is disconnected', async () => {
    let ran = 0;
    const layer = await socketLayer({
      rateLimitScale: scale,
      commands: {
        'clock:sync': () => {
          ran += 1;
          return { serverTime: 1 };
        },
      },
    });
    const { socket, disconnected } = await layer.client();
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const within = await Promise.all(Array.from({ length: burst }, () => sendRaw(socket, 'no-such-event')));
    expect(
      within.every(
        (a) => (a as Ack<unknown>).ok === false && (a as { error: { code: string } }).error.code === ErrorCode.NotFound,
      ),
    ).toBe(true);
    const over = (await send(socket, 'clock:sync', {})) as Ack<unknown>;
    expect(over).toMatchObject({ ok: false, error: { code: ErrorCode.RateLimited } });
    expect(over.ok ? 0 : over.error.retryAfterMs).toBeGreaterThan(0);
    expect(ran).toBe(0);

    // Far over it: the refusals run out and the server ends the connection.
    const refusals = PACKET_REFUSALS.burst * scale;
    const raw = socket as unknown as { emit(event: string): void };
    for (let i = 0; i < refusals * 3 && socket.connected; i += 1) raw.emit('no-such-event');
    // Its goodbye may not reach it: the server drops the connection with what it had not read yet.
    expect(['io server disconnect', 'transport close']).toContain(await disconnected);
    const cutOff = await layer.metrics.socketsCutOff.get();
    expect(cutOff.values).toEqual([expect.objectContaining({ labels: { reason: 'packet budget' }, value: 1 })]);
  });
});

describe('a client that stops reading', () => {
  it('misses coalescable broadcasts while it is behind, gets them again once it caught up, and is cut off past the cap', {
    timeout: 120_000,
  }, async () => {
    const server = await startTestServer({ chatSendRate: { burst: 100_000, perSecond: 100_000 } });
    cleanups.push(() => server.stop());
    const space = uniqueSpace('backlog');
    const ana = await join(server.url, space, 'Ana');
    const bo = await join(server.url, space, 'Bo');
    const connectAs = async (token: string) => {
      const socket: TestClient = connectClient(server.url, {
        auth: { token, protocolVersion: PROTOCOL_VERSION },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      cleanups.push(() => void socket.disconnect());
      const events = recordEvents(socket);
      await new Promise<void>((resolve) => socket.once(ServerEvent.ClickerFeed, () => resolve()));
      return { socket, events };
    };
    const reader = await connectAs(ana.token);
    const stalled = await connectAs(bo.token);
    const serverSide = server.app.io.of('/').sockets.get(stalled.socket.id ?? '');
    if (!serverSide) throw new Error('no server-side socket for the stalled client');
    const sentToStalled: string[] = [];
    serverSide.onAnyOutgoing((event: string) => sentToStalled.push(event));
    // The client's TCP socket: paused, it reads nothing, and the kernel's buffers fill up, then the server's.
    const tcp = (stalled.socket.io.engine.transport as unknown as { ws: { _socket: Socket } }).ws._socket;
    cleanups.push(() => void tcp.destroy());
    const backlogged = () => server.app.io.of('/').adapter.rooms.get(BACKLOGGED_ROOM)?.has(serverSide.id) ?? false;
    const held = () => metricValue(server.url, 'huddle_socket_buffered_bytes');

    // Ten senders at once, 2,000 four-byte characters each (about 8 KB a message), until `done`.
    let n = 0;
    const chat = () =>
      send(reader.socket, 'chat:send', {
        conversationId: 'c:general',
        clientId: `flood-${++n}`,
        text: '😀'.repeat(2000),
      });
    const flood = async (done: () => boolean | Promise<boolean>, max: number) => {
      const sender = async () => {
        while (n < max && !(await done())) await chat();
      };
      await Promise.all(Array.from({ length: 10 }, sender));
    };

    tcp.pause();
    await flood(backlogged, 10_000);
    expect(backlogged()).toBe(true);

    sentToStalled.length = 0;
    const updatesBefore = reader.events.count(ServerEvent.SensorUpdate);
    await send(reader.socket, 'sensor:random', { count: 1 });
    await send(reader.socket, 'clicker:click', { count: 1 });
    await send(reader.socket, 'chat:typing', { conversationId: 'c:general' });
    await chat();
    await expect.poll(() => reader.events.count(ServerEvent.SensorUpdate)).toBeGreaterThan(updatesBefore);
    await reader.events.next(ServerEvent.ClickerLeaderboard, (b) => b.leaderboard.length > 0);
    // Facts still go to it (queued); what a later broadcast replaces does not.
    expect(sentToStalled).toContain(ServerEvent.ChatMessage);
    expect(sentToStalled).not.toContain(ServerEvent.SensorUpdate);
    expect(sentToStalled).not.toContain(ServerEvent.ClickerLeaderboard);
    expect(sentToStalled).not.toContain(ServerEvent.ChatTyping);

    // Reading again, it catches up and is no longer skipped.
    tcp.resume();
    await expect.poll(backlogged, { timeout: 30_000 }).toBe(false);
    sentToStalled.length = 0;
    await send(reader.socket, 'sensor:random', { count: 1 });
    await expect.poll(() => sentToStalled.includes(ServerEvent.SensorUpdate)).toBe(true);

    // Stopped for good: cut off once the bytes held for it pass the cap, which they never pass by more
    // than the messages in flight.
    tcp.pause();
    let closed = false;
    serverSide.once('disconnect', () => {
      closed = true;
    });
    let peak = 0;
    await flood(async () => {
      peak = Math.max(peak, await held());
      return closed;
    }, n + 20_000);
    expect(closed).toBe(true);
    expect(peak).toBeLessThanOrEqual(SOCKET_BACKPRESSURE.maxBytes + 10 * 16 * 1024);
    expect(await held()).toBe(0);
  });
});
