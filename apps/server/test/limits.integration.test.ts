import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect as tcpConnect } from 'node:net';
import { ErrorCode, PROTOCOL_VERSION, ServerEvent } from '@huddle/protocol';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectRecorded,
  createPgDatabase,
  join,
  removeRedisKeys,
  send,
  sendRaw,
  type TestClient,
  uniqueSpace,
  useTestServers,
} from './helpers.js';

const REDIS_URL = process.env.HUDDLE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const servers = useTestServers();
/** The limits as configured in production (the other test files run at 100×). */
const PRODUCTION_SCALE = { rateLimitScale: 1 };
// The limits as the README promises them, written out: a test that read the product's constants would
// follow them wherever they were moved.
const MAX_SENSORS_PER_SPACE = 20;
const SPACE_INGEST_BURST = 20;
const SPACE_INGEST_RATE = 10;
const HTTP_RATES = {
  sessions: { burst: 20, perSecond: 0.5 },
  ingest: { burst: 50, perSecond: 20 },
};
const CLOCK_COMMANDS = { burst: 10, perSecond: 1 };
const HANDSHAKES = { burst: 60, perSecond: 10 };
const READ_COMMANDS = { burst: 30, perSecond: 5 };

/** A distinct client address per call: the server trusts X-Forwarded-For from loopback (nginx). */
let addressCounter = 0;
const freshAddress = () => {
  addressCounter += 1;
  return `198.51.${Math.floor(addressCounter / 250)}.${(addressCounter % 250) + 1}`;
};

