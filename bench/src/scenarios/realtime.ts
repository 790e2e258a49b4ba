/**
 * Scenarios 1–5 against one target: the same load generator, the same counts and the same payload
 * shapes for the raw `ws` floor, the plain Socket.IO floor and Huddle.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMeter, cpuSeconds, rssBytes, waitMeter } from '../lib/proc.js';
import { type RunningServer, startServer } from '../lib/servers.js';
import { Histogram, type Summary, summarize } from '../lib/stats.js';
import type { Target } from '../lib/targets.js';
import { joinHuddle } from '../loadgen/client.js';
import type { ChatPhaseReport, ConnectReport, SendReport } from '../loadgen/messages.js';
import type { LoadWorker } from '../loadgen/pool.js';
import { startWorker } from '../loadgen/pool.js';
import type { Settings } from '../settings.js';

export interface ChatPhaseResult {
  sent: number;
  acked: number;
  sendFailures: number;
  firstError: string | null;
  /** acked × receivers */
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  /** From the first send to the last delivery. */
  seconds: number;
  messagesPerSecond: number;
  deliveriesPerSecond: number;
  latencyMs: Summary;
  ackMs: Summary;
  serverCpuSeconds: number;
  /** Server CPU seconds per delivered message, and its inverse. */
  serverCpuPerDelivery: number;
  deliveriesPerServerCpuSecond: number;
  loadgenCpuSeconds: number;
  /** Load-generator CPU as a share of one core over the phase (1 = one core busy). */
  loadgenCores: number;
  serverCores: number;
  /** Share of the phase the server's event loop was runnable but waiting for a CPU (machine contention). */
  serverRunQueueWait: number;
}

export interface ConnectionsResult {
  clients: number;
  users: number;
  connected: number;
  failed: number;
  firstError: string | null;
  /** Huddle: POST /api/sessions for every user (not part of the connect time). */
  joinSeconds: number;
  connectSeconds: number;
  serverCpuSeconds: number;
  rssBaselineMb: number;
  rssMb: number;
  rssPerClientKb: number;
}

export interface TargetResult {
  target: Target;
  /** Bench connections the server (or the network) closed during the scenarios: should be 0. */
  dropped: { count: number; reasons: Record<string, number> };
  /** Phases that could not finish, with the first error; their figures are absent. */
  errors: string[];
  connections: ConnectionsResult[];
  chat?: { open: ChatPhaseResult; closed: ChatPhaseResult };
  pomodoro?: {
    receivers: number;
    presses: number;
    /** Press sent → the last of the N receivers has the new state. */
    lastClientMs: Summary;
    ackMs: Summary;
    incomplete: number;
  };
  sensor?: {
    viewers: number;
    readingsPerSecond: number;
    requests: number;
    rejected: number;
    failed: number;
    firstError: string | null;
    requestMs: Summary;
    updatesPerViewerPerSecond: number;
    /** Newest reading's device time → the viewer has it (ms clock). */
    viewerLatencyMs: Summary;
    serverCpuSeconds: number;
    serverCores: number;
  };
  clicker?: {
    players: number;
    /** The distinct players' join storm: connect time and server CPU (see README). */
    connectSeconds: number;
    connectServerCpuSeconds: number;
    clicksPerSecond: number;
    creditedPerSecond: number;
    discarded: number;
    failed: number;
    firstError: string | null;
    ackMs: Summary;
    serverCpuSeconds: number;
    serverCores: number;
    loadgenCores: number;
  };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Splits `total` into `parts` near-equal shares. */
const shares = (total: number, parts: number) =>
  Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));

/** Waits until the process has used under 5 % of a core for half a second (at most `maxMs`). */
async function waitIdle(pid: number, maxMs = 30_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = cpuSeconds(pid);
  while (Date.now() < deadline) {
    await sleep(500);
    const current = cpuSeconds(pid);
    if (current - last < 0.025) return;
    last = current;
  }
}

class Harness {
  readonly receivers: LoadWorker[];
  readonly driver: LoadWorker;
  /** Huddle: the session of the space's owner (the first to join, before any scenario's clients). */
  ownerToken: string | undefined;
  private counts: number[] = [];

  constructor(
    readonly target: Target,
    readonly server: RunningServer,
    private readonly settings: Settings,
  ) {
    this.receivers = Array.from({ length: settings.loadWorkers }, (_, i) => startWorker(`${target}-load-${i + 1}`));
    this.driver = startWorker(`${target}-driver`);
  }

  get loadPids() {
    return [...this.receivers.map((w) => w.pid), this.driver.pid];
  }

