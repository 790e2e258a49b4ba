// A hostile client in its own process (so its sending never slows the measuring client): one socket at a
// time sends unknown events and valid commands as fast as it can until the server ends it, then a new
// socket starts again, for a while; then it prints what it got back as one JSON line. Run by
// socket-budget.test.ts: node --import tsx packet-flooder.ts '<json>'.
import { PROTOCOL_VERSION } from '@huddle/protocol';
import { io, type Socket } from 'socket.io-client';

interface Options {
  url: string;
  token: string;
  ip: string;
  durationMs: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
/** Packets sent before letting the event loop turn (acks come back in between). */
const BATCH = 200;

const answers: Record<string, number> = {};
const disconnects: Record<string, number> = {};
/** Per socket: packets sent, and how long it lasted from its first packet to its end. */
const sockets: { sent: number; accepted: number; ms: number }[] = [];
const count = (into: Record<string, number>, key: string) => {
  into[key] = (into[key] ?? 0) + 1;
};

type Raw = { emit(event: string, ...args: unknown[]): void };

async function floodOnce(until: number): Promise<void> {
  const socket: Socket = io(options.url, {
    auth: { token: options.token, protocolVersion: PROTOCOL_VERSION },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { 'x-forwarded-for': options.ip },
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const stats = { sent: 0, accepted: 0, ms: 0 };
  sockets.push(stats);
  const started = performance.now();
  let ended = false;
  const end = new Promise<void>((resolve) =>
    socket.once('disconnect', (reason) => {
      ended = true;
      count(disconnects, reason);
      resolve();
    }),
  );
  const raw = socket as unknown as Raw;
  const ack = (result: { ok: boolean; error?: { code: string } }) => {
    if (result.ok) stats.accepted += 1;
    count(answers, result.ok ? 'ok' : (result.error?.code ?? 'error'));
  };
  while (!ended && performance.now() < until) {
    for (let i = 0; i < BATCH; i += 1) {
      stats.sent += 1;
      // Three unknown events for each valid command; every packet asks for an answer.
      if (i % 4 === 3) raw.emit('clock:sync', {}, ack);
      else raw.emit(`no-such:event-${i % 7}`, { junk: i }, ack);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  stats.ms = Math.round(performance.now() - started);
  if (!ended) socket.disconnect();
  await end;
}

const until = performance.now() + options.durationMs;
let refusedHandshakes = 0;
while (performance.now() < until) {
  try {
    await floodOnce(until);
  } catch {
    refusedHandshakes += 1;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
process.stdout.write(`${JSON.stringify({ answers, disconnects, sockets, refusedHandshakes })}\n`);
process.exit(0);