function signIn(url: string, address: string, space: string, name: string, body?: string) {
  return fetch(`${url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
    body: body ?? JSON.stringify({ space, name, create: { visibility: 'open' } }),
  });
}

function ingest(url: string, space: string, sensorId: string, token: string | undefined, address: string) {
  return fetch(`${url}/api/spaces/${space}/sensors/${sensorId}/readings`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-forwarded-for': address,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ humidity: 40, temperature: 70 }),
  });
}

async function member(url: string, space: string, name: string) {
  const grant = await join(url, space, name);
  const tab = servers.track(await connectRecorded(url, grant.token));
  const board = await tab.events.next(ServerEvent.SensorBoard);
  return { ...tab, grant, board };
}

async function ingestToken(socket: TestClient): Promise<string> {
  const ack = await send(socket, 'sensor:token', {});
  if (!ack.ok) throw new Error(ack.error.message);
  return ack.data.token;
}

/** A 429 that says when to come back: Retry-After in whole seconds, matching the body's retryAfterMs. */
async function expectRetryAfter(res: Response) {
  expect(res.status).toBe(429);
  const body = (await res.json()) as { error: { code: string; retryAfterMs?: number } };
  expect(body.error.code).toBe(ErrorCode.RateLimited);
  expect(body.error.retryAfterMs).toBeGreaterThan(0);
  const header = res.headers.get('retry-after');
  expect(header).toMatch(/^\d+$/);
  expect(Number(header)).toBe(Math.max(1, Math.ceil((body.error.retryAfterMs as number) / 1000)));
  return Number(header);
}

/**
 * `n` requests sent at once, their answers, and how many of them a bucket refilling at `perSecond` can
 * have let through beyond its burst while they ran (the machine may be slow: this is measured, not assumed).
 */
async function volley<T>(n: number, perSecond: number, request: (i: number) => Promise<T>) {
  const start = performance.now();
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => request(i)));
  return { answers, refilled: Math.floor(((performance.now() - start) / 1000) * perSecond) + 1 };
}

/** The status line of a request whose headers are sent and whose body never is. */
async function statusWithoutBody(port: number, head: string): Promise<number> {
  const socket = tcpConnect(port, '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  try {
    socket.write(head);
    socket.setEncoding('utf8');
    for await (const chunk of socket) {
      received += chunk;
      if (received.includes('\r\n')) break;
    }
  } finally {
    socket.destroy();
  }
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1]);
}

describe('20 sensors per space', () => {
  it('refuses a 21st sensor with 409 over HTTP and CONFLICT over the socket, storing nothing for it', async () => {
    const { url } = await servers.start();
    const space = uniqueSpace('sensors');
    const ana = await member(url, space, 'Ana');
    const token = await ingestToken(ana.socket);
    const address = freshAddress();
    const max = MAX_SENSORS_PER_SPACE;

    // 19 by device (the space's ingest burst is 20: one request stays for the 21st), the 20th by command.
    for (let i = 1; i < max; i += 1) expect((await ingest(url, space, `s${i}`, token, address)).status).toBe(201);
    expect(await send(ana.socket, 'sensor:random', { sensorId: `s${max}`, count: 1 })).toMatchObject({ ok: true });

    const byCommand = await send(ana.socket, 'sensor:random', { sensorId: 'one-too-many', count: 10 });
    expect(byCommand).toMatchObject({ ok: false, error: { code: ErrorCode.Conflict, field: 'sensorId' } });
    const byDevice = await ingest(url, space, 'one-too-many', token, address);
    expect(byDevice.status).toBe(409);
    expect(await byDevice.json()).toMatchObject({ error: { code: ErrorCode.Conflict, field: 'sensorId' } });

    const history = await send(ana.socket, 'sensor:history', { sensorId: 'one-too-many', range: '5m' });
    expect(history).toMatchObject({ ok: true, data: { points: [] } });
    const board = (await member(url, space, 'Bo')).board;
    expect(board.sensors.map((s) => s.sensorId).sort()).toEqual(
      Array.from({ length: max }, (_, i) => `s${i + 1}`).sort(),
    );
    expect(board.sensors.map((s) => s.total)).toEqual(Array(max).fill(1));
  });
});

describe('HTTP rate limits per address', () => {
  it('answers sign-ins over the limit with 429 and Retry-After, per address (X-Forwarded-For from the proxy)', async () => {
    const { url } = await servers.start(PRODUCTION_SCALE);
    const space = uniqueSpace('signins');
    const crowded = freshAddress();
    const { burst, perSecond } = HTTP_RATES.sessions;
    const { answers, refilled } = await volley(burst + 10, perSecond, (i) => signIn(url, crowded, space, `User${i}`));
    const admitted = answers.filter((r) => r.status === 201).length;
    expect(admitted).toBeGreaterThanOrEqual(burst);
    expect(admitted).toBeLessThanOrEqual(burst + refilled);
    const refused = answers.filter((r) => r.status !== 201);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      // 1 sign-in every 2 s: the wait is at most that.
      expect(await expectRetryAfter(r)).toBeLessThanOrEqual(Math.ceil(1 / perSecond));
    }
    // Revoking is counted with signing in.
    await expectRetryAfter(
      await fetch(`${url}/api/sessions/revoke`, { method: 'POST', headers: { 'x-forwarded-for': crowded } }),
    );
    // Another address behind the same proxy has its own allowance.
    expect((await signIn(url, freshAddress(), space, 'Elsewhere')).status).toBe(201);
  });

  it('checks the limit before reading the body: broken, oversized or never-sent bodies get 429, not 400 or 413', async () => {
    // A sign-in bucket of 1 that refills once in 40 s: nothing refills while this test runs.
    const { url, address } = await servers.start({ rateLimitScale: 0.05 });
    const space = uniqueSpace('before-parse');
    const crowded = freshAddress();
    expect((await signIn(url, crowded, space, 'First')).status).toBe(201);

    await expectRetryAfter(await signIn(url, crowded, space, '', '{"space": '));
    await expectRetryAfter(await signIn(url, crowded, space, '', JSON.stringify({ space, name: 'x'.repeat(100_000) })));
    // A 10 MB body announced and never sent: answered at once, so not a byte of it was waited for.
    const head =
      `POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: ${crowded}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n';
    expect(await statusWithoutBody(address.port, head)).toBe(429);
    // The same bodies within the limit reach the parser, which refuses them.
    expect((await signIn(url, freshAddress(), space, '', '{"space": ')).status).toBe(400);
    expect(
      (await signIn(url, freshAddress(), space, '', JSON.stringify({ space, name: 'x'.repeat(100_000) }))).status,
    ).toBe(413);
  });

  it('limits device ingest per address before the token is checked, and per space after it, both with Retry-After', async () => {
    const { url } = await servers.start(PRODUCTION_SCALE);
    const space = uniqueSpace('ingest');
    const ana = await member(url, space, 'Ana');
    const token = await ingestToken(ana.socket);

    // Per address: tokenless requests are refused with 401 until the address is over its limit, then 429.
    // Four times the burst at once: over its refill rate even if they took the server a few seconds.
    const stranger = freshAddress();
    const answers = await Promise.all(
      Array.from({ length: 4 * HTTP_RATES.ingest.burst }, () => ingest(url, space, 'desk', undefined, stranger)),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(HTTP_RATES.ingest.burst);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    const refused = answers.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) await expectRetryAfter(r);

    // Per space (the ingest token's space), whatever the address: a burst of 20, then 10 a second.
    const perSpace = await volley(SPACE_INGEST_BURST + 40, SPACE_INGEST_RATE, () =>
      ingest(url, space, 'desk', token, freshAddress()),
    );
    const stored = perSpace.answers.filter((r) => r.status === 201).length;
    expect(stored).toBeGreaterThanOrEqual(SPACE_INGEST_BURST);
    expect(stored).toBeLessThanOrEqual(SPACE_INGEST_BURST + perSpace.refilled);
    const tooFast = perSpace.answers.filter((r) => r.status !== 201);
    expect(tooFast.length).toBeGreaterThan(0);
    for (const r of tooFast) await expectRetryAfter(r);
  });
});

