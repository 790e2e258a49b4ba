import type { Socket as TcpSocket } from 'node:net';
import {
  type Ack,
  COMMAND_NAMES,
  type CommandName,
  type CommandPayload,
  ErrorCode,
  PROTOCOL_VERSION,
  ServerEvent,
  type SessionGrant,
} from '@huddle/protocol';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKET_BUDGET, PACKET_REFUSALS } from '../../src/io/packet-budget.js';
import { SOCKET_BACKPRESSURE } from '../../src/io/socket-server.js';
import { metricValue, tempDir, uniqueSpace } from '../helpers.js';
import { type NodeProcess, startNodeProcess, useTwoNodeCluster } from '../node-process.js';
import { runFlooderProcess } from './flooder-process.js';
import { ms, percentile, scenario, soak } from './report.js';

const report = scenario(import.meta.filename, {
  order: 78,
  title: 'The socket layer: set-up order, packet budget, clients that do not read',
  setup:
    'Server processes from source. (1) Every protocol command sent by fresh sockets the moment they connect to a ' +
    'new space, on SQLite (one node) and on PostgreSQL + Redis (two nodes). (2) One node (SQLite): 20 users ' +
    'sample clock:sync (each at its limit, 1 a second) alone, then while another process floods a socket with ' +
    'unknown events and clock:sync (pre-built frames, 200 per write, as fast as the server reads them), ' +
    'and opens a new one half a second after each is cut off. (3) One node (SQLite): four members chat 8 KB messages ' +
    'into a space as fast as they are answered, first with every client reading, then while one client ' +
    'stops reading (its TCP socket paused).',
});

const sockets: Socket[] = [];
afterAll(() => {
  for (const s of sockets) s.disconnect();
});

/** Addresses for joins (the join rate is per address): each join of this file has its own. */
let addresses = 0;
const nextAddress = () => `10.78.${Math.floor(++addresses / 250)}.${(addresses % 250) + 1}`;

