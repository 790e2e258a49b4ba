import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import {
  type Ack,
  applyPresence,
  type ChatMessage,
  type ClickerBoard,
  DEFAULT_CHANNEL,
  DEFAULT_SENSOR_ID,
  EMPTY_PRESENCE,
  type PomodoroSnapshot,
  type SensorBoard,
  ServerEvent,
  type SessionGrant,
} from '@huddle/protocol';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectRecorded,
  createPgDatabase,
  type EventLog,
  freePort,
  join,
  pageHistory,
  send,
  settle,
  type TestClient,
  tempDir,
  uniqueSpace,
} from '../helpers.js';
import { type NodeProcess, startClusterNodes } from '../node-process.js';
import { type RedisProxy, startRedisProxy } from './redis-proxy.js';
import { ms, scenario, soak } from './report.js';

/**
 * Redis restarted under traffic (issue 7): three server processes on one PostgreSQL database and a
 * Redis of this test's own. Users on every node chat at a steady rate while Redis is killed and started
 * again empty two seconds later; meanwhile one user presses the pomodoro, generates sensor readings and
 * clicks. Checked, as the README promises ("While Redis is away"): every command during the outage is
 * served from the database; every acknowledged message is stored exactly once and nothing refused is
 * stored; once Redis is back every client is sent again every snapshot it got on connecting (pomodoro,
 * conversations, presence, sensor board, clicker) and so shows the state stored during the outage; each
 * client, acting as the web client does on `chat:conversations`, ends up holding the whole stored history.
 * A second test cuts one node alone off Redis: the mark it leaves makes the other nodes resend too.
 */

const GENERAL = `c:${DEFAULT_CHANNEL}`;
const NODES = 3;
const USERS_PER_NODE = 2;
/** Each user sends one message this often (awaiting its ack first). */
const SEND_EVERY_MS = 200;
const WARMUP_MS = soak(2_000, 60_000);
/** Redis is down this long (the scenario's fixed outage). */
const OUTAGE_MS = 2_000;
const ACT_AFTER_MS = 100;
/** Traffic goes on this long once delivery across nodes has resumed. */
const TAIL_MS = soak(2_000, 60_000);
/** Delivery across nodes must resume within this long of Redis being back. */
const RESUME_BOUND_MS = 10_000;
/**
 * Resent snapshots, catch-ups and presence must be complete within this long of the event that starts them
 * (a node's resync runs within a second of its connection or the mark; generous for a busy 2-core machine).
 */
const SETTLE_MS = 15_000;
/** The node that reaches Redis through this test's proxy, so that it alone can be cut off. */
const PROXIED_NODE = NODES - 1;

/** What a node sends a socket on connecting, and again when broadcasts may have been lost (app.ts). */
const SNAPSHOTS = [
  ServerEvent.PomodoroState,
  ServerEvent.ChatConversations,
  ServerEvent.ChatPresence,
  ServerEvent.SensorBoard,
  ServerEvent.ClickerPlayer,
  ServerEvent.ClickerLeaderboard,
  ServerEvent.ClickerFeed,
] as const;
type Snapshot = (typeof SNAPSHOTS)[number];

const report = scenario(import.meta.filename, {
  order: 30,
  title: 'Redis restarted under traffic (cluster)',
  setup:
    `${NODES} server processes (production heartbeats) on one PostgreSQL database and one Redis (Streams ` +
    `adapter, presence and rate limits in Redis), ${USERS_PER_NODE} users on each in one space, each sending a ` +
    `chat message every ${SEND_EVERY_MS} ms (after the previous ack). After ${ms(WARMUP_MS)} Redis (no ` +
    `persistence) is killed with SIGKILL and started again, empty, ${ms(OUTAGE_MS)} later; ${ACT_AFTER_MS} ms ` +
    'into the outage a user on the first node presses the pomodoro, generates sensor readings and clicks; ' +
    'half-way through a newcomer joins. Clients keep every `chat:message` and act as the web client on a ' +
    'pushed `chat:conversations` (page `chat:history { after }` from their last contiguous seq); they do not ' +
    'fill gaps on later messages, which a quiet conversation never sends. Then one node alone is cut off ' +
    `Redis (a TCP proxy in front of it) for ${ms(OUTAGE_MS)} while its user presses the pomodoro.`,
});
report.note(
  'While Redis is away a node still stores and acknowledges (rate limits are kept in memory per node), and ' +
    'broadcasts reach its own clients once the adapter gives up publishing; the other nodes miss them.',
);
report.note(
  'When its Redis connection is back a node records its connections again, resends its sockets every ' +
    'snapshot of a connection (pomodoro, conversations, presence, sensor board, clicker player, leaderboard ' +
    'and feed), and marks the loss in Redis; every node that sees the mark does the same for its sockets. ' +
    'Clients fetch the chat gap from storage.',
);
report.note(
  'Presence is rebuilt by each node re-recording its connections; the space hears a `joined` for each ' +
    'user again (the web client shows these notices).',
);

