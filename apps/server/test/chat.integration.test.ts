import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Socket as NetSocket } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { CHAT_LIMITS, type ChatMessage, ErrorCode, PROTOCOL_VERSION, ServerEvent } from '@huddle/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import {
  connectRecorded,
  createPgDatabase,
  type EventLog,
  join,
  nextPresenceChange,
  removeRedisKeys,
  send,
  sendRaw,
  type TestClient,
  uniqueSpace,
  useTestServers,
} from './helpers.js';

const servers = useTestServers();
const server = servers.start;

interface Tab {
  socket: TestClient;
  events: EventLog;
}

async function tab(url: string, token: string): Promise<Tab> {
  const t = servers.track(await connectRecorded(url, token));
  // Setup is done once the presence snapshot has arrived.
  await t.events.next(ServerEvent.ChatPresence, (p) => 'users' in p);
  return t;
}

async function user(url: string, space: string, name: string) {
  const grant = await join(url, space, name);
  return { grant, id: grant.user.id, open: () => tab(url, grant.token) };
}

/** The TCP socket under a client's WebSocket, to cut it the way a dropped network would. */
function rawSocket(client: TestClient): NetSocket {
  const engine = client.io.engine as unknown as { transport: { ws: { _socket: NetSocket } } };
  return engine.transport.ws._socket;
}

const clientId = () => randomBytes(8).toString('hex');

const CLIENT_SCRIPT = `
import { io } from 'socket.io-client';
const socket = io(process.env.HUDDLE_URL, {
  auth: { token: process.env.HUDDLE_TOKEN, protocolVersion: ${PROTOCOL_VERSION} },
  transports: ['websocket'],
  reconnection: false,
});
socket.on('connect', () => console.log('connected'));
socket.on('connect_error', (err) => { console.error(err.message); process.exit(1); });
`;

/**
 * A client in a process of its own, connected, which `freeze` stops with SIGSTOP: its connection stays
 * open and nothing on its side answers, times out or closes, like a laptop whose lid was shut.
 */
