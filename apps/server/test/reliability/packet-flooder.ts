// A hostile client in its own process (so its sending never slows the measuring clients): one socket at a
// time floods the server with packets until the server ends it, then, half a second later, a new socket
// starts again, for a while; then it prints what it got back as one JSON line. Run by socket-budget.test.ts:
// node --import tsx packet-flooder.ts '<json>'.
//
// Most packets are written as pre-built WebSocket frames, 200 in one write, the way a cheap
// attacker would: it costs the flooder almost nothing and the server a parse each. Alongside, packets
// sent through Socket.IO with an ack (unknown events and clock:sync) count the server's answers.
import type { Socket as TcpSocket } from 'node:net';
import { PROTOCOL_VERSION } from '@huddle/protocol';
import { io, type Socket } from 'socket.io-client';

interface Options {
  url: string;
  token: string;
  ip: string;
  durationMs: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const FRAMES_PER_WRITE = 200;
const ACKED_PER_WRITE = 20;
const RECONNECT_AFTER_MS = 500;

/** One client-to-server WebSocket text frame, masked (as the protocol requires) with a zero key. */
function frame(text: string): Buffer {
  const payload = Buffer.from(text);
  const header =
    payload.length < 126
      ? Buffer.from([0x81, 0x80 | payload.length])
      : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, Buffer.alloc(4), payload]);
}

// Engine.IO message (4) carrying a Socket.IO event (2), without an ack id: the server answers nothing.
const junk = Buffer.concat(
  Array.from({ length: FRAMES_PER_WRITE }, (_, i) =>
    frame(i % 4 === 3 ? '42["clock:sync",{}]' : `42["no-such:event-${i % 7}",{"junk":${i}}]`),
  ),
);

const answers: Record<string, number> = {};
const disconnects: Record<string, number> = {};
/** Per socket: packets sent, answers other than a refusal, and how long it lasted. */
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
  const tcp = (socket.io.engine.transport as unknown as { ws: { _socket: TcpSocket } }).ws._socket;
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
    if (result.ok || result.error?.code !== 'RATE_LIMITED') stats.accepted += 1;
    count(answers, result.ok ? 'ok' : (result.error?.code ?? 'error'));
  };
  while (!ended && performance.now() < until) {
    for (let i = 0; i < ACKED_PER_WRITE; i += 1) {
      if (i % 2) raw.emit('clock:sync', {}, ack);
      else raw.emit('no-such:event', { junk: i }, ack);
    }
    stats.sent += ACKED_PER_WRITE + FRAMES_PER_WRITE;
    // As fast as the server takes them: a full TCP buffer waits for the server to read.
    if (!tcp.write(junk)) await Promise.race([new Promise((resolve) => tcp.once('drain', resolve)), end]);
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
  }
  await new Promise((resolve) => setTimeout(resolve, RECONNECT_AFTER_MS));
}
process.stdout.write(`${JSON.stringify({ answers, disconnects, sockets, refusedHandshakes })}\n`);
process.exit(0);