async function joinAs(url: string, space: string, name: string, create = false): Promise<SessionGrant> {
  const res = await fetch(`${url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': nextAddress() },
    body: JSON.stringify({ space, name, ...(create ? { create: { visibility: 'open' } } : {}) }),
  });
  if (res.status !== 201) throw new Error(`join ${name}: ${res.status} ${await res.text()}`);
  return (await res.json()) as SessionGrant;
}

function open(url: string, token: string, ip?: string): Socket {
  const socket = io(url, {
    auth: { token, protocolVersion: PROTOCOL_VERSION },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(ip ? { extraHeaders: { 'x-forwarded-for': ip } } : {}),
  });
  sockets.push(socket);
  return socket;
}

type Step = { [K in CommandName]: [K, CommandPayload<K>] }[CommandName];
const step = <K extends CommandName>(name: K, payload: CommandPayload<K>): Step => [name, payload] as Step;

/**
 * Opens a socket and sends every step at once, before it is even connected (Socket.IO sends them the
 * moment the server accepts it): each step's answer, in order.
 */
async function firstMillisecond(url: string, token: string, steps: Step[]): Promise<Ack<unknown>[]> {
  const socket = open(url, token);
  const timed = socket.timeout(20_000) as unknown as { emitWithAck(n: string, p: unknown): Promise<Ack<unknown>> };
  const acks = steps.map(([name, payload]) =>
    timed
      .emitWithAck(name, payload)
      .catch((err: Error): Ack<unknown> => ({ ok: false, error: { code: ErrorCode.Timeout, message: err.message } })),
  );
  const answers = await Promise.all(acks);
  socket.disconnect();
  return answers;
}

/**
 * Every command of the protocol, each in the first packets of a fresh socket in a new space. The
 * commands of one socket are sent together without waiting for answers, so they do not depend on each
 * other (such commands run in any order); what needs an earlier one's result (the message it edits, the
 * channel it archives, the invite it revokes) goes with the next socket, on the other node. The first
 * socket is the space's first connection. Answers every command's outcome.
 */
async function everyCommandAtConnect(urls: [string, string]): Promise<Map<CommandName, string>> {
  const space = uniqueSpace('first-ms');
  const owner = await joinAs(urls[0], space, 'Owner', true);
  const [target, removed, leaver, signer] = [
    await joinAs(urls[0], space, 'Target'),
    await joinAs(urls[0], space, 'Removed'),
    await joinAs(urls[0], space, 'Leaver'),
    await joinAs(urls[0], space, 'Signer'),
  ];
  const general = 'c:general';
  const outcomes = new Map<CommandName, string>();
  let sockets = 0;
  const run = async (token: string, steps: Step[]) => {
    const answers = await firstMillisecond(urls[sockets++ % 2] as string, token, steps);
    steps.forEach(([name], i) => {
      const answer = answers[i] as Ack<unknown>;
      // A command sent twice keeps its first failure.
      if (outcomes.get(name) === undefined || outcomes.get(name) === 'ok') {
        outcomes.set(name, answer.ok ? 'ok' : `${answer.error.code}: ${answer.error.message}`);
      }
    });
    return (name: CommandName) => answers[steps.findIndex(([n]) => n === name)];
  };

  const first = await run(owner.token, [
    step('clock:sync', {}),
    step('chat:send', { conversationId: general, clientId: 'first-ms-0001', text: 'first' }),
    step('chat:typing', { conversationId: general }),
    step('chat:history', { conversationId: general }),
    step('chat:create-channel', { name: 'side' }),
    step('chat:open-direct', { userId: target.user.id }),
    step('pomodoro:settings', {
      workSeconds: 600,
      shortBreakSeconds: 60,
      longBreakSeconds: 120,
      cyclesBeforeLongBreak: 2,
    }),
    step('sensor:random', { sensorId: 'room', count: 1 }),
    step('sensor:thresholds', { humidityMax: 60, temperatureMax: 80 }),
    step('sensor:token', {}),
    step('clicker:click', { count: 20 }),
    step('space:members', {}),
    step('space:settings', { readingRetentionDays: 30 }),
    step('space:create-invite', {}),
    step('space:invites', {}),
    step('session:rename', { name: 'Owner Renamed' }),
    step('session:devices', {}),
    step('session:link-device', {}),
  ]);
  const invite = first('space:create-invite') as Ack<{ id: string }>;
  await run(owner.token, [
    step('chat:send', { conversationId: general, clientId: 'first-ms-0002', text: 'second' }),
    step('chat:edit', { conversationId: general, seq: 1, text: 'first, edited' }),
    step('chat:read', { conversationId: general, seq: 1 }),
    step('chat:archive-channel', { conversationId: 'c:side', archived: true }),
    step('pomodoro:press', {}),
    step('sensor:history', { sensorId: 'room', range: '1h' }),
    step('sensor:rotate-token', {}),
    step('clicker:buy', { clientId: 'first-ms-buy-1', item: 'shovel' }),
    step('space:revoke-invite', { inviteId: invite.ok ? invite.data.id : 'none' }),
    step('space:set-role', { userId: target.user.id, role: 'admin' }),
    step('space:remove-member', { userId: removed.user.id, block: false }),
  ]);
  await run(owner.token, [
    step('chat:delete', { conversationId: general, seq: 2 }),
    step('chat:delete-channel', { conversationId: 'c:side' }),
    step('pomodoro:pause', {}),
    step('sensor:delete', { sensorId: 'room' }),
  ]);
  await run(owner.token, [step('pomodoro:resume', {})]);
  await run(owner.token, [step('pomodoro:reset', {})]);
  await run(leaver.token, [step('space:leave', {})]);
  await run(signer.token, [step('session:sign-out', {})]);
  await run(owner.token, [step('space:delete', { confirm: space })]);
  return outcomes;
}

function reportCommandsAtConnect(storage: string, outcomes: Map<CommandName, string>) {
  const failed = [...outcomes].filter(([, outcome]) => outcome !== 'ok');
  const missing = COMMAND_NAMES.filter((name) => !outcomes.has(name));
  report.asserted(
    `${storage}: every command sent the moment its socket connects`,
    { failed, missing },
    (got) => expect(got, JSON.stringify(got)).toEqual({ failed: [], missing: [] }),
    `${outcomes.size - failed.length} of ${COMMAND_NAMES.length} answered ok` +
      (failed.length ? ` (${failed.map(([name, outcome]) => `${name} → ${outcome}`).join('; ')})` : '') +
      (missing.length ? `, never sent: ${missing.join(', ')}` : ''),
  );
}

describe('commands sent the moment a socket connects', () => {
  describe('on SQLite, one node', () => {
    const data = tempDir('huddle-first-ms-');
    let node: NodeProcess;
    beforeAll(async () => {
      node = await startNodeProcess({
        DATA_DIR: data.dir,
        SESSION_SECRET: 'first-ms-test-secret-first-ms-test-secret',
      });
    });
    afterAll(async () => {
      await node?.stop();
      data.remove();
    });
    it('each gets its answer: none is handled before its connection is set up', async () => {
      reportCommandsAtConnect('SQLite', await everyCommandAtConnect([node.url, node.url]));
    });
  });

  describe('on PostgreSQL and Redis, two nodes', () => {
    const cluster = useTwoNodeCluster();
    it('each gets its answer, from either node: none is handled before its connection is set up', async () => {
      reportCommandsAtConnect('PostgreSQL + Redis', await everyCommandAtConnect(cluster.nodes()));
    });
  });
});

/** Below this, p99 differences are timer and scheduling noise on a shared 2-core machine. */
const NOISE_FLOOR_MS = 5;
const SAMPLE_MS = soak(15_000, 60_000);

/** Quiet users sampling clock:sync, each at its per-user limit (1 a second), staggered. */
const QUIET_USERS = 20;

/** Every quiet socket's clock:sync round trips, one a second each (staggered), for `forMs`. */
async function clockSamples(quiet: Socket[], forMs: number): Promise<number[]> {
  const samples: number[] = [];
  const started = performance.now();
  await Promise.all(
    quiet.map(async (socket, i) => {
      await new Promise((resolve) => setTimeout(resolve, (i * 1000) / quiet.length));
      while (performance.now() - started < forMs) {
        const sentAt = performance.now();
        const ack = (await socket.timeout(10_000).emitWithAck('clock:sync', {})) as Ack<unknown>;
        if (!ack.ok) throw new Error(`clock:sync refused: ${ack.error.code}`);
        samples.push(performance.now() - sentAt);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (performance.now() - sentAt))));
      }
    }),
  );
  return samples;
}

interface FlooderResult {
  answers: Record<string, number>;
  disconnects: Record<string, number>;
  sockets: { sent: number; accepted: number; ms: number }[];
  refusedHandshakes: number;
}

const runFlooder = (options: Record<string, unknown>) => runFlooderProcess<FlooderResult>('packet-flooder.ts', options);

describe('the packet budget', () => {
  const data = tempDir('huddle-budget-');
  let node: NodeProcess;
  beforeAll(async () => {
    node = await startNodeProcess({ DATA_DIR: data.dir, SESSION_SECRET: 'budget-test-secret-budget-test-secret-01' });
  });
  afterAll(async () => {
    await node?.stop();
    data.remove();
  });

  it("cuts off a socket far over it, whatever it sends, while another client's clock:sync keeps its pace", async () => {
    const space = uniqueSpace('budget');
    const quiet: Socket[] = [];
    for (let i = 0; i < QUIET_USERS; i += 1) {
      const grant = await joinAs(node.url, space, `Quiet ${i + 1}`, i === 0);
      const socket = open(node.url, grant.token, `10.78.251.${i + 1}`);
      await new Promise<void>((resolve) => socket.once(ServerEvent.ClickerFeed, () => resolve()));
      quiet.push(socket);
    }
    const flooder = await joinAs(node.url, space, 'Flooder');

    // The server's own event-loop delay p99 over each window: prom-client resets its histogram on every scrape.
    const loopP99 = async () => (await metricValue(node.url, 'nodejs_eventloop_lag_p99_seconds')) * 1000;
    await loopP99();
    const before = await clockSamples(quiet, SAMPLE_MS);
    const loopBefore = await loopP99();
    const flooding = runFlooder({ url: node.url, token: flooder.token, ip: '10.78.250.1', durationMs: SAMPLE_MS });
    const [during, flood] = await Promise.all([clockSamples(quiet, SAMPLE_MS), flooding]);
    const loopDuring = await loopP99();
    const after = await clockSamples(quiet, SAMPLE_MS);
    const loopAfter = await loopP99();
    const summary = (s: number[]) =>
      `p50 ${ms(percentile(s, 50))} · p99 ${percentile(s, 99).toFixed(1)} ms (${s.length} samples)`;
    report.measured('Quiet users clock:sync, alone before', summary(before));
    report.measured('Quiet users clock:sync, during the flood', summary(during));
    report.measured('Quiet users clock:sync, alone after', summary(after));

    const sent = flood.sockets.reduce((n, s) => n + s.sent, 0);
    const seconds = SAMPLE_MS / 1000;
    report.measured(
      'Flooder',
      `${flood.sockets.length} sockets, ${sent.toLocaleString('en')} packets in ${seconds} s ` +
        `(${Math.round(sent / seconds).toLocaleString('en')}/s); answers: ${JSON.stringify(flood.answers)}; ` +
        `ends: ${JSON.stringify(flood.disconnects)}; handshakes refused: ${flood.refusedHandshakes}`,
    );
    // The server's own count of the sockets it cut off for the budget, and every end the flooder did not choose.
    const cutOff = await metricValue(node.url, 'huddle_sockets_cut_off_total{reason="packet budget"}');
    const endedByServer = flood.sockets.length - (flood.disconnects['io client disconnect'] ?? 0);
    report.asserted(
      'Flooding sockets cut off by the server',
      { cutOff, endedByServer, sockets: flood.sockets.length },
      (got) => {
        expect(got.cutOff).toBeGreaterThan(0);
        expect(got.cutOff).toBe(got.endedByServer);
        expect(got.cutOff).toBeGreaterThanOrEqual(got.sockets - 1);
      },
      `${cutOff} of ${flood.sockets.length} (the last may end with the flood)`,
    );
    const lifetimes = flood.sockets.filter((s) => s.ms > 0).map((s) => s.ms);
    report.measured(
      'A flooding socket lasted',
      `median ${ms(percentile(lifetimes, 50))}, longest ${ms(Math.max(...lifetimes))}`,
    );
    // Refused before any work: at most the budget's burst and refill got past it, per socket.
    const overBudget = flood.sockets.filter(
      (s) => s.accepted > PACKET_BUDGET.burst + (PACKET_BUDGET.perSecond * s.ms) / 1000 + 1,
    );
    report.asserted(
      'Packets answered other than RATE_LIMITED, per socket, within the budget',
      overBudget,
      (got) => expect(got).toEqual([]),
      `at most ${PACKET_BUDGET.burst} + ${PACKET_BUDGET.perSecond}/s each (refusals before the cut-off: ${PACKET_REFUSALS.burst} + ${PACKET_REFUSALS.perSecond}/s)`,
    );
    report.asserted('Packets refused RATE_LIMITED', flood.answers.RATE_LIMITED ?? 0, (n) =>
      expect(n).toBeGreaterThan(0),
    );

    const idleP99 = Math.max(percentile(before, 99), percentile(after, 99));
    const floodP99 = percentile(during, 99);
    // Measured: three of 301 round trips decide a client's p99, and on this 2-core machine the flooder, the
    // 20 clients and the server share the CPUs, so it swings with the scheduler (a profile of the server
    // during the flood shows it 95 % idle). What the budget protects is the server's loop, asserted below.
    report.measured(
      'Quiet users clock:sync p99, flood vs alone',
      `${floodP99.toFixed(1)} ms against ${idleP99.toFixed(1)} ms alone`,
    );
    const idleLoop = Math.max(loopBefore, loopAfter);
    report.asserted(
      'Server event-loop delay p99, flood vs alone',
      loopDuring,
      (p99) => expect(p99).toBeLessThanOrEqual(2 * idleLoop + NOISE_FLOOR_MS),
      `${loopDuring.toFixed(1)} ms against ${idleLoop.toFixed(1)} ms alone (at most 2× + ${NOISE_FLOOR_MS} ms)`,
    );
    report.note(
      "The idle figure is the larger p99 of the windows before and after the flood; the flooder runs at the lowest CPU priority, as an attacker's CPU is not on the server's machine.",
    );
  });
});

describe('a client that never reads', () => {
  const data = tempDir('huddle-stalled-');
  let node: NodeProcess;
  beforeAll(async () => {
    // The chatting members are not limited: the section is about what a stalled client costs, not limits.
    node = await startNodeProcess({
      DATA_DIR: data.dir,
      SESSION_SECRET: 'stalled-test-secret-stalled-test-secret-',
      RATE_LIMIT_SCALE: '100',
      CHAT_SEND_BURST: '100000',
      CHAT_SEND_PER_SECOND: '100000',
    });
  });
  afterAll(async () => {
    await node?.stop();
    data.remove();
  });

  it('costs the server a bounded number of bytes, and is cut off', async () => {
    const space = uniqueSpace('stalled');
    const members = [await joinAs(node.url, space, 'Member 1', true)];
    for (let i = 2; i <= 4; i += 1) members.push(await joinAs(node.url, space, `Member ${i}`));
    const stalledGrant = await joinAs(node.url, space, 'Stalled');
    const talkers = await Promise.all(
      members.map(async (m) => {
        const s = open(node.url, m.token);
        await new Promise<void>((resolve) => s.once(ServerEvent.ClickerFeed, () => resolve()));
        return s;
      }),
    );
    const stalled = open(node.url, stalledGrant.token);
    await new Promise<void>((resolve) => stalled.once(ServerEvent.ClickerFeed, () => resolve()));
    const stalledEnd = new Promise<string>((resolve) => stalled.once('disconnect', resolve));
    const tcp = (stalled.io.engine.transport as unknown as { ws: { _socket: TcpSocket } }).ws._socket;

    const rss = () => metricValue(node.url, 'process_resident_memory_bytes');
    const held = () => metricValue(node.url, 'huddle_socket_buffered_bytes');
    const cutOffs = () => metricValue(node.url, 'huddle_sockets_cut_off_total{reason="backlog"}');

    // 2,000 four-byte characters: a message of about 8 KB to every member.
    const text = '😀'.repeat(2000);
    const messageBytes = Buffer.byteLength(text);
    let sentMessages = 0;
    let chatting = true;
    let ids = 0;
    const chat = async (socket: Socket, until: () => boolean) => {
      while (!until()) {
        const clientId = `stall-${++ids}-msg`;
        const ack = (await socket
          .timeout(10_000)
          .emitWithAck('chat:send', { conversationId: 'c:general', clientId, text })) as Ack<unknown>;
        if (!ack.ok) throw new Error(`chat:send refused: ${ack.error.code}`);
        sentMessages += 1;
      }
    };
    // The same traffic with every client reading first: what it costs by itself (caches, heap).
    const WARM_UP = 2500;
    const rssBefore = await rss();
    await Promise.all(talkers.map((s) => chat(s, () => sentMessages >= WARM_UP)));
    const rssAtStart = await rss();
    report.measured(
      'Server RSS, every client reading',
      `${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssAtStart / 2 ** 20).toFixed(0)} MiB over ${WARM_UP.toLocaleString('en')} messages (${((WARM_UP * messageBytes) / 2 ** 20).toFixed(0)} MiB to each member)`,
    );
    sentMessages = 0;

    tcp.pause();
    const startedAt = performance.now();
    const chatters = talkers.map((s) => chat(s, () => !chatting));
    let peakHeld = 0;
    let peakRss = rssAtStart;
    let cutOffAt: number | undefined;
    // Sampled every 250 ms until the client is cut off, then as long again, at most 120 s in all.
    while (performance.now() - startedAt < 120_000) {
      peakHeld = Math.max(peakHeld, await held());
      peakRss = Math.max(peakRss, await rss());
      if (cutOffAt === undefined && (await cutOffs()) >= 1) cutOffAt = performance.now() - startedAt;
      if (cutOffAt !== undefined && performance.now() - startedAt > 2 * cutOffAt) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    chatting = false;
    await Promise.all(chatters);
    const sentMb = (sentMessages * messageBytes) / 2 ** 20;
    report.measured(
      'Traffic to the space while the client did not read',
      `${sentMessages.toLocaleString('en')} messages, ${sentMb.toFixed(1)} MiB to each member`,
    );
    report.asserted(
      'Stalled client cut off by the server',
      cutOffAt,
      (at) => expect(at, 'cut off within 120 s').toBeDefined(),
      cutOffAt === undefined ? 'not within 120 s' : `after ${(cutOffAt / 1000).toFixed(1)} s`,
    );
    const capMb = SOCKET_BACKPRESSURE.maxBytes / 2 ** 20;
    report.asserted(
      'Most bytes the server held for its clients',
      peakHeld,
      // The cap, and what the four members' messages in flight add before the check runs.
      (bytes) => expect(bytes).toBeLessThanOrEqual(SOCKET_BACKPRESSURE.maxBytes + 4 * 2 * messageBytes),
      `${(peakHeld / 2 ** 20).toFixed(2)} MiB (cap ${capMb} MiB; sampled every 250 ms)`,
    );
    // Measured, not asserted: RSS also holds the members' traffic and whatever the collector has not
    // returned yet (34.7 MiB in one CI run, under 32 in others), so it says little about the stalled client;
    // the held bytes above are the bound, and the cut-off ends even those.
    report.measured(
      'Server RSS growth while the client did not read',
      `${((peakRss - rssAtStart) / 2 ** 20).toFixed(1)} MiB (from ${(rssAtStart / 2 ** 20).toFixed(0)} MiB, while ${sentMb.toFixed(0)} MiB went to each member)`,
    );
    report.asserted('Bytes held once it was cut off', await held(), (bytes) => expect(bytes).toBeLessThan(64 * 1024));

    // Reading again, the client finds its connection ended.
    tcp.resume();
    const reason = await stalledEnd;
    report.measured('What the client sees when it reads again', `disconnect (${reason})`);
    report.note(
      "The kernel's socket buffers take the first megabytes a client does not read (about 4–6 MiB on loopback here); the server's own count starts where they are full. Sensor updates, the leaderboard and typing skip a client that is 256 KiB behind; everything else waits for it until it is 4 MiB behind and cut off.",
    );
  });
});