async function clientProcess(url: string, token: string): Promise<{ freeze(): void; end(): Promise<void> }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CLIENT_SCRIPT], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...process.env, HUDDLE_URL: url, HUDDLE_TOKEN: token },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => process.off('exit', orphanGuard));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`client process exited with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', () => resolve());
  });
  return {
    freeze: () => child.kill('SIGSTOP'),
    // SIGKILL ends a stopped process too.
    end: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Presence batches a space gets at most once per this long (README: at most 4 a second). */
const PROMISED_BATCH_MS = 250;

function say(t: Tab, text: string, conversationId = 'c:general', id = clientId()) {
  return send(t.socket, 'chat:send', { conversationId, clientId: id, text });
}

describe('chat presence', () => {
  /** Ana and Bo each with a tab in a new space, once Ana has heard Bo arrive. */
  async function anaSeesBoArrive() {
    const { url } = await server();
    const space = uniqueSpace();
    const anaTab = await (await user(url, space, 'Ana')).open();
    const boTab = await (await user(url, space, 'Bo')).open();
    await nextPresenceChange(anaTab.events, (c) => c.user.name === 'Bo');
    return { anaTab, boTab };
  }

  it('announces joins and leaves, once per user however many tabs, and every list shows the active users', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const [ana, bo, cy] = [await user(url, space, 'Ana'), await user(url, space, 'Bo'), await user(url, space, 'Cy')];
    const anaTab1 = await ana.open();
    const boTab = await bo.open();
    expect(await nextPresenceChange(anaTab1.events, (c) => c.user.name === 'Bo')).toMatchObject({ kind: 'joined' });
    expect(anaTab1.events.presenceNames()).toEqual(['Ana', 'Bo']);
    // Bo's own list comes from the snapshot he got on connecting.
    expect(boTab.events.presenceNames()).toEqual(['Ana', 'Bo']);

    // Ana's second tab is not news. Cy's arrival is the next thing Bo hears.
    const anaTab2 = await ana.open();
    expect(anaTab2.events.presenceNames()).toEqual(['Ana', 'Bo']);
    await cy.open();
    await nextPresenceChange(boTab.events, (c) => c.user.name === 'Cy');
    expect(boTab.events.presenceNames()).toEqual(['Ana', 'Bo', 'Cy']);

    anaTab1.socket.disconnect();
    anaTab2.socket.disconnect();
    await nextPresenceChange(boTab.events, (c) => c.kind === 'left');
    expect(boTab.events.presenceNames()).toEqual(['Bo', 'Cy']);
    // Only one "left" for Ana, and no "joined" for her second tab.
    const dee = await user(url, space, 'Dee');
    await dee.open();
    await nextPresenceChange(boTab.events, (c) => c.user.name === 'Dee');
    const heard = boTab.events
      .presenceChanges()
      .filter((c) => c.user.name !== 'Bo')
      .map((c) => `${c.kind} ${c.user.name}`);
    expect(heard).toEqual(['joined Cy', 'left Ana', 'joined Dee']);
    expect(boTab.events.presenceNames()).toEqual(['Bo', 'Cy', 'Dee']);
  });

  it('batches an arrival storm: each client gets a few messages, and every list ends complete', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const watcherUser = await user(url, space, 'Watcher');
    const crowd = await Promise.all(Array.from({ length: 30 }, (_, i) => user(url, space, `Guest ${i}`)));
    const startedAt = performance.now();
    const watcher = await watcherUser.open();
    const guests = await Promise.all(crowd.map((u) => u.open()));
    const everyone = [watcher, ...guests];
    for (const tab of everyone) {
      // 31 sockets on a busy machine: 10 s leaves room for the last batches to arrive.
      await expect.poll(() => tab.events.presenceNames().length, { timeout: 10_000 }).toBe(31);
    }
    const elapsedMs = performance.now() - startedAt;
    expect(watcher.events.presenceChanges().filter((c) => c.user.name !== 'Watcher')).toHaveLength(30);

    // README: a space hears of changes in batches, at most 4 a second, the first at once. Every batch was
    // sent after `startedAt` and has arrived, so no client can have had more than that allows.
    const mostBatches = 1 + Math.floor(elapsedMs / PROMISED_BATCH_MS);
    for (const tab of everyone) {
      expect(tab.events.count(ServerEvent.ChatPresence, (p) => 'changes' in p)).toBeLessThanOrEqual(mostBatches);
    }
  });

  it('lets a user leave when the connection drops without a close frame', async () => {
    const { anaTab, boTab } = await anaSeesBoArrive();

    rawSocket(boTab.socket).destroy();
    expect(await nextPresenceChange(anaTab.events, (c) => c.kind === 'left')).toMatchObject({ user: { name: 'Bo' } });
    expect(anaTab.events.presenceNames()).toEqual(['Ana']);
  });
});

// The heartbeat is one setting of a whole server, and on a busy machine a short one closes healthy
// connections whose pong came late. So only the connection under test gets one: Bo's, on a node of its
// own, while Ana watches from a node with the production heartbeat; presence is shared through Redis.
describe('chat presence across two in-process nodes', () => {
  const REDIS_URL = process.env.HUDDLE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `huddle-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  let pg: Awaited<ReturnType<typeof createPgDatabase>>;
  let nodes = 0;
  const node = (heartbeat?: Config['heartbeat']) => {
    nodes += 1;
    return server({
      databaseUrl: pg.url,
      redis: { url: REDIS_URL, prefix, timeoutMs: 500 },
      nodeId: `${prefix}-n${nodes}`,
      ...(heartbeat ? { heartbeat } : {}),
    });
  };

  beforeAll(async () => {
    pg = await createPgDatabase();
  });
  afterAll(async () => {
    await pg.drop();
    await removeRedisKeys(REDIS_URL, prefix);
  });

  it('lets a user leave when their connection stops answering the heartbeat', async () => {
    const anaNode = await node();
    // Short enough to wait for; long enough that this process's own hiccups do not drop Bo before the freeze.
    const boNode = await node({ intervalMs: 1000, timeoutMs: 500 });
    const space = uniqueSpace();
    const anaTab = await (await user(anaNode.url, space, 'Ana')).open();
    const bo = await clientProcess(boNode.url, (await join(boNode.url, space, 'Bo')).token);
    try {
      await nextPresenceChange(anaTab.events, (c) => c.user.name === 'Bo', 5000);
      const boOnServer = [...boNode.app.io.of('/').sockets.values()];
      expect(boOnServer).toHaveLength(1);
      let closedBecause: string | undefined;
      boOnServer[0]?.once('disconnect', (reason) => {
        closedBecause = reason;
      });

      // Bo's laptop freezes: its connection stays open, and nothing on it answers (or closes) any more.
      bo.freeze();
      // Bo's node closes the connection for its silence (1 s + 0.5 s; 10 s leaves room for a busy
      // machine), and Ana, on the other node, hears that he left: once the heartbeat has closed it.
      const left = await nextPresenceChange(anaTab.events, (c) => c.kind === 'left', 10_000);
      expect(closedBecause).toBe('ping timeout');
      expect(left).toMatchObject({ user: { name: 'Bo' } });
      expect(anaTab.events.presenceNames()).toEqual(['Ana']);
    } finally {
      await bo.end();
    }
  });
});

