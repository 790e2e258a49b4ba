import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import {
  applyPresence,
  CHAT_LIMITS,
  type ChatMessage,
  Command,
  DEFAULT_CHANNEL,
  EMPTY_PRESENCE,
  type PomodoroSnapshot,
  ServerEvent,
  type SessionGrant,
} from '@huddle/protocol';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectRecorded,
  createPgDatabase,
  type EventLog,
  join,
  send,
  type TestClient,
  tempDir,
  uniqueSpace,
} from '../helpers.js';
import { type NodeProcess, startNodeProcess } from '../node-process.js';
import { ms, recordSection, soak } from './report.js';

/**
 * Redis restarted under traffic (issue 7): three server processes on one PostgreSQL database and a
 * Redis of this test's own. Users on every node chat at a steady rate while Redis is killed and started
 * again empty two seconds later. Measured: what the nodes lose and refuse meanwhile, how soon they
 * deliver across nodes again, whether presence heals, whether every acknowledged message is stored
 * exactly once, and whether each client, acting as the web client does on `chat:conversations`, ends
 * up holding exactly the stored history (no silent gap).
 */

const GENERAL = `c:${DEFAULT_CHANNEL}`;
const NODES = 3;
const USERS_PER_NODE = 2;
/** Each user sends one message this often (awaiting its ack first). */
const SEND_EVERY_MS = 200;
const WARMUP_MS = soak(2_000, 60_000);
/** Redis is down this long (the scenario's fixed outage). */
const OUTAGE_MS = 2_000;
const PRESS_AFTER_MS = 100;
/** Traffic goes on this long once delivery across nodes has resumed. */
const TAIL_MS = soak(2_000, 60_000);
/** Delivery across nodes must resume within this long of Redis being back. */
const RESUME_BOUND_MS = 10_000;
const SECRET = 'redis-restart-secret-redis-restart-secret';

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
  pomodoro: PomodoroSnapshot | undefined;
  presence: { at: number; names: string[] }[];
  disconnects: string[];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const names = (users: { name: string }[]) => users.map((u) => u.name).sort();

