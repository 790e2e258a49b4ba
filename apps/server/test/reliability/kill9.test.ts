import { isDeepStrictEqual } from 'node:util';
import {
  type Ack,
  type ChatHistoryPage,
  type ChatMessage,
  type ClickerPlayer,
  type ClickResult,
  type CommandName,
  ErrorCode,
  type PomodoroSnapshot,
  PROTOCOL_VERSION,
  ServerEvent,
  type SessionGrant,
} from '@huddle/protocol';
import { io, type Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRecorded, freePort, join, tempDir, uniqueSpace } from '../helpers.js';
import { type NodeProcess, startNodeProcess } from '../node-process.js';
import { ms, percentile, scenario, soak } from './report.js';

// 200 clients in 4 spaces chat (each sender one message at a time, as the web client's outbox does),
// press the pomodoro and click gold against one server process on SQLite; the process is killed with
// SIGKILL under that traffic and started again on the same port and data, like a supervisor would.
const CLIENTS = 200;
const SPACES = 4;
const TRAFFIC_MS = soak(5_000, 60_000);
const KILLS = soak(1, 5);
/** Far above the reconnect backoff (≤ 3 s) plus a slow start: a client not back by then never comes back. */
const RECONNECT_LIMIT_MS = 60_000;
/**
 * Far above any answer time of a loaded server: a command unanswered this long was lost, not slow (the
 * outage ends unanswered commands at once, when the socket drops).
 */
const ACK_TIMEOUT_MS = 30_000;

const report = scenario(import.meta.filename, {
  order: 10,
  title: 'Server killed (kill -9) under traffic',
  setup:
    `${CLIENTS} clients in ${SPACES} spaces on one server process (SQLite): each sends a chat message every ~2 s (one at a ` +
    'time, retrying an unanswered one with the same client id, as the web client does), clicks gold every ~1 s and ' +
    'presses the pomodoro every ~4.5 s while its work period runs (every press must be refused). After ' +
    `${TRAFFIC_MS / 1000} s the process is killed with SIGKILL and started again on the same port and data` +
    `${KILLS > 1 ? `, ${KILLS} times` : ''}; a fresh client per space then reads the pomodoro the restarted server serves.`,
});

const data = tempDir('huddle-kill9-');
const env = { DATA_DIR: data.dir, SESSION_SECRET: 'kill9-test-secret-kill9-test-secret-0123' };
let server: NodeProcess | undefined;
const clients: Client[] = [];

afterAll(async () => {
  for (const c of clients) c.socket.disconnect();
  await server?.stop();
  data.remove();
});

type CommandKind = 'chat' | 'click' | 'press';

/** How one command ended: answered ok, refused with a code, or never answered (the socket dropped, or 30 s passed). */
interface Outcome {
  kind: CommandKind;
  sentAt: number;
  endedAt: number;
  result: 'ok' | ErrorCode | 'no ack';
}

interface Client {
  name: string;
  space: string;
  socket: Socket;
  /** Messages in send order: acked with their seq, or not yet. */
  sent: { clientId: string; text: string; seq?: number; ackedAfterTraffic?: boolean }[];
  /** The highest gold a click ack showed. */
  goldAcked: number;
  /** What the web client's pomodoro store holds: the first snapshot after a (re)connect, then no older one. */
  pomodoro?: PomodoroSnapshot;
  acceptAnyPomodoro: boolean;
  /** Commands of the current kill cycle. */
  outcomes: Outcome[];
  /** The current cycle's drop: when, and the highest gold an ack of the killed process showed. */
  down?: { at: number; goldAcked: number };
  /** The current cycle's reconnect, with the first snapshots the restarted server sent, as they came. */
  back?: { at: number; pomodoro?: PomodoroSnapshot; player?: ClickerPlayer };
  /** Why the last reconnect attempt failed, or that the server ended the connection: shown if it never came back. */
  trouble?: string;
}

