import {
  type Ack,
  DEFAULT_CHANNEL,
  ErrorCode,
  PROTOCOL_VERSION,
  SENSOR_LIMITS,
  ServerEvent,
  type SessionGrant,
} from '@huddle/protocol';
import { io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHuddle } from '../../src/server.js';
import {
  type EventLog,
  join,
  nextPresenceChange,
  recordEvents,
  send,
  sendRaw,
  startTestServer,
  type TestClient,
  tempDir,
  uniqueSpace,
} from '../helpers.js';
import { ms, scenario } from './report.js';

/**
 * Payload limits (issue 7): a Socket.IO frame over the limit closes the connection that sent it and no
 * other, on WebSocket and on HTTP long-polling; an HTTP body over its limit gets a 413 JSON error.
 */

const report = scenario(import.meta.filename, {
  order: 45,
  title: 'Payload limits',
  setup:
    'One in-process server (SQLite). For each transport (WebSocket, HTTP long-polling) an offender sends ' +
    'a chat:send frame just under the Socket.IO limit, then just over it and 1 MiB, while two bystanders ' +
    '(one per transport) stay in the space; then HTTP bodies at and over the API and sensor-ingest limits.',
});
report.note(
  'Over WebSocket the ws library refuses the frame and closes with code 1009; over polling the POST that ' +
    'carries it is answered 413 and the client drops the transport. Either way only that connection ends.',
);

/** `express.json({ limit: '16kb' })` in app.ts. */
const API_BODY_LIMIT = 16 * 1024;
/** `INGEST_BODY_LIMIT = '2mb'` in sensor.routes.ts. */
const INGEST_BODY_LIMIT = 2 * 1024 * 1024;
/** Frames are measured with a margin: the packet header and ack id take a few bytes. */
const MARGIN = 256;
const GENERAL = `c:${DEFAULT_CHANNEL}`;

type Transport = 'websocket' | 'polling';

let server: RunningHuddle;
const data = tempDir('huddle-limits-');
let socketLimit = 0;
const opened: TestClient[] = [];
/** How long the server gets to close a connection, or to announce a change, on this busy machine. */
const WAIT_MS = 10_000;

beforeAll(async () => {
  server = await startTestServer({ dataDir: data.dir });
  socketLimit = server.app.io.engine.opts.maxHttpBufferSize ?? 0;
  expect(socketLimit).toBeGreaterThan(0);
  report.measured(
    'Socket.IO frame limit (maxHttpBufferSize)',
    `${bytesText(socketLimit)} (${socketLimit.toLocaleString('en')} bytes)`,
  );
});

afterEach(() => {
  for (const socket of opened.splice(0)) socket.disconnect();
});

afterAll(async () => {
  await server?.stop();
  data.remove();
});

interface Tab {
  socket: TestClient;
  events: EventLog;
  disconnects: string[];
  closed: Promise<string>;
  /** How the transport ended: the WebSocket close code, or the HTTP status of the failed poll. */
  transportEnd(): number | undefined;
}

