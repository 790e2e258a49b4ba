// One member in its own process using every operation it is allowed, at its limit, all at once, for a
// while; then prints what it got back as one JSON line. Run by cost-flood.test.ts:
// node --import tsx cost-flooder.ts '<json>'.
import http from 'node:http';
import { PROTOCOL_VERSION } from '@huddle/protocol';
import { io, type Socket } from 'socket.io-client';

interface Options {
  url: string;
  /** The member's session token. */
  token: string;
  /** The space's device token and where a device posts (the owner handed them over). */
  ingestToken: string;
  ingestPath: string;
  /** Path of the 24 h CSV of the sensor holding a big history. */
  csvPath: string;
  bigSensor: string;
  ip: string;
  durationMs: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const deadline = Date.now() + options.durationMs;
const running = () => Date.now() < deadline;
const sleep = (ms: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(ms, deadline - Date.now()))));

const outcomes: Record<string, Record<string, number>> = {};
const count = (what: string, outcome: string, n = 1) => {
  outcomes[what] ??= {};
  const byOutcome = outcomes[what] as Record<string, number>;
  byOutcome[outcome] = (byOutcome[outcome] ?? 0) + n;
};

function connect(): Promise<Socket> {
  const socket = io(options.url, {
    auth: { token: options.token, protocolVersion: PROTOCOL_VERSION },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { 'x-forwarded-for': options.ip },
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => {
      socket.disconnect();
      reject(err);
    });
  });
}

type Acked = { ok: boolean; error?: { code: string } };
const emit = (socket: Socket, event: string, payload: unknown) =>
  (socket.timeout(10_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<Acked> })
    .emitWithAck(event, payload)
    .then(
      (ack) => (ack.ok ? 'ok' : (ack.error?.code ?? 'error')),
      () => 'no answer',
    );

const inFlight = new Set<Promise<unknown>>();
const track = (p: Promise<unknown>) => {
  inFlight.add(p);
  void p.finally(() => inFlight.delete(p));
};
const timers: ReturnType<typeof setInterval>[] = [];
const every = (ms: number, work: () => void) => timers.push(setInterval(() => running() && work(), ms));

/** A GET on a connection of its own, read to the end as fast as it comes: [status, bytes, Retry-After]. */
function download(path: string): Promise<[number, number, number]> {
  return new Promise((resolve) => {
    const req = http.get(
      `${options.url}${path}`,
      { agent: false, headers: { authorization: `Bearer ${options.token}`, 'x-forwarded-for': options.ip } },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        res.on('end', () => resolve([res.statusCode ?? 0, bytes, Number(res.headers['retry-after'] ?? 0)]));
        res.on('error', () => resolve([res.statusCode ?? 0, bytes, 0]));
      },
    );
    req.on('error', () => resolve([0, 0, 0]));
  });
}

const main = await connect();

// Bulk ingest: batches of 1,000 readings as fast as they are accepted, waiting out each Retry-After.
async function ingest() {
  while (running()) {
    const now = Date.now();
    const readings = Array.from({ length: 1000 }, (_, i) => ({
      humidity: 40 + (i % 20),
      temperature: 70,
      at: now - i,
    }));
    const res = await fetch(`${options.url}${options.ingestPath}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${options.ingestToken}`,
        'x-forwarded-for': options.ip,
      },
      body: JSON.stringify({ readings }),
    }).catch(() => null);
    count('ingest batches', String(res?.status ?? 'no answer'));
    if (res?.status === 201) count('ingest readings', 'stored', readings.length);
    if (res?.status === 429) await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
    await res?.arrayBuffer().catch(() => {});
  }
}

// CSV exports of the big history, one after the other as the rate allows, read as fast as they come.
async function exports() {
  while (running()) {
    const [status, bytes, retryAfter] = await download(options.csvPath);
    count('csv exports', String(status));
    if (status === 200) count('csv bytes', 'read', bytes);
    if (status === 429) await sleep(retryAfter * 1000);
  }
}

// Reconnect churn: a second tab connecting and leaving again, one handshake after the other.
async function churn() {
  while (running()) {
    try {
      const socket = await connect();
      count('reconnects', 'connected');
      socket.disconnect();
    } catch (err) {
      count('reconnects', (err as { data?: { code?: string } }).data?.code ?? 'refused');
      await sleep(50);
    }
  }
}

// A tab that never reads: its TCP socket paused once connected, while the space's broadcasts go on.
const deaf = await connect();
(deaf.io.engine.transport as unknown as { ws?: { _socket?: { pause(): void } } }).ws?._socket?.pause();
count('never-reading socket', 'connected');

const work = [ingest(), exports(), churn()];
// 24 h history: more than the read class's burst at once, then above its steady rate (5 a second).
const history = () =>
  track(
    emit(main, 'sensor:history', { sensorId: options.bigSensor, range: '24h' }).then((o) =>
      count('sensor:history 24h', o),
    ),
  );
for (let i = 0; i < 40; i += 1) history();
every(150, history);
// A second CSV while one runs: refused.
every(1000, () => track(download(options.csvPath).then(([status]) => count('csv while another runs', String(status)))));
// Events the server has no handler for.
every(10, () => track(emit(main, 'no:such-event', {}).then((o) => count('unknown events', o))));
// Frames of (just under) 64 KB: the largest a socket may send.
const big = 'x'.repeat(63 * 1024);
every(100, () =>
  track(
    emit(main, 'chat:send', { conversationId: 'c:general', clientId: `big-${Date.now()}`, text: big }).then((o) =>
      count('64 KB frames', o),
    ),
  ),
);

await Promise.all(work);
for (const t of timers) clearInterval(t);
await Promise.allSettled([...inFlight]);
count('never-reading socket', deaf.connected ? 'still connected' : 'disconnected by the server');
deaf.disconnect();
main.disconnect();
process.stdout.write(`${JSON.stringify({ outcomes })}\n`);
process.exit(0);
