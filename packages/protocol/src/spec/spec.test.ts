import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type CommandName, type CommandPayload, commands, type ServerEventName, serverEvents } from '../events.js';
import { httpRoutes } from '../http-api.js';
import type { ClickerPurchase } from '../schemas/clicker.js';
import { type PomodoroSnapshot, PomodoroState } from '../schemas/pomodoro.js';
import type { SensorSummary } from '../schemas/sensor.js';
import { idOf } from './asyncapi.js';
import { SPEC_DIR, specFiles } from './files.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const generated = specFiles();
const asyncApi = JSON.parse(generated['asyncapi.json'] as string);
const openApi = JSON.parse(generated['openapi.json'] as string);

/** A validator for `schema` (possibly a `$ref`) from the JSON Schema in a document, not from zod. */
function validator(document: typeof asyncApi, schema: unknown, defsKey: 'definitions' | '$defs') {
  const rewrite = (node: unknown) =>
    JSON.parse(JSON.stringify(node).replaceAll('"#/components/schemas/', `"#/${defsKey}/`));
  return z.fromJSONSchema(
    { ...rewrite(schema), [defsKey]: rewrite(document.components.schemas) },
    { defaultTarget: defsKey === 'definitions' ? 'draft-7' : 'draft-2020-12' },
  );
}

/** Every `$ref` in a document points at something in it. */
function danglingRefs(document: object): string[] {
  const resolve = (ref: string) =>
    ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
  const dangling: string[] = [];
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && resolve(value as string) === undefined) dangling.push(value as string);
      else visit(value);
    }
  };
  visit(document);
  return dangling;
}

describe('committed spec', () => {
  it.each(Object.keys(generated))('docs/protocol/%s matches the zod schemas', (name) => {
    const file = path.join(root, SPEC_DIR, name);
    let committed: unknown;
    try {
      committed = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      committed = undefined;
    }
    // Compared as data, so the formatter may lay the file out as it likes.
    expect(
      committed,
      `${SPEC_DIR}/${name} is out of date with the protocol's schemas: run \`pnpm --filter @huddle/protocol spec\` to regenerate it, and commit it`,
    ).toEqual(JSON.parse(generated[name] as string));
  });
});

const user = { id: 'u1', name: 'Ana' };
/** A known-good payload of every command (the type makes the list complete). */
const commandExamples: { [K in CommandName]: CommandPayload<K> } = {
  'clock:sync': {},
  'pomodoro:press': {},
  'pomodoro:pause': {},
  'pomodoro:resume': {},
  'pomodoro:reset': {},
  'pomodoro:settings': { workSeconds: 1500, shortBreakSeconds: 300, longBreakSeconds: 900, cyclesBeforeLongBreak: 4 },
  'chat:send': { conversationId: 'c:general', clientId: 'm-12345678', text: 'Hello' },
  'chat:history': { conversationId: 'c:general', before: 40, limit: 20 },
  'chat:create-channel': { name: '#Design Team' },
  'chat:open-direct': { userId: 'u2' },
  'chat:typing': { conversationId: 'c:general' },
  'chat:read': { conversationId: 'c:general', seq: 12 },
  'sensor:random': { count: 10 },
  'sensor:thresholds': { humidityMax: 70, temperatureMax: 86 },
  'sensor:history': { sensorId: 'room', range: '1h' },
  'sensor:token': {},
  'sensor:rotate-token': {},
  'clicker:click': { count: 5 },
  'clicker:buy': { item: 'shovel', clientId: 'purchase-7f3a9c' },
  'sensor:delete': { sensorId: 'room' },
  'chat:edit': { conversationId: 'c:general', seq: 3, text: 'Hello again' },
  'chat:delete': { conversationId: 'c:general', seq: 3 },
  'chat:delete-channel': { conversationId: 'c:design' },
  'chat:archive-channel': { conversationId: 'c:design', archived: true },
  'space:members': {},
  'space:settings': { visibility: 'open', readingRetentionDays: 30 },
  'space:create-invite': { expiresInHours: 24, maxUses: 5 },
  'space:invites': {},
  'space:revoke-invite': { inviteId: 'i1' },
  'space:set-role': { userId: 'u2', role: 'admin' },
  'space:remove-member': { userId: 'u2', block: true },
  'space:leave': {},
  'space:delete': { confirm: 'team-a' },
  'session:rename': { name: 'Ana B' },
  'session:devices': {},
  'session:sign-out': { deviceId: 'd2' },
  'session:link-device': {},
};

