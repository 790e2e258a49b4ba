import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type Ack,
  type CommandName,
  type CommandPayload,
  type CommandResults,
  DEFAULT_CHANNEL,
  ErrorCode,
  PomodoroState,
  PROTOCOL_VERSION,
  ServerEvent,
  type SessionGrant,
} from '@huddle/protocol';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connect, createPgDatabase, join, startTestServer, type TestClient, tempDir, uniqueSpace } from '../helpers.js';
import { ms, percentile, type Scenario, scenario, soak } from './report.js';

/**
 * Storage outages (issue 7): while PostgreSQL is cut off or the SQLite file is locked by another
 * process, every command answers UNAVAILABLE (HTTP 503, handshake refused with UNAVAILABLE) within the
 * storage timeouts instead of hanging, connected sockets stay connected, nothing is half-stored, and the
 * server serves again by itself once storage is back.
 */

/** PostgreSQL unreachable: new calls are started during this long, then it comes back once all answered. */
const OUTAGE_MS = soak(3_000, 30_000);
/** The SQLite file is held with BEGIN EXCLUSIVE this long. */
const LOCK_MS = soak(3_000, 30_000);
/** database.ts: connectionTimeoutMillis 3 s, query_timeout 5 s; an answer later than this is a failure. */
const PG_ERROR_BOUND_MS = 6_000;
/** database.ts waits SQLITE_LOCK_WAIT_MS (500 ms) for another process's lock; a write refused later than this is a failure. */
const SQLITE_ERROR_BOUND_MS = 1_000;
/** No answer by then counts as a hang (and fails the bounds above). */
const HANG_MS = 15_000;
/** Storage back: every kind of call must succeed again within this. */
const RECOVERY_BOUND_MS = 10_000;
/** A new round of calls starts this often during the outage. */
const ROUND_EVERY_MS = 1_000;
const GENERAL = `c:${DEFAULT_CHANNEL}`;
const NO_ANSWER = 'no answer';

interface Outcome {
  kind: 'command' | 'http' | 'socket';
  call: string;
  /** Error code of the ack or refusal, 'ok', an HTTP status, or NO_ANSWER. */
  answer: string;
  ms: number;
}

/** Rows of one space, to prove an outage stored nothing and lost nothing. */
interface Stored {
  messages: string[];
  pomodoroVersion: number;
  clicks: number;
  readings: number;
  users: string[];
}