describe('chat messages', () => {
  it('delivers a message to everyone in the space with the author taken from the session', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const ana = await (await user(url, space, 'Ana')).open();
    const boUser = await user(url, space, 'Bo');
    const bo = await boUser.open();
    const outsider = await (await user(url, uniqueSpace('other'), 'Ana')).open();

    const ack = await say(ana, '  hello <b>team</b>  ');
    expect(ack).toMatchObject({
      ok: true,
      data: { conversationId: 'c:general', seq: 1, text: 'hello <b>team</b>', author: { name: 'Ana' } },
    });
    const seen = await bo.events.next(ServerEvent.ChatMessage);
    expect(ack.ok && seen).toEqual(ack.ok && ack.data);

    // A payload naming another author is refused whole, and nothing is stored.
    const spoof = await sendRaw(ana.socket, 'chat:send', {
      conversationId: 'c:general',
      clientId: clientId(),
      text: 'I am Bo',
      author: { id: boUser.id, name: 'Bo' },
    });
    expect(spoof).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
    const history = await send(bo.socket, 'chat:history', { conversationId: 'c:general' });
    expect(history.ok && history.data.messages.map((m) => m.text)).toEqual(['hello <b>team</b>']);

    // The outsider's space has its own general channel, and heard nothing.
    const theirs = await send(outsider.socket, 'chat:history', { conversationId: 'c:general' });
    expect(theirs.ok && theirs.data.messages).toEqual([]);
  });

  it('stores a retried message once and answers the retry with the stored message', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const ana = await (await user(url, space, 'Ana')).open();
    const first = await say(ana, 'once', 'c:general', 'same-client-id');
    const retry = await say(ana, 'once', 'c:general', 'same-client-id');
    expect(retry).toEqual(first);
    const history = await send(ana.socket, 'chat:history', { conversationId: 'c:general' });
    expect(history.ok && history.data.messages).toHaveLength(1);
  });

  it('pages history 50 at a time, oldest last, in a stable order', async () => {
    const { url } = await server({ chatSendRate: { burst: 1000, perSecond: 1000 } });
    const space = uniqueSpace();
    const ana = await (await user(url, space, 'Ana')).open();
    const bo = await (await user(url, space, 'Bo')).open();
    for (let i = 1; i <= 120; i += 1) expect((await say(i % 3 ? ana : bo, `m${i}`)).ok).toBe(true);

    const seen: ChatMessage[] = [];
    let before: number | undefined;
    let pages = 0;
    for (;;) {
      const page = await send(bo.socket, 'chat:history', {
        conversationId: 'c:general',
        ...(before === undefined ? {} : { before }),
      });
      if (!page.ok) throw new Error(page.error.message);
      pages += 1;
      expect(page.data.messages.length).toBeLessThanOrEqual(CHAT_LIMITS.pageSize);
      seen.unshift(...page.data.messages);
      if (!page.data.hasMore) break;
      before = page.data.messages[0]?.seq;
    }
    expect(pages).toBe(3);
    expect(seen.map((m) => m.text)).toEqual(Array.from({ length: 120 }, (_, i) => `m${i + 1}`));
    expect(seen.map((m) => m.seq)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  });

  it('lets a client that reconnects catch up on what it missed: no gap, no duplicate', async () => {
    const { url } = await server({ chatSendRate: { burst: 1000, perSecond: 1000 } });
    const space = uniqueSpace();
    const anaUser = await user(url, space, 'Ana');
    const ana = await anaUser.open();
    const bo = await (await user(url, space, 'Bo')).open();
    for (let i = 1; i <= 3; i += 1) await say(bo, `before ${i}`);
    const held: ChatMessage[] = [];
    for (let i = 1; i <= 3; i += 1) held.push(await ana.events.next(ServerEvent.ChatMessage));

    ana.socket.disconnect();
    // Bo keeps talking while Ana is away, quickly enough to need two catch-up pages.
    for (let i = 1; i <= 70; i += 1) await say(bo, `while away ${i}`);

    const back = await anaUser.open();
    const list = await back.events.next(ServerEvent.ChatConversations);
    const general = list.conversations.find((c) => c.id === 'c:general');
    expect(general).toMatchObject({ lastSeq: 73, unread: 73 });
    let after = held.at(-1)?.seq ?? 0;
    for (;;) {
      const page = await send(back.socket, 'chat:history', { conversationId: 'c:general', after });
      if (!page.ok) throw new Error(page.error.message);
      held.push(...page.data.messages);
      after = page.data.messages.at(-1)?.seq ?? after;
      if (!page.data.hasMore) break;
    }
    expect(held.map((m) => m.seq)).toEqual(Array.from({ length: 73 }, (_, i) => i + 1));
    expect(held.at(-1)?.text).toBe('while away 70');
  });

  it('limits a fast sender with a clear error and leaves others unaffected', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const ana = await (await user(url, space, 'Ana')).open();
    const bo = await (await user(url, space, 'Bo')).open();
    const acks = [];
    for (let i = 0; i < CHAT_LIMITS.sendBurst + 1; i += 1) acks.push(await say(ana, `spam ${i}`));
    expect(acks.slice(0, CHAT_LIMITS.sendBurst).every((a) => a.ok)).toBe(true);
    expect(acks.at(-1)).toMatchObject({ ok: false, error: { code: ErrorCode.RateLimited, message: /too fast/ } });
    expect(await say(bo, 'still fine')).toMatchObject({ ok: true, data: { seq: CHAT_LIMITS.sendBurst + 1 } });
  });

  it('answers bad input with an error and changes nothing', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const ana = await (await user(url, space, 'Ana')).open();
    const cases: [unknown, string, string?][] = [
      [{ conversationId: 'c:general', clientId: clientId(), text: '   ' }, ErrorCode.BadRequest, 'text'],
      [{ conversationId: 'c:general', clientId: clientId(), text: 'x'.repeat(2001) }, ErrorCode.BadRequest, 'text'],
      [{ conversationId: 'c:general', clientId: clientId(), text: 42 }, ErrorCode.BadRequest, 'text'],
      [{ conversationId: 'c:general', clientId: 'short', text: 'hi' }, ErrorCode.BadRequest, 'clientId'],
      [{ conversationId: 'c:nowhere', clientId: clientId(), text: 'hi' }, ErrorCode.NotFound, 'conversationId'],
      [{ conversationId: 'c:general', text: 'hi' }, ErrorCode.BadRequest, 'clientId'],
      ['hi', ErrorCode.BadRequest],
      [null, ErrorCode.BadRequest],
    ];
    for (const [payload, code, field] of cases) {
      const ack = await sendRaw(ana.socket, 'chat:send', payload);
      expect(ack, JSON.stringify(payload)?.slice(0, 80)).toMatchObject({
        ok: false,
        error: field ? { code, field } : { code },
      });
    }
    for (const [command, payload] of [
      ['chat:history', { conversationId: 'c:general', before: 3, after: 1 }],
      ['chat:history', { conversationId: 'c:general', limit: 10_000 }],
      ['chat:create-channel', { name: 'no way!' }],
      ['chat:create-channel', { name: 'x'.repeat(33) }],
      ['chat:read', { conversationId: 'c:general', seq: -1 }],
      ['chat:open-direct', { userId: 7 }],
    ] as const) {
      expect(await sendRaw(ana.socket, command, payload)).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BadRequest },
      });
    }
    const history = await send(ana.socket, 'chat:history', { conversationId: 'c:general' });
    expect(history.ok && history.data.messages).toEqual([]);
    // 2,000 characters is the limit, not one less.
    expect((await say(ana, 'é'.repeat(2000))).ok).toBe(true);
  });
});

