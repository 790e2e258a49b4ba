import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  applyPresence,
  CHAT_LIMITS,
  type ChatMessage,
  CLICKER_LIMITS,
  type ClickerPlayer,
  type ClickerPurchase,
  type ConversationView,
  DEFAULT_CHANNEL,
  EMPTY_PRESENCE,
  type LeaderboardEntry,
  type PomodoroSnapshot,
  PROTOCOL_VERSION,
  type PresenceList,
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
  recordEvents,
  send,
  startTestServer,
  type TestClient,
  tempDir,
  uniqueSpace,
} from '../helpers.js';
import { ms, scenario, soak } from './report.js';

/**
 * Offline longer than the recovery window (issue 7). Huddle does not enable Socket.IO's connection-state
 * recovery: its recovery window is zero, so every reconnect is a new handshake that gets full snapshots.
 * A client that was up to date goes offline while the others chat (more than a history page), press the
 * pomodoro, add sensor readings, click gold and buy; back online, acting as the web client does, each
 * snapshot it gets must match what the others (still connected) see at that moment, or the stored state
 * where the view is its own, and its chat must hold exactly the stored history: no gap, no duplicate.
 */

const GENERAL = `c:${DEFAULT_CHANNEL}`;
/** Seen live before going offline. */
const BEFORE = 5;
const MISSED = 120;
const OFFLINE_MS = soak(5_000, 60_000);
/** Events arrive within milliseconds here; this bounds a wait for one that never comes on a busy machine. */
const EVENT_TIMEOUT_MS = 10_000;

const report = scenario(import.meta.filename, {
  order: 35,
  title: 'Offline longer than the recovery window',
  setup:
    'One in-process server (SQLite); Socket.IO connection-state recovery is off, so every reconnect is a new ' +
    `handshake. Ana, up to date after ${BEFORE} messages (read up to there, a shovel bought, gold clicked), ` +
    `disconnects; meanwhile Bo and Cy send ${MISSED} messages, press the pomodoro, add 10 random readings to ` +
    'each of two sensors, click gold and buy a shovel. She reconnects with her renewed token; each snapshot is ' +
    'compared with what Bo and Cy, connected throughout, hold at that moment (or with the stored state for her ' +
    'own welcome, conversations and game), and, as the web client does on `chat:conversations`, she pages ' +
    `\`chat:history { after }\` (${CHAT_LIMITS.pageSize} a page) from her last contiguous seq.`,
});

/** What a client that stayed online knows, kept from the snapshots it got and every event since. */
interface LiveView {
  pomodoro: PomodoroSnapshot | undefined;
  presence: PresenceList;
  thresholds: SensorBoard['thresholds'] | undefined;
  sensors: Map<string, SensorSummary>;
  leaderboard: LeaderboardEntry[] | undefined;
  feed: ClickerPurchase[];
  messages: Map<number, ChatMessage>;
}

function follow(socket: TestClient): LiveView {
  const view: LiveView = {
    pomodoro: undefined,
    presence: EMPTY_PRESENCE,
    thresholds: undefined,
    sensors: new Map(),
    leaderboard: undefined,
    feed: [],
    messages: new Map(),
  };
  socket.on(ServerEvent.PomodoroState, (s) => {
    if (!view.pomodoro || s.version >= view.pomodoro.version) view.pomodoro = s;
  });
  socket.on(ServerEvent.ChatPresence, (p) => {
    view.presence = applyPresence(view.presence, p);
  });
  socket.on(ServerEvent.SensorBoard, (b) => {
    view.thresholds = b.thresholds;
    view.sensors = new Map(b.sensors.map((s) => [s.sensorId, s]));
  });
  socket.on(ServerEvent.SensorUpdate, (s) => void view.sensors.set(s.sensorId, s));
  socket.on(ServerEvent.ClickerLeaderboard, (b) => {
    view.leaderboard = b.leaderboard;
  });
  socket.on(ServerEvent.ClickerFeed, (f) => {
    view.feed = f.purchases;
  });
  // Newest first, as the feed snapshot lists them.
  socket.on(ServerEvent.ClickerPurchase, (p) => {
    view.feed = [p, ...view.feed].slice(0, CLICKER_LIMITS.feedSize);
  });
  socket.on(ServerEvent.ChatMessage, (m) => void view.messages.set(m.seq, m));
  return view;
}