  /** Joins (Huddle) and connects `clients` receivers as `users` users, spread over the load processes. */
  /** Joins (Huddle) `clients` receivers as `users` users, spread over the load processes; returns ms. */
  async prepare(prefix: string, clients: number, users: number): Promise<number> {
    this.counts = shares(clients, this.receivers.length);
    const userCounts = shares(users, this.receivers.length);
    const t0 = performance.now();
    await Promise.all(
      this.receivers.map((w, i) =>
        w.call(
          {
            cmd: 'prepare',
            target: this.target,
            url: this.server.url,
            prefix: `${prefix}${i}`,
            count: this.counts[i] ?? 0,
            users: userCounts[i] ?? 1,
          },
          300_000,
        ),
      ),
    );
    return performance.now() - t0;
  }

  /** Connects the prepared receivers, up to `fraction` of them, all load processes at once. */
  async connectPrepared(fraction = 1): Promise<{ connect: ConnectReport[]; ms: number }> {
    const t0 = performance.now();
    const connect = await Promise.all(
      this.receivers.map((w, i) =>
        w.call(
          {
            cmd: 'connect',
            concurrency: this.settings.connectConcurrency,
            upTo: Math.round((this.counts[i] ?? 0) * fraction),
          },
          600_000,
        ),
      ),
    );
    return { connect, ms: performance.now() - t0 };
  }

  async connect(prefix: string, clients: number, users: number) {
    const join = await this.prepare(prefix, clients, users);
    return { join, ...(await this.connectPrepared()) };
  }

  async connectDriver(name: string): Promise<void> {
    await this.driver.call({
      cmd: 'prepare',
      target: this.target,
      url: this.server.url,
      prefix: name,
      count: 1,
      users: 1,
    });
    const r = await this.driver.call({ cmd: 'connect', concurrency: 1 });
    if (r.failed) throw new Error(`driver could not connect: ${r.firstError}`);
  }

  /** Adds up the connections the server dropped in every load process so far. */
  async drops(into: { count: number; reasons: Record<string, number> }): Promise<void> {
    for (const d of await Promise.all([...this.receivers, this.driver].map((w) => w.call({ cmd: 'drops' })))) {
      into.count += d.count;
      for (const [reason, n] of Object.entries(d.reasons)) into.reasons[reason] = (into.reasons[reason] ?? 0) + n;
    }
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.receivers, this.driver].map((w) => w.call({ cmd: 'close' })));
    await waitIdle(this.server.pid);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.receivers, this.driver].map((w) => w.stop()));
  }
}

/**
 * Connects N receivers to a fresh server in two halves and reads its RSS after each, once the server
 * is idle: the cost per client is the slope between the halves, so start-up garbage collected (or
 * not yet collected) during the first connections does not count for or against anyone.
 */
async function measureConnections(
  h: Harness,
  clients: number,
  users: number,
  log: (s: string) => void,
): Promise<ConnectionsResult> {
  await waitIdle(h.server.pid);
  const rss0 = rssBytes(h.server.pid);
  const join = await h.prepare('r', clients, users);
  const cpu = cpuMeter([h.server.pid]);
  const first = await h.connectPrepared(0.5);
  const firstCpu = cpu();
  await waitIdle(h.server.pid);
  await sleep(1000);
  const rssHalf = rssBytes(h.server.pid);
  const resume = cpuMeter([h.server.pid]);
  const second = await h.connectPrepared(1);
  const serverCpuSeconds = firstCpu + resume();
  await waitIdle(h.server.pid);
  await sleep(1000);
  const rss1 = rssBytes(h.server.pid);
  const half = sum(first.connect.map((c) => c.connected));
  const connected = sum(second.connect.map((c) => c.connected));
  const failed = [...first.connect, ...second.connect];
  const result: ConnectionsResult = {
    clients,
    users,
    connected,
    failed: sum(failed.map((c) => c.failed)),
    firstError: failed.find((c) => c.firstError)?.firstError ?? null,
    joinSeconds: join / 1000,
    connectSeconds: (first.ms + second.ms) / 1000,
    serverCpuSeconds,
    rssBaselineMb: rss0 / 2 ** 20,
    rssMb: rss1 / 2 ** 20,
    rssPerClientKb: connected > half ? (rss1 - rssHalf) / (connected - half) / 1024 : Number.NaN,
  };
  log(
    `  ${clients} clients (${users} users): connected ${result.connected} in ${result.connectSeconds.toFixed(1)} s, ` +
      `${result.rssPerClientKb.toFixed(1)} KB/client`,
  );
  return result;
}

async function chatReports(h: Harness) {
  const reports = await Promise.all(h.receivers.map((w) => w.call({ cmd: 'chat-report' })));
  return reports.filter((r) => r !== null);
}

