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
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
import { ms, recordSection } from './report.js';

/**
 * Payload limits (issue 7): a Socket.IO frame over the limit closes the connection that sent it and no
 * other, on WebSocket and on HTTP long-polling; an HTTP body over its limit gets a 413 JSON error.
 */

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
const figures: Record<string, string> = {};
const failed: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ dataDir: data.dir });
  socketLimit = server.app.io.engine.opts.maxHttpBufferSize ?? 0;
  expect(socketLimit).toBeGreaterThan(0);
});

beforeEach(({ task, onTestFailed }) => onTestFailed(() => void failed.push(task.name)));

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
            nextPresenceChange(b.events, (c) => c.kind === kind && c.user.id === ana.user.id, 10_000),
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
      expect(under).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest, field: 'text' } });
      expect(near.socket.connected).toBe(true);
      figures[`${transport}: frame of limit − ${MARGIN} B`] =
        'read; the command refused by its schema (BAD_REQUEST, field text); connection kept';
      near.socket.disconnect();
      await presence('left');

      for (const size of [socketLimit + MARGIN, 2 ** 20]) {
        const offender = await arrive();
        const sent = performance.now();
        (offender.socket as unknown as { emit(e: string, p: unknown): void }).emit('chat:send', chatOfFrame(size));
        const reason = await offender.closed;
        const closedAfter = performance.now() - sent;
        // The server lets go of it too: the others see Ana leave.
        await presence('left');
        const releasedAfter = performance.now() - sent;
        expect(reason).toBe(transport === 'websocket' ? 'transport close' : 'transport error');
        // 1009: "message too big", from the ws library; 413 answers the poll that carried the frame.
        expect(offender.transportEnd()).toBe(transport === 'websocket' ? 1009 : 413);

        // Nobody else was disconnected, and the space still talks.
        seq += 1;
        const text = `still here ${transport} ${seq}`;
        const said = await send(bystanders[0]?.socket as TestClient, 'chat:send', {
          conversationId: GENERAL,
          clientId: `limit-${transport}-${seq}-0000`,
          text,
        });
        expect(said.ok).toBe(true);
        for (const b of bystanders) {
          expect(b.disconnects).toEqual([]);
          expect(b.socket.connected).toBe(true);
          await b.events.next(ServerEvent.ChatMessage, (m) => m.text === text);
        }
        expect((await send(bystanders[1]?.socket as TestClient, 'clock:sync', {})).ok).toBe(true);
        expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

        const how = transport === 'websocket' ? 'close code 1009' : 'the POST answered 413';
        figures[`${transport}: frame of ${size === 2 ** 20 ? '1 MiB' : `limit + ${MARGIN} B`}`] =
          `sender closed (${how}) after ${ms(closedAfter)}, gone from the space after ${ms(releasedAfter)}; ` +
          'both bystanders stayed connected and received the next message';
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

  async function errorOf(res: Response) {
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    return ((await res.json()) as { error: { code: string; message: string } }).error;
  }

  it('the API reads a body up to its limit and refuses a larger one with 413', async () => {
    const atLimit = await post('/api/sessions', jsonOf(API_BODY_LIMIT));
    expect(atLimit.status).toBe(400);
    expect((await errorOf(atLimit)).code).toBe(ErrorCode.BadRequest);

    const over = await post('/api/sessions', jsonOf(API_BODY_LIMIT + 1));
    expect(over.status).toBe(413);
    expect(await errorOf(over)).toEqual({ code: ErrorCode.PayloadTooLarge, message: expect.any(String) });

    figures['HTTP API body limit'] =
      `${bytesText(API_BODY_LIMIT)}: ${API_BODY_LIMIT.toLocaleString('en')} bytes read (400, schema), ` +
      `${(API_BODY_LIMIT + 1).toLocaleString('en')} bytes → 413 PAYLOAD_TOO_LARGE`;
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
    expect(stored.status).toBe(201);
    expect(await stored.json()).toEqual({ stored: SENSOR_LIMITS.maxBatch });

    const atLimit = await post(path, jsonOf(INGEST_BODY_LIMIT), auth);
    expect(atLimit.status).toBe(400);
    expect((await errorOf(atLimit)).code).toBe(ErrorCode.BadRequest);

    const over = await post(path, jsonOf(INGEST_BODY_LIMIT + 1), auth);
    expect(over.status).toBe(413);
    expect(await errorOf(over)).toEqual({ code: ErrorCode.PayloadTooLarge, message: expect.any(String) });

    const started = performance.now();
    const stranger = await post(path, jsonOf(3 * 2 ** 20));
    const strangerMs = performance.now() - started;
    expect(stranger.status).toBe(401);
    expect((await errorOf(stranger)).code).toBe(ErrorCode.Unauthorized);

    figures['Sensor ingest body limit'] =
      `${bytesText(INGEST_BODY_LIMIT)}: a ${SENSOR_LIMITS.maxBatch.toLocaleString('en')}-reading batch ` +
      `(${bytesText(Buffer.byteLength(largest))}) → 201; ${INGEST_BODY_LIMIT.toLocaleString('en')} bytes read (400, schema); ` +
      `${(INGEST_BODY_LIMIT + 1).toLocaleString('en')} bytes → 413 PAYLOAD_TOO_LARGE`;
    figures['Ingest without a token, 3 MiB body'] =
      `401 (the token is checked before the body is parsed), answered in ${ms(strangerMs)}`;
  });
});

afterAll(() => {
  if (failed.length > 0 || Object.keys(figures).length === 0) return;
  recordSection('limits', {
    order: 45,
    title: 'Payload limits',
    setup:
      'One in-process server (SQLite). For each transport (WebSocket, HTTP long-polling) an offender sends ' +
      'a chat:send frame just under the Socket.IO limit, then just over it and 1 MiB, while two bystanders ' +
      '(one per transport) stay in the space; then HTTP bodies at and over the API and sensor-ingest limits.',
    figures: {
      'Socket.IO frame limit (maxHttpBufferSize)': `${bytesText(socketLimit)} (${socketLimit.toLocaleString('en')} bytes)`,
      ...figures,
    },
    notes: [
      'Over WebSocket the ws library refuses the frame and closes with code 1009; over polling the POST that ' +
        'carries it is answered 413 and the client drops the transport. Either way only that connection ends.',
    ],
  });
});