describe('channels, direct conversations, typing and read marks', () => {
  it('announces a new channel to the space and keeps its messages apart', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const ana = await (await user(url, space, 'Ana')).open();
    const bo = await (await user(url, space, 'Bo')).open();
    const made = await send(ana.socket, 'chat:create-channel', { name: ' #Design Team ' });
    expect(made).toMatchObject({ ok: true, data: { id: 'c:design-team', kind: 'channel', name: 'design-team' } });
    expect(await bo.events.next(ServerEvent.ChatConversation)).toMatchObject({ id: 'c:design-team' });
    await say(bo, 'in design', 'c:design-team');
    expect(await ana.events.next(ServerEvent.ChatMessage)).toMatchObject({ conversationId: 'c:design-team', seq: 1 });
    const general = await send(ana.socket, 'chat:history', { conversationId: 'c:general' });
    expect(general.ok && general.data.messages).toEqual([]);
    // A look-alike of a channel that exists is refused; the same name gives the channel back.
    expect(await send(bo.socket, 'chat:create-channel', { name: 'design-tearn' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.NameTaken, field: 'name', message: '#design-team looks the same: choose another name' },
    });
    expect(await send(bo.socket, 'chat:create-channel', { name: 'genera1' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.NameTaken },
    });
    expect(await send(bo.socket, 'chat:create-channel', { name: 'design-team' })).toMatchObject({
      ok: true,
      data: { id: 'c:design-team' },
    });
  });

  it('shows a direct conversation only to its two members', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const anaUser = await user(url, space, 'Ana');
    const boUser = await user(url, space, 'Bo');
    const ana = await anaUser.open();
    const anaOtherTab = await anaUser.open();
    const bo = await boUser.open();
    const cy = await (await user(url, space, 'Cy')).open();

    const opened = await send(ana.socket, 'chat:open-direct', { userId: boUser.id });
    if (!opened.ok) throw new Error(opened.error.message);
    expect(opened.data).toMatchObject({ kind: 'direct', peer: { name: 'Bo' } });
    expect(await bo.events.next(ServerEvent.ChatConversation)).toMatchObject({
      id: opened.data.id,
      peer: { name: 'Ana' },
    });
    expect(await anaOtherTab.events.next(ServerEvent.ChatConversation)).toMatchObject({ peer: { name: 'Bo' } });

    await say(ana, 'psst', opened.data.id);
    expect(await bo.events.next(ServerEvent.ChatMessage)).toMatchObject({ text: 'psst' });
    // Cy hears the next public message and nothing before it.
    await say(bo, 'hello all');
    expect(await cy.events.next(ServerEvent.ChatMessage)).toMatchObject({ text: 'hello all' });
    expect(await send(cy.socket, 'chat:history', { conversationId: opened.data.id })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.NotFound },
    });
    expect(await say(cy, 'let me in', opened.data.id)).toMatchObject({
      ok: false,
      error: { code: ErrorCode.NotFound },
    });
    expect(await send(cy.socket, 'chat:open-direct', { userId: cy.socket.id ?? 'x' })).toMatchObject({ ok: false });
  });

  it('tells the others who is typing, but not the typist’s own tabs', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const anaUser = await user(url, space, 'Ana');
    const ana = await anaUser.open();
    const anaOtherTab = await anaUser.open();
    const bo = await (await user(url, space, 'Bo')).open();
    expect(await send(ana.socket, 'chat:typing', { conversationId: 'c:general' })).toEqual({
      ok: true,
      data: null,
    });
    const typing = await bo.events.next(ServerEvent.ChatTyping);
    expect(typing).toMatchObject({ conversationId: 'c:general', user: { name: 'Ana' } });
    expect(typing.expiresAt).toBeGreaterThan(Date.now());
    // Had Ana's other tab been sent the signal, it would have arrived before this message.
    await say(bo, 'marker');
    await anaOtherTab.events.next(ServerEvent.ChatMessage);
    await expect(anaOtherTab.events.next(ServerEvent.ChatTyping, () => true, 50)).rejects.toThrow(/no matching/);
  });

  it('syncs a read position to the user’s other tabs and counts unread per user', async () => {
    const { url } = await server();
    const space = uniqueSpace();
    const anaUser = await user(url, space, 'Ana');
    const ana = await anaUser.open();
    const anaOtherTab = await anaUser.open();
    const bo = await (await user(url, space, 'Bo')).open();
    await say(bo, 'one');
    await say(bo, 'two');
    expect(await send(ana.socket, 'chat:read', { conversationId: 'c:general', seq: 1 })).toEqual({
      ok: true,
      data: { conversationId: 'c:general', seq: 1 },
    });
    expect(await anaOtherTab.events.next(ServerEvent.ChatRead)).toEqual({ conversationId: 'c:general', seq: 1 });
    const fresh = await anaUser.open();
    const list = await fresh.events.next(ServerEvent.ChatConversations);
    expect(list.conversations.find((c) => c.id === 'c:general')).toMatchObject({
      unread: 1,
      lastReadSeq: 1,
      lastSeq: 2,
    });
  });
});
