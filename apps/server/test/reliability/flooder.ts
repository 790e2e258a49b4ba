// A hostile client in its own process (so its sending never slows the measuring clients): floods every
// command class, the join endpoint and the ingest endpoint at 10× their limits for a while, then prints
// what it got back as one JSON line. Run by flood.test.ts: node --import tsx flooder.ts '<json>'.
import { type CommandName, commands, PROTOCOL_VERSION } from '@huddle/protocol';
import { io } from 'socket.io-client';
import { HTTP_RATES } from '../../src/http/rate-limit.js';
import { COMMAND_RATES } from '../../src/io/command-limits.js';

interface Options {
  url: string;
  token: string;
  ingestPath: string;
  ingestToken: string;
  space: string;
  ip: string;
  durationMs: number;
  factor: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const payloads: Partial<Record<CommandName, () => unknown>> = {
  'chat:send': () => ({
    conversationId: 'c:general',
    clientId: `flood-${Math.random().toString(36).slice(2, 12)}`,
    text: 'spam',
  }),
  'chat:typing': () => ({ conversationId: 'c:general' }),
  'chat:history': () => ({ conversationId: 'c:general', limit: 10 }),
  'pomodoro:press': () => ({}),
  'sensor:random': () => ({ count: 1 }),
  'clicker:click': () => ({ count: 1 }),
  'clock:sync': () => ({}),
  // The membership class: a device link is a row, with no broadcast to the others.
  'session:link-device': () => ({}),
};

const outcomes: Record<string, Record<string, number>> = {};
const count = (what: string, outcome: string) => {
  outcomes[what] ??= {};
  const byOutcome = outcomes[what] as Record<string, number>;
  byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
};

const socket = io(options.url, {
  auth: { token: options.token, protocolVersion: PROTOCOL_VERSION },
  transports: ['websocket'],
  reconnection: false,
  extraHeaders: { 'x-forwarded-for': options.ip },
});
await new Promise<void>((resolve, reject) => {
  socket.once('connect', resolve);
  socket.once('connect_error', reject);
});

const timers: ReturnType<typeof setInterval>[] = [];
const inFlight = new Set<Promise<unknown>>();
const track = (p: Promise<unknown>) => {
  inFlight.add(p);
  void p.finally(() => inFlight.delete(p));
};

for (const [name, payload] of Object.entries(payloads) as [CommandName, () => unknown][]) {
  const perSecond = COMMAND_RATES[commands[name].rateClass].perSecond * options.factor;
  timers.push(
    setInterval(() => {
      track(
        (
          socket.timeout(10_000) as unknown as {
            emitWithAck(n: string, p: unknown): Promise<{ ok: boolean; error?: { code: string } }>;
          }
        )
          .emitWithAck(name, payload())
          .then(
            (ack) => count(name, ack.ok ? 'ok' : (ack.error?.code ?? 'error')),
            () => count(name, 'no answer'),
          ),
      );
    }, 1000 / perSecond),
  );
}

const http = (what: string, path: string, init: () => RequestInit, perSecond: number) =>
  timers.push(
    setInterval(() => {
      const { headers, ...rest } = init();
      track(
        fetch(`${options.url}${path}`, {
          ...rest,
          headers: { ...(headers as Record<string, string>), 'x-forwarded-for': options.ip },
        }).then(
          (res) => count(what, String(res.status)),
          () => count(what, 'no answer'),
        ),
      );
    }, 1000 / perSecond),
  );
let joins = 0;
http(
  'POST /api/sessions',
  '/api/sessions',
  () => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ space: options.space, name: `Flood ${++joins}`, create: { visibility: 'open' } }),
  }),
  HTTP_RATES.sessions.perSecond * options.factor,
);
http(
  'POST ingest',
  options.ingestPath,
  () => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.ingestToken}` },
    body: JSON.stringify({ humidity: 50, temperature: 70 }),
  }),
  HTTP_RATES.ingest.perSecond * options.factor,
);

await new Promise((resolve) => setTimeout(resolve, options.durationMs));
for (const t of timers) clearInterval(t);
await Promise.allSettled([...inFlight]);
socket.disconnect();
process.stdout.write(`${JSON.stringify({ outcomes })}\n`);
process.exit(0);