/** How a handshake from `address` (X-Forwarded-For from the proxy) ends: "connected" or the refusal's code. */
function handshake(url: string, token: string, address: string): Promise<string> {
  const socket = io(url, {
    auth: { token, protocolVersion: PROTOCOL_VERSION },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { 'x-forwarded-for': address },
  });
  return new Promise<string>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => resolve(err.data?.code ?? err.message));
  }).finally(() => socket.disconnect());
}

describe('handshakes per address', () => {
  it('refuses a handshake flood RATE_LIMITED before any session is checked, and only for that address', async () => {
    const { url } = await servers.start(PRODUCTION_SCALE);
    const flooder = freshAddress();
    // A forged token: a handshake that gets past the rate is refused UNAUTHORIZED by the session check.
    const { answers, refilled } = await volley(HANDSHAKES.burst + 60, HANDSHAKES.perSecond, () =>
      handshake(url, 'forged-token', flooder),
    );
    const checked = answers.filter((a) => a === 'UNAUTHORIZED').length;
    const limited = answers.filter((a) => a === ErrorCode.RateLimited).length;
    expect(checked + limited, answers.join(' ')).toBe(answers.length);
    expect(checked).toBeGreaterThanOrEqual(HANDSHAKES.burst);
    expect(checked).toBeLessThanOrEqual(HANDSHAKES.burst + refilled);
    expect(limited).toBeGreaterThan(0);
    // A neighbour behind the same proxy has its own allowance, and its genuine session gets in.
    const grant = await join(url, uniqueSpace('handshakes'), 'Neighbour');
    expect(await handshake(url, grant.token, freshAddress())).toBe('connected');
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped address as the IPv4 one', async () => {
    // A handshake bucket of 1 that refills once in 6 s.
    const { url } = await servers.start({ rateLimitScale: 1 / HANDSHAKES.burst });
    const outcome = (address: string) => handshake(url, 'forged-token', address);
    expect(await outcome('2001:db8:1:2::1')).toBe('UNAUTHORIZED');
    expect(await outcome('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(ErrorCode.RateLimited);
    expect(await outcome('2001:db8:1:3::1')).toBe('UNAUTHORIZED');
    expect(await outcome('::ffff:198.51.100.77')).toBe('UNAUTHORIZED');
    expect(await outcome('198.51.100.77')).toBe(ErrorCode.RateLimited);
  });

  it('keys the HTTP per-address limits by /64 too', async () => {
    // A sign-in bucket of 1 that refills once in 40 s.
    const { url } = await servers.start({ rateLimitScale: 0.05 });
    const space = uniqueSpace('ipv6');
    expect((await signIn(url, '2001:db8:7:7::1', space, 'Ana')).status).toBe(201);
    await expectRetryAfter(await signIn(url, '2001:db8:7:7::2', space, 'Bo'));
    expect((await signIn(url, '2001:db8:7:8::1', space, 'Cy')).status).toBe(201);
  });
});

describe('command rate limits', () => {
  it('answers RATE_LIMITED with retryAfterMs, and counts malformed commands too (the limit comes before parsing)', async () => {
    const { url } = await servers.start(PRODUCTION_SCALE);
    const space = uniqueSpace('commands');
    const ana = await member(url, space, 'Ana');
    // Malformed commands first, then well-formed ones, sent together over one connection (in order).
    const { burst, perSecond } = CLOCK_COMMANDS;
    const { answers, refilled } = await volley(burst + 10, perSecond, (i) =>
      i < burst ? sendRaw(ana.socket, 'clock:sync', 'not an object') : send(ana.socket, 'clock:sync', {}),
    );
    const acks = answers as { ok: boolean; error?: { code: string; retryAfterMs?: number } }[];
    expect(acks.slice(0, burst).map((a) => a.error?.code)).toEqual(Array(burst).fill(ErrorCode.BadRequest));
    // The malformed ones spent the burst: of the well-formed ones only what refilled meanwhile passes.
    const wellFormed = acks.slice(burst);
    expect(wellFormed.filter((a) => a.ok).length).toBeLessThanOrEqual(refilled);
    const refused = wellFormed.filter((a) => !a.ok);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r).toMatchObject({ ok: false, error: { code: ErrorCode.RateLimited } });
      expect(r.error?.retryAfterMs).toBeGreaterThan(0);
      expect(r.error?.retryAfterMs).toBeLessThanOrEqual(1000 / perSecond);
    }
  });

  it('refuses a malformed command over the limit for its rate, before anything looks at its payload', async () => {
    // A clock bucket of 1 that refills once in 20 s: nothing refills while this test runs.
    const { url } = await servers.start({ rateLimitScale: 0.05 });
    const ana = await member(url, uniqueSpace('commands'), 'Ana');
    expect(await send(ana.socket, 'clock:sync', {})).toMatchObject({ ok: true });
    for (const payload of [{ junk: true }, 'not an object', null]) {
      expect(await sendRaw(ana.socket, 'clock:sync', payload)).toMatchObject({
        ok: false,
        error: { code: ErrorCode.RateLimited },
      });
    }
  });

  it('limits each class on its own, and each user on their own', async () => {
    const { url } = await servers.start(PRODUCTION_SCALE);
    const space = uniqueSpace('classes');
    const ana = await member(url, space, 'Ana');
    const bo = await member(url, space, 'Bo');
    const burst = CLOCK_COMMANDS.burst;
    const clock = await Promise.all(Array.from({ length: burst + 10 }, () => send(ana.socket, 'clock:sync', {})));
    expect(clock.at(-1)).toMatchObject({ ok: false, error: { code: ErrorCode.RateLimited } });

    // Ana's clock class is spent; her other classes, and Bo's clock, are whole.
    expect(await send(ana.socket, 'pomodoro:press', {})).toMatchObject({ ok: true });
    expect(await send(ana.socket, 'chat:history', { conversationId: 'c:general' })).toMatchObject({ ok: true });
    expect(await send(ana.socket, 'chat:typing', { conversationId: 'c:general' })).toMatchObject({ ok: true });
    expect(await send(ana.socket, 'clicker:click', { count: 1 })).toMatchObject({ ok: true });
    expect(await send(ana.socket, 'sensor:token', {})).toMatchObject({ ok: true });
    expect(await send(bo.socket, 'clock:sync', {})).toMatchObject({ ok: true });
  });
});