/** Polls the receivers until every expected delivery arrived or nothing arrived for 3 s (at most 30 s). */
async function drain(h: Harness, phase: 'open' | 'closed', expected: number): Promise<ChatPhaseReport[]> {
  const deadline = Date.now() + 30_000;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const reports = (await chatReports(h)).map((r) => r[phase]);
    const unique = sum(reports.map((r) => r.unique));
    if (unique !== last) {
      last = unique;
      lastChange = Date.now();
    }
    if (unique >= expected || Date.now() - lastChange > 3000 || Date.now() > deadline) return reports;
    await sleep(250);
  }
}

async function chatPhase(
  h: Harness,
  phase: 'open' | 'closed',
  receivers: number,
  s: Settings['chat'],
): Promise<ChatPhaseResult> {
  const server = cpuMeter([h.server.pid]);
  const serverWait = waitMeter([h.server.pid]);
  const load = cpuMeter(h.loadPids);
  const t0 = performance.now();
  const sent: SendReport = await h.driver.call(
    {
      cmd: 'chat-send',
      phase,
      rate: s.rate,
      durationMs: phase === 'open' ? s.openMs : s.closedMs,
      max: phase === 'open' ? Number.MAX_SAFE_INTEGER : s.maxClosed,
    },
    s.openMs + s.closedMs + 60_000,
  );
  const expected = sent.acked * receivers;
  const reports = await drain(h, phase, expected);
  const wall = (performance.now() - t0) / 1000;
  const serverCpuSeconds = server();
  const loadgenCpuSeconds = load();
  const delivered = sum(reports.map((r) => r.unique));
  const firstAt = Math.min(...reports.map((r) => r.firstAt));
  const lastAt = Math.max(...reports.map((r) => r.lastAt));
  // Deliveries are counted from the first send (≈ the first delivery) to the last delivery.
  const seconds = delivered ? Math.max(sent.durationMs / 1000, (lastAt - firstAt) / 1000) : sent.durationMs / 1000;
  return {
    sent: sent.sent,
    acked: sent.acked,
    sendFailures: sent.failed,
    firstError: sent.firstError,
    expected,
    delivered,
    lost: Math.max(0, expected - delivered),
    duplicates: sum(reports.map((r) => r.duplicates)),
    seconds,
    messagesPerSecond: sent.acked / (sent.durationMs / 1000),
    deliveriesPerSecond: delivered / seconds,
    latencyMs: Histogram.from(reports.map((r) => r.latency)).summary(),
    ackMs: Histogram.from([sent.ack]).summary(),
    serverCpuSeconds,
    serverCpuPerDelivery: delivered ? serverCpuSeconds / delivered : Number.NaN,
    deliveriesPerServerCpuSecond: serverCpuSeconds ? delivered / serverCpuSeconds : Number.NaN,
    loadgenCpuSeconds,
    loadgenCores: loadgenCpuSeconds / wall,
    serverCores: serverCpuSeconds / wall,
    serverRunQueueWait: serverWait() / wall,
  };
}

/** Sends one command from the driver and waits until every connected receiver has the resulting version. */
async function pressAndWait(h: Harness, command: 'pomodoro:press' | 'pomodoro:reset') {
  let press: { version: number; sentAt: number; ackMs: number };
  try {
    press = await h.driver.call({ cmd: 'press', command });
  } catch {
    return { version: -1, sentAt: 0, ackMs: Number.NaN, complete: false, lastClientMs: Number.NaN };
  }
  const deadline = Date.now() + 10_000;
  for (;;) {
    const lastAt = h.receivers.map((w) => w.pomodoroComplete.get(press.version));
    if (lastAt.every((t) => t !== undefined)) {
      return { ...press, complete: true, lastClientMs: Math.max(...(lastAt as number[])) - press.sentAt };
    }
    if (Date.now() > deadline) return { ...press, complete: false, lastClientMs: Number.NaN };
    await sleep(5);
  }
}

export type Phase = 'fanout' | 'sensor' | 'clicker' | 'connections';
export const PHASES: Phase[] = ['fanout', 'sensor', 'clicker', 'connections'];