interface Sent {
  clientId: string;
  node: number;
  sentAt: number;
  ackAt: number;
  /** The acked seq, or the error code (TIMEOUT: no ack within 5 s). */
  outcome: { ok: true; seq: number } | { ok: false; code: string };
}

interface Client {
  name: string;
  node: number;
  grant: SessionGrant;
  socket: TestClient;
  events: EventLog;
  /** Live `chat:message`s: seq → first arrival. */
  live: Map<number, number>;
  duplicates: number;
  /** What the client holds, as the web client's store: live messages and fetched history. */
  held: Map<number, ChatMessage>;
  /** When each seq was first held. */
  heldAt: Map<number, number>;
  /** Every `chat:conversations` after the one that came with the connection: time and general's lastSeq. */
  pushes: { at: number; lastSeq: number }[];
  historyPages: number;
  catchingUp: Promise<void> | undefined;
  catchUpErrors: string[];
  /** Every snapshot received (a presence list, not a batch of changes), with its arrival time. */
  snapshots: { event: Snapshot; at: number }[];
  pomodoro: PomodoroSnapshot | undefined;
  board: SensorBoard | undefined;
  leaderboard: ClickerBoard | undefined;
  presence: { at: number; names: string[] }[];
  disconnects: string[];
}

/** A throwaway redis-server without persistence: a restart starts it empty. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start in 10 s')), 10_000);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (!line.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      resolve();
    });
  });
  return child;
}

function killRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function hold(client: Client, message: ChatMessage): void {
  client.held.set(message.seq, message);
  if (!client.heldAt.has(message.seq)) client.heldAt.set(message.seq, Date.now());
}

/** Highest n such that the client holds seqs 1..n. */
function contiguous(held: Map<number, unknown>): number {
  let n = 0;
  while (held.has(n + 1)) n += 1;
  return n;
}

/** Per snapshot kind, the fewest any of `clients` received since `since`. */
function fewestResent(clients: readonly Client[], since: number): Record<Snapshot, number> {
  const fewest = {} as Record<Snapshot, number>;
  for (const event of SNAPSHOTS) {
    fewest[event] = Math.min(
      ...clients.map((c) => c.snapshots.filter((s) => s.event === event && s.at >= since).length),
    );
  }
  return fewest;
}
const listed = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
const missingKinds = (counts: Record<string, number>) => Object.keys(counts).filter((k) => counts[k] === 0);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const names = (users: { name: string }[]) => users.map((u) => u.name).sort();
const sensorTotal = (board: SensorBoard | undefined) =>
  board?.sensors.find((s) => s.sensorId === DEFAULT_SENSOR_ID)?.total ?? 0;
const goldOf = (board: ClickerBoard | undefined, name: string) =>
  board?.leaderboard.find((e) => e.user.name === name)?.goldMilli;
/** What an ack answered, as a report shows it. */
const answer = (ack: Ack<unknown> | null) => (ack === null ? 'TIMEOUT' : ack.ok ? 'ok' : ack.error.code);

