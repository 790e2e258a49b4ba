/**
 * One load-generator process: holds a share of the bench clients and plays the roles the orchestrator
 * asks for over IPC (receivers, the chat sender, the pomodoro presser, clicker players, sensor viewers
 * and the device that ingests). Every loop here is bounded by a count and a deadline.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ack } from '@huddle/protocol';
import { Histogram } from '../lib/stats.js';
import { BENCH_CONVERSATION, BENCH_SENSOR, BENCH_SPACE, now, type Target } from '../lib/targets.js';
import { type BenchClient, connectClient, drops, joinHuddle } from './client.js';
import type { ChatPhaseReport, ClickReport, IngestReport, Request, SendReport, ViewerReport } from './messages.js';

const ACK_TIMEOUT_MS = 10_000;
/** Largest message index a chat phase may use: receivers keep one bit per index and client. */
export const MAX_CHAT_MESSAGES = 100_000;
const PHASES = ['open', 'closed'] as const;
type Phase = (typeof PHASES)[number];

/** Chat text: phase letter, index and send time, padded to the length of an ordinary chat line. */
const PADDING = ' — lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod';
export const chatText = (phase: Phase, index: number, sentAt: number) =>
  `${phase[0]}|${index}|${sentAt.toFixed(3)}|${PADDING}`;

interface Slot {
  name: string;
  token?: string;
  client?: BenchClient;
}

let target: Target = 'ws';
let url = '';
let slots: Slot[] = [];

/** Per-phase chat reception state of this process's clients. */
class ChatReception {
  received = 0;
  unique = 0;
  duplicates = 0;
  firstAt = Number.POSITIVE_INFINITY;
  lastAt = 0;
  latency = new Histogram();
  private seen: Uint8Array[] = [];

  constructor(clients: number) {
    this.seen = Array.from({ length: clients }, () => new Uint8Array(MAX_CHAT_MESSAGES / 8));
  }

  record(clientIndex: number, index: number, sentAt: number, at: number) {
    this.received += 1;
    const bits = this.seen[clientIndex];
    if (!bits || index < 0 || index >= MAX_CHAT_MESSAGES) return;
    const byte = index >> 3;
    const mask = 1 << (index & 7);
    if ((bits[byte] as number) & mask) {
      this.duplicates += 1;
      return;
    }
    bits[byte] = (bits[byte] as number) | mask;
    this.unique += 1;
    this.latency.record(at - sentAt);
    if (at < this.firstAt) this.firstAt = at;
    if (at > this.lastAt) this.lastAt = at;
  }

  report(): ChatPhaseReport {
    return {
      received: this.received,
      unique: this.unique,
      duplicates: this.duplicates,
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      latency: this.latency.toJSON(),
    };
  }
}

let chat: Record<Phase, ChatReception> | undefined;
/** Pomodoro version → how many of this process's clients have seen it, and when the last one did. */
const pomodoroSeen = new Map<number, { clients: number; lastAt: number }>();
let viewers: { updates: number; latency: Histogram; clients: number } | undefined;

function listen(client: BenchClient, index: number) {
  client.on('chat:message', (m: { text: string }) => {
    const at = now();
    const [p, i, t] = m.text.split('|', 3);
    const phase = p === 'c' ? 'closed' : 'open';
    chat?.[phase].record(index, Number(i), Number(t), at);
  });
  client.on('pomodoro:state', (s: { version: number }) => {
    const at = now();
    const seen = pomodoroSeen.get(s.version) ?? { clients: 0, lastAt: 0 };
    seen.clients += 1;
    seen.lastAt = Math.max(seen.lastAt, at);
    pomodoroSeen.set(s.version, seen);
    // Told at once rather than polled: the orchestrator is waiting for the last client.
    if (seen.clients === connected().length) {
      process.send?.({ event: 'pomodoro-complete', version: s.version, lastAt: seen.lastAt });
    }
  });
  client.on('sensor:update', (u: { latest: { at: number }[] }) => {
    if (!viewers || index >= viewers.clients) return;
    viewers.updates += 1;
    const newest = u.latest[0];
    if (newest) viewers.latency.record(Date.now() - newest.at);
  });
}

/** Runs `task` over `items` with at most `concurrency` at once. */
async function pool<T>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i] as T, i);
      }
    }),
  );
}

const connected = () => slots.filter((s): s is Required<Slot> => s.client?.isOpen() === true);

function first(): BenchClient {
  const client = slots[0]?.client;
  if (!client) throw new Error('no connected client in this worker');
  return client;
}