/** 1, 2 and 5 at N = 1,000: the receivers stay connected for the chat and then the pomodoro. */
async function fanout(h: Harness, settings: Settings, log: (s: string) => void, into: Partial<TargetResult>) {
  const receivers = settings.chat.receivers;
  log(`${h.target}: connections, chat fan-out, pomodoro`);
  into.connections?.push(await measureConnections(h, receivers, settings.receiverUsers, log));
  await h.connectDriver('sender');
  await Promise.all(h.receivers.map((w) => w.call({ cmd: 'chat-start' })));
  const open = await chatPhase(h, 'open', receivers, settings.chat);
  log(
    `  chat open loop: p50 ${open.latencyMs.p50.toFixed(1)} ms, p99 ${open.latencyMs.p99.toFixed(1)} ms, lost ${open.lost}, dup ${open.duplicates}, ${open.deliveriesPerServerCpuSecond.toFixed(0)} deliveries/server CPU-s, server ${open.serverCores.toFixed(2)} cores (waited for a CPU ${(open.serverRunQueueWait * 100).toFixed(0)} % of the time), load generator ${open.loadgenCores.toFixed(2)} cores`,
  );
  await waitIdle(h.server.pid);
  const closed = await chatPhase(h, 'closed', receivers, settings.chat);
  log(
    `  chat closed loop: ${closed.messagesPerSecond.toFixed(0)} msg/s, ${closed.deliveriesPerSecond.toFixed(0)} deliveries/s, p99 ${closed.latencyMs.p99.toFixed(1)} ms`,
  );
  into.chat = { open, closed };
  await waitIdle(h.server.pid);

  const presses: Awaited<ReturnType<typeof pressAndWait>>[] = [];
  for (let i = 0; i < settings.pomodoro.warmup + settings.pomodoro.presses; i++) {
    const press = await pressAndWait(h, 'pomodoro:press');
    if (i >= settings.pomodoro.warmup) presses.push(press);
    await pressAndWait(h, 'pomodoro:reset');
    // A server that cannot answer is not measured further.
    if (presses.length >= 3 && presses.slice(-3).every((p) => !p.complete)) break;
  }
  const complete = presses.filter((p) => p.complete);
  into.pomodoro = {
    receivers,
    presses: presses.length,
    lastClientMs: summarize(complete.map((p) => p.lastClientMs)),
    ackMs: summarize(complete.map((p) => p.ackMs)),
    incomplete: presses.length - complete.length,
  };
  log(
    `  pomodoro: last client p50 ${into.pomodoro.lastClientMs.p50.toFixed(1)} ms, p99 ${into.pomodoro.lastClientMs.p99.toFixed(1)} ms`,
  );
}

/** 3: a device ingests batches over HTTP while viewers watch the board. */
async function sensor(h: Harness, settings: Settings, log: (s: string) => void, into: Partial<TargetResult>) {
  log(`${h.target}: sensor ingest`);
  const s = settings.sensor;
  await h.connect('v', s.viewers, s.viewerUsers);
  await h.connectDriver('device');
  const perWorker = shares(s.viewers, h.receivers.length);
  await Promise.all(h.receivers.map((w, i) => w.call({ cmd: 'viewers-start', count: perWorker[i] ?? 0 })));
  const cpu = cpuMeter([h.server.pid]);
  const ingest = await h.driver.call(
    {
      cmd: 'ingest',
      durationMs: s.durationMs,
      batch: s.batch,
      concurrency: s.concurrency,
      perSecond: s.readingsPerSecond,
      ...(h.ownerToken === undefined ? {} : { ownerToken: h.ownerToken }),
    },
    s.durationMs + 60_000,
  );
  await sleep(500);
  const serverCpu = cpu();
  const views = await Promise.all(h.receivers.map((w) => w.call({ cmd: 'viewers-report' })));
  const viewers = sum(views.map((v) => v.viewers));
  const seconds = ingest.durationMs / 1000;
  into.sensor = {
    viewers,
    readingsPerSecond: ingest.stored / seconds,
    requests: ingest.requests,
    rejected: ingest.rejected,
    failed: ingest.failed,
    firstError: ingest.firstError,
    requestMs: Histogram.from([ingest.latency]).summary(),
    updatesPerViewerPerSecond: viewers ? sum(views.map((v) => v.updates)) / viewers / seconds : 0,
    viewerLatencyMs: Histogram.from(views.map((v) => v.latency)).summary(),
    serverCpuSeconds: serverCpu,
    serverCores: serverCpu / (seconds + 0.5),
  };
  log(
    `  sensor: ${into.sensor.readingsPerSecond.toFixed(0)} readings/s, ${into.sensor.updatesPerViewerPerSecond.toFixed(1)} updates/s per viewer, viewer p99 ${into.sensor.viewerLatencyMs.p99.toFixed(0)} ms, 429s ${into.sensor.rejected}`,
  );
}