describe('Redis restarted under traffic (three nodes)', () => {
  let pgDb: Awaited<ReturnType<typeof createPgDatabase>>;
  const redisDir = tempDir('huddle-redis-restart-');
  const prefix = `huddle-rr-${process.pid}-${randomBytes(3).toString('hex')}`;
  let redisPort = 0;
  let redis: ChildProcess | undefined;
  const nodes: NodeProcess[] = [];
  /** The users chatting through the restart. */
  const clients: Client[] = [];
  const sockets: TestClient[] = [];

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort, redisDir.dir);
    pgDb = await createPgDatabase();
    const started = await Promise.allSettled(
      Array.from({ length: NODES }, (_, i) =>
        startNodeProcess({
          DATABASE_URL: pgDb.url,
          REDIS_URL: `redis://127.0.0.1:${redisPort}`,
          REDIS_PREFIX: prefix,
          NODE_ID: `${prefix}-n${i + 1}`,
          SESSION_SECRET: SECRET,
          HEARTBEAT_INTERVAL_MS: '500',
          HEARTBEAT_TIMEOUT_MS: '500',
          // Every user sends 5 a second: above the real per-user limits, which are not what is measured.
          CHAT_SEND_BURST: '100',
          CHAT_SEND_PER_SECOND: '50',
          RATE_LIMIT_SCALE: '10',
          LOG_LEVEL: 'info',
        }),
      ),
    );
    for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    for (const n of nodes.splice(0)) await n.stop();
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
      pomodoro: undefined,
      presence: [],
      disconnects: [],
    };
    const { socket, events } = await connectRecorded(url, grant.token, (socket) => {
      sockets.push(socket);
      let first = true;
      socket.on('disconnect', (reason) => void client.disconnects.push(reason));
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
      // The list as the web app keeps it: the snapshot, then each batch of changes applied to it.
      let list = EMPTY_PRESENCE;
      socket.on(ServerEvent.ChatPresence, (p) => {
        list = applyPresence(list, p);
        client.presence.push({ at: Date.now(), names: names(list.users) });
      });
    });
    client.socket = socket;
    client.events = events;
    if (setUp) await events.next(ServerEvent.ChatPresence, (p) => 'users' in p);
    return client;
  }

  function catchUp(client: Client): Promise<void> {
    const run = async () => {
      for (let cursor = contiguous(client.held); ; ) {
        const page = await send(client.socket, Command.ChatHistory, {
          conversationId: GENERAL,
          after: cursor,
          limit: CHAT_LIMITS.maxPageSize,
        });
        if (!page.ok) throw new Error(`chat:history failed: ${page.error.code}`);
        client.historyPages += 1;
        for (const m of page.data.messages) hold(client, m);
        const last = page.data.messages.at(-1);
        if (!page.data.hasMore || last === undefined) return;
        cursor = last.seq;
      }
    };
    // One catch-up at a time per client; a list arriving meanwhile runs another after it.
    const next = (client.catchingUp ?? Promise.resolve()).catch(() => {}).then(run);
    client.catchingUp = next;
    return next;
  }

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

  it('nodes reconnect by themselves, nothing acknowledged is lost from storage, and every client resyncs', async ({
    onTestFailed,
  }) => {
    const space = uniqueSpace('redis-restart');
    for (let node = 0; node < NODES; node += 1) {
      for (let u = 0; u < USERS_PER_NODE; u += 1)
        clients.push(await connectClient(`U${node + 1}${u + 1}`, node, space));
    }
    const everyone = names(clients);
    /** Lists everyone (a newcomer passing through may be listed too). */
    const complete = (list: string[]) => everyone.every((n) => list.includes(n));
    await expect.poll(() => clients.every((c) => c.presence.at(-1)?.names.join() === everyone.join())).toBe(true);

    // Traffic: every user sends at a steady rate, each message after the previous one's ack.
    const sent: Sent[] = [];
    let stopping = false;
    const chatter = async (client: Client) => {
      for (let i = 0; !stopping; i += 1) {
        const due = Date.now() + SEND_EVERY_MS;
        const clientId = `rr-${client.name}-${String(i).padStart(5, '0')}`;
        const sentAt = Date.now();
        let outcome: Sent['outcome'];
        try {
          const ack = await send(client.socket, Command.ChatSend, {
            conversationId: GENERAL,
            clientId,
            text: clientId,
          });
          outcome = ack.ok ? { ok: true, seq: ack.data.seq } : { ok: false, code: ack.error.code };
        } catch {
          outcome = { ok: false, code: 'TIMEOUT' };
        }
        sent.push({ clientId, node: client.node, sentAt, ackAt: Date.now(), outcome });
        await sleep(Math.max(0, due - Date.now()));
      }
    };
    const traffic = Promise.all(clients.map(chatter));
    const acked = () => sent.filter((s): s is Sent & { outcome: { ok: true; seq: number } } => s.outcome.ok);

    await sleep(WARMUP_MS);
    const presser = clients[0] as Client;
    const killedAt = Date.now();
    await killRedis(redis as ChildProcess);
    // Early in the outage a pomodoro press (its broadcast and its server-side event both need Redis)…
    await sleep(PRESS_AFTER_MS);
    const pressAt = Date.now();
    const press = await send(presser.socket, Command.PomodoroPress, {}).catch(() => null);
    const pressMs = Date.now() - pressAt;
    // …and half-way through, someone opening the app.
    await sleep(Math.max(0, killedAt + OUTAGE_MS / 2 - Date.now()));
    const newcomer = arriveDuringOutage(NODES - 1, space);
    await sleep(Math.max(0, killedAt + OUTAGE_MS - Date.now()));
    redis = await startRedis(redisPort, redisDir.dir);
    const upAt = Date.now();

    onTestFailed(() => {
      console.error(
        JSON.stringify({
          killedAt,
          upAt,
          press,
          pressMs,
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
            presence: c.presence.filter((p) => p.at >= killedAt).map((p) => [p.at - upAt, p.names.join()]),
            pomodoro: c.pomodoro && [c.pomodoro.state, c.pomodoro.version],
            catchUpErrors: c.catchUpErrors,
            disconnects: c.disconnects,
          })),
        }),
      );
    });

    // Delivery across nodes resumes by itself: a message sent on each node after Redis came back
    // reaches the clients of every node.
    const deliveredEverywhere = (seq: number) => clients.every((c) => c.live.has(seq));
    await expect
      .poll(
        () => {
          const after = acked().filter((s) => s.sentAt >= upAt);
          return Array.from({ length: NODES }, (_, node) =>
            after.some((s) => s.node === node && deliveredEverywhere(s.outcome.seq)),
          ).every(Boolean);
        },
        { timeout: RESUME_BOUND_MS, interval: 50 },
      )
      .toBe(true);
    await sleep(TAIL_MS);
    stopping = true;
    await traffic;
    const arrival = await newcomer;

    // Every acknowledged message is stored once, under its acked seq; seqs have no gaps.
    const db = new pg.Client({ connectionString: pgDb.url });
    await db.connect();
    const stored = (
      await db.query<{ seq: number; client_id: string }>(
        'SELECT seq, client_id FROM chat_messages WHERE space = $1 AND conversation = $2 ORDER BY seq',
        [space, GENERAL],
      )
    ).rows;
    await db.end();
    const lastSeq = stored.length;
    const okSends = acked();
    const storedSeqs = new Map<string, number[]>();
    for (const row of stored) storedSeqs.set(row.client_id, [...(storedSeqs.get(row.client_id) ?? []), row.seq]);
    expect(stored.map((r) => r.seq)).toEqual(stored.map((_, i) => i + 1));
    for (const s of okSends) expect(storedSeqs.get(s.clientId)).toEqual([s.outcome.seq]);
    const refusedButStored = sent.filter((s) => !s.outcome.ok && storedSeqs.has(s.clientId));

    // Live: the stored messages each client never received as a broadcast.
    const senderNode = new Map(stored.map((r) => [r.seq, sent.find((s) => s.clientId === r.client_id)?.node]));
    const missedLive = clients.map((c) => stored.map((r) => r.seq).filter((seq) => !c.live.has(seq)));
    const missedPairs = missedLive.flat().length;
    const missedCrossNode = clients.reduce(
      (n, c, i) => n + (missedLive[i] ?? []).filter((seq) => senderNode.get(seq) !== c.node).length,
      0,
    );
    const missedMessages = new Set(missedLive.flat());
    // Delivery has resumed with the first message from which on every message reached every client.
    const lastMissed = Math.max(0, ...missedMessages);
    const resumedWith = okSends
      .filter((s) => s.outcome.seq > lastMissed && s.sentAt >= killedAt)
      .sort((a, b) => a.outcome.seq - b.outcome.seq)[0];
    expect(resumedWith).toBeDefined();
    const resumedAt = Math.max(...clients.map((c) => c.live.get(resumedWith?.outcome.seq ?? 0) ?? Number.NaN));
    expect(resumedAt - upAt).toBeLessThan(RESUME_BOUND_MS);

    // No silent gap: every message a client missed live was announced to it afterwards by a pushed
    // conversation list, and the catch-up that list set off leaves it holding exactly what is stored.
    for (const [i, c] of clients.entries()) {
      const announced = Math.max(0, ...c.pushes.map((p) => p.lastSeq));
      expect(missedLive[i]?.filter((seq) => seq > announced)).toEqual([]);
    }
    await expect
      .poll(() => clients.every((c) => contiguous(c.held) === lastSeq && c.held.size === lastSeq), {
        timeout: 10_000,
      })
      .toBe(true);
    for (const c of clients) {
      expect([...c.held.keys()].sort((a, b) => a - b)).toEqual(stored.map((r) => r.seq));
      expect(c.duplicates).toBe(0);
      expect(c.catchUpErrors).toEqual([]);
    }
    const gapsLeft = clients.reduce((n, c) => n + lastSeq - contiguous(c.held), 0);
    const gapsFilledAt = Math.max(
      upAt,
      ...clients.flatMap((c, i) => (missedLive[i] ?? []).map((seq) => c.heldAt.get(seq) ?? Number.NaN)),
    );

    // Presence heals by itself: every client lists everyone again (the newcomer too, who stayed), and
    // someone arriving now sees everyone.
    expect(arrival.outcome).toBe('set up');
    const present = [...clients, ...(arrival.client ? [arrival.client] : [])];
    const expected = names(present).join();
    await expect
      .poll(() => present.every((c) => c.presence.at(-1)?.names.join() === expected), { timeout: 10_000 })
      .toBe(true);
    const presenceHealedAt = Math.max(
      upAt,
      ...clients.map((c) => {
        const wrong = c.presence.findLastIndex((p) => !complete(p.names));
        return wrong === -1 ? upAt : (c.presence[wrong + 1]?.at ?? Number.NaN);
      }),
    );
    const incompleteLists = clients.reduce(
      (n, c) => n + c.presence.filter((p) => p.at >= killedAt && !complete(p.names)).length,
      0,
    );
    const late = await connectClient('Zed', 1, space);
    expect(late.presence.at(-1)?.names).toEqual(names([...present, late]));

    // The pomodoro: every client shows the stored state, the one a new connection is sent.
    const truth = await late.events.next(ServerEvent.PomodoroState);
    await expect
      .poll(() => present.every((c) => c.pomodoro?.version === truth.version && c.pomodoro.state === truth.state))
      .toBe(true);
    if (press?.ok) expect(truth.version).toBeGreaterThanOrEqual(press.data.version);

    // Nobody was cut off: the nodes stayed up and kept every connection.
    expect(present.flatMap((c) => c.disconnects)).toEqual([]);

    const errors = new Map<string, number>();
    for (const s of sent) if (!s.outcome.ok) errors.set(s.outcome.code, (errors.get(s.outcome.code) ?? 0) + 1);
    if (!press?.ok) errors.set(`pomodoro:press ${press?.error.code ?? 'TIMEOUT'}`, 1);
    const inOutage = sent.filter((s) => s.sentAt >= killedAt && s.sentAt < upAt);
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
    const sentOn = (list: readonly Sent[]) => new Set(list.map((s) => s.node)).size;

    recordSection('redis-restart', {
      order: 30,
      title: 'Redis restarted under traffic (cluster)',
      setup:
        `${NODES} server processes on one PostgreSQL database and one Redis (Streams adapter, presence and rate ` +
        `limits in Redis), ${USERS_PER_NODE} users on each in one space, each sending a chat message every ` +
        `${SEND_EVERY_MS} ms (after the previous ack). After ${ms(WARMUP_MS)} Redis (no persistence) is killed ` +
        `with SIGKILL and started again, empty, ${ms(OUTAGE_MS)} later; ${PRESS_AFTER_MS} ms into the outage a ` +
        'user presses the pomodoro, half-way through a newcomer joins. Clients keep every `chat:message` and act ' +
        'as the web client on a pushed `chat:conversations` (page `chat:history { after }` from their last ' +
        'contiguous seq); they do not fill gaps on later messages, which a quiet conversation never sends.',
      figures: {
        Nodes: NODES,
        'Clients (chatting)': clients.length,
        'Outage (Redis killed → accepting again)': ms(upAt - killedAt),
        'Chat sends during the outage': `${inOutage.length}, ${inOutage.filter((s) => s.outcome.ok).length} acked (from ${sentOn(inOutage)} nodes)`,
        'Slowest ack of a send during the outage': ms(Math.max(0, ...inOutage.map((s) => s.ackAt - s.sentAt))),
        'Command errors (by code)': [...errors].map(([code, n]) => `${code} × ${n}`).join(', ') || 'none',
        'Pomodoro press during the outage': press?.ok
          ? `ok in ${ms(pressMs)}`
          : `${press?.error.code ?? 'TIMEOUT'} in ${ms(pressMs)}`,
        'Newcomer during the outage': `${arrival.outcome} in ${ms(arrival.afterMs)} (joined over HTTP, then connected)`,
        'Acked messages stored': `${okSends.length} of ${okSends.length}, each once (seqs 1–${lastSeq}, no gaps)`,
        'Acked messages lost from storage': 0,
        'Refused sends stored anyway': refusedButStored.length,
        'Broadcasts missed live (client × message)': `${missedPairs} (${missedCrossNode} across nodes; ${count(missedMessages.size, 'message')})`,
        'Cross-node delivery interrupted (kill → every client gets every message again)': ms(resumedAt - killedAt),
        'Delivery resumed after Redis was back': ms(resumedAt - upAt),
        'Conversation lists pushed per client after the restart': `${Math.min(...clients.map((c) => c.pushes.length))}–${Math.max(...clients.map((c) => c.pushes.length))}`,
        'History pages fetched to resync (all clients)': clients.reduce((n, c) => n + c.historyPages, 0),
        'Missed messages filled from storage (after Redis was back)': missedPairs
          ? ms(gapsFilledAt - upAt)
          : 'none missed',
        'Gaps left after resync': gapsLeft,
        'Presence lists complete again (after Redis was back)': ms(presenceHealedAt - upAt),
        'Incomplete presence lists shown meanwhile': incompleteLists,
        'Connections dropped': 0,
      },
      notes: [
        'While Redis is away a node still stores and acknowledges (rate limits let commands through), and ' +
          'broadcasts reach its own clients once the adapter gives up publishing; the other nodes miss them.',
        'When its Redis connection is back a node records its connections again, resends its sockets ' +
          '`pomodoro:state` and `chat:conversations`, and marks the loss in Redis; every node that sees the ' +
          'mark does the same for its sockets. Clients fetch the gap from storage.',
        'Presence is rebuilt by each node re-recording its connections; the space hears a `joined` for each ' +
          'user again (the web client shows these notices).',
      ],
    });
  });
});