/** One chat phase from the sender: open loop on a fixed schedule, or closed loop (next after each ack). */
async function sendChat(args: { phase: Phase; rate: number; durationMs: number; max: number }): Promise<SendReport> {
  const client = first();
  const { phase } = args;
  const ack = new Histogram();
  const report: SendReport = { sent: 0, acked: 0, failed: 0, firstError: null, durationMs: 0, ack: ack.toJSON() };
  const send = async (index: number) => {
    const sentAt = now();
    report.sent += 1;
    try {
      const a = await client.request<Ack<unknown>>(
        'chat:send',
        {
          conversationId: BENCH_CONVERSATION,
          clientId: `b${phase[0]}${String(index).padStart(8, '0')}`,
          text: chatText(phase, index, sentAt),
        },
        ACK_TIMEOUT_MS,
      );
      if (!a.ok) throw new Error(`${a.error.code}: ${a.error.message}`);
      report.acked += 1;
      ack.record(now() - sentAt);
    } catch (err) {
      report.failed += 1;
      report.firstError ??= String(err);
    }
  };
  const max = Math.min(args.max, MAX_CHAT_MESSAGES);
  const start = now();
  if (phase === 'open') {
    // Sends are due on a fixed schedule, whatever the acks do.
    const total = Math.min(max, Math.round((args.rate * args.durationMs) / 1000));
    const interval = 1000 / args.rate;
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const wait = start + i * interval - now();
      if (wait > 1) await sleep(wait);
      inFlight.push(send(i));
    }
    await Promise.all(inFlight);
  } else {
    const deadline = start + args.durationMs;
    for (let i = 0; i < max && now() < deadline; i++) await send(i);
  }
  report.durationMs = now() - start;
  report.ack = ack.toJSON();
  return report;
}

async function press(command: 'pomodoro:press' | 'pomodoro:reset') {
  const sentAt = now();
  const a = await first().request<Ack<{ version: number }>>(command, {}, ACK_TIMEOUT_MS);
  if (!a.ok) throw new Error(`${command}: ${a.error.code} ${a.error.message}`);
  return { version: a.data.version, sentAt, ackMs: now() - sentAt };
}

async function clickers(args: { players: number; durationMs: number; perSecond: number; flushMs: number }) {
  const players = connected().slice(0, args.players);
  const ack = new Histogram();
  const report: ClickReport = {
    players: players.length,
    sent: 0,
    clicks: 0,
    credited: 0,
    discarded: 0,
    failed: 0,
    firstError: null,
    ack: ack.toJSON(),
  };
  const start = now();
  const end = start + args.durationMs;
  const perFlush = (args.perSecond * args.flushMs) / 1000;
  await Promise.all(
    players.map(async ({ client }) => {
      // Players start spread over one flush interval, as real people do.
      await sleep(Math.random() * args.flushMs);
      let owed = 0;
      let next = now();
      while (next < end) {
        owed += perFlush;
        const count = Math.floor(owed);
        owed -= count;
        if (count > 0) {
          const sentAt = now();
          report.sent += 1;
          report.clicks += count;
          try {
            const a = await client.request<Ack<{ credited: number; discarded: number }>>(
              'clicker:click',
              { count },
              ACK_TIMEOUT_MS,
            );
            if (!a.ok) throw new Error(`${a.error.code}: ${a.error.message}`);
            report.credited += a.data.credited;
            report.discarded += a.data.discarded;
            ack.record(now() - sentAt);
          } catch (err) {
            report.failed += 1;
            report.firstError ??= String(err);
          }
        }
        next += args.flushMs;
        const wait = next - now();
        if (wait > 0) await sleep(wait);
      }
    }),
  );
  report.ack = ack.toJSON();
  return report;
}