/** 4: every player is a distinct user, so their arrival is also the distinct-user join storm. */
async function clicker(h: Harness, settings: Settings, log: (s: string) => void, into: Partial<TargetResult>) {
  const c = settings.clicker;
  log(`${h.target}: clicker (${c.players} distinct players)`);
  const joinCpu = cpuMeter([h.server.pid]);
  const joined = await h.connect('p', c.players, c.players);
  const connectServerCpuSeconds = joinCpu();
  const players = sum(joined.connect.map((r) => r.connected));
  log(
    `  ${players} players connected in ${(joined.ms / 1000).toFixed(1)} s (server CPU ${connectServerCpuSeconds.toFixed(1)} s)`,
  );
  await waitIdle(h.server.pid, 120_000);
  const server = cpuMeter([h.server.pid]);
  const load = cpuMeter(h.loadPids);
  const playerShares = shares(c.players, h.receivers.length);
  const clicks = await Promise.all(
    h.receivers.map((w, i) =>
      w.call(
        {
          cmd: 'click',
          players: playerShares[i] ?? 0,
          durationMs: c.durationMs,
          perSecond: c.clicksPerSecond,
          flushMs: c.flushMs,
        },
        c.durationMs + 60_000,
      ),
    ),
  );
  const seconds = c.durationMs / 1000;
  const serverCpu = server();
  into.clicker = {
    players,
    connectSeconds: joined.ms / 1000,
    connectServerCpuSeconds,
    clicksPerSecond: sum(clicks.map((r) => r.clicks)) / seconds,
    creditedPerSecond: sum(clicks.map((r) => r.credited)) / seconds,
    discarded: sum(clicks.map((r) => r.discarded)),
    failed: sum(clicks.map((r) => r.failed)),
    firstError: clicks.find((r) => r.firstError)?.firstError ?? null,
    ackMs: Histogram.from(clicks.map((r) => r.ack)).summary(),
    serverCpuSeconds: serverCpu,
    serverCores: serverCpu / seconds,
    loadgenCores: load() / seconds,
  };
  log(
    `  clicker: ${into.clicker.creditedPerSecond.toFixed(0)} credited/s of ${into.clicker.clicksPerSecond.toFixed(0)}, ack p99 ${into.clicker.ackMs.p99.toFixed(1)} ms, server ${(into.clicker.serverCores * 100).toFixed(0)} % of a core`,
  );
}

/**
 * Runs the phases against one target. A phase that fails is recorded (`errors`) and the next one
 * still runs; each group of phases gets a fresh server, so the connection baselines are clean.
 */
export async function runTarget(
  target: Target,
  settings: Settings,
  log: (s: string) => void,
  options: { cpuProfDir?: string; phases?: Phase[] } = {},
): Promise<TargetResult> {
  const phases = new Set(options.phases ?? PHASES);
  const result: Partial<TargetResult> & Pick<TargetResult, 'connections' | 'dropped' | 'errors'> = {
    target,
    connections: [],
    dropped: { count: 0, reasons: {} },
    errors: [],
  };
  const withServer = async (run: (h: Harness) => Promise<void>) => {
    const server = await startServer(target, options.cpuProfDir ? { cpuProfDir: options.cpuProfDir } : {});
    const h = new Harness(target, server, settings);
    try {
      // The bench's space is started by an owner of its own; every scenario's clients join it as members.
      if (target === 'huddle') h.ownerToken = (await joinHuddle(server.url, 'bench-owner')).token;
      await run(h);
    } finally {
      await h.drops(result.dropped).catch(() => {});
      await h.stop();
      await server.stop();
    }
  };
  const attempt = async (name: string, h: Harness, phase: () => Promise<void>) => {
    try {
      await phase();
    } catch (err) {
      result.errors.push(`${name}: ${String(err instanceof Error ? err.message : err).split('\n')[0]}`);
      log(`  ${name} failed: ${result.errors.at(-1)}`);
    }
    await h.closeAll().catch(() => {});
  };
  const group: [Phase, (h: Harness, s: Settings, l: typeof log, into: Partial<TargetResult>) => Promise<void>][] = [
    ['fanout', fanout],
    ['sensor', sensor],
    ['clicker', clicker],
  ];
  if (group.some(([p]) => phases.has(p))) {
    await withServer(async (h) => {
      for (const [name, run] of group)
        if (phases.has(name)) await attempt(name, h, () => run(h, settings, log, result));
    });
  }
  if (phases.has('connections')) {
    for (const n of settings.connections.filter((n) => n !== settings.chat.receivers || !phases.has('fanout'))) {
      await withServer(async (h) => {
        log(`${target}: ${n} connections`);
        await attempt(`connections ${n}`, h, async () => {
          result.connections.push(await measureConnections(h, n, settings.receiverUsers, log));
        });
      });
    }
  }
  return result as TargetResult;
}
