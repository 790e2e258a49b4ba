import path from 'node:path';
import {
  CHAT_LIMITS,
  type ChatMessage,
  type ClickerBoard,
  Command,
  DEFAULT_CHANNEL,
  type PomodoroSnapshot,
  type SensorBoard,
  type SensorSummary,
  ServerEvent,
  type SessionGrant,
} from '@huddle/protocol';
import SQLite from 'better-sqlite3';
import type { ServerOptions } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHuddle } from '../../src/server.js';
import {
  connectRecorded,
  join,
  nextPresenceChange,
  send,
  startTestServer,
  type TestClient,
  tempDir,
  uniqueSpace,
} from '../helpers.js';
import { ms, recordSection, soak } from './report.js';

/**
 * Offline longer than the recovery window (issue 7). Huddle does not enable Socket.IO's connection-state
 * recovery: its recovery window is zero, so every reconnect is a new handshake that gets full snapshots.
 * A client that was up to date goes offline while the others chat (more than a history page), press the
 * pomodoro, add sensor readings and click gold; back online, acting as the web client does, it must end
 * up with every snapshot matching what the others see and exactly the stored chat history: no gap, no
 * duplicate.
 */

const GENERAL = `c:${DEFAULT_CHANNEL}`;
/** Seen live before going offline. */
const BEFORE = 5;
const MISSED = 120;
const OFFLINE_MS = soak(5_000, 60_000);
/** What the web client receives on every (re)connect, in the order the server sends it. */
const SNAPSHOTS = [
  ServerEvent.Welcome,
  ServerEvent.PomodoroState,
  ServerEvent.ChatConversations,
  ServerEvent.ChatPresence,
  ServerEvent.SensorBoard,
  ServerEvent.ClickerPlayer,
  ServerEvent.ClickerLeaderboard,
  ServerEvent.ClickerFeed,
] as const;

/** What a client that stayed online knows, kept from the snapshots it got and every event since. */
interface LiveView {
  pomodoro: PomodoroSnapshot | undefined;
  sensors: Map<string, SensorSummary>;
  thresholds: SensorBoard['thresholds'] | undefined;
  leaderboard: ClickerBoard['leaderboard'] | undefined;
  messages: Map<number, ChatMessage>;
}

function follow(socket: TestClient, view: LiveView): void {
  socket.on(ServerEvent.PomodoroState, (s) => {
    view.pomodoro = s;
  });
  socket.on(ServerEvent.SensorBoard, (b) => {
    view.thresholds = b.thresholds;
    view.sensors = new Map(b.sensors.map((s) => [s.sensorId, s]));
  });
  socket.on(ServerEvent.SensorUpdate, (s) => void view.sensors.set(s.sensorId, s));
  socket.on(ServerEvent.ClickerLeaderboard, (b) => {
    view.leaderboard = b.leaderboard;
  });
  socket.on(ServerEvent.ChatMessage, (m) => void view.messages.set(m.seq, m));
}

const bySensor = (sensors: Iterable<SensorSummary>) =>
  [...sensors].sort((a, b) => a.sensorId.localeCompare(b.sensorId));