async function command<T>(c: Client, kind: CommandKind, name: CommandName, payload: unknown): Promise<Ack<T>> {
  const sentAt = Date.now();
  const ack = await (c.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(name, payload) as Promise<Ack<T>>).catch(
    () => undefined,
  );
  c.outcomes.push({
    kind,
    sentAt,
    endedAt: Date.now(),
    result: ack === undefined ? 'no ack' : ack.ok ? 'ok' : ack.error.code,
  });
  return ack ?? { ok: false, error: { code: ErrorCode.Timeout, message: 'no ack' } };
}

const pause = (msMin: number, msSpread: number) =>
  new Promise((resolve) => setTimeout(resolve, msMin + Math.random() * msSpread));

/** One client's traffic while `going()`: messages one at a time (retrying the unacked one), clicks, presses. */
async function traffic(c: Client, going: () => boolean) {
  const chat = (async () => {
    while (going()) {
      let next = c.sent.find((m) => m.seq === undefined);
      if (!next) {
        next = {
          clientId: `${c.name.replace(/\W/g, '')}-${c.sent.length}-${Math.random().toString(36).slice(2, 8)}`,
          text: `${c.name} #${c.sent.length}`,
        };
        c.sent.push(next);
      }
      if (!c.socket.connected) {
        await pause(100, 0);
        continue;
      }
      const ack = await command<ChatMessage>(c, 'chat', 'chat:send', {
        conversationId: 'c:general',
        clientId: next.clientId,
        text: next.text,
      });
      if (ack.ok) {
        next.seq = ack.data.seq;
        await pause(1500, 1000);
      } else {
        await pause(200, 0);
      }
    }
  })();
  const clicks = (async () => {
    while (going()) {
      await pause(700, 600);
      if (!c.socket.connected) continue;
      const ack = await command<ClickResult>(c, 'click', 'clicker:click', { count: 3 });
      if (ack.ok) c.goldAcked = Math.max(c.goldAcked, ack.data.player.goldMilli);
    }
  })();
  const presses = (async () => {
    while (going()) {
      await pause(3000, 3000);
      if (c.socket.connected) await command(c, 'press', 'pomodoro:press', {});
    }
  })();
  await Promise.all([chat, clicks, presses]);
}

async function history(socket: Socket): Promise<ChatMessage[]> {
  const all: ChatMessage[] = [];
  let after = 0;
  for (;;) {
    const page = (await socket
      .timeout(10_000)
      .emitWithAck('chat:history', { conversationId: 'c:general', after, limit: 200 })) as Ack<ChatHistoryPage>;
    if (!page.ok) throw new Error(page.error.message);
    all.push(...page.data.messages);
    if (!page.data.hasMore || page.data.messages.length === 0) return all;
    after = page.data.messages.at(-1)?.seq ?? after;
  }
}

/** Waits until `count()` reaches `target` or `timeoutMs` passes; the caller asserts the count it got. */
async function waitForCount(count: () => number, target: number, timeoutMs: number): Promise<number> {
  await expect
    .poll(count, { timeout: timeoutMs })
    .toBe(target)
    .catch(() => {});
  return count();
}

/** What went wrong for clients that are not back, counted by kind. */
function troubles(missing: Client[]): string {
  if (missing.length === 0) return '';
  const kinds = new Map<string, number>();
  for (const c of missing) kinds.set(c.trouble ?? 'no error seen', (kinds.get(c.trouble ?? 'no error seen') ?? 0) + 1);
  return `; not back: ${[...kinds].map(([kind, n]) => `${n} × ${kind}`).join(', ')}`;
}