// Two nodes sharing PostgreSQL and Redis spend from one bucket per user, per address.
describe('rate limits across nodes', () => {
  let pg: Awaited<ReturnType<typeof createPgDatabase>>;
  const prefix = `huddle-test-limits-${process.pid}-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    pg = await createPgDatabase();
  });
  afterAll(async () => {
    await pg.drop();
    await removeRedisKeys(REDIS_URL, prefix);
  });

  async function twoNodes() {
    const node = (id: string) =>
      servers.start({
        ...PRODUCTION_SCALE,
        databaseUrl: pg.url,
        redis: { url: REDIS_URL, prefix, timeoutMs: 500 },
        nodeId: `${prefix}-${id}`,
      });
    return [await node('a'), await node('b')] as const;
  }

  it('tokens a user spends on one node are missing on the other', async () => {
    const [a, b] = await twoNodes();
    const space = uniqueSpace('nodes');
    const grant = await join(a.url, space, 'Ana');
    const onA = servers.track(await connectRecorded(a.url, grant.token));
    const onB = servers.track(await connectRecorded(b.url, grant.token));
    // The conversation list comes once the connection's setup has made the space's channel.
    await Promise.all([onA.events.next(ServerEvent.ChatConversations), onB.events.next(ServerEvent.ChatConversations)]);
    const { burst, perSecond } = READ_COMMANDS;
    const read = (socket: typeof onA.socket) => send(socket, 'chat:history', { conversationId: 'c:general' });

    // More than a burst: the last ones are refused, so the bucket was empty after them. It refills at the
    // rate from then on, at most since the volley started.
    const startedAt = performance.now();
    const spent = await Promise.all(Array.from({ length: burst + 10 }, () => read(onA.socket)));
    expect(spent.filter((a) => !a.ok && a.error.code !== ErrorCode.RateLimited)).toEqual([]);
    expect(spent.at(-1)).toMatchObject({ ok: false, error: { code: ErrorCode.RateLimited } });
    // With a bucket per node, all of these would pass; shared, only what refilled since can.
    const onOther = await Promise.all(Array.from({ length: burst }, () => read(onB.socket)));
    const refilled = Math.floor(((performance.now() - startedAt) / 1000) * perSecond) + 1;
    expect(onOther.filter((a) => a.ok).length).toBeLessThanOrEqual(refilled);
    expect(onOther.at(-1)).toMatchObject({ ok: false, error: { code: ErrorCode.RateLimited } });
  });

  it('limits clock:sync on each node (it never waits for Redis)', async () => {
    const [a, b] = await twoNodes();
    const grant = await join(a.url, uniqueSpace('nodes'), 'Ana');
    const onA = servers.track(await connectRecorded(a.url, grant.token));
    const onB = servers.track(await connectRecorded(b.url, grant.token));
    await Promise.all([onA.events.next(ServerEvent.Welcome), onB.events.next(ServerEvent.Welcome)]);
    const { burst } = CLOCK_COMMANDS;
    const onOne = await Promise.all(Array.from({ length: burst + 5 }, () => send(onA.socket, 'clock:sync', {})));
    expect(onOne.at(-1)).toMatchObject({ ok: false, error: { code: ErrorCode.RateLimited } });
    const onOther = await Promise.all(Array.from({ length: burst }, () => send(onB.socket, 'clock:sync', {})));
    expect(onOther.every((a) => a.ok)).toBe(true);
  });

  it('sign-ins an address spends on one node are missing on the other (429 with Retry-After)', async () => {
    const [a, b] = await twoNodes();
    const space = uniqueSpace('nodes');
    const crowded = freshAddress();
    const { burst, perSecond } = HTTP_RATES.sessions;
    const statuses = await Promise.all(
      Array.from({ length: burst }, (_, i) => signIn(a.url, crowded, space, `User${i}`).then((r) => r.status)),
    );
    expect(statuses).toEqual(Array(burst).fill(201));
    const emptiedAt = performance.now();
    const onOther = await Promise.all(Array.from({ length: 5 }, (_, i) => signIn(b.url, crowded, space, `Other${i}`)));
    const refilled = Math.floor(((performance.now() - emptiedAt) / 1000) * perSecond) + 1;
    expect(onOther.filter((r) => r.status === 201).length).toBeLessThanOrEqual(refilled);
    const refused = onOther.filter((r) => r.status !== 201);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) await expectRetryAfter(r);
  });
});