describe('Redis restarted under traffic (three nodes)', () => {
  let pgDb: Awaited<ReturnType<typeof createPgDatabase>>;
  const redisDir = tempDir('huddle-redis-restart-');
  const prefix = `huddle-rr-${process.pid}-${randomBytes(3).toString('hex')}`;
  let redisPort = 0;
  let redis: ChildProcess | undefined;
  let proxy: RedisProxy | undefined;
  const nodes: NodeProcess[] = [];
  const sockets: TestClient[] = [];

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort, redisDir.dir);
    proxy = await startRedisProxy(`redis://127.0.0.1:${redisPort}`);
    pgDb = await createPgDatabase();
    const started = await startClusterNodes({
      count: NODES,
      databaseUrl: pgDb.url,
      prefix,
      redisUrl: (i) => `redis://127.0.0.1:${i === PROXIED_NODE ? proxy?.port : redisPort}`,
      // Every user sends 5 a second: above the real per-user limits, which are not what is measured.
      env: { CHAT_SEND_BURST: '100', CHAT_SEND_PER_SECOND: '50', RATE_LIMIT_SCALE: '10' },
    });
    nodes.push(...started);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    for (const n of nodes.splice(0)) await n.stop();
    await proxy?.close();
    if (redis) await killRedis(redis);
    await pgDb?.drop();
    redisDir.remove();
  });

  /** A user's client on `node`, listening from its first packet; by default once its setup is done. */
  async function connectClient(name: string, node: number, space: string, setUp = true): Promise<Client> {
    const url = nodes[node]?.url as string;
    const grant = await join(url, space, name);
    const client: Client = {
      name,
      node,
      grant,
      socket: undefined as unknown as TestClient,
      events: undefined as unknown as EventLog,
      live: new Map(),
      duplicates: 0,
      held: new Map(),
      heldAt: new Map(),
      pushes: [],
      historyPages: 0,
      catchingUp: undefined,
      catchUpErrors: [],
      snapshots: [],
      pomodoro: undefined,
      board: undefined,
      leaderboard: undefined,
      presence: [],
      disconnects: [],
    };
    const { socket, events } = await connectRecorded(url, grant.token, (socket) => {
      sockets.push(socket);
      let first = true;
      socket.on('disconnect', (reason) => void client.disconnects.push(reason));
      socket.onAny((event: string, payload: unknown) => {
        if (!(SNAPSHOTS as readonly string[]).includes(event)) return;
        // A presence batch of changes is no snapshot; the whole list is.
        if (event === ServerEvent.ChatPresence && !('users' in (payload as object))) return;
        client.snapshots.push({ event: event as Snapshot, at: Date.now() });
      });
      socket.on(ServerEvent.ChatMessage, (m) => {
        if (m.conversationId !== GENERAL) return;
        if (client.live.has(m.seq)) client.duplicates += 1;
        else client.live.set(m.seq, Date.now());
        hold(client, m);
      });
      // As the web client (socket-bridge → resumeChat): a conversation list showing more than is held
      // sends the client for what it misses, page by page from its last contiguous seq.
      socket.on(ServerEvent.ChatConversations, ({ conversations }) => {
        const lastSeq = conversations.find((c) => c.id === GENERAL)?.lastSeq ?? 0;
        if (first) {
          first = false;
          return;
        }
        client.pushes.push({ at: Date.now(), lastSeq });
        if (lastSeq > contiguous(client.held)) {
          catchUp(client).catch((err: unknown) => void client.catchUpErrors.push(String(err)));
        }
      });
      socket.on(ServerEvent.PomodoroState, (s) => {
        client.pomodoro = s;
      });
      socket.on(ServerEvent.SensorBoard, (b) => {
        client.board = b;
      });
      socket.on(ServerEvent.ClickerLeaderboard, (b) => {
        client.leaderboard = b;
      });
      // The list as the web app keeps it: the snapshot, then each batch of changes applied to it.
      let list = EMPTY_PRESENCE;
      socket.on(ServerEvent.ChatPresence, (p) => {
        list = applyPresence(list, p);
        client.presence.push({ at: Date.now(), names: names(list.users) });
      });
    });
    client.socket = socket;
    client.events = events;
    if (setUp) await events.next(ServerEvent.ChatPresence, (p) => 'users' in p, SETTLE_MS);
    return client;
  }

  function catchUp(client: Client): Promise<void> {
    const run = () =>
      pageHistory(client.socket, GENERAL, contiguous(client.held), (messages) => {
        client.historyPages += 1;
        for (const m of messages) hold(client, m);
      });
    // One catch-up at a time per client; a list arriving meanwhile runs another after it.
    const next = (client.catchingUp ?? Promise.resolve()).catch(() => {}).then(run);
    client.catchingUp = next;
    return next;
  }

  /** Resolves once no catch-up is running or queued for any of `clients`. */
  async function catchUpsDone(clients: readonly Client[]): Promise<void> {
    for (;;) {
      const running = clients.map((c) => c.catchingUp);
      await Promise.allSettled(running);
      if (clients.every((c, i) => c.catchingUp === running[i])) return;
    }
  }

  /** A command whose ack is kept, or null when none came within 5 s. */
  const command = <T>(ack: Promise<Ack<T>>) => ack.catch(() => null);

  /**
   * Someone opening the app while Redis is away: joins over HTTP and connects. Resolves with the client
   * once its setup is done (it stays), or with how the attempt ended.
   */
  async function arriveDuringOutage(node: number, space: string) {
    const started = Date.now();
    try {
      const client = await connectClient('Newcomer', node, space, false);
      const outcome = await Promise.race([
        client.events.next(ServerEvent.ChatPresence, (p) => 'users' in p, 20_000).then(() => 'set up'),
        new Promise<string>((resolve) => client.socket.once('disconnect', (reason) => resolve(`ended (${reason})`))),
      ]);
      return { client: outcome === 'set up' ? client : undefined, outcome, afterMs: Date.now() - started };
    } catch (err) {
      return { client: undefined, outcome: `failed: ${(err as Error).message}`, afterMs: Date.now() - started };
    }
  }

  it('nodes serve through the outage, nothing acknowledged is lost or refused stored, and every client resyncs', async ({
    onTestFailed,
  }) => {
    const space = uniqueSpace('redis-restart');
    const clients: Client[] = [];
    for (let node = 0; node < NODES; node += 1) {
      for (let u = 0; u < USERS_PER_NODE; u += 1)
        clients.push(await connectClient(`U${node + 1}${u + 1}`, node, space));
    }
    const everyone = names(clients);
    await expect
      .poll(() => clients.every((c) => c.presence.at(-1)?.names.join() === everyone.join()), { timeout: SETTLE_MS })
      .toBe(true);

    // Traffic: every user sends at a steady rate, each message after the previous one's ack.
    const sent: Sent[] = [];
    const sendChat = async (client: Client, clientId: string) => {
      const sentAt = Date.now();
      const ack = await command(
        send(client.socket, 'chat:send', { conversationId: GENERAL, clientId, text: clientId }),
      );
      const outcome: Sent['outcome'] = ack?.ok ? { ok: true, seq: ack.data.seq } : { ok: false, code: answer(ack) };
      sent.push({ clientId, node: client.node, sentAt, ackAt: Date.now(), outcome });
      return outcome;
    };
    let stopping = false;
    const chatter = async (client: Client) => {
      for (let i = 0; !stopping; i += 1) {
        const due = Date.now() + SEND_EVERY_MS;
        await sendChat(client, `rr-${client.name}-${String(i).padStart(5, '0')}`);
        await sleep(Math.max(0, due - Date.now()));
      }
    };
    const traffic = Promise.all(clients.map(chatter));
    const acked = () => sent.filter((s): s is Sent & { outcome: { ok: true; seq: number } } => s.outcome.ok);

    await sleep(WARMUP_MS);
    const actor = clients[0] as Client;
    const killedAt = Date.now();
    await killRedis(redis as ChildProcess);
    // Early in the outage one user changes shared state whose broadcasts need Redis to reach other nodes.
    await sleep(ACT_AFTER_MS);
    const actedAt = Date.now();
    const press = await command(send(actor.socket, 'pomodoro:press', {}));
    const readings = await command(send(actor.socket, 'sensor:random', { count: 10 }));
    const click = await command(send(actor.socket, 'clicker:click', { count: 3 }));
    const actedMs = Date.now() - actedAt;
    // …and half-way through, someone opening the app.
    await sleep(Math.max(0, killedAt + OUTAGE_MS / 2 - Date.now()));
    const newcomer = arriveDuringOutage(NODES - 1, space);
    await sleep(Math.max(0, killedAt + OUTAGE_MS - Date.now()));
    // From here on, the snapshots a client receives are resent ones: nothing else sends them meanwhile.
    const restartAt = Date.now();
    redis = await startRedis(redisPort, redisDir.dir);
    const upAt = Date.now();

    onTestFailed(() => {
      console.error(
        JSON.stringify({
          killedAt,
          upAt,
          acted: [answer(press), answer(readings), answer(click)],
          sends: sent
            .filter((x) => x.sentAt >= killedAt - 500)
            .map((x) => [
              x.node,
              x.sentAt - killedAt,
              x.ackAt - x.sentAt,
              x.outcome.ok ? x.outcome.seq : x.outcome.code,
            ]),
          clients: clients.map((c) => ({
            name: c.name,
            node: c.node,
            missedLive: [...c.held.keys()].filter((seq) => !c.live.has(seq)),
            contiguous: contiguous(c.held),
            pushes: c.pushes.map((p) => [p.at - upAt, p.lastSeq]),
            resent: c.snapshots.filter((s) => s.at >= restartAt).map((s) => [s.at - upAt, s.event]),
            presence: c.presence.filter((p) => p.at >= killedAt).map((p) => [p.at - upAt, p.names.join()]),
            pomodoro: c.pomodoro && [c.pomodoro.state, c.pomodoro.version],
            catchUpErrors: c.catchUpErrors,
            disconnects: c.disconnects,
          })),
        }),
      );
    });

    // Delivery across nodes resumes by itself: a message sent on each node after Redis came back
    // reaches the clients of every node (asserted below, with when).
    const deliveredEverywhere = (seq: number) => clients.every((c) => c.live.has(seq));
    await settle(() => {
      const after = acked().filter((s) => s.sentAt >= upAt);
      return Array.from({ length: NODES }, (_, node) =>
        after.some((s) => s.node === node && deliveredEverywhere(s.outcome.seq)),
      ).every(Boolean);
    }, RESUME_BOUND_MS);
    await sleep(TAIL_MS);
    stopping = true;
    await traffic;
    const arrival = await newcomer;
    const present = [...clients, ...(arrival.client ? [arrival.client] : [])];

    // The end of the traffic: one last message from a user on each node. A client that received all three
    // live has received every earlier broadcast (each node's messages arrive in order), so what it still
    // misses can only come from its catch-up, which is awaited next.
    const lastOnEachNode = await Promise.all(
      Array.from({ length: NODES }, (_, node) =>
        sendChat(clients.find((c) => c.node === node) as Client, `rr-last-from-node-${node + 1}`),
      ),
    );
    await settle(() => present.every((c) => lastOnEachNode.every((o) => o.ok && c.live.has(o.seq))), SETTLE_MS);
    // Every client is resent its snapshots (and so a conversation list) before its catch-up can be complete.
    await settle(() => missingKinds(fewestResent(clients, restartAt)).length === 0, SETTLE_MS);
    await catchUpsDone(clients);

    const db = new pg.Client({ connectionString: pgDb.url });
    await db.connect();
    const stored = (
      await db.query<{ seq: number; client_id: string }>(
        'SELECT seq, client_id FROM chat_messages WHERE space = $1 AND conversation = $2 ORDER BY seq',
        [space, GENERAL],
      )
    ).rows;
    const storedReadings = Number(
      (await db.query('SELECT count(*) AS n FROM sensor_readings WHERE space = $1', [space])).rows[0]?.n,
    );
    await db.end();

    // A send is the outage's if it was in flight while Redis was away: sent before it was back, answered
    // after it was killed (a node held up by the outage answers late, not never).
    const inOutage = sent.filter((s) => s.sentAt < upAt && s.ackAt > killedAt);
    const sentOn = (list: readonly Sent[]) => new Set(list.map((s) => s.node)).size;
    report.measured('Outage (Redis killed → accepting again)', ms(upAt - killedAt));

    // Storage: every acked message under its acked seq, once; no refused one; no gap in the seqs.
    const storedSeqs = new Map<string, number[]>();
    for (const row of stored) storedSeqs.set(row.client_id, [...(storedSeqs.get(row.client_id) ?? []), row.seq]);
    const okSends = acked();
    report.measured('Acked messages', okSends.length);
    const misstored = okSends.filter((s) => storedSeqs.get(s.clientId)?.join() !== String(s.outcome.seq));
    report.asserted(
      'Acked messages not stored under their acked seq, or stored more than once',
      misstored.map((s) => `${s.clientId}: acked ${s.outcome.seq}, stored ${storedSeqs.get(s.clientId) ?? 'never'}`),
      (list) => expect(list).toEqual([]),
      misstored.length,
    );
    const refusedButStored = sent.filter((s) => !s.outcome.ok && storedSeqs.has(s.clientId));
    report.asserted(
      'Refused or unanswered sends stored anyway',
      refusedButStored.map((s) => `${s.clientId} (${s.outcome.ok ? '' : s.outcome.code})`),
      (list) => expect(list).toEqual([]),
      refusedButStored.length,
    );
    const lastSeq = Math.max(0, ...stored.map((r) => r.seq));
    const seqGaps = lastSeq - new Set(stored.map((r) => r.seq)).size;
    report.asserted('Missing seqs in storage (1 to the last stored)', seqGaps, (n) => expect(n).toBe(0));

    // Served from the database while Redis was away: every command answered ok, none refused or timed out.
    const refusedInOutage = inOutage.filter((s) => !s.outcome.ok);
    report.asserted(
      'Chat sends during the outage: refused or unanswered',
      { refused: refusedInOutage.map((s) => (s.outcome.ok ? 'ok' : s.outcome.code)), nodes: sentOn(inOutage) },
      (outage) => expect(outage).toEqual({ refused: [], nodes: NODES }),
      `${refusedInOutage.length} of ${inOutage.length} (sent on ${sentOn(inOutage)} nodes)`,
    );
    const refusedOutside = sent.filter((s) => !s.outcome.ok && !inOutage.includes(s));
    report.asserted(
      'Chat sends before and after the outage: refused or unanswered',
      refusedOutside.map((s) => (s.outcome.ok ? 'ok' : s.outcome.code)),
      (codes) => expect(codes).toEqual([]),
      `${refusedOutside.length} of ${sent.length - inOutage.length}`,
    );
    report.measured(
      'Slowest ack of a send during the outage',
      ms(Math.max(0, ...inOutage.map((s) => s.ackAt - s.sentAt))),
    );
    report.asserted(
      'Pomodoro press, 10 sensor readings, 3 clicks during the outage',
      [answer(press), answer(readings), answer(click)],
      (answers) => expect(answers).toEqual(['ok', 'ok', 'ok']),
      `${[answer(press), answer(readings), answer(click)].join(', ')} (${ms(actedMs)} for the three)`,
    );
    report.asserted(
      'Newcomer during the outage',
      arrival.outcome,
      (outcome) => expect(outcome).toBe('set up'),
      `${arrival.outcome} in ${ms(arrival.afterMs)} (joined over HTTP, then connected)`,
    );

    // Live: the stored messages each client never received as a broadcast.
    const senderNode = new Map(stored.map((r) => [r.seq, sent.find((s) => s.clientId === r.client_id)?.node]));
    const missedLive = clients.map((c) => stored.map((r) => r.seq).filter((seq) => !c.live.has(seq)));
    const missedPairs = missedLive.flat().length;
    const missedCrossNode = clients.reduce(
      (n, c, i) => n + (missedLive[i] ?? []).filter((seq) => senderNode.get(seq) !== c.node).length,
      0,
    );
    const missedMessages = new Set(missedLive.flat());
    report.measured(
      'Broadcasts missed live (client × message)',
      `${missedPairs} (${missedCrossNode} across nodes; ${missedMessages.size} messages)`,
    );
    // Delivery has resumed with the first message from which on every message reached every client.
    const lastMissed = Math.max(0, ...missedMessages);
    const resumedWith = okSends
      .filter((s) => s.outcome.seq > lastMissed && s.sentAt >= killedAt)
      .sort((a, b) => a.outcome.seq - b.outcome.seq)[0];
    const resumedAt = Math.max(...clients.map((c) => c.live.get(resumedWith?.outcome.seq ?? 0) ?? Number.NaN));
    report.measured(
      'Cross-node delivery interrupted (kill → every client gets every message again)',
      ms(resumedAt - killedAt),
    );
    report.asserted(
      'Delivery resumed after Redis was back',
      resumedAt - upAt,
      (d) => expect(d).toBeLessThan(RESUME_BOUND_MS),
      ms(resumedAt - upAt),
    );

    // Resent on Redis's return: every snapshot a client gets on connecting, to every client.
    const resent = fewestResent(clients, restartAt);
    report.asserted(
      'Snapshots resent after Redis was back, fewest to any client',
      missingKinds(resent),
      (missing) => expect(missing).toEqual([]),
      listed(resent),
    );

    // No silent gap: every message a client missed live was announced to it afterwards by a pushed
    // conversation list, and the catch-up that list set off leaves it holding everything stored.
    const unannounced = clients.reduce((n, c, i) => {
      const announced = Math.max(0, ...c.pushes.map((p) => p.lastSeq));
      return n + (missedLive[i] ?? []).filter((seq) => seq > announced).length;
    }, 0);
    report.asserted('Messages missed live and never announced by a conversation list', unannounced, (n) =>
      expect(n).toBe(0),
    );
    report.measured(
      'Conversation lists pushed per client after the restart',
      `${Math.min(...clients.map((c) => c.pushes.length))}–${Math.max(...clients.map((c) => c.pushes.length))}`,
    );
    report.measured(
      'History pages fetched to resync (all clients)',
      clients.reduce((n, c) => n + c.historyPages, 0),
    );
    const gaps = clients.reduce((n, c) => n + stored.filter((r) => !c.held.has(r.seq)).length, 0);
    report.asserted('Stored messages a client still lacks after its catch-up (client × message)', gaps, (n) =>
      expect(n).toBe(0),
    );
    report.asserted(
      'History requests that failed',
      clients.flatMap((c) => c.catchUpErrors),
      (errors) => expect(errors).toEqual([]),
      clients.flatMap((c) => c.catchUpErrors).length,
    );
    report.asserted(
      'Messages received live twice',
      clients.reduce((n, c) => n + c.duplicates, 0),
      (n) => expect(n).toBe(0),
    );
    const gapsFilledAt = Math.max(
      upAt,
      ...clients.flatMap((c, i) => (missedLive[i] ?? []).map((seq) => c.heldAt.get(seq) ?? Number.NaN)),
    );
    report.measured(
      'Missed messages filled from storage (after Redis was back)',
      missedPairs ? ms(gapsFilledAt - upAt) : 'none missed',
    );

    // Presence heals by itself: every client lists everyone again (the newcomer too, who stayed), and
    // someone arriving now sees everyone.
    const expected = names(present).join();
    await settle(() => present.every((c) => c.presence.at(-1)?.names.join() === expected), SETTLE_MS);
    report.asserted(
      'Clients whose presence list is wrong after Redis was back',
      present.filter((c) => c.presence.at(-1)?.names.join() !== expected).map((c) => c.name),
      (wrong) => expect(wrong).toEqual([]),
      present.filter((c) => c.presence.at(-1)?.names.join() !== expected).length,
    );
    // Every list any client was shown, the newcomer's too, against who was there when it was shown: the
    // newcomer from the moment its own set-up was done (its first list) on.
    const newcomerSince = arrival.client?.presence[0]?.at ?? Number.POSITIVE_INFINITY;
    const presentAt = (at: number) => names(at >= newcomerSince ? present : clients).join();
    const right = (p: { at: number; names: string[] }) => p.names.join() === presentAt(p.at);
    const presenceHealedAt = Math.max(
      upAt,
      ...present.map((c) => {
        const wrong = c.presence.findLastIndex((p) => !right(p));
        return wrong === -1 ? upAt : (c.presence[wrong + 1]?.at ?? Number.NaN);
      }),
    );
    report.asserted(
      'Presence lists right again, on every client with the newcomer (after Redis was back)',
      presenceHealedAt - upAt,
      (t) => expect(t).toBeLessThan(RESUME_BOUND_MS),
      ms(presenceHealedAt - upAt),
    );
    report.measured(
      'Presence lists shown meanwhile missing someone there (or listing someone gone), newcomer’s included',
      present.reduce((n, c) => n + c.presence.filter((p) => p.at >= killedAt && !right(p)).length, 0),
    );
    const late = await connectClient('Zed', 1, space);
    report.asserted(
      'Someone arriving afterwards lists everyone',
      late.presence.at(-1)?.names,
      (list) => expect(list).toEqual(names([...present, late])),
      late.presence.at(-1)?.names.length === present.length + 1 ? 'yes' : 'no',
    );

    // The state changed during the outage reached every client: what a new connection is sent.
    const [truth, truthBoard] = await Promise.all([
      late.events.next(ServerEvent.PomodoroState, () => true, SETTLE_MS),
      late.events.next(ServerEvent.ClickerLeaderboard, () => true, SETTLE_MS),
    ]);
    const pressed = press?.ok ? press.data : undefined;
    const actorGold = goldOf(truthBoard, actor.name);
    const stale = (what: (c: Client) => boolean) => present.filter((c) => !what(c)).map((c) => c.name);
    const staleRow = (name: string, names: string[]) =>
      report.asserted(name, names, (list) => expect(list).toEqual([]), names.length);
    staleRow(
      'Clients not showing the pomodoro pressed during the outage',
      stale((c) => c.pomodoro?.version === pressed?.version && c.pomodoro?.state === pressed?.state),
    );
    staleRow(
      'Clients not showing the sensor readings stored during the outage',
      stale((c) => sensorTotal(c.board) === storedReadings),
    );
    staleRow(
      'Clients not showing the clicks made during the outage',
      stale((c) => goldOf(c.leaderboard, actor.name) === actorGold),
    );
    // What those clients were compared with is what was done during the outage.
    expect(truth.version).toBe(pressed?.version);
    expect(storedReadings).toBeGreaterThanOrEqual(10);
    expect(actorGold).toBeGreaterThan(0);

    // Nobody was cut off (production heartbeats: a drop here is the outage's doing).
    const dropped = present.flatMap((c) => c.disconnects.map((reason) => `${c.name}: ${reason}`));
    report.asserted('Connections dropped', dropped, (list) => expect(list).toEqual([]), dropped.length);
  });

  it('one node cut off Redis alone: its mark makes the other nodes resend their clients’ snapshots too', async () => {
    const space = uniqueSpace('redis-cut');
    const clients: Client[] = [];
    for (let node = 0; node < NODES; node += 1) clients.push(await connectClient(`V${node + 1}`, node, space));
    const everyone = names(clients).join();
    await expect
      .poll(() => clients.every((c) => c.presence.at(-1)?.names.join() === everyone), { timeout: SETTLE_MS })
      .toBe(true);
    const cutOff = clients[PROXIED_NODE] as Client;
    const others = clients.filter((c) => c !== cutOff);

    proxy?.cut();
    const cutAt = Date.now();
    // A press on the cut-off node: stored, but its broadcast cannot reach the other nodes.
    const press = await command(send(cutOff.socket, 'pomodoro:press', {}));
    await sleep(Math.max(0, cutAt + OUTAGE_MS - Date.now()));
    const restoredAt = Date.now();
    proxy?.restore();

    await settle(() => missingKinds(fewestResent(clients, restoredAt)).length === 0, SETTLE_MS);
    report.asserted('One node cut off: pomodoro press on it', answer(press), (a) => expect(a).toBe('ok'));
    const resentToOthers = fewestResent(others, restoredAt);
    report.asserted(
      'One node cut off: snapshots resent to the other nodes’ clients, fewest to any',
      missingKinds(resentToOthers),
      (missing) => expect(missing).toEqual([]),
      listed(resentToOthers),
    );
    const resentToItsOwn = fewestResent([cutOff], restoredAt);
    report.asserted(
      'One node cut off: snapshots resent to its own client',
      missingKinds(resentToItsOwn),
      (missing) => expect(missing).toEqual([]),
      listed(resentToItsOwn),
    );
    const pressed = press?.ok ? press.data : undefined;
    await settle(() => clients.every((c) => c.pomodoro?.version === pressed?.version), SETTLE_MS);
    const stale = clients.filter((c) => c.pomodoro?.version !== pressed?.version).map((c) => c.name);
    report.asserted(
      'One node cut off: clients not showing its press',
      stale,
      (n) => expect(n).toEqual([]),
      stale.length,
    );
    const dropped = clients.flatMap((c) => c.disconnects.map((reason) => `${c.name}: ${reason}`));
    report.asserted(
      'One node cut off: connections dropped',
      dropped,
      (list) => expect(list).toEqual([]),
      dropped.length,
    );
  });
});