const snapshot: PomodoroSnapshot = {
  space: 'team-a',
  state: PomodoroState.WORK,
  endsAt: 1_700_000_000_000,
  pausedRemainingMs: null,
  periodMs: 1_500_000,
  completedPomodoros: 3,
  cyclesDone: 1,
  settings: commandExamples['pomodoro:settings'],
  activity: { actor: 'Ana', action: 'press', state: PomodoroState.WORK, at: 1_699_999_000_000 },
  version: 7,
};
const message = { conversationId: 'c:general', seq: 3, clientId: 'm-12345678', author: user, text: 'Hi', sentAt: 1 };
const player = {
  user,
  goldMilli: 15_000,
  perClick: 2,
  perSecond: 1,
  items: { shovel: 1, excavator: 1, mine: 0, refinery: 0 },
  clicks: 15,
  settledAt: 2,
  version: 4,
};
const reading = { sensorId: 'room', humidity: 41.5, temperature: 88, at: 5 };
const summary: SensorSummary = {
  sensorId: 'room',
  latest: [reading],
  stats: { count: 1, humidity: { avg: 41.5, max: 41.5, min: 41.5 }, temperature: { avg: 88, max: 88, min: 88 } },
  status: { level: 'alarm', breaches: [{ quantity: 'temperature', value: 88, limit: 86 }] },
  total: 1,
};
const purchase: ClickerPurchase = { user, item: 'shovel', price: 15, at: 6 };
/** A known-good payload of every server event. */
const eventExamples: { [K in ServerEventName]: z.output<(typeof serverEvents)[K]['payload']> } = {
  'session:welcome': { user, space: 'team-a', protocolVersion: 1, serverTime: 1, token: 't' },
  'pomodoro:state': snapshot,
  'chat:conversations': {
    conversations: [
      { id: 'c:general', kind: 'channel', name: 'general', lastSeq: 3, unread: 1, lastReadSeq: 2 },
      { id: 'dm:u1:u2', kind: 'direct', peer: { id: 'u2', name: 'Bo' }, lastSeq: 0, unread: 0, lastReadSeq: 0 },
    ],
  },
  'chat:conversation': { id: 'c:design', kind: 'channel', name: 'design', lastSeq: 0 },
  'chat:message': message,
  'chat:presence': { changes: [{ kind: 'left', user, at: 9 }] },
  'chat:typing': { conversationId: 'c:general', user, expiresAt: 10 },
  'chat:read': { conversationId: 'c:general', seq: 3 },
  'sensor:board': { thresholds: { humidityMax: 70, temperatureMax: 86 }, sensors: [summary] },
  'sensor:update': { ...summary, stats: null, status: { level: 'no-data' }, latest: [] },
  'clicker:player': player,
  'clicker:leaderboard': { leaderboard: [{ user, goldMilli: 1, perSecond: 1, settledAt: 1 }], at: 2 },
  'clicker:feed': { purchases: [purchase] },
  'clicker:purchase': purchase,
  'space:settings': {
    visibility: 'private',
    lockSharedSettings: false,
    readingRetentionDays: 90,
    messageRetentionDays: null,
  },
  'space:members': {
    members: [
      { ...user, role: 'owner' },
      { id: 'u2', name: 'Bo', role: 'member' },
    ],
  },
  'session:ended': { reason: 'removed', message: 'You were removed from this space' },
  'chat:message-changed': { ...message, text: '', deleted: true },
  'chat:conversation-removed': { conversationId: 'c:design' },
  'sensor:removed': { sensorId: 'room' },
};