const bySensor = (sensors: Iterable<SensorSummary>) =>
  [...sensors].sort((a, b) => a.sensorId.localeCompare(b.sensorId));

/** The shared views, as comparable values. */
function shared(view: LiveView) {
  return structuredClone({
    pomodoro: view.pomodoro,
    presence: view.presence.users,
    board: { thresholds: view.thresholds, sensors: bySensor(view.sensors.values()) },
    leaderboard: view.leaderboard,
    feed: view.feed,
  });
}

/** What `check` throws, in a line, or undefined when it holds. */
function mismatch(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    // Vitest's message elides nested values; the report row shows both sides.
    const { message, actual, expected } = error as { message?: string; actual?: unknown; expected?: unknown };
    const shown = (value: unknown) => JSON.stringify(value)?.slice(0, 400);
    return `${(message ?? String(error)).split('\n')[0]} (got ${shown(actual)}, expected ${shown(expected)})`;
  }
}

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

  async function open(grant: SessionGrant) {
    let view: LiveView | undefined;
    const tab = await connectRecorded(server.url, grant.token, (socket) => {
      view = follow(socket);
    });
    sockets.push(tab.socket);
    return { ...tab, view: view as LiveView };
  }

  /** Reads the stored state straight from the database file (the server keeps writing it meanwhile). */
  function stored<T>(query: (db: SQLite.Database) => T): T {
    const db = new SQLite(path.join(data.dir, 'huddle.sqlite'), { readonly: true });
    try {
      return query(db);
    } finally {
      db.close();
    }
  }

  it('gets every snapshot as the others see it and catches up on chat page by page: the stored history exactly', async () => {
    const space = uniqueSpace('offline');
    const [ana, bo, cy] = [
      await join(server.url, space, 'Ana'),
      await join(server.url, space, 'Bo'),
      await join(server.url, space, 'Cy'),
    ] as const;
    const boTab = await open(bo);
    const cyTab = await open(cy);
    const anaTab = await open(ana);
    // Her first welcome renews her token: the web client reconnects with it.
    const welcome = await anaTab.events.next(ServerEvent.Welcome);
    await nextPresenceChange(boTab.events, (c) => c.kind === 'joined' && c.user.id === ana.user.id);

    // Ana, as the web client's chat store: every message she received live or fetched, by seq.
    const held = new Map<number, ChatMessage>();
    let receivedTwice = 0;
    const take = (m: ChatMessage) => {
      if (m.conversationId !== GENERAL) return;
      if (held.has(m.seq)) receivedTwice += 1;
      held.set(m.seq, m);
    };
    anaTab.socket.on(ServerEvent.ChatMessage, take);

    const say = async (tab: { socket: TestClient }, i: number) => {
      const ack = await send(tab.socket, 'chat:send', {
        conversationId: GENERAL,
        clientId: `offline-${String(i).padStart(4, '0')}`,
        text: `message ${i}`,
      });
      if (!ack.ok) throw new Error(`chat:send failed: ${ack.error.code}`);
      return ack.data;
    };
    const gold = new Map<string, number>();
    const play = async (name: string, socket: TestClient, clicks: number[], buy?: 'shovel') => {
      for (const count of clicks) {
        const clicked = await send(socket, 'clicker:click', { count });
        if (!clicked.ok) throw new Error(`clicker:click failed: ${clicked.error.code}`);
        gold.set(name, clicked.data.player.goldMilli);
      }
      if (buy) {
        const bought = await send(socket, 'clicker:buy', { item: buy, clientId: randomUUID() });
        if (!bought.ok) throw new Error(`clicker:buy failed: ${bought.error.code}`);
        gold.set(name, bought.data.goldMilli);
      }
    };

    // Before she leaves: messages she reads, and a game of her own that differs from a new player's.
    for (let i = 1; i <= BEFORE; i += 1) await say(boTab, i);
    await expect.poll(() => held.size, { timeout: EVENT_TIMEOUT_MS }).toBe(BEFORE);
    expect(await send(anaTab.socket, 'chat:read', { conversationId: GENERAL, seq: BEFORE })).toMatchObject({
      ok: true,
    });
    await play('Ana', anaTab.socket, [15], 'shovel');
    await play('Ana', anaTab.socket, [5]);

    // Offline: the server has let her go once the others see her leave.
    anaTab.socket.disconnect();
    const offlineAt = Date.now();
    await nextPresenceChange(boTab.events, (c) => c.kind === 'left' && c.user.id === ana.user.id);

    // Meanwhile the others chat past a history page, press the pomodoro, add readings, click gold and buy.
    for (let i = BEFORE + 1; i <= BEFORE + MISSED; i += 1) await say(i % 2 ? boTab : cyTab, i);
    const pressed = await send(boTab.socket, 'pomodoro:press', {});
    if (!pressed.ok) throw new Error(`pomodoro:press failed: ${pressed.error.code}`);
    for (const sensorId of ['default', 'greenhouse']) {
      const readings = await send(cyTab.socket, 'sensor:random', { sensorId, count: 10 });
      expect(readings).toMatchObject({ ok: true, data: { stored: 10 } });
    }
    await play('Bo', boTab.socket, [10, 10], 'shovel');
    await play('Cy', cyTab.socket, [10, 10, 10]);

    // Bo and Cy, who stayed, have seen all of it: what they hold is the present state.
    for (const other of [boTab.view, cyTab.view]) {
      await expect.poll(() => other.messages.size, { timeout: EVENT_TIMEOUT_MS }).toBe(BEFORE + MISSED);
      await expect.poll(() => other.pomodoro?.version, { timeout: EVENT_TIMEOUT_MS }).toBe(pressed.data.version);
      await expect
        .poll(() => [...other.sensors.values()].map((s) => s.total), { timeout: EVENT_TIMEOUT_MS })
        .toEqual([10, 10]);
      await expect
        .poll(() => Object.fromEntries((other.leaderboard ?? []).map((e) => [e.user.name, e.goldMilli])), {
          timeout: EVENT_TIMEOUT_MS,
        })
        .toEqual(Object.fromEntries(gold));
      await expect.poll(() => other.feed.map((p) => p.user.name), { timeout: EVENT_TIMEOUT_MS }).toEqual(['Bo', 'Ana']);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, offlineAt + OFFLINE_MS - Date.now())));

    // Back online: the same socket reconnects with the token her last welcome renewed, as the web client does.
    // From here on, only what arrives after the reconnect counts (her clicks before leaving were broadcast too).
    const anaEvents = recordEvents(anaTab.socket);
    const boEvents = recordEvents(boTab.socket);
    const cyEvents = recordEvents(cyTab.socket);
    (anaTab.socket.auth as { token: string }).token = welcome.token;
    const reconnectAt = performance.now();
    const reconnectWallAt = Date.now();
    const offlineMs = reconnectWallAt - offlineAt;
    anaTab.socket.connect();
    await new Promise<void>((resolve, reject) => {
      anaTab.socket.once('connect', resolve);
      anaTab.socket.once('connect_error', reject);
    });
    // No recovery window: not a resumed session but a new one.
    const serverOptions = (server.app.io as unknown as { opts: Partial<ServerOptions> }).opts;
    expect(serverOptions.connectionStateRecovery).toBeUndefined();
    expect(anaTab.socket.recovered).toBeFalsy();

    // Every snapshot of a new connection, as it came (a missing one is reported, not waited on forever).
    const next = <T>(got: Promise<T>) => got.catch(() => undefined);
    const snapshots = {
      [ServerEvent.Welcome]: await next(anaEvents.next(ServerEvent.Welcome, () => true, EVENT_TIMEOUT_MS)),
      [ServerEvent.PomodoroState]: await next(anaEvents.next(ServerEvent.PomodoroState, () => true, EVENT_TIMEOUT_MS)),
      [ServerEvent.ChatConversations]: await next(
        anaEvents.next(ServerEvent.ChatConversations, () => true, EVENT_TIMEOUT_MS),
      ),
      [ServerEvent.ChatPresence]: await next(
        anaEvents.next(ServerEvent.ChatPresence, (p) => 'users' in p, EVENT_TIMEOUT_MS),
      ),
      [ServerEvent.SensorBoard]: await next(anaEvents.next(ServerEvent.SensorBoard, () => true, EVENT_TIMEOUT_MS)),
      [ServerEvent.ClickerPlayer]: await next(anaEvents.next(ServerEvent.ClickerPlayer, () => true, EVENT_TIMEOUT_MS)),
      [ServerEvent.ClickerLeaderboard]: await next(
        anaEvents.next(ServerEvent.ClickerLeaderboard, () => true, EVENT_TIMEOUT_MS),
      ),
      [ServerEvent.ClickerFeed]: await next(anaEvents.next(ServerEvent.ClickerFeed, () => true, EVENT_TIMEOUT_MS)),
    };
    const receivedAt = Date.now();
    // What Bo and Cy hold at that moment, once their lists show her back (presence comes in batches).
    for (const events of [boEvents, cyEvents]) {
      await nextPresenceChange(events, (c) => c.kind === 'joined' && c.user.id === ana.user.id, EVENT_TIMEOUT_MS);
    }
    const others = { Bo: shared(boTab.view), Cy: shared(cyTab.view) };

    // Chat, as socket-bridge → resumeChat: the list shows more than she holds, so she pages forward from
    // her last contiguous seq until the server has nothing newer.
    let cursor = 0;
    while (held.has(cursor + 1)) cursor += 1;
    let pages = 0;
    for (;;) {
      const page = await send(anaTab.socket, 'chat:history', {
        conversationId: GENERAL,
        after: cursor,
        limit: CHAT_LIMITS.pageSize,
      });
      if (!page.ok) throw new Error(`chat:history failed: ${page.error.code}`);
      pages += 1;
      for (const m of page.data.messages) take(m);
      const last = page.data.messages.at(-1);
      if (!page.data.hasMore || last === undefined) break;
      cursor = last.seq;
    }
    const caughtUpMs = performance.now() - reconnectAt;

    // The stored state, where a view is her own.
    const log = stored(
      (db) =>
        db
          .prepare(
            'SELECT seq, client_id AS clientId, text FROM chat_messages WHERE space = ? AND conversation = ? ORDER BY seq',
          )
          .all(space, GENERAL) as { seq: number; clientId: string; text: string }[],
    );
    const storedConversations = stored((db) =>
      db
        .prepare(
          `SELECT c.id, c.kind, c.name, c.last_seq AS lastSeq, coalesce(r.last_read_seq, 0) AS lastReadSeq,
               c.archived_at IS NOT NULL AS archived,
               (SELECT count(*) FROM chat_messages m WHERE m.space = c.space AND m.conversation = c.id
                  AND m.author_id <> @user AND m.deleted_at IS NULL
                  AND m.seq > coalesce(r.last_read_seq, 0)) AS unread
             FROM chat_conversations c
             LEFT JOIN chat_reads r ON r.conversation = c.id AND r.user_id = @user
             WHERE c.space = @space AND (c.kind = 'channel' OR c.member_a = @user OR c.member_b = @user)
             ORDER BY c.id`,
        )
        .all({ space, user: ana.user.id })
        // A channel says whether it is archived; SQLite answers 0 or 1.
        .map((row) => {
          const { archived, ...rest } = row as { kind: string; archived: number };
          return (rest.kind === 'channel' ? { ...rest, archived: archived === 1 } : rest) as ConversationView;
        }),
    );
    const storedPlayer = stored((db) => {
      const row = db
        .prepare(
          `SELECT u.name, p.gold_milli, p.per_click, p.per_second, p.items, p.clicks, p.settled_at, p.version
           FROM clicker_players p JOIN users u ON u.id = p.user_id WHERE p.user_id = ?`,
        )
        .get(ana.user.id) as {
        name: string;
        gold_milli: number;
        per_click: number;
        per_second: number;
        items: string;
        clicks: number;
        settled_at: number;
        version: number;
      };
      return {
        user: { id: ana.user.id, name: row.name },
        goldMilli: row.gold_milli,
        perClick: row.per_click,
        perSecond: row.per_second,
        items: JSON.parse(row.items) as ClickerPlayer['items'],
        clicks: row.clicks,
        settledAt: row.settled_at,
        version: row.version,
      } satisfies ClickerPlayer;
    });

    // Each snapshot: received, and equal field by field to what Bo and Cy hold, or to the stored state.
    const sameAsOthers = (pick: (view: ReturnType<typeof shared>) => unknown, value: unknown) => () => {
      for (const [name, view] of Object.entries(others)) expect(value, `as ${name} sees it`).toStrictEqual(pick(view));
    };
    const { [ServerEvent.ChatPresence]: presence, [ServerEvent.SensorBoard]: board } = snapshots;
    const checks: Record<keyof typeof snapshots, () => void> = {
      [ServerEvent.Welcome]: () => {
        const w = snapshots[ServerEvent.Welcome];
        expect(w).toMatchObject({ user: ana.user, space, protocolVersion: PROTOCOL_VERSION });
        expect(w?.serverTime).toBeGreaterThanOrEqual(reconnectWallAt);
        expect(w?.serverTime).toBeLessThanOrEqual(receivedAt);
      },
      [ServerEvent.PomodoroState]: sameAsOthers((v) => v.pomodoro, snapshots[ServerEvent.PomodoroState]),
      [ServerEvent.ChatConversations]: () =>
        expect(
          [...(snapshots[ServerEvent.ChatConversations]?.conversations ?? [])].sort((a, b) => a.id.localeCompare(b.id)),
        ).toStrictEqual(storedConversations),
      // Her list as the web app builds it from the snapshot.
      [ServerEvent.ChatPresence]: sameAsOthers(
        (v) => v.presence,
        presence && applyPresence(EMPTY_PRESENCE, presence).users,
      ),
      [ServerEvent.SensorBoard]: sameAsOthers(
        (v) => v.board,
        board && { thresholds: board.thresholds, sensors: bySensor(board.sensors) },
      ),
      [ServerEvent.ClickerPlayer]: () => expect(snapshots[ServerEvent.ClickerPlayer]).toStrictEqual(storedPlayer),
      [ServerEvent.ClickerLeaderboard]: sameAsOthers(
        (v) => v.leaderboard,
        snapshots[ServerEvent.ClickerLeaderboard]?.leaderboard,
      ),
      [ServerEvent.ClickerFeed]: sameAsOthers((v) => v.feed, snapshots[ServerEvent.ClickerFeed]?.purchases),
    };
    const mismatches = Object.entries(checks).flatMap(([event, check]) => {
      if (snapshots[event as keyof typeof snapshots] === undefined) return [`${event}: not received`];
      const differs = mismatch(check);
      return differs === undefined ? [] : [`${event}: ${differs}`];
    });
    const heldSeqs = new Set(held.keys());
    const storedSeqs = new Set(log.map((m) => m.seq));
    const missing = log.filter((m) => !heldSeqs.has(m.seq)).length;
    const differing = [...held.values()].filter((m) => {
      const same = log.find((s) => s.seq === m.seq);
      return !storedSeqs.has(m.seq) || same?.clientId !== m.clientId || same.text !== m.text;
    }).length;
    const missedWhileOffline = log.filter((m) => m.seq > BEFORE).length;

    report.measured('Offline duration', ms(offlineMs));
    report.asserted(
      'Snapshots on reconnect equal to what Bo and Cy hold (or the stored state)',
      mismatches,
      (list) => expect(list).toEqual([]),
      `${Object.keys(checks).length - mismatches.length} of ${Object.keys(checks).length}` +
        (mismatches.length > 0 ? `; ${mismatches.join('; ')}` : ''),
    );
    report.asserted(
      'Stored messages missing after catch-up',
      missing,
      (n) => expect(n).toBe(0),
      `${missing} of ${log.length}`,
    );
    report.asserted('Messages held that differ from the stored ones', differing, (n) => expect(n).toBe(0));
    report.asserted('Messages received twice', receivedTwice, (n) => expect(n).toBe(0));
    report.asserted(
      'History pages fetched',
      pages,
      // Paging shows no gap between pages only if there are several, and it stops at the newest.
      (n) => expect(n).toBe(Math.ceil(missedWhileOffline / CHAT_LIMITS.pageSize)),
      `${pages} for ${missedWhileOffline} messages missed`,
    );
    report.measured('Reconnect → fully caught up', ms(caughtUpMs));
    report.note(
      `The web client pages with limit ${CHAT_LIMITS.maxPageSize}, so it fetches these ${MISSED} in one page; ` +
        `the default page (${CHAT_LIMITS.pageSize}) shows that paging leaves no gap between pages.`,
    );
  });
});
