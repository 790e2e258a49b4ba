import { Agent, request } from 'node:http';
import path from 'node:path';
import { parse as parseQuery } from 'node:querystring';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import {
  type Ack,
  type CommandName,
  type CommandPayload,
  commands,
  createSessionBodySchema,
  DEFAULT_CHANNEL,
  DEFAULT_POMODORO_SETTINGS,
  ErrorCode,
  PROTOCOL_VERSION,
  readingBatchSchema,
  readingInputSchema,
  SENSOR_RANGES,
  ServerEvent,
  type SessionGrant,
  sensorIdSchema,
} from '@huddle/protocol';
import SQLite from 'better-sqlite3';
import fc from 'fast-check';
import pino from 'pino';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { type RunningHuddle, startHuddle } from '../../src/server.js';
import {
  connectRecorded,
  type EventLog,
  join,
  send,
  sendRaw,
  type TestClient,
  tempDir,
  testConfig,
  uniqueSpace,
} from '../helpers.js';
import { SOAK, scenario, soak } from './report.js';

/**
 * Hostile input (issue 7): random and adversarial payloads on every command, every HTTP endpoint and the
 * handshake, from a fixed seed. Every invalid call must be refused with an error ack or a 4xx JSON
 * error, and nothing may crash, hang, change stored state or stay in memory.
 */

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Property i runs from SEED + i, so a failure replays exactly. */
const SEED = 20_250_707;
const seedsUsed = new Set<number>();
const seed = (property: number) => {
  seedsUsed.add(property);
  return SEED + property;
};
const COMMAND_RUNS = soak(80, 3000);
const MIXED_RUNS = soak(120, 3000);
const HANDSHAKE_RUNS = soak(40, 400);
const RAW_PACKET_RUNS = soak(30, 300);
const HTTP_RUNS = soak(100, 2000);
/**
 * Rate limits come before validation, so at their real rates almost every fuzzed call would be answered
 * RATE_LIMITED without reaching the schemas. Scaled up, the schemas answer; RATE_LIMITED is still accepted.
 */
const RATE_LIMIT_SCALE = 1000;
const HEAP_GROWTH_LIMIT = 20 * 2 ** 20;

/** Every command the protocol declares: what the fuzzer must cover. */
const PROTOCOL_COMMANDS = Object.keys(commands) as CommandName[];
const ERROR_CODES: readonly string[] = Object.values(ErrorCode);
const REFUSED = [ErrorCode.BadRequest, ErrorCode.RateLimited];
/** Names socket.io-client refuses to emit: the server never sees them from a well-formed client. */
const CLIENT_RESERVED = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);

// ---------------------------------------------------------------------------------------------------
// What the server receives

/** Socket.IO and HTTP bodies are JSON: NaN and ±Infinity arrive as null, undefined keys vanish. */
const onWire = (x: unknown): unknown => (JSON.parse(JSON.stringify([x])) as unknown[])[0];

/** Bytes of the frame `emit(event, ...args)` sends, with room for the packet type and ack id. */
const frameBytes = (event: unknown, args: unknown[]) => Buffer.byteLength(JSON.stringify([event, ...args])) + 16;

let socketLimit = 0;
/** Frames over the socket limit close the connection: that is its own test, below. */
const fitsFrame = (event: unknown, args: unknown[]) => frameBytes(event, args) < socketLimit - 1024;

const brief = (x: unknown) => (JSON.stringify(x) ?? String(x)).slice(0, 160);

// ---------------------------------------------------------------------------------------------------
// Adversarial values

/** A big string that still fits in one frame (a 1 MB one is in the oversized test). */
const BIG_STRING = 'x'.repeat(40_000);
const deepArrayText = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObjectText = (depth: number) => `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`;
/**
 * JSON.stringify runs out of stack near depth 4,000, so no Socket.IO client can encode deeper values:
 * values inside the arbitraries stay at depth 1,000, and depth 5,000 and beyond go out as raw text
 * (raw packets and HTTP bodies), which the server's JSON.parse reads without recursion.
 */
const GENERATED_DEPTH = 1000;
const RAW_DEPTHS = [5000, 20_000];
// JSON.parse makes these own data properties, exactly as the server's parsers do.
const PROTO_KEYED = [
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"prototype":{"polluted":true}}',
  '{"__proto__":null}',
  '{"toString":1,"valueOf":"x","hasOwnProperty":null}',
].map((json) => JSON.parse(json) as unknown);

const hostileConstant = fc.constantFrom<unknown>(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -1,
  -0,
  0,
  0.5,
  2 ** 31,
  2 ** 53,
  -(2 ** 53),
  1e308,
  -1e308,
  Number.MIN_VALUE,
  '',
  ' ',
  '\u0000',
  '\u202e',
  '\ufeff',
  '\ud800',
  '１',
  'null',
  'NaN',
  '__proto__',
  'constructor',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  true,
  false,
  null,
  undefined,
  [],
  {},
  BIG_STRING,
  JSON.parse(deepArrayText(GENERATED_DEPTH)),
  JSON.parse(deepObjectText(GENERATED_DEPTH)),
  ...PROTO_KEYED,
);

const hostileKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', 'x'.repeat(2000)),
  fc.string({ maxLength: 20 }),
);