describe('kill -9 under traffic', () => {
  it('loses no acknowledged message, doubles none, keeps each sender’s order, the pomodoro and the gold', async () => {
    const port = await freePort();
    server = await startNodeProcess({ ...env, PORT: String(port) });
    const url = server.url;
    const spaces = Array.from({ length: SPACES }, () => uniqueSpace('kill9'));

    for (let i = 0; i < CLIENTS; i += 1) {
      const space = spaces[i % SPACES] as string;
      const ip = `10.2.${Math.floor(i / 250)}.${(i % 250) + 1}`;
      const name = `User ${i}`;
      const grant = await join(url, space, name, ip);
      const socket = io(url, {
        auth: { token: grant.token, protocolVersion: PROTOCOL_VERSION },
        transports: ['websocket'],
        forceNew: true,
        extraHeaders: { 'x-forwarded-for': ip },
        reconnectionDelay: 500,
        reconnectionDelayMax: 2000,
      });
      const c: Client = { name, space, socket, sent: [], goldAcked: 0, acceptAnyPomodoro: true, outcomes: [] };
      socket.on('disconnect', (reason) => {
        c.down ??= { at: Date.now(), goldAcked: c.goldAcked };
        // The server ending a connection (a failed connection setup) is not retried by Socket.IO.
        if (reason === 'io server disconnect') c.trouble = reason;
      });
      socket.on('connect_error', (err) => {
        c.trouble = `connect_error ${err.message}`;
      });
      socket.on('connect', () => {
        c.acceptAnyPomodoro = true;
        if (c.down !== undefined) c.back ??= { at: Date.now() };
      });
      socket.on(ServerEvent.PomodoroState, (p: PomodoroSnapshot) => {
        if (c.back && !c.back.pomodoro) c.back.pomodoro = p;
        if (c.acceptAnyPomodoro || !c.pomodoro || p.version >= c.pomodoro.version) c.pomodoro = p;
        c.acceptAnyPomodoro = false;
      });
      socket.on(ServerEvent.ClickerPlayer, (p: ClickerPlayer) => {
        if (c.back && !c.back.player) c.back.player = p;
      });
      clients.push(c);
    }
    // One observer per space, signed in now, connects to each restarted server for what it serves.
    const observers = await Promise.all(spaces.map((space, i) => join(url, space, `Observer ${i}`, `10.3.0.${i + 1}`)));
    const connected = await waitForCount(() => clients.filter((c) => c.socket.connected).length, CLIENTS, 30_000);
    expect(connected).toBe(CLIENTS);
    // The first press of each space starts its work period: the pomodoro that must survive, version and all.
    const running = new Map<string, PomodoroSnapshot>();
    for (const space of spaces) {
      const first = clients.find((c) => c.space === space) as Client;
      const ack = await command<PomodoroSnapshot>(first, 'press', 'pomodoro:press', {});
      if (!ack.ok) throw new Error(`the first press was refused: ${ack.error.code}`);
      running.set(space, ack.data);
      first.outcomes = [];
    }

    const downMs: number[] = [];
    const reconnectMs: number[] = [];
    const fromKillMs: number[] = [];
    const unansweredInOutage: Record<CommandKind, number> = { chat: 0, click: 0, press: 0 };
    const answerMs: number[] = [];
    const unexpected: string[] = [];
    let pressesRefused = 0;
    let pressesAccepted = 0;
    const servedPomodoroDiffers: string[] = [];
    const clientPomodoroDiffers: string[] = [];
    let maxDeadlineDriftMs = 0;
    const goldBelowAck: string[] = [];
    const goldAckedBeforeKill: number[] = [];
    for (let kill = 0; kill < KILLS; kill += 1) {
      for (const c of clients) {
        c.down = undefined;
        c.back = undefined;
      }
      // Traffic before the kill, through the outage, and as long again once every client is back.
      let stopAt = Number.POSITIVE_INFINITY;
      const trafficDone = Promise.all(clients.map((c) => traffic(c, () => Date.now() < stopAt)));
      await new Promise((r) => setTimeout(r, TRAFFIC_MS));
      // Not before every client has gold the killed process acknowledged: the gold check compares with it.
      const withGold = await waitForCount(() => clients.filter((c) => c.goldAcked > 0).length, CLIENTS, 60_000);
      expect(withGold).toBe(CLIENTS);

      const killedAt = Date.now();
      await server.kill();
      server = await startNodeProcess({ ...env, PORT: String(port) });
      const upAt = Date.now();
      downMs.push(upAt - killedAt);
      const served = new Map<string, PomodoroSnapshot>();
      for (const [i, space] of spaces.entries()) {
        const observer = await connectRecorded(url, (observers[i] as SessionGrant).token);
        served.set(space, await observer.events.next(ServerEvent.PomodoroState, () => true, 20_000));
        observer.socket.disconnect();
      }
      const back = await waitForCount(
        () => clients.filter((c) => c.back && c.socket.connected).length,
        CLIENTS,
        RECONNECT_LIMIT_MS,
      );
      stopAt = Date.now() + TRAFFIC_MS;
      report.measured('Server down (kill → listening again)', downMs.map(ms).join(', '));
      report.asserted(
        'Clients back after the restart',
        back,
        (n) => expect(n).toBe(CLIENTS),
        `${back} of ${CLIENTS}${KILLS > 1 ? ` (restart ${kill + 1})` : ''}` +
          troubles(clients.filter((c) => !(c.back && c.socket.connected))),
      );
      for (const c of clients) {
        if (c.back === undefined) continue;
        reconnectMs.push(Math.max(0, c.back.at - upAt));
        fromKillMs.push(c.back.at - killedAt);
      }
      await trafficDone;

      // Every command answered, refused as expected, or left unanswered by the outage: sent before this
      // client was back, and given up on once the old process was gone.
      for (const c of clients) {
        for (const o of c.outcomes) {
          if (o.result !== 'no ack') answerMs.push(o.endedAt - o.sentAt);
          if (o.result === 'no ack' && o.endedAt >= killedAt && o.sentAt < (c.back?.at ?? Number.POSITIVE_INFINITY)) {
            unansweredInOutage[o.kind] += 1;
          } else if (o.kind === 'press' && o.result === ErrorCode.InvalidTransition) {
            pressesRefused += 1;
          } else if (o.kind === 'press' && o.result === 'ok') {
            pressesAccepted += 1;
          } else if (o.result !== 'ok') {
            unexpected.push(`${c.name} ${o.kind} ${o.result} ${o.sentAt - killedAt} ms after the kill`);
          }
        }
        c.outcomes = [];
      }

      // The pomodoro: what the restarted server serves a newcomer, and what every client ends up holding, is
      // the work period running before the kill (deadline and version included: nothing could change it).
      for (const space of spaces) {
        const before = running.get(space) as PomodoroSnapshot;
        const after = served.get(space) as PomodoroSnapshot;
        if (!isDeepStrictEqual(after, before)) {
          servedPomodoroDiffers.push(`${space}: ${after.state} v${after.version} until ${after.endsAt}`);
        }
      }
      for (const c of clients) {
        const before = running.get(c.space) as PomodoroSnapshot;
        const seen = [c.pomodoro, c.back?.pomodoro];
        for (const p of seen) {
          maxDeadlineDriftMs = Math.max(maxDeadlineDriftMs, Math.abs((p?.endsAt ?? 0) - (before.endsAt ?? 0)));
        }
        if (!seen.every((p) => isDeepStrictEqual(p, before))) {
          clientPomodoroDiffers.push(`${c.name}: ${c.pomodoro?.state} v${c.pomodoro?.version}`);
        }
      }
      // Gold never went down: the restarted server's first clicker:player holds at least what the killed
      // one acknowledged (no purchases are made, so gold only grows).
      for (const c of clients) {
        const acked = c.down?.goldAcked ?? 0;
        goldAckedBeforeKill.push(acked);
        const reported = c.back?.player?.goldMilli;
        if (reported === undefined || reported < acked) goldBelowAck.push(`${c.name}: ${reported} < ${acked}`);
      }
    }

    // Every sender's unacked message is sent again (same client id) until acked.
    let ackedAfterTraffic = 0;
    for (const c of clients) {
      for (const m of c.sent.filter((s) => s.seq === undefined)) {
        const ack = await command<ChatMessage>(c, 'chat', 'chat:send', {
          conversationId: 'c:general',
          clientId: m.clientId,
          text: m.text,
        });
        if (!ack.ok) unexpected.push(`${c.name} chat ${ack.error.code} when sent again after the traffic`);
        else {
          m.seq = ack.data.seq;
          ackedAfterTraffic += 1;
        }
      }
    }

    let ackedMessages = 0;
    let lost = 0;
    let storedTwice = 0;
    let gaps = 0;
    let outOfOrder = 0;
    for (const space of spaces) {
      const reader = clients.find((c) => c.space === space) as Client;
      const stored = await history(reader.socket);
      const maxSeq = stored.at(-1)?.seq ?? 0;
      gaps += maxSeq - new Set(stored.map((m) => m.seq)).size;
      const byClientId = new Map<string, ChatMessage[]>();
      for (const m of stored) byClientId.set(m.clientId, [...(byClientId.get(m.clientId) ?? []), m]);
      for (const copies of byClientId.values()) storedTwice += copies.length - 1;
      for (const c of clients.filter((x) => x.space === space)) {
        let previous = 0;
        for (const m of c.sent.filter((s) => s.seq !== undefined)) {
          ackedMessages += 1;
          const found = byClientId.get(m.clientId)?.[0];
          // Missing, or stored at another place than its ack said.
          if (found === undefined || found.seq !== m.seq || found.text !== m.text) lost += 1;
          else {
            if (found.seq <= previous) outOfOrder += 1;
            previous = found.seq;
          }
        }
      }
    }

    report.measured(
      'Messages acknowledged',
      `${ackedMessages} (${ackedAfterTraffic} of them when sent again after the traffic)`,
    );
    report.asserted('Acknowledged messages lost', lost, (n) => expect(n).toBe(0));
    report.asserted('Messages stored twice', storedTwice, (n) => expect(n).toBe(0));
    report.asserted('Gaps in the stored sequences', gaps, (n) => expect(n).toBe(0));
    report.asserted('Out of per-sender order', outOfOrder, (n) => expect(n).toBe(0));
    report.measured(
      'Command answer time, p50 / p99 / max',
      `${ms(percentile(answerMs, 50))} / ${ms(percentile(answerMs, 99))} / ${ms(percentile(answerMs, 100))}`,
    );
    report.measured(
      'Commands left unanswered by the outage (chat / click / press)',
      `${unansweredInOutage.chat} / ${unansweredInOutage.click} / ${unansweredInOutage.press}`,
    );
    report.asserted(
      'Commands refused or unanswered for another reason',
      unexpected,
      (list) => expect(list.slice(0, 10), `${list.length} in all`).toEqual([]),
      unexpected.length === 0 ? 'none' : `${unexpected.length}: ${unexpected.slice(0, 3).join('; ')}`,
    );
    report.asserted(
      'Pomodoro a fresh client gets after the restart',
      servedPomodoroDiffers,
      (differ) => expect(differ).toEqual([]),
      servedPomodoroDiffers.length === 0
        ? `the work period running before the kill, deadline and version, in all ${SPACES} spaces`
        : `differs in ${servedPomodoroDiffers.length} of ${SPACES * KILLS}: ${servedPomodoroDiffers.join('; ')}`,
    );
    report.asserted(
      'Clients whose pomodoro after the restart differs from it',
      clientPomodoroDiffers.length,
      (n) => expect(clientPomodoroDiffers.slice(0, 5), `${n} differ`).toEqual([]),
      `${clientPomodoroDiffers.length} of ${CLIENTS} (deadline drift at most ${ms(maxDeadlineDriftMs)})`,
    );
    report.asserted(
      'Presses accepted while the work period ran',
      pressesAccepted,
      (n) => expect(n).toBe(0),
      `${pressesAccepted} (${pressesRefused} refused with INVALID_TRANSITION)`,
    );
    report.asserted(
      'Clients whose gold after the restart is below what an ack showed before the kill',
      goldBelowAck.length,
      (n) => expect(goldBelowAck.slice(0, 5), `${n} below`).toEqual([]),
      `${goldBelowAck.length} of ${CLIENTS} (acked before the kill: median ${percentile(goldAckedBeforeKill, 50) / 1000} gold)`,
    );
    report.measured(
      'Reconnect after the server is back, p50 / p95 / max',
      `${ms(percentile(reconnectMs, 50))} / ${ms(percentile(reconnectMs, 95))} / ${ms(percentile(reconnectMs, 100))}`,
    );
    report.measured(
      'Reconnect after the kill, p50 / p95 / max',
      `${ms(percentile(fromKillMs, 50))} / ${ms(percentile(fromKillMs, 95))} / ${ms(percentile(fromKillMs, 100))}`,
    );
    report.note(
      'A command sent before a client was back and not answered by the killed process is expected to go unanswered; a chat message without an ack is sent again with the same client id and stored once.',
    );
  });
});