async function ingest(args: {
  durationMs: number;
  batch: number;
  concurrency: number;
  perSecond?: number;
  ownerToken?: string;
}) {
  let token = 'floor';
  if (target === 'huddle') {
    // The device token is for admins: read it in a tab of the space's owner, then close that tab.
    const owner = await connectClient(target, url, 'owner', args.ownerToken);
    try {
      const a = await owner.request<Ack<{ token: string }>>('sensor:token', {}, ACK_TIMEOUT_MS);
      if (!a.ok) throw new Error(`sensor:token: ${a.error.code}`);
      token = a.data.token;
    } finally {
      owner.close();
    }
  }
  const endpoint = `${url}/api/spaces/${BENCH_SPACE}/sensors/${BENCH_SENSOR}/readings`;
  const latency = new Histogram();
  const report: IngestReport = {
    requests: 0,
    stored: 0,
    rejected: 0,
    failed: 0,
    firstError: null,
    durationMs: 0,
    latency: latency.toJSON(),
  };
  const start = now();
  const end = start + args.durationMs;
  // Paced (a device at a fixed rate) when perSecond is given, else as fast as responses allow.
  const interval = args.perSecond ? (1000 * args.batch) / args.perSecond : 0;
  let due = start;
  await Promise.all(
    Array.from({ length: args.concurrency }, async () => {
      while (now() < end) {
        if (interval) {
          const wait = due - now();
          due += interval;
          if (wait > 1) await sleep(wait);
          if (now() >= end) break;
        }
        const at = Date.now();
        const readings = Array.from({ length: args.batch }, (_, i) => ({
          humidity: 30 + ((i * 7) % 30),
          temperature: 65 + ((i * 3) % 15),
          at: at - (args.batch - 1 - i),
        }));
        const sentAt = now();
        report.requests += 1;
        try {
          const res = await fetch(endpoint, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify(args.batch === 1 ? readings[0] : { readings }),
          });
          const body = (await res.json()) as { stored?: number };
          if (res.status === 429) {
            report.rejected += 1;
            await sleep(100);
          } else if (res.status !== 201) {
            throw new Error(`HTTP ${res.status} ${JSON.stringify(body)}`);
          } else {
            report.stored += body.stored ?? 0;
            latency.record(now() - sentAt);
          }
        } catch (err) {
          report.failed += 1;
          report.firstError ??= String(err);
          await sleep(100);
        }
      }
    }),
  );
  report.durationMs = now() - start;
  report.latency = latency.toJSON();
  return report;
}

async function handle(req: Request): Promise<unknown> {
  switch (req.cmd) {
    case 'prepare': {
      target = req.target;
      url = req.url;
      // Slot i is a tab of user i mod users: every user's first tab comes before anyone's second.
      const users = Math.max(1, Math.min(req.users, req.count));
      slots = Array.from({ length: req.count }, (_, i) => ({ name: `${req.prefix}-${i % users}` }));
      const started = now();
      if (target === 'huddle') {
        const tokens: string[] = [];
        await pool(slots.slice(0, users), 20, async (slot, i) => {
          tokens[i] = (await joinHuddle(url, slot.name)).token;
        });
        slots.forEach((slot, i) => {
          slot.token = tokens[i % users];
        });
      }
      return { ms: now() - started };
    }
    case 'connect': {
      const started = now();
      let failed = 0;
      let firstError: string | null = null;
      const upTo = Math.min(req.upTo ?? slots.length, slots.length);
      const waiting = slots
        .slice(0, upTo)
        .map((slot, index) => ({ slot, index }))
        .filter(({ slot }) => !slot.client);
      await pool(waiting, req.concurrency, async ({ slot, index }) => {
        try {
          slot.client = await connectClient(target, url, slot.name, slot.token);
          listen(slot.client, index);
        } catch (err) {
          failed += 1;
          firstError ??= String(err);
        }
      });
      return { ms: now() - started, connected: connected().length, failed, firstError };
    }
    case 'close': {
      for (const slot of slots) slot.client?.close();
      slots = [];
      return null;
    }
    case 'drops':
      return { count: drops.count, reasons: Object.fromEntries(drops.reasons) };
    case 'chat-start':
      chat = { open: new ChatReception(slots.length), closed: new ChatReception(slots.length) };
      return null;
    case 'chat-report':
      return chat ? { open: chat.open.report(), closed: chat.closed.report() } : null;
    case 'chat-send':
      return sendChat(req);
    case 'press':
      return press(req.command);
    case 'viewers-start':
      viewers = { updates: 0, latency: new Histogram(), clients: req.count };
      return null;
    case 'viewers-report': {
      const r: ViewerReport = viewers
        ? {
            viewers: Math.min(viewers.clients, connected().length),
            updates: viewers.updates,
            latency: viewers.latency.toJSON(),
          }
        : { viewers: 0, updates: 0, latency: new Histogram().toJSON() };
      viewers = undefined;
      return r;
    }
    case 'click':
      return clickers(req);
    case 'ingest':
      return ingest(req);
  }
}

process.on('message', (req: Request) => {
  handle(req).then(
    (result) => process.send?.({ id: req.id, result }),
    (err: unknown) => process.send?.({ id: req.id, error: String(err instanceof Error ? (err.stack ?? err) : err) }),
  );
});
process.on('disconnect', () => process.exit(0));