const hostileLeaf = fc.oneof(
  { weight: 3, arbitrary: hostileConstant },
  fc.integer(),
  fc.double(),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Anything JSON can carry, with adversarial leaves and keys mixed in. */
const hostileValue = fc.oneof(
  hostileLeaf,
  fc.anything({ maxDepth: 4, maxKeys: 6, key: hostileKey, values: [hostileLeaf, fc.string(), fc.boolean()] }),
);

/** `obj` plus an own enumerable `key` (even `__proto__`), as JSON.parse would build it. */
function withOwn(obj: object, key: string, value: unknown): Record<string, unknown> {
  return Object.defineProperty({ ...obj }, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * One valid payload per command, for "valid except one field" and "valid plus an unknown key". Its keys are
 * the commands the fuzzer drives; "Commands covered" compares the calls they got with PROTOCOL_COMMANDS.
 */
const VALID: { [K in CommandName]: CommandPayload<K> } = {
  'clock:sync': {},
  'pomodoro:press': {},
  'pomodoro:pause': {},
  'pomodoro:resume': {},
  'pomodoro:reset': {},
  'pomodoro:settings': DEFAULT_POMODORO_SETTINGS,
  'chat:send': { conversationId: `c:${DEFAULT_CHANNEL}`, clientId: 'fuzz-client-0001', text: 'hi' },
  'chat:history': { conversationId: `c:${DEFAULT_CHANNEL}`, limit: 10 },
  'chat:create-channel': { name: 'fuzz-room' },
  'chat:open-direct': { userId: 'someone' },
  'chat:typing': { conversationId: `c:${DEFAULT_CHANNEL}` },
  'chat:read': { conversationId: `c:${DEFAULT_CHANNEL}`, seq: 1 },
  'sensor:random': { count: 1 },
  'sensor:thresholds': { humidityMax: 60, temperatureMax: 80 },
  'sensor:history': { sensorId: 'room', range: '1h' },
  'sensor:token': {},
  'sensor:rotate-token': {},
  'clicker:click': { count: 1 },
  'clicker:buy': { item: 'shovel', clientId: 'purchase-0001' },
  'sensor:delete': { sensorId: 'room' },
  'chat:edit': { conversationId: `c:${DEFAULT_CHANNEL}`, seq: 1, text: 'hi again' },
  'chat:delete': { conversationId: `c:${DEFAULT_CHANNEL}`, seq: 1 },
  'chat:delete-channel': { conversationId: 'c:fuzz-room' },
  'chat:archive-channel': { conversationId: 'c:fuzz-room', archived: true },
  'space:members': {},
  'space:settings': { lockSharedSettings: true },
  'space:create-invite': { expiresInHours: 1, maxUses: 1 },
  'space:invites': {},
  'space:revoke-invite': { inviteId: 'no-such-invite' },
  'space:set-role': { userId: 'someone', role: 'admin' },
  'space:remove-member': { userId: 'someone', block: false },
  'space:leave': {},
  'space:delete': { confirm: 'not-this-space' },
  'session:rename': { name: 'Fuzzer' },
  'session:devices': {},
  'session:sign-out': { deviceId: 'no-such-device' },
  'session:link-device': {},
};
const FUZZED_COMMANDS = Object.keys(VALID) as CommandName[];

const shapeKeys = (schema: z.ZodType): string[] => (schema instanceof z.ZodObject ? Object.keys(schema.shape) : []);

/** Payloads `name` must refuse: wrong types, adversarial values, near-valid shapes. */
function invalidPayload(name: CommandName): fc.Arbitrary<unknown> {
  const schema: z.ZodType = commands[name].payload;
  const keys = shapeKeys(schema);
  const valid: object = VALID[name];
  const nearValid: fc.Arbitrary<unknown>[] = [
    // An array where an object is expected.
    fc.array(hostileValue, { maxLength: 4 }),
    fc.constant([valid]),
    // A valid payload plus an unknown key (prototype names included).
    fc.tuple(hostileKey, hostileValue).map(([k, v]) => withOwn(valid, k, v)),
  ];
  if (keys.length > 0) {
    nearValid.push(
      // The schema's own keys with hostile values, any of them missing.
      fc.record(Object.fromEntries(keys.map((k) => [k, hostileValue])), { requiredKeys: [] }),
      // A valid payload with one field wrong.
      fc.tuple(fc.constantFrom(...keys), hostileValue).map(([k, v]) => withOwn(valid, k, v)),
    );
  }
  return fc
    .oneof(hostileValue, ...nearValid)
    .filter((x) => !schema.safeParse(onWire(x)).success && fitsFrame(name, [x]));
}

/** Any command with a payload it must refuse. */
const anyInvalidCall = fc
  .constantFrom(...FUZZED_COMMANDS)
  .chain((name) => invalidPayload(name).map((payload) => ({ name, payload })));

/** Arguments after the payload that are not an ack function. */
const extraArgs = fc.array(hostileValue, { minLength: 1, maxLength: 3 });

const unknownEvent = fc
  .oneof(
    fc.constantFrom<unknown>(
      'error',
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      '',
      'chat:SEND',
      'chat:send ',
    ),
    fc.string({ maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.constant('x'.repeat(10_000)),
    // Socket.IO carries numeric event names too.
    fc.integer(),
  )
  .filter((e) => typeof e !== 'string' || (!Object.hasOwn(commands, e) && !CLIENT_RESERVED.has(e)));

// ---------------------------------------------------------------------------------------------------
// Figures

const report = scenario(import.meta.filename, {
  order: 40,
  title: 'Hostile input: property-based fuzzing',
  setup:
    'One in-process server (SQLite) with two users in a space holding a chat message, a channel, a direct ' +
    `conversation, a running pomodoro, clicks and sensor readings. fast-check ${fc.__version} drove every ` +
    'command of the protocol with payloads its schema refuses — wrong types, ' +
    'NaN/±Infinity, -1, 2^53, 1e308, 40 KB strings, `__proto__`/`constructor`/`prototype` own keys, nesting ' +
    '1,000 deep (5,000 and 20,000 as raw text), arrays for objects, unknown keys, valid payloads with one field wrong — and every HTTP endpoint ' +
    'with hostile bodies, content types, encodings, tokens and path segments. Rate limits were scaled ' +
    `×${RATE_LIMIT_SCALE} so the schemas, not the limiter, answered.`,
});
report.note(
  `${SOAK ? 'Soak' : 'Quick'} mode: ${COMMAND_RUNS} runs per command property, ${HTTP_RUNS} per HTTP endpoint property.`,
);
report.note(
  'Invalid payloads are filtered through the command schema after a JSON round trip (what the server receives), ' +
    'so every call counted here is truly invalid; the database is compared row by row after each scenario.',
);

const tally = {
  commandCalls: new Map<string, number>(),
  /** Per command, the invalid payloads of its own property that were refused as they must be. */
  refusedByCommand: new Map<string, number>(),
  ackCodes: new Map<string, number>(),
  unacked: 0,
  extraArgs: 0,
  rawDeep: 0,
  unknownAcked: 0,
  unknownUnacked: 0,
  rawPackets: 0,
  rawPacketsClosed: 0,
  oversized: 0,
  oversizedClosed: 0,
  handshakes: 0,
  handshakesRefused: 0,
  http: 0,
  httpStatuses: new Map<number, number>(),
  /** Answers a server gives only when it failed itself: HTTP 5xx, INTERNAL and UNAVAILABLE acks. */
  serverErrors: [] as string[],
  /** Calls that got no answer in time: a socket ack (5 s), an HTTP response or a handshake (10 s). */
  unanswered: [] as string[],
  /** The checks after each scenario: /healthz and a command on each long-lived tab. */
  healthChecks: 0,
  healthFailures: 0,
  databaseChecks: 0,
  /** The most rows found differing from the baseline at one check. */
  rowsChanged: 0,
};
/** Errors that escaped every handler in this process, where the server runs (Vitest still reports them). */
const escapedErrors: string[] = [];
/** What the server logged at level error and above: exceptions no handler expected. */
const serverErrorLogs: string[] = [];
const serverLogger = pino(
  { level: 'error' },
  {
    write: (line: string) => {
      const log = JSON.parse(line) as { msg?: string; err?: { message?: string } };
      serverErrorLogs.push(`${log.msg}${log.err?.message ? `: ${log.err.message}` : ''}`);
    },
  },
);
const onEscapedError = (error: unknown) =>
  void escapedErrors.push(error instanceof Error ? error.message : String(error));

const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
const listCounts = <K>(map: Map<K, number>) =>
  [...map]
    .sort(([a], [b]) => String(a).localeCompare(String(b)))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');

/** Counts an ack that only a failing server sends, before any check looks at it. */
function noteAck(ack: unknown, context: string): void {
  const code = (ack as { error?: { code?: unknown } } | undefined)?.error?.code;
  if (code === ErrorCode.Internal || code === ErrorCode.Unavailable) tally.serverErrors.push(`${code}: ${context}`);
}

/** An acknowledged call: a missing answer and a server failure are counted, then the ack is returned. */
async function answered<T>(call: Promise<T>, context: string): Promise<T> {
  try {
    const ack = await call;
    noteAck(ack, context);
    return ack;
  } catch (error) {
    tally.unanswered.push(context);
    throw error;
  }
}

/** Asserts `{ ok: false, error: { code, message } }` with a code among `codes`; counts the code. */
function expectRefusal(ack: unknown, codes: readonly string[], context: string): void {
  const shape = z.strictObject({
    ok: z.literal(false),
    error: z.strictObject({
      code: z.string(),
      message: z.string().min(1),
      field: z.string().optional(),
      retryAfterMs: z.number().optional(),
    }),
  });
  const parsed = shape.safeParse(ack);
  if (!parsed.success) throw new Error(`${context}: not an error ack: ${brief(ack)}`);
  const { code } = parsed.data.error;
  bump(tally.ackCodes, code);
  expect(ERROR_CODES, context).toContain(code);
  expect(codes, `${context}: ${brief(ack)}`).toContain(code);
}

// ---------------------------------------------------------------------------------------------------
// State

type DbSnapshot = Record<string, string[]>;

/** Every row of every table, read through a separate read-only connection. */
function readDatabase(file: string): DbSnapshot {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
      .pluck()
      .all() as string[];
    return Object.fromEntries(
      tables.map((t) => [
        t,
        db
          .prepare(`select * from "${t}"`)
          .all()
          .map((row) => JSON.stringify(row))
          .sort(),
      ]),
    );
  } finally {
    db.close();
  }
}

/** Rows in one snapshot and not in the other, table by table: a changed row counts twice (gone, and new). */
function rowsDiffering(before: DbSnapshot, after: DbSnapshot): number {
  let differing = 0;
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const unmatched = new Map<string, number>();
    for (const row of before[table] ?? []) bump(unmatched, row);
    for (const row of after[table] ?? []) {
      const left = unmatched.get(row) ?? 0;
      if (left > 0) unmatched.set(row, left - 1);
      else differing += 1;
    }
    for (const left of unmatched.values()) differing += left;
  }
  return differing;
}

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i += 1) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

// ---------------------------------------------------------------------------------------------------
// HTTP

interface HttpResult {
  status: number;
  type: string;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/**
 * One raw HTTP call: paths, headers and bodies go out exactly as given. Every answer's status is counted
 * (a 5xx also as a server error) and a call without an answer in 10 s as unanswered.
 */
function http(
  method: string,
  target: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    // Host and path given apart: a URL string would be normalised ("/a/../b", trailing spaces) before it is sent.
    const { address: host, port } = server.address;
    // Node leaves out Content-Length on a DELETE or GET with a body: the server would read the body as
    // the next request on the connection. Declared here, every body is framed.
    const length = options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) };
    const headers = { ...options.headers, ...length };
    const req = request({ host, port, path: target, method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        tally.http += 1;
        bump(tally.httpStatuses, status);
        if (status >= 500) tally.serverErrors.push(`${status}: ${method} ${target.slice(0, 80)}`);
        resolve({ status, type: res.headers['content-type'] ?? '', text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => {
      tally.unanswered.push(`${method} ${target.slice(0, 80)}`);
      req.destroy(new Error(`${method} ${target.slice(0, 80)}: no answer in 10 s`));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const STACK_TRACE = /\n\s+at .+:\d+:\d+|<html|<!doctype/i;

/** A 4xx with `{ error: { code, message } }` as JSON, and no stack trace. */
function expectJsonError(res: HttpResult, context: string): void {
  const where = `${context} → ${res.status} ${res.text.slice(0, 200)}`;
  expect(res.status, where).toBeGreaterThanOrEqual(400);
  expect(res.status, where).toBeLessThan(500);
  expect(res.type, where).toMatch(/^application\/json/);
  expect(res.text, where).not.toMatch(STACK_TRACE);
  const body = JSON.parse(res.text) as { error?: { code?: string; message?: unknown } };
  expect(body, where).toEqual({
    error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
  });
  expect(ERROR_CODES, where).toContain(body.error?.code);
}

const bearerMatch = (header: string | undefined) => /^Bearer\s+(\S+)$/i.exec((header ?? '').trim())?.[1];

/** Authorization headers, mostly wrong; sometimes `valid` itself (then another part of the call is wrong). */
const authorization = (valid: () => string, genuine: boolean) =>
  fc
    .oneof(
      fc.constant(undefined),
      fc.constantFrom('', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer null', 'Bearer __proto__'),
      fc.constantFrom('x', 'cut', 'extra', 'token', 'long').map((how) => {
        const t = valid();
        return {
          x: `Bearer ${t}x`,
          cut: `Bearer ${t.slice(0, -1)}`,
          extra: `Bearer ${t} extra`,
          token: `Token ${t}`,
          long: `Bearer ${'x'.repeat(5000)}`,
        }[how];
      }),
      fc.string({ maxLength: 80 }).map((s) => `Bearer ${s}`),
      ...(genuine ? [fc.constant('genuine').map(() => `Bearer ${valid()}`)] : []),
    )
    .map((header): Record<string, string> => (header === undefined ? {} : { authorization: header }));

/** Path segments: percent-encoded random text, and raw malformed encodings. */
const WEIRD_SEGMENTS = [
  '%',
  '%E0%A4%A',
  '%zz',
  '%00',
  '%2F',
  '%2e%2e',
  '..',
  '__proto__',
  'constructor',
  'x'.repeat(5000),
  '%F0%9F%8D%85',
  'UPPER',
  'a%20b',
  '%C0%AF',
  ';x',
  '%25',
];
const segment = fc.oneof(
  fc.constantFrom(...WEIRD_SEGMENTS),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeURIComponent),
);
const decoded = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

/** A JSON body: hostile values, broken JSON text, or nothing. */
const jsonText = fc.oneof(
  hostileValue.map((v) => JSON.stringify(v) ?? ''),
  fc
    .constantFrom(...RAW_DEPTHS)
    .chain((depth) =>
      fc.constantFrom(deepArrayText(depth), deepObjectText(depth), `{"space":${deepArrayText(depth)},"name":"x"}`),
    ),
  fc.string({ maxLength: 80 }),
  fc.constantFrom('', '{', '{"a":', '[1,2', 'null', '"str"', '1e999', '{"a":1,"a":2}', '\u0000', '{}garbage'),
);
const parsesTo = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
};

/** Content types; only the ones containing "json" get parsed (the filters below assume so). */
const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/json; charset=bogus',
  'application/json; charset=latin1',
  '',
);
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

// ---------------------------------------------------------------------------------------------------
// The server under fire

let server: RunningHuddle;
const data = tempDir('huddle-fuzz-');
const dbFile = path.join(data.dir, 'huddle.sqlite');
let space: string;
let ana: SessionGrant;
let bo: SessionGrant;
/** Ana's tab sends the fuzz; Bo's tab watches for broadcasts that must not come. */
let anaTab: { socket: TestClient; events: EventLog };
let boTab: { socket: TestClient; events: EventLog };
let ingestToken: string;
const disconnects: string[] = [];
const broadcastsSeen = new Map<string, number>();
let baseline: DbSnapshot;
let prototypeNames: string[];
let heapBefore: number;
const started = performance.now();

function expectOk<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`setup command failed: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}

let rawAckId = 1_000_000;

/** Writes an event packet by hand, its payload as raw JSON text, and resolves with the ack. */
function rawCall(socket: TestClient, event: string, payloadJson: string): Promise<unknown> {
  const id = rawAckId++;
  const prefix = `3${id}[`;
  const engine = socket.io.engine;
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (typeof message !== 'string' || !message.startsWith(prefix)) return;
      clearTimeout(timer);
      engine.off('message', onMessage);
      const ack = (JSON.parse(message.slice(prefix.length - 1)) as unknown[])[0];
      noteAck(ack, `raw ${event}`);
      resolve(ack);
    };
    const timer = setTimeout(() => {
      engine.off('message', onMessage);
      tally.unanswered.push(`raw ${event}`);
      reject(new Error(`no ack for a raw ${event}`));
    }, 5000);
    engine.on('message', onMessage);
    engine.write(`2${id}[${JSON.stringify(event)},${payloadJson}]`);
  });
}

/** How long a connection the server must close gets to close. */
const CLOSE_WAIT_MS = 10_000;

/** A throwaway tab of Ana's, for inputs that may close the connection: `closed` is 'still open' if it does not. */
async function throwawayTab(): Promise<{ socket: TestClient; closed: Promise<string> }> {
  const { socket } = await connectRecorded(server.url, ana.token);
  const closed = new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve('still open'), CLOSE_WAIT_MS);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
  return { socket, closed };
}

/** Waits until the server holds only the two long-lived tabs (throwaway ones are gone server-side too). */
async function onlyLongLivedTabsLeft(): Promise<void> {
  await vi.waitFor(() => expect(server.app.io.of('/').sockets.size).toBe(2), { timeout: 10_000 });
}

/** The server answers a command on each long-lived tab, and /healthz. */
async function serverAnswers(): Promise<boolean> {
  const clock = await answered(send(anaTab.socket, 'clock:sync', {}), 'clock:sync (health check)');
  const history = await answered(
    send(boTab.socket, 'chat:history', { conversationId: `c:${DEFAULT_CHANNEL}` }),
    'chat:history (health check)',
  );
  const healthz = await http('GET', '/healthz');
  return clock.ok && history.ok && healthz.status === 200;
}

/** Nothing changed, nothing broke: the checks every test ends with. */
async function expectUnharmed(): Promise<void> {
  await onlyLongLivedTabsLeft();
  expect(disconnects).toEqual([]);
  expect(anaTab.socket.connected && boTab.socket.connected).toBe(true);
  tally.healthChecks += 1;
  const healthy = await serverAnswers().catch(() => false);
  if (!healthy) tally.healthFailures += 1;
  expect(healthy, 'the server answers a command on each long-lived tab, and /healthz').toBe(true);
  const snapshot = readDatabase(dbFile);
  tally.databaseChecks += 1;
  tally.rowsChanged = Math.max(tally.rowsChanged, rowsDiffering(baseline, snapshot));
  expect(snapshot).toEqual(baseline);
  expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(prototypeNames);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  // Presence comes and goes with throwaway tabs; anything else would be a change some input caused.
  expect([...broadcastsSeen.keys()].filter((e) => e !== ServerEvent.ChatPresence)).toEqual([]);
}

beforeAll(async () => {
  process.on('uncaughtExceptionMonitor', onEscapedError);
  process.on('unhandledRejection', onEscapedError);
  server = await startHuddle(testConfig({ dataDir: data.dir, rateLimitScale: RATE_LIMIT_SCALE }), {
    logger: serverLogger,
  });
  socketLimit = server.app.io.engine.opts.maxHttpBufferSize ?? 0;
  expect(socketLimit).toBeGreaterThan(0);
  space = uniqueSpace('fuzz');
  ana = await join(server.url, space, 'Ana');
  bo = await join(server.url, space, 'Bo');
  anaTab = await connectRecorded(server.url, ana.token);
  boTab = await connectRecorded(server.url, bo.token);
  for (const tab of [anaTab, boTab]) tab.socket.on('disconnect', (reason) => disconnects.push(reason));

  // Some state of every kind, so "nothing changed" compares something.
  const general = `c:${DEFAULT_CHANNEL}`;
  const s = anaTab.socket;
  expectOk(await send(s, 'chat:send', { conversationId: general, clientId: 'fuzz-setup-0001', text: 'hello' }));
  expectOk(await send(s, 'chat:create-channel', { name: 'fuzz-room' }));
  expectOk(await send(s, 'chat:open-direct', { userId: bo.user.id }));
  expectOk(await send(s, 'chat:read', { conversationId: general, seq: 1 }));
  expectOk(await send(s, 'pomodoro:press', {}));
  expectOk(await send(s, 'clicker:click', { count: 3 }));
  expectOk(await send(s, 'sensor:thresholds', { humidityMax: 60, temperatureMax: 80 }));
  expectOk(await send(s, 'sensor:random', { count: 10 }));
  ingestToken = expectOk(await send(s, 'sensor:token', {})).token;
  const ingested = await http('POST', `/api/spaces/${space}/sensors/fuzz-device/readings`, {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestToken}` },
    body: JSON.stringify({ humidity: 40, temperature: 70 }),
  });
  expect(ingested.status).toBe(201);
  // The setup's coalesced broadcasts arrive before anything is watched.
  await boTab.events.next(ServerEvent.SensorUpdate, (u) => u.sensorId === 'fuzz-device');
  await boTab.events.next(ServerEvent.ClickerLeaderboard, (b) =>
    b.leaderboard.some((e) => e.user.id === ana.user.id && e.goldMilli > 0),
  );
  for (const tab of [anaTab, boTab]) tab.socket.onAny((event: string) => bump(broadcastsSeen, event));

  // One refused call of each kind first, so code loaded and compiled on first use is in the baseline heap.
  for (const name of FUZZED_COMMANDS) expectRefusal(await sendRaw(s, name, 'warm-up'), REFUSED, name);
  await http('POST', '/api/sessions', { headers: { 'content-type': 'application/json' }, body: '{' });
  await http('GET', '/api/nowhere');

  baseline = readDatabase(dbFile);
  prototypeNames = Object.getOwnPropertyNames(Object.prototype);
  heapBefore = await settledHeap();
});

afterAll(async () => {
  process.off('uncaughtExceptionMonitor', onEscapedError);
  process.off('unhandledRejection', onEscapedError);
  anaTab?.socket.disconnect();
  boTab?.socket.disconnect();
  await server?.stop();
  agent.destroy();
  data.remove();
});

describe('hostile input', () => {
  it('the valid payloads the fuzzer starts from are valid, so what it changes is what makes them invalid', () => {
    for (const [name, payload] of Object.entries(VALID)) {
      expect(commands[name as CommandName].payload.safeParse(payload).success, name).toBe(true);
    }
  });

  it('refuses every invalid payload of every command with an error ack', async () => {
    for (const [i, name] of FUZZED_COMMANDS.entries()) {
      await fc.assert(
        fc.asyncProperty(invalidPayload(name), async (payload) => {
          bump(tally.commandCalls, name);
          const context = `${name} ${brief(payload)}`;
          expectRefusal(await answered(sendRaw(anaTab.socket, name, payload), context), REFUSED, context);
          bump(tally.refusedByCommand, name);
        }),
        { seed: seed(i), numRuns: COMMAND_RUNS },
      );
      // No payload at all: the ack function is the only argument.
      bump(tally.commandCalls, name);
      const context = `${name} without payload`;
      expectRefusal(await answered(sendRaw(anaTab.socket, name), context), REFUSED, context);
      bump(tally.refusedByCommand, name);
    }
    // Against the protocol's own list: a command the fuzzer has no property for is missing here.
    const missing = PROTOCOL_COMMANDS.filter((c) => (tally.refusedByCommand.get(c) ?? 0) <= COMMAND_RUNS);
    report.asserted(
      'Commands covered',
      missing,
      (m) => expect(m, `commands of the protocol not fuzzed (${COMMAND_RUNS + 1} refused calls each)`).toEqual([]),
      `${PROTOCOL_COMMANDS.length - missing.length} of ${PROTOCOL_COMMANDS.length}` +
        (missing.length ? ` (not fuzzed: ${missing.join(', ')})` : ''),
    );
    await expectUnharmed();
  });

  it('refuses payloads nested 5,000 and 20,000 deep, written as raw packets', async () => {
    for (const name of FUZZED_COMMANDS) {
      const key = shapeKeys(commands[name].payload)[0] ?? 'a';
      for (const depth of RAW_DEPTHS) {
        for (const json of [deepArrayText(depth), deepObjectText(depth), `{"${key}":${deepArrayText(depth)}}`]) {
          if (Buffer.byteLength(json) > socketLimit - 1024) continue;
          bump(tally.commandCalls, name);
          tally.rawDeep += 1;
          expectRefusal(await rawCall(anaTab.socket, name, json), REFUSED, `${name} nested ${depth} deep`);
        }
      }
    }
    await expectUnharmed();
  });

  it('survives calls without an ack, with extra arguments, and unknown events', async () => {
    const emit = anaTab.socket as unknown as { emit(event: unknown, ...args: unknown[]): void };
    await fc.assert(
      fc.asyncProperty(anyInvalidCall, extraArgs, fc.boolean(), async ({ name, payload }, extra, acked) => {
        fc.pre(fitsFrame(name, [payload, ...extra]));
        bump(tally.commandCalls, name);
        tally.extraArgs += 1;
        const context = `${name} ${brief([payload, ...extra])}`;
        if (acked) {
          expectRefusal(await answered(sendRaw(anaTab.socket, name, payload, ...extra), context), REFUSED, context);
        } else {
          tally.unacked += 1;
          emit.emit(name, payload, ...extra);
          expect((await answered(send(anaTab.socket, 'clock:sync', {}), `clock:sync after ${context}`)).ok).toBe(true);
        }
      }),
      { seed: seed(FUZZED_COMMANDS.length), numRuns: MIXED_RUNS },
    );
    await fc.assert(
      fc.asyncProperty(
        unknownEvent,
        fc.array(hostileValue, { maxLength: 3 }),
        fc.boolean(),
        async (event, args, acked) => {
          fc.pre(fitsFrame(event, args));
          const context = `unknown ${brief(event)}`;
          if (acked) {
            tally.unknownAcked += 1;
            const ack = await answered(sendRaw(anaTab.socket, event as string, ...args), context);
            expectRefusal(ack, [ErrorCode.NotFound], context);
          } else {
            tally.unknownUnacked += 1;
            emit.emit(event, ...args);
            expect((await answered(send(anaTab.socket, 'clock:sync', {}), `clock:sync after ${context}`)).ok).toBe(
              true,
            );
          }
        },
      ),
      { seed: seed(FUZZED_COMMANDS.length + 1), numRuns: MIXED_RUNS },
    );
    await expectUnharmed();
  });

  it('answers malformed Socket.IO packets by closing at most the sender', async () => {
    // Written under the engine.io message type ('4'), as the Socket.IO client would, but not by it.
    const closes = [
      '2["chat:send"', // truncated JSON
      '2"clock:sync"', // not an array
      '2[]',
      '2[{}]',
      '2["disconnect"]', // reserved names cannot be sent as events
      '2["newListener","x"]',
      '51-["clicker:click",{"_placeholder":true,"num":0}]', // a binary event whose attachment never comes
      '599-["clicker:click"]', // more attachments than allowed
      '9', // unknown packet type
      '0', // connecting to the namespace it is already in
      '4{}', // a connect error, which only servers send
      '2/nowhere,["clock:sync",{}]', // an event in a namespace it never joined
      `2${'['.repeat(6000)}${']'.repeat(6000)}`, // the event name is an array
    ];
    // Harmless: acks nobody asked for, an unknown namespace (refused by a packet), a numeric event name.
    const answers = ['3', '31[]', '0/nowhere,', '2[1,{}]'];
    type Outcome = 'closed' | 'answered' | 'refused' | 'silent';
    const probe = async (raw: string): Promise<Outcome> => {
      const tab = await throwawayTab();
      tally.rawPackets += 1;
      tab.socket.io.engine.write(raw);
      const outcome = await Promise.race<Outcome>([
        tab.closed.then((reason) => (reason === 'still open' ? 'silent' : 'closed')),
        sendRaw(tab.socket, 'clock:sync', {}).then(
          (ack) => ((ack as Ack<unknown>).ok ? 'answered' : 'refused'),
          () => (tab.socket.connected ? 'silent' : 'closed'),
        ),
      ]);
      if (outcome === 'closed') tally.rawPacketsClosed += 1;
      // Still connected and still not answering: a hung call, not a refusal.
      if (outcome === 'silent') tally.unanswered.push(`clock:sync after the raw packet ${brief(raw)}`);
      tab.socket.disconnect();
      return outcome;
    };
    for (const raw of closes) expect(await probe(raw), raw.slice(0, 60)).toBe('closed');
    for (const raw of answers) expect(await probe(raw), raw).toBe('answered');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('0', '1', '2', '3', '4', '5', '6', ''),
        fc.oneof(
          fc.string({ maxLength: 60 }),
          hostileValue.map((v) => JSON.stringify(v) ?? ''),
        ),
        async (type, rest) => {
          // A bare "1" leaves the namespace: what the client sends after it is ignored, by design.
          fc.pre(Buffer.byteLength(rest) < socketLimit - 1024 && `${type}${rest}` !== '1');
          const raw = `${type}${rest}`;
          expect(['closed', 'answered'], brief(raw)).toContain(await probe(raw));
        },
      ),
      { seed: seed(FUZZED_COMMANDS.length + 2), numRuns: RAW_PACKET_RUNS },
    );
    report.measured(
      'Malformed Socket.IO packets',
      `${tally.rawPackets} (${tally.rawPacketsClosed} closed the sender, ${tally.rawPackets - tally.rawPacketsClosed} answered)`,
    );
    await expectUnharmed();
  });

  it('closes only the connection that sends a frame over the size limit, whatever the command', async () => {
    const oversized = [
      () => ({ text: 'x'.repeat(2 ** 20) }),
      () => ({ blob: 'x'.repeat(socketLimit) }),
      () => Array.from({ length: 20_000 }, () => 1e308),
      () => withOwn({}, '__proto__', 'x'.repeat(socketLimit)),
    ];
    const notClosed: string[] = [];
    for (const [i, name] of FUZZED_COMMANDS.entries()) {
      const tab = await throwawayTab();
      tally.oversized += 1;
      (tab.socket as unknown as { emit(e: string, p: unknown): void }).emit(name, oversized[i % oversized.length]?.());
      const reason = await tab.closed;
      if (reason === 'transport close') tally.oversizedClosed += 1;
      else notClosed.push(`${name}: ${reason}`);
      tab.socket.disconnect();
    }
    report.asserted(
      'Frames over the socket limit: senders closed',
      notClosed,
      (n) => expect(n, `closed within ${CLOSE_WAIT_MS} ms by the server ('transport close')`).toEqual([]),
      `${tally.oversizedClosed} of ${tally.oversized}`,
    );
    await expectUnharmed();
  });

  it('refuses handshakes with hostile auth', async () => {
    const tampered = fc.constantFrom('x', 'cut', 'swap', 'upper').map((how) => {
      const [head = '', claims = '', sig = ''] = ana.token.split('.');
      return {
        x: `${ana.token}x`,
        cut: ana.token.slice(0, -2),
        swap: `${head}.${sig}.${claims}`,
        upper: ana.token.toUpperCase(),
      }[how];
    });
    const auth = fc.oneof(
      fc.object({ key: hostileKey, values: [hostileLeaf] }),
      fc.record(
        {
          token: fc.oneof(hostileLeaf, tampered, fc.string({ maxLength: 1100 })),
          protocolVersion: fc.oneof(fc.constant(PROTOCOL_VERSION), hostileLeaf),
        },
        { requiredKeys: [] },
      ),
    );
    // The row is written whatever the property finds: a failing run shows how many were let in.
    try {
      await fc.assert(
        fc.asyncProperty(auth, async (a) => {
          fc.pre(fitsFrame('', [a]));
          tally.handshakes += 1;
          const socket = io(server.url, { auth: a, transports: ['websocket'], reconnection: false, forceNew: true });
          try {
            const outcome = await new Promise<unknown>((resolve) => {
              const settle = (value: unknown) => {
                clearTimeout(timer);
                resolve(value);
              };
              const timer = setTimeout(() => settle('no answer'), CLOSE_WAIT_MS);
              socket.once('connect', () => settle('connected'));
              socket.once('connect_error', (err: Error & { data?: { code?: string } }) => settle(err.data?.code));
              socket.once('disconnect', (reason) => settle(reason));
            });
            if (outcome === 'no answer') tally.unanswered.push(`handshake with ${brief(a)}`);
            const refusals: unknown[] = ['UNAUTHORIZED', 'PROTOCOL_MISMATCH', 'RATE_LIMITED'];
            if (refusals.includes(outcome)) tally.handshakesRefused += 1;
            expect(refusals, `auth ${brief(a)} → ${brief(outcome)}`).toContain(outcome);
          } finally {
            socket.disconnect();
          }
        }),
        { seed: seed(FUZZED_COMMANDS.length + 3), numRuns: HANDSHAKE_RUNS },
      );
    } finally {
      report.asserted(
        'Handshakes with hostile auth refused',
        tally.handshakesRefused,
        (refused) => expect(refused).toBe(tally.handshakes),
        `${tally.handshakesRefused} of ${tally.handshakes}`,
      );
    }
    await expectUnharmed();
  });

  it('answers every invalid HTTP call with a 4xx JSON error', async () => {
    let property = FUZZED_COMMANDS.length + 4;
    const run = <T extends unknown[]>(
      arbs: { [K in keyof T]: fc.Arbitrary<T[K]> },
      check: (...args: T) => Promise<void>,
    ) =>
      fc.assert(
        // fast-check types its variadic overloads one arity at a time; a tuple of arbitraries is what it takes.
        fc.asyncProperty(
          ...(arbs as unknown as [fc.Arbitrary<unknown>]),
          check as (...args: unknown[]) => Promise<void>,
        ),
        { seed: seed(property++), numRuns: HTTP_RUNS },
      );
    const json = { 'content-type': 'application/json' };

    // POST /api/sessions: anything but a valid body with a JSON content type.
    await run([jsonText, contentType], async (body, type) => {
      const parsed = parsesTo(body);
      fc.pre(!(type.includes('json') && parsed.ok && createSessionBodySchema.safeParse(parsed.value).success));
      const res = await http('POST', '/api/sessions', { headers: type ? { 'content-type': type } : {}, body });
      expectJsonError(res, `POST /api/sessions ${type} ${brief(body)}`);
    });
    // A valid body in a wrong content type is not read at all.
    const validJoin = JSON.stringify({ space: uniqueSpace('never'), name: 'Mallory' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      expectJsonError(
        await http('POST', '/api/sessions', { headers: { 'content-type': type }, body: validJoin }),
        `join as ${type}`,
      );
    }

    // POST /api/sessions/revoke: never with a genuine session token.
    await run([authorization(() => ana.token, false), jsonText], async (auth, body) => {
      fc.pre(bearerMatch(auth.authorization) !== ana.token);
      const res = await http('POST', '/api/sessions/revoke', { headers: { ...json, ...auth }, body });
      expectJsonError(res, `revoke ${brief(auth)} ${brief(body)}`);
    });

    // Device ingest: a wrong space, sensor id, token, content type or body.
    const ingestSpace = fc.oneof(fc.constant('ours'), fc.constant('elsewhere'), segment);
    const ingestSensor = fc.oneof(fc.constant('fuzz-device'), segment);
    await run(
      [ingestSpace, ingestSensor, authorization(() => ingestToken, true), contentType, jsonText],
      async (spaceSegment, sensor, auth, type, body) => {
        const target = spaceSegment === 'ours' ? space : spaceSegment;
        const parsed = parsesTo(body);
        const batch =
          parsed.ok && typeof parsed.value === 'object' && parsed.value !== null && 'readings' in parsed.value;
        const bodyValid =
          type.includes('json') &&
          parsed.ok &&
          (batch ? readingBatchSchema : readingInputSchema).safeParse(parsed.value).success;
        const sensorId = decoded(sensor);
        fc.pre(
          !(
            target === space &&
            sensorId !== undefined &&
            sensorIdSchema.safeParse(sensorId).success &&
            bearerMatch(auth.authorization) === ingestToken &&
            bodyValid
          ),
        );
        const res = await http('POST', `/api/spaces/${target}/sensors/${sensor}/readings`, {
          headers: { ...(type ? { 'content-type': type } : {}), ...auth },
          body,
        });
        expectJsonError(res, `ingest ${target.slice(0, 40)}/${sensor.slice(0, 40)} ${brief(auth)} ${brief(body)}`);
      },
    );

    // CSV export: a wrong space, sensor id, session token or range.
    const range = fc.option(
      fc.oneof(
        fc
          .constantFrom(...Object.keys(SENSOR_RANGES), '__proto__', 'constructor', 'hasOwnProperty', '5M', '1h ', '')
          .map(encodeURIComponent),
        fc.constantFrom('%', '%E0%A4%A', '1h%00', '1h&range=5m'),
        fc.string({ maxLength: 20 }).map(encodeURIComponent),
      ),
      { nil: undefined },
    );
    await run(
      [ingestSpace, ingestSensor, authorization(() => bo.token, true), range],
      async (spaceSegment, sensor, auth, r) => {
        const target = spaceSegment === 'ours' ? space : spaceSegment;
        const sensorId = decoded(sensor);
        // Read the way Express's query parser reads it.
        const rangeValue = r === undefined ? '1h' : parseQuery(`range=${r}`).range;
        fc.pre(
          !(
            target === space &&
            sensorId !== undefined &&
            sensorIdSchema.safeParse(sensorId).success &&
            bearerMatch(auth.authorization) === bo.token &&
            typeof rangeValue === 'string' &&
            Object.hasOwn(SENSOR_RANGES, rangeValue)
          ),
        );
        const query = r === undefined ? '' : `?range=${r}`;
        const res = await http('GET', `/api/spaces/${target}/sensors/${sensor}/readings.csv${query}`, {
          headers: auth,
        });
        expectJsonError(res, `csv ${target.slice(0, 40)}/${sensor.slice(0, 40)}${query} ${brief(auth)}`);
      },
    );

    // Anything else under /api: not found (or a refused body), as JSON.
    await run(
      [fc.constantFrom(...METHODS), fc.array(segment, { minLength: 1, maxLength: 4 }), jsonText],
      async (method, segments, body) => {
        const first = decoded(segments[0] ?? '')?.toLowerCase();
        fc.pre(first !== 'sessions' && first !== 'spaces');
        const target = `/api/${segments.join('/')}`;
        const res = await http(method, target, method === 'GET' ? {} : { headers: json, body });
        expectJsonError(res, `${method} ${target.slice(0, 80)}`);
      },
    );
    for (const target of [
      `/api/spaces/${space}/sensors/fuzz-device/other`,
      `/api/spaces/${space}/sensors`,
      `/api/spaces/${space}`,
    ]) {
      expectJsonError(await http('GET', target), `GET ${target}`);
    }

    // The probes ignore whatever comes with a GET; other methods are not found.
    await run(
      [
        fc.constantFrom('/healthz', '/readyz', '/metrics'),
        fc.option(fc.string({ maxLength: 40 }).map(encodeURIComponent), { nil: undefined }),
        fc.dictionary(
          fc.constantFrom('x-forwarded-for', 'accept', 'content-type', 'x-junk', 'cookie'),
          fc.string({ maxLength: 40 }),
        ),
      ],
      async (probe, query, headers) => {
        const target = query === undefined ? probe : `${probe}?${query}`;
        const res = await http('GET', target, { headers });
        expect(res.status, `GET ${target} ${brief(headers)}`).toBe(200);
      },
    );
    for (const probe of ['/healthz', '/readyz', '/metrics']) {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        const res = await http(method, probe, { headers: json, body: '{"x":1}' });
        // Not API routes: the catch-all JSON 404 answers them.
        expectJsonError(res, `${method} ${probe}`);
        expect(res.status, `${method} ${probe}`).toBe(404);
      }
    }

    // Bodies the parsers must stop early: too large, or inflating far beyond the limit.
    const bomb = gzipSync(Buffer.alloc(10 * 2 ** 20, 0x20));
    const big = JSON.stringify({ space: 'x', name: 'x'.repeat(2 ** 20) });
    const ingestUrl = `/api/spaces/${space}/sensors/fuzz-device/readings`;
    const ingestHeaders = { ...json, authorization: `Bearer ${ingestToken}` };
    const cases: [string, () => Promise<HttpResult>, number][] = [
      ['1 MB join', () => http('POST', '/api/sessions', { headers: json, body: big }), 413],
      [
        'gzip bomb join',
        () => http('POST', '/api/sessions', { headers: { ...json, 'content-encoding': 'gzip' }, body: bomb }),
        413,
      ],
      [
        'not gzip',
        () => http('POST', '/api/sessions', { headers: { ...json, 'content-encoding': 'gzip' }, body: '{}' }),
        400,
      ],
      [
        'unknown encoding',
        () => http('POST', '/api/sessions', { headers: { ...json, 'content-encoding': 'x-zip' }, body: '{}' }),
        400,
      ],
      [
        '3 MB ingest',
        () => http('POST', ingestUrl, { headers: ingestHeaders, body: `[${'0,'.repeat(1.5 * 2 ** 20)}0]` }),
        413,
      ],
      [
        'gzip bomb ingest',
        () => http('POST', ingestUrl, { headers: { ...ingestHeaders, 'content-encoding': 'gzip' }, body: bomb }),
        413,
      ],
      [
        '3 MB ingest, no token',
        () => http('POST', ingestUrl, { headers: json, body: Buffer.alloc(3 * 2 ** 20, 0x20) }),
        401,
      ],
      ['1 MB bad readings', () => http('POST', ingestUrl, { headers: ingestHeaders, body: big }), 400],
      [
        'broken percent-encoding in the space',
        () => http('POST', '/api/spaces/%E0%A4%A/sensors/s/readings', { headers: ingestHeaders, body: '{}' }),
        400,
      ],
      [
        'broken percent-encoding in the sensor id',
        () =>
          http('GET', `/api/spaces/${space}/sensors/%/readings.csv`, {
            headers: { authorization: `Bearer ${bo.token}` },
          }),
        400,
      ],
    ];
    for (const [name, call, status] of cases) {
      const res = await call();
      expectJsonError(res, name);
      expect(res.status, name).toBe(status);
    }
    await expectUnharmed();
  });

  // One test per promise, so each records its figure whatever the others found.
  it('answered every health check after a scenario', async () => {
    tally.healthChecks += 1;
    if (!(await serverAnswers().catch(() => false))) tally.healthFailures += 1;
    report.asserted(
      'Health checks the server failed (after each scenario)',
      tally.healthFailures,
      (failures) => expect(failures, 'checks of /healthz and a command on each long-lived tab').toBe(0),
      `${tally.healthFailures} of ${tally.healthChecks}`,
    );
  });

  it('answered no call with a server failure', () => {
    report.asserted(
      'HTTP 5xx answers and INTERNAL or UNAVAILABLE acks',
      tally.serverErrors,
      (errors) => expect(errors.length, errors.slice(0, 3).join(' | ')).toBe(0),
      tally.serverErrors.length,
    );
  });

  it('left no call without an answer', () => {
    report.asserted(
      'Calls without an answer',
      tally.unanswered,
      (calls) =>
        expect(
          calls.length,
          `no ack in 5 s, no HTTP answer or handshake outcome in 10 s: ${calls.slice(0, 3).join(' | ')}`,
        ).toBe(0),
      tally.unanswered.length,
    );
  });

  it('logged no error', () => {
    report.asserted(
      'Errors the server logged',
      serverErrorLogs,
      (logs) => expect(logs.length, logs.slice(0, 3).join(' | ')).toBe(0),
      serverErrorLogs.length,
    );
  });

  it('let no error escape its handlers', () => {
    report.asserted(
      'Uncaught exceptions and unhandled rejections in the server’s process',
      escapedErrors,
      (errors) => expect(errors.length, errors.slice(0, 3).join(' | ')).toBe(0),
      escapedErrors.length,
    );
  });

  it('leaves the database, the prototypes and the heap as they were', async () => {
    const calls = [...tally.commandCalls.values()].reduce((a, b) => a + b, 0);
    const perCommand = FUZZED_COMMANDS.map((c) => tally.commandCalls.get(c) ?? 0);
    report.measured(
      'Invalid command calls',
      `${calls} (${Math.min(...perCommand)}–${Math.max(...perCommand)} per command)`,
    );
    report.measured('…of which with extra arguments / without an ack', `${tally.extraArgs} / ${tally.unacked}`);
    report.measured('…of which nested 5,000–20,000 deep, as raw packets', tally.rawDeep);
    report.measured('Unknown events (with / without an ack)', `${tally.unknownAcked} / ${tally.unknownUnacked}`);
    report.measured('Error acks by code', listCounts(tally.ackCodes));
    report.measured('HTTP calls (setup and health checks included)', tally.http);
    report.measured('HTTP statuses', listCounts(tally.httpStatuses));
    report.measured('Seeds', `${SEED} + property index (${seedsUsed.size} properties, 0–${Math.max(...seedsUsed)})`);
    report.measured('Duration', `${((performance.now() - started) / 1000).toFixed(1)} s`);

    await onlyLongLivedTabsLeft();
    const snapshot = readDatabase(dbFile);
    tally.databaseChecks += 1;
    tally.rowsChanged = Math.max(tally.rowsChanged, rowsDiffering(baseline, snapshot));
    const rows = Object.values(baseline).reduce((n, t) => n + t.length, 0);
    report.asserted(
      'Rows changed (added or removed, at the worst check)',
      tally.rowsChanged,
      (changed) => expect(changed).toBe(0),
      `${tally.rowsChanged} (all ${rows} rows of ${Object.keys(baseline).length} tables compared at ` +
        `${tally.databaseChecks} checks, one after each scenario)`,
    );
    const prototypeNow = Object.getOwnPropertyNames(Object.prototype);
    const prototypeChanges = [
      ...prototypeNow.filter((n) => !prototypeNames.includes(n)),
      ...prototypeNames.filter((n) => !prototypeNow.includes(n)),
    ];
    report.asserted(
      'Object.prototype properties added or removed',
      prototypeChanges,
      (changes) => {
        expect(changes).toEqual([]);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      },
      prototypeChanges.length,
    );
    report.asserted(
      'Disconnected sockets other than the offenders',
      disconnects,
      (reasons) => expect(reasons).toEqual([]),
      disconnects.length,
    );
    // Presence comes and goes with throwaway tabs; any other broadcast would be a change some input caused.
    const broadcasts = [...broadcastsSeen].filter(([event]) => event !== ServerEvent.ChatPresence);
    report.asserted(
      'Broadcasts caused (presence aside)',
      broadcasts,
      (seen) => expect(seen).toEqual([]),
      broadcasts.reduce((n, [, count]) => n + count, 0),
    );
    const heapAfter = await settledHeap();
    report.asserted(
      'Heap used, after forced GC (before → after)',
      heapAfter - heapBefore,
      (growth) => expect(growth).toBeLessThan(HEAP_GROWTH_LIMIT),
      `${mb(heapBefore)} → ${mb(heapAfter)} (at most +${mb(HEAP_GROWTH_LIMIT)})`,
    );
  });
});