describe('a client offline for longer than the recovery window', () => {
  let server: RunningHuddle;
  const data = tempDir('huddle-offline-');
  const sockets: TestClient[] = [];

  beforeAll(async () => {
    // The others send 120 messages in a row: far above the per-user send limit, which is not measured here.
    server = await startTestServer({ dataDir: data.dir, chatSendRate: { burst: 1000, perSecond: 1000 } });
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await server?.stop();
    data.remove();
  });

  async function open(grant: SessionGrant, watch?: (socket: TestClient) => void) {
    const tab = await connectRecorded(server.url, grant.token, watch);
    sockets.push(tab.socket);
    return tab;
  }

  it('gets every snapshot and catches up on chat page by page: the stored history exactly, no gap', async () => {
    const space = uniqueSpace('offline');
    const [ana, bo, cy] = [
      await join(server.url, space, 'Ana'),
      await join(server.url, space, 'Bo'),
      await join(server.url, space, 'Cy'),
    ] as const;
    const boView: LiveView = {
      pomodoro: undefined,
      sensors: new Map(),
      thresholds: undefined,
      leaderboard: undefined,
      messages: new Map(),
    };
    const boTab = await open(bo, (socket) => follow(socket, boView));
    const cyTab = await open(cy);
    const anaTab = await open(ana);
    // The snapshots of her first connection, taken so that those of the reconnect are the next ones.
    const welcome = await anaTab.events.next(ServerEvent.Welcome);
    const anaPlayer = await anaTab.events.next(ServerEvent.ClickerPlayer);
    for (const event of SNAPSHOTS.filter((e) => e !== ServerEvent.Welcome && e !== ServerEvent.ClickerPlayer)) {
      // Presence: the whole list, not the batch of changes that announces her own arrival.
      await anaTab.events.next(event, (p) => event !== ServerEvent.ChatPresence || 'users' in p);
    }
    await nextPresenceChange(boTab.events, (c) => c.kind === 'joined' && c.user.id === ana.user.id);

    // Ana, as the web client's chat store: every message she received live or fetched, by seq.
    const held = new Map<number, ChatMessage>();
    let duplicates = 0;
    const take = (m: ChatMessage) => {
      if (m.conversationId !== GENERAL) return;
      if (held.has(m.seq)) duplicates += 1;
      held.set(m.seq, m);
    };
    anaTab.socket.on(ServerEvent.ChatMessage, take);

    const say = async (tab: { socket: TestClient }, i: number) => {
      const ack = await send(tab.socket, Command.ChatSend, {
        conversationId: GENERAL,
        clientId: `offline-${String(i).padStart(4, '0')}`,
        text: `message ${i}`,
      });
      if (!ack.ok) throw new Error(`chat:send failed: ${ack.error.code}`);
      return ack.data;
    };
    for (let i = 1; i <= BEFORE; i += 1) await say(boTab, i);
    await expect.poll(() => held.size).toBe(BEFORE);

    // Offline: the server has let her go once the others see her leave.
    anaTab.socket.disconnect();
    const offlineAt = Date.now();
    await nextPresenceChange(boTab.events, (c) => c.kind === 'left' && c.user.id === ana.user.id);

    // Meanwhile the others chat past a history page, press the pomodoro, add readings and click gold.
    for (let i = BEFORE + 1; i <= BEFORE + MISSED; i += 1) await say(i % 2 ? boTab : cyTab, i);
    const pressed = await send(boTab.socket, Command.PomodoroPress, {});
    expect(pressed.ok).toBe(true);
    for (const sensorId of ['default', 'greenhouse']) {
      const readings = await send(cyTab.socket, Command.SensorRandom, { sensorId, count: 10 });
      expect(readings).toMatchObject({ ok: true, data: { stored: 10 } });
    }
    const gold = new Map([['Ana', 0]]);
    for (const [name, tab] of [
      ['Bo', boTab],
      ['Cy', cyTab],
    ] as const) {
      for (let i = 0; i < 3; i += 1) {
        const clicked = await send(tab.socket, Command.ClickerClick, { count: 10 });
        if (!clicked.ok) throw new Error(`clicker:click failed: ${clicked.error.code}`);
        gold.set(name, clicked.data.player.goldMilli);
      }
    }
    const lastSeq = BEFORE + MISSED;
    // Bo, who stayed, has seen all of it.
    await expect.poll(() => boView.messages.size).toBe(lastSeq);
    await expect.poll(() => boView.pomodoro?.version).toBe(pressed.ok ? pressed.data.version : -1);
    await expect.poll(() => boView.sensors.size).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, offlineAt + OFFLINE_MS - Date.now())));

    // Back online: the same socket reconnects with the token her last welcome renewed, as the web client does.
    (anaTab.socket.auth as { token: string }).token = welcome.token;
    const reconnectAt = performance.now();
    const offlineMs = Date.now() - offlineAt;
    anaTab.socket.connect();
    await new Promise<void>((resolve, reject) => {
      anaTab.socket.once('connect', resolve);
      anaTab.socket.once('connect_error', reject);
    });
    // No recovery window: not a resumed session but a new one.
    const serverOptions = (server.app.io as unknown as { opts: Partial<ServerOptions> }).opts;
    expect(serverOptions.connectionStateRecovery).toBeUndefined();
    expect(anaTab.socket.recovered).toBeFalsy();

    // Every snapshot of a new connection.
    const rewelcome = await anaTab.events.next(ServerEvent.Welcome);
    expect(rewelcome).toMatchObject({ user: ana.user, space });
    const pomodoro = await anaTab.events.next(ServerEvent.PomodoroState);
    const { conversations } = await anaTab.events.next(ServerEvent.ChatConversations);
    const presence = await anaTab.events.next(ServerEvent.ChatPresence, (p) => 'users' in p);
    const board = await anaTab.events.next(ServerEvent.SensorBoard);
    const player = await anaTab.events.next(ServerEvent.ClickerPlayer);
    const leaderboard = await anaTab.events.next(ServerEvent.ClickerLeaderboard);
    const feed = await anaTab.events.next(ServerEvent.ClickerFeed);

    // Chat, as socket-bridge → resumeChat: the list shows more than she holds, so she pages forward from
    // her last contiguous seq until the server has nothing newer.
    const general = conversations.find((c) => c.id === GENERAL);
    expect(general?.lastSeq).toBe(lastSeq);
    let cursor = 0;
    while (held.has(cursor + 1)) cursor += 1;
    expect(cursor).toBe(BEFORE);
    let pages = 0;
    for (;;) {
      const page = await send(anaTab.socket, Command.ChatHistory, {
        conversationId: GENERAL,
        after: cursor,
        limit: CHAT_LIMITS.pageSize,
      });
      if (!page.ok) throw new Error(`chat:history failed: ${page.error.code}`);
      pages += 1;
      // Each page continues exactly where the last one ended.
      expect(page.data.messages.map((m) => m.seq)).toEqual(page.data.messages.map((_, i) => cursor + 1 + i));
      for (const m of page.data.messages) take(m);
      const last = page.data.messages.at(-1);
      if (!page.data.hasMore || last === undefined) break;
      cursor = last.seq;
    }
    const caughtUpMs = performance.now() - reconnectAt;

    // She holds exactly what is stored, and what Bo saw live.
    const db = new SQLite(path.join(data.dir, 'huddle.sqlite'), { readonly: true });
    const stored = db
      .prepare(
        'SELECT seq, client_id AS clientId, text FROM chat_messages WHERE space = ? AND conversation = ? ORDER BY seq',
      )
      .all(space, GENERAL) as { seq: number; clientId: string; text: string }[];
    db.close();
    expect(stored).toHaveLength(lastSeq);
    const heldSorted = [...held.values()].sort((a, b) => a.seq - b.seq);
    expect(heldSorted.map(({ seq, clientId, text }) => ({ seq, clientId, text }))).toEqual(stored);
    expect(heldSorted).toEqual([...boView.messages.values()].sort((a, b) => a.seq - b.seq));
    expect(duplicates).toBe(0);
    expect(pages).toBe(Math.ceil(MISSED / CHAT_LIMITS.pageSize));

    // The other snapshots match what the others see.
    expect(pomodoro).toEqual(boView.pomodoro);
    expect('users' in presence && presence.users.map((u) => u.name)).toEqual(['Ana', 'Bo', 'Cy']);
    expect(board.thresholds).toEqual(boView.thresholds);
    expect(bySensor(board.sensors)).toEqual(bySensor(boView.sensors.values()));
    expect(board.sensors.reduce((n, s) => n + s.total, 0)).toBe(20);
    await expect.poll(() => boView.leaderboard).toEqual(leaderboard.leaderboard);
    expect(Object.fromEntries(leaderboard.leaderboard.map((e) => [e.user.name, e.goldMilli]))).toEqual(
      Object.fromEntries(gold),
    );
    expect(gold.get('Bo')).toBeGreaterThan(0);
    expect(player).toEqual(anaPlayer);
    expect(feed.purchases).toEqual([]);

    recordSection('offline-resync', {
      order: 35,
      title: 'Offline longer than the recovery window',
      setup:
        'One in-process server (SQLite); Socket.IO connection-state recovery is off, so every reconnect is a new ' +
        `handshake. Ana, up to date after ${BEFORE} messages, disconnects; meanwhile Bo and Cy send ${MISSED} ` +
        'messages, press the pomodoro, add 10 random readings to each of two sensors and click gold. She ' +
        'reconnects with her renewed token and, as the web client does on `chat:conversations`, pages ' +
        `\`chat:history { after }\` (${CHAT_LIMITS.pageSize} a page) from her last contiguous seq.`,
      figures: {
        'Offline duration': ms(offlineMs),
        'Messages missed': MISSED,
        'History pages fetched': pages,
        'Snapshots received on reconnect': `${SNAPSHOTS.length} (${SNAPSHOTS.join(', ')})`,
        'Snapshots matching what the others see': `${SNAPSHOTS.length} of ${SNAPSHOTS.length}`,
        'Gaps after catch-up': 0,
        'Duplicates after catch-up': duplicates,
        'Reconnect → fully caught up': ms(caughtUpMs),
      },
      notes: [
        `The web client pages with limit ${CHAT_LIMITS.maxPageSize}, so it fetches these ${MISSED} in one page; ` +
          `the default page (${CHAT_LIMITS.pageSize}) shows that paging leaves no gap between pages.`,
      ],
    });
  });
});