async function openTab(grant: SessionGrant, transport: Transport): Promise<Tab> {
  const socket: TestClient = io(server.url, {
    auth: { token: grant.token, protocolVersion: PROTOCOL_VERSION },
    transports: [transport],
    reconnection: false,
    forceNew: true,
  });
  opened.push(socket);
  const events = recordEvents(socket);
  const disconnects: string[] = [];
  const closed = new Promise<string>((resolve) =>
    socket.on('disconnect', (reason) => {
      disconnects.push(reason);
      resolve(reason);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  let end: number | undefined;
  socket.io.engine.once('close', (_reason: string, details?: unknown) => {
    const d = details as { description?: unknown; context?: { code?: unknown } } | undefined;
    const value = transport === 'websocket' ? d?.context?.code : d?.description;
    end = typeof value === 'number' ? value : undefined;
  });
  return { socket, events, disconnects, closed, transportEnd: () => end };
}

/** `promise`'s value, or `fallback` if it has not settled after `timeoutMs`. */
async function within<T>(promise: Promise<T>, timeoutMs: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), timeoutMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A chat:send payload whose packet (event name, payload, ack id) is about `bytes` long. */
function chatOfFrame(bytes: number) {
  const empty = { conversationId: GENERAL, clientId: 'limit-probe-0001', text: '' };
  const overhead = Buffer.byteLength(`420["chat:send",${JSON.stringify(empty)}]`);
  return { ...empty, text: 'x'.repeat(bytes - overhead) };
}

const bytesText = (bytes: number) =>
  bytes >= 2 ** 20 ? `${+(bytes / 2 ** 20).toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`;

describe('the socket frame limit', () => {
  for (const transport of ['websocket', 'polling'] as const) {
    it(`over ${transport}, a frame over the limit closes the sender only; the others keep talking`, async () => {
      const space = uniqueSpace('limits');
      const [ana, bo, cy] = [
        await join(server.url, space, 'Ana'),
        await join(server.url, space, 'Bo'),
        await join(server.url, space, 'Cy'),
      ] as const;
      // Bystanders on both transports, whatever the offender uses.
      const bystanders = [await openTab(bo, 'websocket'), await openTab(cy, 'polling')];
      const presence = (kind: 'joined' | 'left') =>
        Promise.all(
          bystanders.map((b) =>
            nextPresenceChange(b.events, (c) => c.kind === kind && c.user.id === ana.user.id, WAIT_MS),
          ),
        );
      /** Ana's tab, once the server has set it up (a tab closed before that is never announced). */
      const arrive = async () => {
        const tab = await openTab(ana, transport);
        await presence('joined');
        return tab;
      };
      let seq = 0;

      // Just under the limit the frame is read, and the schema refuses the 65 KB message.
      const near = await arrive();
      const under = (await sendRaw(near.socket, 'chat:send', chatOfFrame(socketLimit - MARGIN))) as Ack<unknown>;
      const kept = near.socket.connected;
      report.asserted(
        `${transport}: frame of limit − ${MARGIN} B`,
        { under, kept },
        (got) =>
          expect(got, JSON.stringify(got)).toMatchObject({
            under: { ok: false, error: { code: ErrorCode.BadRequest, field: 'text' } },
            kept: true,
          }),
        under.ok
          ? 'accepted'
          : `read; the command refused by its schema (${under.error.code}, field ${under.error.field}); ` +
              `connection ${kept ? 'kept' : 'closed'}`,
      );
      near.socket.disconnect();
      await presence('left');

      for (const size of [socketLimit + MARGIN, 2 ** 20]) {
        const offender = await arrive();
        const sent = performance.now();
        (offender.socket as unknown as { emit(e: string, p: unknown): void }).emit('chat:send', chatOfFrame(size));
        const reason = await within(offender.closed, WAIT_MS, 'still open');
        const closedAfter = performance.now() - sent;
        // The server lets go of it too: the others see Ana leave.
        const left = await presence('left').then(
          () => true,
          () => false,
        );
        const releasedAfter = performance.now() - sent;

        // Nobody else was disconnected, and the space still talks.
        seq += 1;
        const text = `still here ${transport} ${seq}`;
        const said = await send(bystanders[0]?.socket as TestClient, 'chat:send', {
          conversationId: GENERAL,
          clientId: `limit-${transport}-${seq}-0000`,
          text,
        });
        const received = await Promise.all(
          bystanders.map((b) =>
            b.events
              .next(ServerEvent.ChatMessage, (m) => m.text === text, WAIT_MS)
              .then(
                () => b.socket.connected,
                () => false,
              ),
          ),
        );
        const outcome = {
          reason,
          transportEnd: offender.transportEnd(),
          left,
          bystanderDisconnects: bystanders.flatMap((b) => b.disconnects),
          said: said.ok,
          received: received.filter(Boolean).length,
          clockSync: (await send(bystanders[1]?.socket as TestClient, 'clock:sync', {})).ok,
          healthz: (await fetch(`${server.url}/healthz`)).status,
        };
        const how = transport === 'websocket' ? 'close code' : 'the POST answered';
        report.asserted(
          `${transport}: frame of ${size === 2 ** 20 ? '1 MiB' : `limit + ${MARGIN} B`}`,
          outcome,
          (got) =>
            expect(got, JSON.stringify(got)).toEqual({
              reason: transport === 'websocket' ? 'transport close' : 'transport error',
              // 1009: "message too big", from the ws library; 413 answers the poll that carried the frame.
              transportEnd: transport === 'websocket' ? 1009 : 413,
              left: true,
              bystanderDisconnects: [],
              said: true,
              received: bystanders.length,
              clockSync: true,
              healthz: 200,
            }),
          `sender ${reason === 'still open' ? `still open after ${ms(WAIT_MS)}` : `closed (${reason}, ${how} ${outcome.transportEnd}) after ${ms(closedAfter)}`}, ` +
            `${left ? `gone from the space after ${ms(releasedAfter)}` : 'still in the space'}; ` +
            `${outcome.received} of ${bystanders.length} bystanders connected and received the next message`,
        );
      }
    });
  }
});

describe('HTTP body limits', () => {
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  /** `{"pad":"xxx…"}` of exactly `bytes` bytes: valid JSON, refused by every schema. */
  const jsonOf = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes - '{"pad":""}'.length) });

  /** The status and the error code of a JSON error answer (or what came instead of JSON). */
  async function answerOf(res: Response): Promise<{ status: number; code: string }> {
    const type = res.headers.get('content-type') ?? '';
    if (!type.startsWith('application/json')) return { status: res.status, code: `not JSON (${type})` };
    const body = (await res.json()) as { error?: { code?: string; message?: unknown } };
    const code = typeof body.error?.message === 'string' ? (body.error.code ?? 'no code') : 'no error message';
    return { status: res.status, code };
  }
  const shown = (bytes: number, a: { status: number; code: string }) =>
    `${bytes.toLocaleString('en')} bytes → ${a.status} ${a.code}`;

  it('the API reads a body up to its limit and refuses a larger one with 413', async () => {
    const atLimit = await answerOf(await post('/api/sessions', jsonOf(API_BODY_LIMIT)));
    const over = await answerOf(await post('/api/sessions', jsonOf(API_BODY_LIMIT + 1)));
    report.asserted(
      'HTTP API body limit',
      { atLimit, over },
      (got) =>
        expect(got, JSON.stringify(got)).toEqual({
          // Read, and refused by the schema: the body got past the parser.
          atLimit: { status: 400, code: ErrorCode.BadRequest },
          over: { status: 413, code: ErrorCode.PayloadTooLarge },
        }),
      `${bytesText(API_BODY_LIMIT)}: ${shown(API_BODY_LIMIT, atLimit)}, ${shown(API_BODY_LIMIT + 1, over)}`,
    );
  });

  it('sensor ingest takes the largest batch, refuses a body over 2 MiB with 413, and reads nothing without a token', async () => {
    const space = uniqueSpace('limits');
    const ana = await join(server.url, space, 'Ana');
    const tab = await openTab(ana, 'websocket');
    const token = await send(tab.socket, 'sensor:token', {});
    if (!token.ok) throw new Error('no ingest token');
    const path = `/api/spaces/${space}/sensors/limits/readings`;
    const auth = { authorization: `Bearer ${token.data.token}` };

    const at = Date.now() - 60_000;
    const largest = JSON.stringify({
      readings: Array.from({ length: SENSOR_LIMITS.maxBatch }, (_, i) => ({
        humidity: 40.25,
        temperature: 70.5,
        at: at + i,
      })),
    });
    const stored = await post(path, largest, auth);
    const storedBody = (await stored.json()) as unknown;
    const atLimit = await answerOf(await post(path, jsonOf(INGEST_BODY_LIMIT), auth));
    const over = await answerOf(await post(path, jsonOf(INGEST_BODY_LIMIT + 1), auth));
    report.asserted(
      'Sensor ingest body limit',
      { largestBatch: { status: stored.status, body: storedBody }, atLimit, over },
      (got) =>
        expect(got, JSON.stringify(got)).toEqual({
          largestBatch: { status: 201, body: { stored: SENSOR_LIMITS.maxBatch } },
          atLimit: { status: 400, code: ErrorCode.BadRequest },
          over: { status: 413, code: ErrorCode.PayloadTooLarge },
        }),
      `${bytesText(INGEST_BODY_LIMIT)}: a ${SENSOR_LIMITS.maxBatch.toLocaleString('en')}-reading batch ` +
        `(${bytesText(Buffer.byteLength(largest))}) → ${stored.status} ${JSON.stringify(storedBody)}; ` +
        `${shown(INGEST_BODY_LIMIT, atLimit)}; ${shown(INGEST_BODY_LIMIT + 1, over)}`,
    );

    const started = performance.now();
    const stranger = await answerOf(await post(path, jsonOf(3 * 2 ** 20)));
    const strangerMs = performance.now() - started;
    report.asserted(
      'Ingest without a token, 3 MiB body',
      stranger,
      (got) => expect(got).toEqual({ status: 401, code: ErrorCode.Unauthorized }),
      `${stranger.status} ${stranger.code} (the token is checked before the body is parsed), answered in ${ms(strangerMs)}`,
    );
  });
});