describe('AsyncAPI document', () => {
  const ops = asyncApi.operations;
  const messages = asyncApi.components.messages;

  it('has a send operation with an ack reply per command and a receive operation per server event', () => {
    expect(asyncApi.asyncapi).toBe('3.0.0');
    for (const [name, spec] of Object.entries(commands)) {
      const op = ops[idOf('send', name)];
      expect(op, name).toMatchObject({ action: 'send', summary: spec.summary, 'x-rate-class': spec.rateClass });
      expect(op.reply.messages).toHaveLength(1);
    }
    for (const name of Object.keys(serverEvents)) expect(ops[idOf('receive', name)].action, name).toBe('receive');
    expect(ops.handshake.action).toBe('send');
    const named = Object.values(messages).map((m) => (m as { name: string }).name);
    expect(named).toEqual(expect.arrayContaining([...Object.keys(commands), ...Object.keys(serverEvents)]));
    expect(danglingRefs(asyncApi)).toEqual([]);
  });

  it.each(Object.keys(commands) as CommandName[])('%s: the payload schema accepts what zod accepts', (name) => {
    const example = commandExamples[name];
    const { payload } = messages[idOf('send', name)];
    expect(commands[name].payload.safeParse(example).success).toBe(true);
    expect(validator(asyncApi, payload, 'definitions').safeParse(example).success).toBe(true);
    // Strict payloads: an unknown field is refused by the spec as by the server.
    expect(validator(asyncApi, payload, 'definitions').safeParse({ ...example, author: 'x' }).success).toBe(false);
  });

  it('acks: success with the result, or an error body', () => {
    const ack = validator(asyncApi, messages[`${idOf('send', 'clicker:buy')}.ack`].payload, 'definitions');
    expect(ack.safeParse({ ok: true, data: player }).success).toBe(true);
    expect(
      ack.safeParse({ ok: false, error: { code: 'INSUFFICIENT_FUNDS', message: 'Not enough gold' } }).success,
    ).toBe(true);
    expect(ack.safeParse({ ok: false, error: { code: 'NOPE', message: 'x' } }).success).toBe(false);
    expect(ack.safeParse({ ok: true, data: { user } }).success).toBe(false);
  });

  it.each(Object.keys(serverEvents) as ServerEventName[])('%s: the payload schema accepts a real payload', (name) => {
    const example = eventExamples[name];
    expect(serverEvents[name].payload.safeParse(example).success).toBe(true);
    const { payload } = messages[idOf('receive', name)];
    expect(validator(asyncApi, payload, 'definitions').safeParse(example).success).toBe(true);
  });
});

describe('OpenAPI document', () => {
  it('has every route with its method, and no dangling reference', () => {
    expect(openApi.openapi).toBe('3.1.0');
    const operations = Object.entries(openApi.paths).flatMap(([p, item]) =>
      Object.keys(item as object).map((method) => `${method.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(operations.sort()).toEqual(Object.keys(httpRoutes).sort());
    expect(danglingRefs(openApi)).toEqual([]);
  });

  it('describes the bodies the server accepts', () => {
    const body = (p: string) => openApi.paths[p].post.requestBody.content['application/json'].schema;
    const session = validator(openApi, body('/api/sessions'), '$defs');
    expect(session.safeParse({ space: 'team-a', name: 'Ana' }).success).toBe(true);
    expect(session.safeParse({ space: 'Team A', name: 'Ana' }).success).toBe(false);
    const ingest = validator(openApi, body('/api/spaces/{space}/sensors/{sensorId}/readings'), '$defs');
    expect(ingest.safeParse({ humidity: 41.5, temperature: 71.2 }).success).toBe(true);
    expect(
      ingest.safeParse({ readings: [{ humidity: 40, temperature: 70, at: '2026-01-02T03:04:05Z' }] }).success,
    ).toBe(true);
    expect(ingest.safeParse({ humidity: 141, temperature: 71.2 }).success).toBe(false);
  });

  it('answers errors as { error } and needs the right token', () => {
    const revoke = openApi.paths['/api/sessions/revoke'].post;
    expect(revoke.security).toEqual([{ sessionToken: [] }]);
    expect(revoke.responses['401'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ErrorResponse',
    });
    expect(openApi.paths['/api/spaces/{space}/sensors/{sensorId}/readings'].post.security).toEqual([
      { ingestToken: [] },
    ]);
  });
});