type Query = (text: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

async function storedIn(query: Query, space: string): Promise<Stored> {
  const rows = (text: string) => query(text, [space]);
  const one = async (text: string) => Number(Object.values((await rows(text))[0] ?? {})[0] ?? 0);
  return {
    messages: (await rows('select client_id from chat_messages where space = ? order by conversation, seq')).map((r) =>
      String(r.client_id),
    ),
    pomodoroVersion: await one('select version from pomodoros where space = ?'),
    clicks: await one('select coalesce(sum(clicks), 0) from clicker_players where space = ?'),
    readings: await one('select count(*) from sensor_readings where space = ?'),
    users: (await rows('select name from users where space = ? order by name')).map((r) => String(r.name)),
  };
}

/** `storedIn`'s queries, with PostgreSQL's numbered parameters. */
const pgQuery =
  (client: pg.Client): Query =>
  async (text, params) => {
    let n = 0;
    const numbered = text.replace(/\?/g, () => `$${++n}`);
    return (await client.query(numbered, params)).rows;
  };

/** What differs between two looks at a space's rows, as `field: before → after`; empty when nothing does. */
function differences(before: Stored, after: Stored): string[] {
  const found: string[] = [];
  for (const key of Object.keys(before) as (keyof Stored)[]) {
    const [a, b] = [JSON.stringify(before[key]), JSON.stringify(after[key])];
    if (a !== b) found.push(`${key}: ${a} → ${b}`);
  }
  return found;
}

/**
 * How the network to PostgreSQL is cut. Either way new connections are accepted and never answered, so
 * the pool runs into its connect timeout rather than a quick ECONNREFUSED.
 * - reset: every open connection is destroyed (the database restarted, a peer reset them);
 * - silent: open connections stop carrying anything, for good (a partition, a failover behind a
 *   stateful firewall): only the query timeout ends a query on them.
 */
type Cut = 'reset' | 'silent';

const CUTS: Record<Cut, string> = {
  reset: 'connections reset',
  silent: 'connections silent',
};

/** A TCP proxy in front of PostgreSQL that can cut it off; restored, it forwards new connections again. */
async function startPgProxy(target: { host: string; port: number }) {
  let forwarding = true;
  const open = new Set<readonly [net.Socket, net.Socket]>();
  const dead = new Set<net.Socket>();
  const held = new Set<net.Socket>();
  const counts = { cut: 0, held: 0 };

  function forward(client: net.Socket) {
    const upstream = net.connect(target);
    const pair = [client, upstream] as const;
    open.add(pair);
    upstream.on('error', () => upstream.destroy());
    for (const end of pair) {
      end.on('close', () => {
        open.delete(pair);
        for (const s of pair) s.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }

  const server = net.createServer((client) => {
    client.on('error', () => client.destroy());
    if (forwarding) return forward(client);
    // Accepted and never read: the client's startup message waits in the buffers for nobody.
    counts.held += 1;
    held.add(client);
    client.on('close', () => held.delete(client));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    port: (server.address() as net.AddressInfo).port,
    counts,
    cut(how: Cut) {
      forwarding = false;
      counts.cut += open.size;
      for (const [client, upstream] of open) {
        if (how === 'reset') {
          client.destroy();
          upstream.destroy();
          continue;
        }
        // Nothing passes any more, in either direction, and nothing tells either end.
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
        dead.add(client).add(upstream);
      }
      open.clear();
    },
    /** New connections get through again (those held so far too); silent ones stay silent. */
    restore() {
      forwarding = true;
      for (const client of held) {
        held.delete(client);
        forward(client);
      }
    },
    async close() {
      for (const s of [...[...open].flat(), ...dead, ...held]) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sends a command and times its ack; a hang is NO_ANSWER after HANG_MS, not an exception. */
async function call<K extends CommandName>(
  socket: TestClient,
  name: K,
  payload: CommandPayload<K>,
): Promise<{ ack: Ack<CommandResults[K]> | undefined; outcome: Outcome }> {
  const started = performance.now();
  let ack: Ack<CommandResults[K]> | undefined;
  try {
    ack = await (
      socket.timeout(HANG_MS) as unknown as { emitWithAck(n: string, p: unknown): Promise<Ack<CommandResults[K]>> }
    ).emitWithAck(name, payload);
  } catch {
    ack = undefined;
  }
  const answer = ack === undefined ? NO_ANSWER : ack.ok ? 'ok' : ack.error.code;
  return { ack, outcome: { kind: 'command', call: name, answer, ms: performance.now() - started } };
}

async function httpCall(url: string, init: RequestInit = {}): Promise<Outcome> {
  const started = performance.now();
  let answer = NO_ANSWER;
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(HANG_MS) });
    await res.arrayBuffer();
    answer = String(res.status);
  } catch {}
  const { pathname } = new URL(url);
  return { kind: 'http', call: `${init.method ?? 'GET'} ${pathname}`, answer, ms: performance.now() - started };
}

const joinCall = (baseUrl: string, space: string, name: string) =>
  httpCall(`${baseUrl}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ space, name, create: { visibility: 'open' } }),
  });

/** What a new tab receives while the server sets its connection up. */
const INITIAL_STATE = [
  ServerEvent.PomodoroState,
  ServerEvent.ChatConversations,
  ServerEvent.SensorBoard,
  ServerEvent.ClickerPlayer,
] as const;

/**
 * Opens a new socket: 'ok' once its connection is set up (every initial state received), else the
 * refusal's data.code, or `closed (reason)` when the server lets it in and then closes it.
 */
function newSocket(baseUrl: string, token: string, opened: TestClient[]): Promise<Outcome> {
  const started = performance.now();
  const socket: TestClient = io(baseUrl, {
    auth: { token, protocolVersion: PROTOCOL_VERSION },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: HANG_MS,
  });
  opened.push(socket);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(NO_ANSWER), HANG_MS);
    const done = (answer: string) => {
      clearTimeout(timer);
      resolve({ kind: 'socket', call: 'new socket', answer, ms: performance.now() - started });
    };
    const awaited = new Set<string>(INITIAL_STATE);
    for (const event of INITIAL_STATE) {
      (socket as unknown as { once(e: string, l: () => void): void }).once(event, () => {
        awaited.delete(event);
        if (awaited.size === 0) done('ok');
      });
    }
    socket.once('disconnect', (reason) => done(`closed (${reason})`));
    socket.once('connect_error', (err) => {
      socket.close();
      done((err as { data?: { code?: string } }).data?.code ?? err.message);
    });
  });
}

interface Tab {
  socket: TestClient;
  disconnects: string[];
}

async function openTab(baseUrl: string, grant: SessionGrant, opened: TestClient[]): Promise<Tab> {
  const { socket } = await connect(baseUrl, grant.token);
  opened.push(socket);
  const disconnects: string[] = [];
  socket.on('disconnect', (reason) => void disconnects.push(reason));
  return { socket, disconnects };
}

/** Both users chat, run the pomodoro (left idle), click and generate readings: all of it must succeed. */
async function warmUp(ana: Tab, bo: Tab): Promise<void> {
  const acks = [
    await call(ana.socket, 'chat:send', { conversationId: GENERAL, clientId: 'warm-ana-0001', text: 'hi' }),
    await call(bo.socket, 'chat:send', { conversationId: GENERAL, clientId: 'warm-bo-00001', text: 'hello' }),
    await call(bo.socket, 'pomodoro:press', {}),
    await call(ana.socket, 'pomodoro:reset', {}),
    await call(ana.socket, 'clicker:click', { count: 3 }),
    await call(bo.socket, 'clicker:click', { count: 2 }),
    await call(ana.socket, 'sensor:random', { count: 10 }),
    await call(bo.socket, 'chat:history', { conversationId: GENERAL }),
  ];
  expect(acks.map((a) => `${a.outcome.call} ${a.outcome.answer}`)).toEqual(acks.map((a) => `${a.outcome.call} ok`));
}

const tally = (outcomes: readonly Outcome[], label: (o: Outcome) => string): string => {
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(label(o), (counts.get(label(o)) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ${n}`).join(', ');
};
const callsOf = (outcomes: readonly Outcome[]) => `${outcomes.length} (${tally(outcomes, (o) => o.call)})`;
const spread = (values: readonly number[]) => `${ms(percentile(values, 50))} / ${ms(percentile(values, 100))}`;
const seconds = (value: number) => `${(value / 1000).toFixed(1)} s`;
/** What a call answers when storage is there. */
const succeeded = (o: Outcome) => o.answer === (o.kind !== 'http' ? 'ok' : o.call.startsWith('POST') ? '201' : '200');
/** The data of a successful ack; anything else fails the test with what was answered. */
function dataOf<T>(result: { ack: Ack<T> | undefined; outcome: Outcome }): T {
  if (!result.ack?.ok) throw new Error(`${result.outcome.call} answered ${result.outcome.answer}`);
  return result.ack.data;
}
/** Calls that broke an expectation, shown as `call → answer in N ms` so a failure reads as a list. */
const offending = (outcomes: readonly Outcome[], bad: (o: Outcome) => boolean) =>
  outcomes.filter(bad).map((o) => `${o.call} → ${o.answer} in ${ms(o.ms)}`);

const report = scenario(import.meta.filename, {
  order: 20,
  title: 'Storage outage: PostgreSQL cut, SQLite locked',
  setup:
    'In-process servers; two users in a space chat, run the pomodoro, click and generate readings, then ' +
    'storage goes away. PostgreSQL is reached through a TCP proxy in the test, cut two ways: every open ' +
    'connection reset, or every open connection silent for good (a partition); either way new connections ' +
    'are accepted and never answered, so the pool meets its timeouts, not a quick ECONNREFUSED. SQLite: a ' +
    'second connection to the file holds BEGIN EXCLUSIVE. During each outage every kind of call is tried ' +
    '(chat:send, pomodoro:press, clicker:click, sensor:random, chat:history, POST /api/sessions, /readyz, a ' +
    'new socket); once storage is back the same calls are made again, without restarting anything, and the ' +
    "space's rows are compared with those before the outage and with what the calls after it acknowledged.",
});
report.note(
  'PostgreSQL time to error: a call that needs a new connection fails at the pool connect timeout (3 s); ' +
    'one that took a connection the cut had just killed fails at once; a query already sent on a silent ' +
    'connection fails at query_timeout (5 s), and that connection is then closed so that the pool does ' +
    'not hand it out again (database.ts).',
);
report.note(
  'A chat message refused with UNAVAILABLE is not stored; sent again with the same clientId after ' +
    'recovery it is stored once, and a second retry answers with the same seq.',
);
report.note(
  "Each tab clicks as the web app does, one batch in flight at a time: the server runs one user's " +
    'clicker commands one after another, so clicks queued behind one that waits for storage wait their ' +
    'turn too (not measured here).',
);
report.note(
  "SQLite waits for another process's write lock without holding the event loop (database.ts retries " +
    'a refused statement every few milliseconds, up to SQLITE_LOCK_WAIT_MS, 500 ms): the clock:sync round ' +
    'trips beside each write and the longest event-loop stall show it.',
);
report.note(
  'SQLite: a new socket is answered as quickly as a write: set up when its handshake and set-up only read ' +
    '(#general is created with its space, not by the first connection), refused UNAVAILABLE when the ' +
    'handshake has a device to record; the web app retries either way.',
);

/**
 * The checks of what happened during an outage: recorded and asserted like any row, but a failure is
 * thrown only by `settle()`, after recovery has been checked and reported too.
 */
function outageChecks(section: Scenario) {
  const failures: unknown[] = [];
  return {
    asserted<T>(name: string, value: T, check: (value: T) => void, shown?: string | number): void {
      try {
        section.asserted(name, value, check, shown);
      } catch (error) {
        failures.push(error);
      }
    },
    settle(): void {
      if (failures.length > 0) throw failures[0];
    },
  };
}

let cleanups: (() => unknown)[] = [];
const opened: TestClient[] = [];

afterEach(async () => {
  for (const socket of opened.splice(0)) socket.disconnect();
  // Last started, first stopped: sockets, then the server, then what it stood on.
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

describe('storage outage', () => {
  it.for(['reset', 'silent'] as const)(
    'PostgreSQL cut off, %s: calls answer UNAVAILABLE within the timeouts, the server recovers by itself',
    async (how) => {
      const database = await createPgDatabase();
      cleanups.push(() => database.drop());
      // The test's own look at the rows, past the proxy.
      const direct = new pg.Client({ connectionString: database.url });
      await direct.connect();
      cleanups.push(() => direct.end());
      const stored = (space: string) => storedIn(pgQuery(direct), space);

      const dbUrl = new URL(database.url);
      const proxy = await startPgProxy({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) });
      cleanups.push(() => proxy.close());
      dbUrl.host = `127.0.0.1:${proxy.port}`;
      const data = tempDir('huddle-outage-pg-');
      cleanups.push(() => data.remove());
      const server = await startTestServer({ databaseUrl: dbUrl.toString(), dataDir: data.dir });
      cleanups.push(() => server.stop());

      const space = uniqueSpace('outage');
      const anaGrant = await join(server.url, space, 'Ana');
      const ana = await openTab(server.url, anaGrant, opened);
      const bo = await openTab(server.url, await join(server.url, space, 'Bo'), opened);
      await warmUp(ana, bo);
      const before = await stored(space);

      // The cut. A round of every kind of call starts each second while it lasts; storage comes back once
      // every call has answered, so each answer is the outage's.
      proxy.cut(how);
      const cutAt = performance.now();
      const rounds: Promise<Outcome[]>[] = [];
      const refusedSends: string[] = [];
      // As in the web app, a tab sends its next click batch once the last one is answered (the server
      // runs one user's clicker commands one after another).
      const clicking = new Set<Tab>();
      const click = (tab: Tab) => {
        clicking.add(tab);
        return call(tab.socket, 'clicker:click', { count: 1 }).finally(() => clicking.delete(tab));
      };
      for (let round = 0; round * ROUND_EVERY_MS < OUTAGE_MS; round += 1) {
        await delay(cutAt + round * ROUND_EVERY_MS - performance.now());
        const clientId = `outage-${round}-ana-0000`;
        refusedSends.push(clientId);
        const clicker = [ana, bo].find((tab) => !clicking.has(tab));
        const commands = [
          call(ana.socket, 'chat:send', { conversationId: GENERAL, clientId, text: `lost ${round}` }),
          call(bo.socket, 'pomodoro:press', {}),
          call(bo.socket, 'chat:history', { conversationId: GENERAL }),
          // sensor:random allows 2 a second per user: the users take turns.
          call((round % 2 === 0 ? ana : bo).socket, 'sensor:random', { count: 1 }),
          ...(clicker ? [click(clicker)] : []),
        ];
        rounds.push(
          Promise.all([
            ...commands.map((c) => c.then(({ outcome }) => outcome)),
            joinCall(server.url, space, `Cy${round}`),
            httpCall(`${server.url}/readyz`),
            newSocket(server.url, anaGrant.token, opened),
          ]),
        );
      }
      const during = (await Promise.all(rounds)).flat();
      // Still cut: what the database holds now is what the outage left behind.
      const afterOutage = await stored(space);
      const disconnectedDuring = [ana, bo].flatMap((t) => t.disconnects);
      proxy.restore();
      const restoredAt = performance.now();

      const label = `PostgreSQL, ${CUTS[how]}`;
      const of = (kind: Outcome['kind']) => during.filter((o) => o.kind === kind).map((o) => o.ms);
      const refused = (o: Outcome) => o.answer === (o.kind === 'http' ? '503' : ErrorCode.Unavailable);
      report.measured(
        `${label}: outage`,
        `${seconds(restoredAt - cutAt)} (calls started during the first ${seconds(OUTAGE_MS)}, storage back once ` +
          `all had answered); ${proxy.counts.cut} open connections cut, ${proxy.counts.held} connection attempts held`,
      );
      report.measured(`${label}: calls during the outage`, callsOf(during));
      // Whatever went wrong during the outage, recovery is still checked and reported before the test fails.
      const outage = outageChecks(report);
      outage.asserted(
        `${label}: answers (each must be UNAVAILABLE or HTTP 503)`,
        offending(during, (o) => !refused(o)),
        (wrong) => expect(wrong).toEqual([]),
        tally(during, (o) =>
          o.kind === 'command' ? o.answer : `${o.kind === 'http' ? 'HTTP' : 'new socket'} ${o.answer}`,
        ),
      );
      outage.asserted(
        `${label}: time to error, p50 / max (bound ${ms(PG_ERROR_BOUND_MS)})`,
        offending(during, (o) => o.ms > PG_ERROR_BOUND_MS),
        (late) => expect(late).toEqual([]),
        `commands ${spread(of('command'))}; HTTP ${spread(of('http'))}; new sockets ${spread(of('socket'))}`,
      );
      outage.asserted(
        `${label}: open sockets disconnected by the outage`,
        disconnectedDuring,
        (reasons) => expect(reasons).toEqual([]),
        disconnectedDuring.length,
      );
      const writtenDuring = differences(before, afterOutage);
      outage.asserted(
        `${label}: rows changed by the refused calls`,
        writtenDuring,
        (changes) => expect(changes).toEqual([]),
        writtenDuring.join('; ') || 'none',
      );

      // Back: the pool reconnects on its own. The first command that succeeds marks the recovery.
      const firstOk = await vi.waitFor(
        async () => {
          dataOf(await call(bo.socket, 'chat:history', { conversationId: GENERAL }));
          return performance.now() - restoredAt;
        },
        { timeout: RECOVERY_BOUND_MS, interval: 50 },
      );
      const retried = refusedSends[0] as string;
      const retry = () => call(ana.socket, 'chat:send', { conversationId: GENERAL, clientId: retried, text: 'lost 0' });
      const sent = await retry();
      const sentAgain = await retry();
      const pressed = await call(bo.socket, 'pomodoro:press', {});
      const clicked = await call(ana.socket, 'clicker:click', { count: 1 });
      const random = await call(bo.socket, 'sensor:random', { count: 1 });
      const history = await call(bo.socket, 'chat:history', { conversationId: GENERAL });
      const others = await Promise.all([
        joinCall(server.url, space, 'Cy0'),
        httpCall(`${server.url}/readyz`),
        newSocket(server.url, anaGrant.token, opened),
      ]);
      const allOk = performance.now() - restoredAt;
      const after = [sent, sentAgain, pressed, clicked, random, history].map((c) => c.outcome).concat(others);
      report.asserted(
        `${label}: calls after restore that failed`,
        offending(after, (o) => !succeeded(o)),
        (failed) => expect(failed).toEqual([]),
        offending(after, (o) => !succeeded(o)).length,
      );
      report.asserted(
        `${label}: time to recover after restore`,
        allOk,
        (t) => expect(t).toBeLessThan(RECOVERY_BOUND_MS),
        `${ms(firstOk)} to the first command ok, ${ms(allOk)} until every kind (and a new socket) was ok`,
      );

      // Nothing was half-done: the presses refused during the cut left the pomodoro idle, the retried message
      // is stored once, the other refused sends and joins not at all; nothing stored before was lost.
      expect(dataOf(pressed).state).toBe(PomodoroState.WORK);
      expect(dataOf(sentAgain).seq).toBe(dataOf(sent).seq);
      expect(dataOf(history).messages.filter((m) => m.clientId === retried)).toHaveLength(1);
      const expected: Stored = {
        messages: [...before.messages, retried],
        // One press stored: the refused ones none.
        pomodoroVersion: before.pomodoroVersion + 1,
        clicks: before.clicks + dataOf(clicked).credited,
        readings: before.readings + dataOf(random).stored,
        users: [...before.users, 'Cy0'].sort(),
      };
      const unlike = differences(expected, await stored(space));
      report.asserted(
        `${label}: rows unlike the writes acknowledged after restore (lost, doubled or extra)`,
        unlike,
        (changes) => expect(changes).toEqual([]),
        unlike.join('; ') || 'none',
      );
      expect([ana, bo].flatMap((t) => t.disconnects)).toEqual([]);
      outage.settle();
    },
  );

  it('SQLite locked by another process: writes answer UNAVAILABLE within a second, reads go on, writes resume after COMMIT', async () => {
    const data = tempDir('huddle-outage-sqlite-');
    cleanups.push(() => data.remove());
    const server = await startTestServer({ dataDir: data.dir });
    cleanups.push(() => server.stop());
    // The other process: a second connection to the same file.
    const other = new SQLite(path.join(data.dir, 'huddle.sqlite'));
    cleanups.push(() => {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
    });
    const stored = (space: string) =>
      storedIn(async (text, params) => other.prepare(text).all(...params) as Record<string, unknown>[], space);

    const space = uniqueSpace('locked');
    const anaGrant = await join(server.url, space, 'Ana');
    const ana = await openTab(server.url, anaGrant, opened);
    const bo = await openTab(server.url, await join(server.url, space, 'Bo'), opened);
    await warmUp(ana, bo);
    const before = await stored(space);

    const stalls = monitorEventLoopDelay({ resolution: 10 });
    other.exec('BEGIN EXCLUSIVE');
    const lockedAt = performance.now();
    stalls.enable();
    // better-sqlite3 is synchronous: the lock stays held while this process's event loop runs on.
    let releasedAt = Number.POSITIVE_INFINITY;
    const released = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        other.exec('COMMIT');
        releasedAt = performance.now();
        resolve();
      }, LOCK_MS);
      cleanups.push(() => clearTimeout(timer));
    });

    // One write at a time, so each time to error is its own, with a clock:sync alongside that shows how
    // long the event loop is held. No call starts later than one bound before COMMIT.
    const writes: Outcome[] = [];
    const reads: Outcome[] = [];
    const clockTrips: number[] = [];
    const refusedSends: string[] = [];
    const newTab = await newSocket(server.url, anaGrant.token, opened);
    const rounds = function* () {
      for (let round = 0; ; round += 1) {
        const clientId = `locked-${round}-ana-0000`;
        yield () => {
          refusedSends.push(clientId);
          return call(ana.socket, 'chat:send', { conversationId: GENERAL, clientId, text: `lost ${round}` });
        };
        yield () => call(bo.socket, 'pomodoro:press', {});
        yield () => call(ana.socket, 'clicker:click', { count: 1 });
        yield () => call((round % 2 === 0 ? ana : bo).socket, 'sensor:random', { count: 1 });
        yield () => joinCall(server.url, space, `Cy${round}`);
        yield 'reads' as const;
      }
    };
    for (const next of rounds()) {
      if (performance.now() - lockedAt > LOCK_MS - SQLITE_ERROR_BOUND_MS) break;
      if (next === 'reads') {
        reads.push((await call(bo.socket, 'chat:history', { conversationId: GENERAL })).outcome);
        reads.push(await httpCall(`${server.url}/readyz`));
        continue;
      }
      const [write, clock] = await Promise.all([next(), call(bo.socket, 'clock:sync', {})]);
      writes.push('outcome' in write ? write.outcome : write);
      clockTrips.push(clock.outcome.ms);
      expect(clock.outcome.answer).toBe('ok');
    }
    const answeredAt = performance.now();
    const afterLock = await stored(space);
    const disconnectedDuring = [ana, bo].flatMap((t) => t.disconnects);
    const longestStall = stalls.max / 1e6;
    stalls.disable();

    report.measured('SQLite: writes during the lock', callsOf(writes));
    // Whatever went wrong during the lock, recovery is still checked and reported before the test fails.
    const outage = outageChecks(report);
    const refused = (o: Outcome) => o.answer === (o.kind === 'http' ? '503' : ErrorCode.Unavailable);
    outage.asserted(
      'SQLite: answers to writes (each must be UNAVAILABLE or HTTP 503)',
      offending(writes, (o) => !refused(o)),
      (wrong) => expect(wrong).toEqual([]),
      tally(writes, (o) => (o.kind === 'http' ? `HTTP ${o.answer}` : o.answer)),
    );
    outage.asserted(
      `SQLite: time to error, writes, p50 / max (bound ${ms(SQLITE_ERROR_BOUND_MS)})`,
      offending(writes, (o) => o.ms > SQLITE_ERROR_BOUND_MS),
      (late) => expect(late).toEqual([]),
      spread(writes.map((o) => o.ms)),
    );
    // WAL: a writer does not block readers; a read may be refused, but never as INTERNAL or 500.
    outage.asserted(
      'SQLite: reads during the lock (each ok or UNAVAILABLE)',
      offending(reads, (o) => !succeeded(o) && !refused(o)),
      (wrong) => expect(wrong).toEqual([]),
      tally(reads, (o) => `${o.call} ${o.answer}`),
    );
    // Waiting for the lock leaves the event loop free: clock:sync answers beside each refused write.
    outage.asserted(
      'SQLite: clock:sync beside each write, p50 / max; longest event-loop stall',
      Math.max(longestStall, ...clockTrips),
      (worst) => expect(worst).toBeLessThan(SQLITE_ERROR_BOUND_MS),
      `${spread(clockTrips)}; ${ms(longestStall)}`,
    );
    // A new tab gets an answer as quickly as a write does, whichever: set up, refused, or closed.
    outage.asserted(
      'SQLite: new socket during the lock',
      offending([newTab], (o) => o.answer === NO_ANSWER || o.ms > SQLITE_ERROR_BOUND_MS),
      (late) => expect(late).toEqual([]),
      `${newTab.answer === 'ok' ? 'set up' : newTab.answer} after ${ms(newTab.ms)}`,
    );
    outage.asserted(
      'SQLite: open sockets disconnected by the lock',
      disconnectedDuring,
      (reasons) => expect(reasons).toEqual([]),
      disconnectedDuring.length,
    );
    const writtenDuring = differences(before, afterLock);
    outage.asserted(
      'SQLite: rows changed by the refused calls',
      writtenDuring,
      (changes) => expect(changes).toEqual([]),
      writtenDuring.join('; ') || 'none',
    );

    // COMMIT in the other process; the next write goes through, with no restart.
    await released;
    // Every call above was answered while the lock was still held (releasedAt is set by the COMMIT).
    expect(answeredAt).toBeLessThan(releasedAt);
    report.measured(
      'SQLite: lock held (BEGIN EXCLUSIVE from a second connection)',
      `${seconds(releasedAt - lockedAt)} (calls one at a time until ${seconds(SQLITE_ERROR_BOUND_MS)} before COMMIT)`,
    );
    const retried = refusedSends[0] as string;
    const retry = () => call(ana.socket, 'chat:send', { conversationId: GENERAL, clientId: retried, text: 'lost 0' });
    const firstOk = await vi.waitFor(
      async () => {
        const sent = await retry();
        dataOf(sent);
        return { sent, after: performance.now() - releasedAt };
      },
      { timeout: RECOVERY_BOUND_MS, interval: 20 },
    );
    const sentAgain = await retry();
    const pressed = await call(bo.socket, 'pomodoro:press', {});
    const clicked = await call(ana.socket, 'clicker:click', { count: 1 });
    const random = await call(ana.socket, 'sensor:random', { count: 1 });
    const joined = await joinCall(server.url, space, 'Cy0');
    const allOk = performance.now() - releasedAt;
    const after = [sentAgain, pressed, clicked, random].map((c) => c.outcome).concat(joined);
    report.asserted(
      'SQLite: calls after COMMIT that failed',
      offending(after, (o) => !succeeded(o)),
      (failed) => expect(failed).toEqual([]),
      offending(after, (o) => !succeeded(o)).length,
    );
    report.asserted(
      'SQLite: time to recover after COMMIT',
      allOk,
      (t) => expect(t).toBeLessThan(RECOVERY_BOUND_MS),
      `${ms(firstOk.after)} to the first write ok, ${ms(allOk)} until every kind was ok`,
    );

    expect(dataOf(pressed).state).toBe(PomodoroState.WORK);
    expect(dataOf(sentAgain).seq).toBe(dataOf(firstOk.sent).seq);
    const expected: Stored = {
      messages: [...before.messages, retried],
      // One press stored: the refused ones none.
      pomodoroVersion: before.pomodoroVersion + 1,
      clicks: before.clicks + dataOf(clicked).credited,
      readings: before.readings + dataOf(random).stored,
      users: [...before.users, 'Cy0'].sort(),
    };
    const unlike = differences(expected, await stored(space));
    report.asserted(
      'SQLite: rows unlike the writes acknowledged after COMMIT (lost, doubled or extra)',
      unlike,
      (changes) => expect(changes).toEqual([]),
      unlike.join('; ') || 'none',
    );
    expect([ana, bo].flatMap((t) => t.disconnects)).toEqual([]);
    outage.settle();
  });
});
