import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  type Ack,
  type ChatHistoryPage,
  type CommandName,
  commands,
  createSessionBodySchema,
  DEFAULT_CHANNEL,
  DEFAULT_SENSOR_ID,
  type DeviceList,
  ErrorCode,
  httpRoutes,
  type InviteList,
  linkSessionBodySchema,
  PROTOCOL_VERSION,
  type Role,
  SENSOR_RANGES,
  type SensorHistory,
  type SensorIngestToken,
  type SensorRange,
  ServerEvent,
  type SessionGrant,
  type SpaceMembers,
} from '@huddle/protocol';
import SQLite from 'better-sqlite3';
import fc from 'fast-check';
import pino from 'pino';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningHuddle, startHuddle } from '../../src/server.js';
import { createTokenSigner, type SessionClaims } from '../../src/session/session-token.js';
import {
  connectRecorded,
  type EventLog,
  send,
  sendRaw,
  TEST_SESSION_SECRET,
  type TestClient,
  tempDir,
  testConfig,
  uniqueSpace,
} from '../helpers.js';
import { SOAK, scenario, soak } from './report.js';

/**
 * Authorization fuzzing (issue 15) with VALID payloads: every payload passes its command's schema, so
 * only authorization stands between it and its target. Two private spaces, A and B, each with an owner, an
 * admin and a member (B also a removed member). fast-check drives sequences of commands from every role of
 * A aimed at B's resources (conversations, message seqs, users, invites, devices, sensors, its name as the
 * delete confirmation) and at what A's roles may not do in A (others' messages and direct conversations,
 * members above them, others' devices and names, commands above their role); then forged, expired,
 * another space's and a removed member's tokens at the handshake and every session route, and joins into B
 * without a valid invite. A success is an ok answer that read or changed anything of B or did what the
 * actor may not do, found by: the answer itself; every answer and event A's tabs get, searched for B's
 * markers; B's rows, hashed after every command; B's tabs, which must get no event at all; and A's rows,
 * which must never name anything of B.
 */

/** Property i runs from SEED + i, so a failure replays exactly. */
const SEED = 20_251_115;
const SEQUENCES = soak(120, 1200);
const SEQUENCE_LENGTH = { minLength: 4, maxLength: 12 };
const TOKEN_RUNS = soak(100, 1000);
const JOIN_RUNS = soak(100, 1000);
/** Rate limits come before the permission check: scaled up, authorization answers, not the limiter. */
const RATE_LIMIT_SCALE = 1000;
const SESSION_TTL_MS = 30 * 24 * 3_600_000;
const GENERAL = `c:${DEFAULT_CHANNEL}`;
const ROLES: readonly Role[] = ['owner', 'admin', 'member'];

const report = scenario(import.meta.filename, {
  order: 42,
  title: 'Authorization fuzzing: valid commands aimed at another space and above the sender’s role',
  setup:
    'One in-process server (SQLite) with two private spaces, A and B, each with an owner, an admin and a member ' +
    '(B also a removed member). B holds marked data: a channel, an archived channel and a direct conversation ' +
    'with messages carrying a unique marker, a sensor fed over HTTP and one fed by the board, live and revoked ' +
    'invites, an unused device link, devices (one linked), its settings and thresholds. fast-check ' +
    `${fc.__version} drove sequences of commands from A's owner, admin and member with payloads that pass ` +
    "their schema, aimed at B's conversation ids, message seqs, user ids, invite ids, device ids, sensor ids " +
    "and its name as `space:delete`'s confirmation, and at what A's own roles may not do (others' messages " +
    "and direct conversations, removing or re-ranking members above them, others' devices and names, " +
    'commands above their role). Then forged, expired, tampered, another space’s and a removed member’s ' +
    'tokens at the handshake and every session route of the protocol’s `httpRoutes`, and joins, access ' +
    "checks and device links into B without a valid invite. Rate limits were scaled ×1000 so the server's " +
    'checks, not the limiter, answered.',
});
report.note(
  `${SOAK ? 'Soak' : 'Quick'} mode: ${SEQUENCES} command sequences of ${SEQUENCE_LENGTH.minLength}–` +
    `${SEQUENCE_LENGTH.maxLength}, ${TOKEN_RUNS} token runs, ${JOIN_RUNS} join runs.`,
);
report.note(
  'A success is any of: an ok answer to a command the actor may not send or aimed at something of B; an ok ' +
    'answer that carries data of B; a B marker (message text, user id or name, device, invite or link id or ' +
    "code, ingest token, channel or sensor name, B's name) in any answer or event an A tab received, unless " +
    "the command's own payload carried it; any change to B's rows (all of them hashed after every command); " +
    'any event reaching a B tab; a row outside B naming any of B’s ids; a socket accepted or an HTTP 2xx for a ' +
    'token that is not a live session of that space; a join, access check or device link into B answered 2xx ' +
    '(or NAME_TAKEN, which would tell that a name exists in B).',
);

// ---------------------------------------------------------------------------------------------------
// Tallies

type Kind =
  | 'B conversations'
  | 'B messages'
  | 'B users'
  | 'B invites'
  | 'B devices'
  | 'B sensors'
  | 'B name as space:delete confirmation'
  | "A: others' messages"
  | "A: others' direct conversations"
  | 'A: members at or above the actor'
  | "A: others' devices and names"
  | 'A: commands above the role'
  | 'A: own reads (must show nothing of B)'
  | 'A: own actions (must reach no B tab)';

const tally = {
  sent: new Map<Kind, number>(),
  refused: new Map<Kind, number>(),
  /** Ok answers to commands that may succeed in A (reads, own actions, a B sensor id A has no sensor of). */
  harmless: new Map<Kind, number>(),
  refusalCodes: new Map<string, number>(),
  /** Refusals from a command still stubbed as "Not available yet" (counted as refused). */
  notYet: new Map<string, number>(),
  invalidPayloads: [] as string[],
  handshakes: 0,
  handshakeCodes: new Map<string, number>(),
  httpCalls: 0,
  httpStatuses: new Map<number, number>(),
  joins: 0,
  joinAnswers: new Map<string, number>(),
  bRowChecks: 0,
  /** Answers only a failing server sends: INTERNAL or UNAVAILABLE acks, HTTP 5xx. */
  serverErrors: [] as string[],
};
const successes = new Map<string, string[]>();
const bump = <K>(map: Map<K, number>, key: K, by = 1) => map.set(key, (map.get(key) ?? 0) + by);
const listCounts = <K>(map: Map<K, number>) =>
  [...map]
    .sort(([a], [b]) => String(a).localeCompare(String(b)))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'none';
const brief = (x: unknown) => (JSON.stringify(x) ?? String(x)).slice(0, 200);

function success(category: string, what: string): void {
  const list = successes.get(category) ?? [];
  list.push(what);
  successes.set(category, list);
}
const successCount = (category?: string) =>
  category === undefined
    ? [...successes.values()].reduce((n, l) => n + l.length, 0)
    : (successes.get(category)?.length ?? 0);

/** What the server logged at level error: exceptions no handler expected. */
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

// ---------------------------------------------------------------------------------------------------
// The server, its storage and its tabs

let server: RunningHuddle;
const data = tempDir('huddle-authz-');
let reader: SQLite.Database;
const started = performance.now();

interface Tab {
  socket: TestClient;
  events: EventLog;
  received: { event: string; payload: unknown }[];
  /** How much of `received` the checks have looked at. */
  checked: number;
  closed: string[];
}

interface Person {
  grant: SessionGrant;
  tab: Tab;
  devices: string[];
}

async function openTab(grant: SessionGrant): Promise<Tab> {
  const received: Tab['received'] = [];
  const { socket, events } = await connectRecorded(server.url, grant.token, (s) =>
    s.onAny((event: string, payload: unknown) => received.push({ event, payload })),
  );
  const tab: Tab = { socket, events, received, checked: 0, closed: [] };
  socket.on('disconnect', (reason) => tab.closed.push(reason));
  return tab;
}

function expectOk<T>(ack: Ack<T>, what: string): T {
  if (!ack.ok) throw new Error(`setup: ${what}: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}

async function post(target: string, body: unknown, token?: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${server.url}${target}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

async function granted(body: Record<string, unknown>): Promise<SessionGrant> {
  const { status, json } = await post('/api/sessions', body);
  if (status !== 201) throw new Error(`setup: join ${brief(body)}: ${status} ${brief(json)}`);
  return json as SessionGrant;
}

async function devicesOf(tab: Tab): Promise<string[]> {
  return expectOk(await send(tab.socket, 'session:devices', {}), 'session:devices').devices.map((d) => d.id);
}

/** Every tab has received everything the server sent it before this call (an ack comes after them). */
async function barrier(tabs: Tab[]): Promise<void> {
  await Promise.all(tabs.filter((t) => t.socket.connected).map((t) => send(t.socket, 'clock:sync', {})));
}

// ---------------------------------------------------------------------------------------------------
// B's rows: everything of B, hashed; everything else, searched for B's ids

type Scope = { where: string; outside: string; params: 1 } | 'none';
let scopes: Map<string, Scope>;

/** How each table's rows belong to a space: its `space` or `slug`, or the space of its `user_id`. */
function tableScopes(db: SQLite.Database): Map<string, Scope> {
  const tables = db
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
    .pluck()
    .all() as string[];
  const result = new Map<string, Scope>();
  for (const table of tables) {
    const columns = (db.prepare(`pragma table_info("${table}")`).all() as { name: string }[]).map((c) => c.name);
    if (table.startsWith('kysely_')) result.set(table, 'none');
    else if (columns.includes('space')) result.set(table, { where: '"space" = ?', outside: '"space" <> ?', params: 1 });
    else if (columns.includes('slug')) result.set(table, { where: 'slug = ?', outside: 'slug <> ?', params: 1 });
    else if (columns.includes('user_id')) {
      const users = 'select id from users where "space" = ?';
      result.set(table, { where: `user_id in (${users})`, outside: `user_id not in (${users})`, params: 1 });
    } else
      throw new Error(`table ${table}: no space, slug or user_id column — say here how its rows belong to a space`);
  }
  return result;
}

interface SpaceRows {
  hash: string;
  rows: number;
  perTable: Record<string, number>;
}

function rowsOf(space: string): SpaceRows {
  const hash = createHash('sha256');
  const perTable: Record<string, number> = {};
  let rows = 0;
  for (const [table, scope] of scopes) {
    if (scope === 'none') continue;
    const found = (reader.prepare(`select * from "${table}" where ${scope.where}`).all(space) as object[])
      .map((r) => JSON.stringify(r))
      .sort();
    hash.update(`${table}\n${found.join('\n')}\n`);
    perTable[table] = found.length;
    rows += found.length;
  }
  return { hash: hash.digest('hex'), rows, perTable };
}

/** Rows outside `space` that name any of `ids`. */
function rowsOutsideNaming(space: string, ids: readonly string[]): string[] {
  const hits: string[] = [];
  for (const [table, scope] of scopes) {
    if (scope === 'none') continue;
    for (const row of reader.prepare(`select * from "${table}" where ${scope.outside}`).all(space) as object[]) {
      const text = JSON.stringify(row);
      const id = ids.find((i) => text.includes(i));
      if (id) hits.push(`${table} row naming ${id}: ${text.slice(0, 160)}`);
    }
  }
  return hits;
}

// ---------------------------------------------------------------------------------------------------
// The two spaces

interface Message {
  conversationId: string;
  seq: number;
  authorId: string;
}

let A: {
  slug: string;
  owner: Person;
  admin: Person;
  member: Person;
  /** A second member: someone the member may not moderate either. */
  peer: Person;
  inviteCode: string;
  inviteId: string;
  messages: Message[];
  /** Direct conversations and their two members' ids. */
  directs: { id: string; members: [string, string] }[];
};
let B: {
  slug: string;
  owner: Person;
  admin: Person;
  member: Person;
  removed: { grant: SessionGrant; devices: string[] };
  conversations: string[];
  messages: Message[];
  sensors: string[];
  invites: { live: { id: string; code: string }; revoked: { id: string; code: string } };
  ingestToken: string;
  /** Everything of B that must never reach A: ids, names, secrets, the marker of its messages. */
  markers: string[];
};
let bBaseline: SpaceRows;
let bCurrent: SpaceRows;

const aPeople = () => [A.owner, A.admin, A.member, A.peer];
const bTabs = () => [B.owner.tab, B.admin.tab, B.member.tab];
const aTabs = () => aPeople().map((p) => p.tab);
const directId = (x: string, y: string) => `dm:${[x, y].sort().join(':')}`;

async function buildB(hex: string): Promise<void> {
  const slug = uniqueSpace('authz-b');
  const marker = `B-SECRET-${hex}`;
  const names = { owner: `Bowner${hex}`, admin: `Badmin${hex}`, member: `Bmember${hex}`, removed: `Bgone${hex}` };
  const ownerGrant = await granted({ space: slug, name: names.owner, create: { visibility: 'private' } });
  const ownerTab = await openTab(ownerGrant);
  const live = expectOk(await send(ownerTab.socket, 'space:create-invite', { maxUses: null }), 'B invite');
  const [adminGrant, memberGrant, removedGrant] = await Promise.all(
    [names.admin, names.member, names.removed].map((name) => granted({ space: slug, name, invite: live.code })),
  );
  if (!adminGrant || !memberGrant || !removedGrant) throw new Error('setup: B incomplete');
  expectOk(await send(ownerTab.socket, 'space:set-role', { userId: adminGrant.user.id, role: 'admin' }), 'B admin');
  const adminTab = await openTab(adminGrant);
  const memberTab = await openTab(memberGrant);
  const removedTab = await openTab(removedGrant);
  const o = ownerTab.socket;

  // Chat: a channel, an archived one, #general and a direct conversation, every message marked.
  const vault = `vault${hex}`;
  const attic = `attic${hex}`;
  expectOk(await send(o, 'chat:create-channel', { name: vault }), 'B channel');
  expectOk(await send(o, 'chat:create-channel', { name: attic }), 'B attic');
  const messages: Message[] = [];
  let n = 0;
  const say = async (tab: Tab, conversationId: string) => {
    n += 1;
    const sent = expectOk(
      await send(tab.socket, 'chat:send', { conversationId, clientId: `b-setup-${hex}-${n}`, text: `${marker} ${n}` }),
      'B message',
    );
    messages.push({ conversationId, seq: sent.seq, authorId: sent.author.id });
  };
  const dm = directId(adminGrant.user.id, memberGrant.user.id);
  expectOk(await send(adminTab.socket, 'chat:open-direct', { userId: memberGrant.user.id }), 'B direct');
  for (const tab of [ownerTab, adminTab, memberTab]) {
    await say(tab, `c:${vault}`);
    await say(tab, GENERAL);
  }
  await say(memberTab, `c:${attic}`);
  await say(adminTab, dm);
  await say(memberTab, dm);
  expectOk(await send(o, 'chat:archive-channel', { conversationId: `c:${attic}`, archived: true }), 'B archive');
  expectOk(await send(memberTab.socket, 'chat:read', { conversationId: `c:${vault}`, seq: 2 }), 'B read');

  // Sensors: one fed by a device over HTTP (marked values), one by the board.
  const probe = `probe${hex}`;
  const gauge = `gauge${hex}`;
  const ingestToken = expectOk(await send(o, 'sensor:token', {}), 'B token').token;
  const now = Date.now();
  const readings = [0, 1, 2, 3, 4].map((i) => ({ humidity: 43.21, temperature: 65.43, at: now - (5 - i) * 1000 }));
  const ingested = await post(`/api/spaces/${slug}/sensors/${probe}/readings`, { readings }, ingestToken);
  if (ingested.status !== 201) throw new Error(`setup: B ingest ${ingested.status} ${brief(ingested.json)}`);
  expectOk(await send(o, 'sensor:random', { sensorId: gauge, count: 10 }), 'B random');

  // Settings, thresholds and the timer's settings of B's own.
  expectOk(
    await send(o, 'space:settings', { lockSharedSettings: true, readingRetentionDays: 45, messageRetentionDays: 400 }),
    'B settings',
  );
  expectOk(await send(o, 'sensor:thresholds', { humidityMax: 55, temperatureMax: 77 }), 'B thresholds');
  expectOk(
    await send(o, 'pomodoro:settings', {
      workSeconds: 1500,
      shortBreakSeconds: 420,
      longBreakSeconds: 1260,
      cyclesBeforeLongBreak: 3,
    }),
    'B pomodoro settings',
  );

  // Invites (one live, one revoked), a device signed in by a link, and a link never used.
  const revoked = expectOk(await send(o, 'space:create-invite', { maxUses: 3 }), 'B second invite');
  expectOk(await send(o, 'space:revoke-invite', { inviteId: revoked.id }), 'B revoke');
  const link = expectOk(await send(o, 'session:link-device', {}), 'B link');
  const linked = await post('/api/sessions/link', { space: slug, code: link.code });
  if (linked.status !== 201) throw new Error(`setup: B device link ${linked.status} ${brief(linked.json)}`);
  const unusedLink = expectOk(await send(memberTab.socket, 'session:link-device', {}), 'B unused link');

  const owner: Person = { grant: ownerGrant, tab: ownerTab, devices: await devicesOf(ownerTab) };
  const admin: Person = { grant: adminGrant, tab: adminTab, devices: await devicesOf(adminTab) };
  const member: Person = { grant: memberGrant, tab: memberTab, devices: await devicesOf(memberTab) };
  const removedDevices = await devicesOf(removedTab);

  // The removed member: their tab is told and closed.
  const closed = new Promise((resolve) => removedTab.socket.once('disconnect', resolve));
  expectOk(await send(o, 'space:remove-member', { userId: removedGrant.user.id, block: false }), 'B remove');
  await closed;

  // Everything the setup set off reaches B's tabs before anything is watched: the sensors' coalesced
  // updates and the presence batches (three people here, the removed one gone).
  for (const tab of [ownerTab, adminTab, memberTab]) {
    await tab.events.next(ServerEvent.SensorUpdate, (u) => u.sensorId === probe && u.total === readings.length);
    await tab.events.next(ServerEvent.SensorUpdate, (u) => u.sensorId === gauge && u.total === 10);
  }
  const present = [names.owner, names.admin, names.member].sort();
  await vi.waitFor(
    () =>
      expect([ownerTab, adminTab, memberTab].map((t) => t.events.presenceNames().sort())).toEqual([
        present,
        present,
        present,
      ]),
    { timeout: 10_000 },
  );

  B = {
    slug,
    owner,
    admin,
    member,
    removed: { grant: removedGrant, devices: removedDevices },
    conversations: [`c:${vault}`, `c:${attic}`, dm],
    messages,
    sensors: [probe, gauge],
    invites: { live: { id: live.id, code: live.code }, revoked: { id: revoked.id, code: revoked.code } },
    ingestToken,
    markers: [
      marker,
      slug,
      vault,
      attic,
      probe,
      gauge,
      ingestToken,
      live.id,
      live.code,
      revoked.id,
      revoked.code,
      link.code,
      unusedLink.code,
      ...Object.values(names),
      ...[ownerGrant, adminGrant, memberGrant, removedGrant].map((g) => g.user.id),
      ...owner.devices,
      ...admin.devices,
      ...member.devices,
      ...removedDevices,
    ],
  };
}

async function buildA(hex: string): Promise<void> {
  const slug = uniqueSpace('authz-a');
  const ownerGrant = await granted({ space: slug, name: `Aowner${hex}`, create: { visibility: 'private' } });
  const ownerTab = await openTab(ownerGrant);
  const invite = expectOk(await send(ownerTab.socket, 'space:create-invite', { maxUses: null }), 'A invite');
  const [adminGrant, memberGrant, peerGrant] = await Promise.all(
    [`Aadmin${hex}`, `Amember${hex}`, `Apeer${hex}`].map((name) => granted({ space: slug, name, invite: invite.code })),
  );
  if (!adminGrant || !memberGrant || !peerGrant) throw new Error('setup: A incomplete');
  expectOk(await send(ownerTab.socket, 'space:set-role', { userId: adminGrant.user.id, role: 'admin' }), 'A admin');
  const people = {
    owner: { grant: ownerGrant, tab: ownerTab, devices: await devicesOf(ownerTab) },
    admin: await person(adminGrant),
    member: await person(memberGrant),
    peer: await person(peerGrant),
  };
  const messages: Message[] = [];
  let n = 0;
  const say = async (p: Person, conversationId: string) => {
    n += 1;
    const sent = expectOk(
      await send(p.tab.socket, 'chat:send', { conversationId, clientId: `a-setup-${hex}-${n}`, text: `A says ${n}` }),
      'A message',
    );
    messages.push({ conversationId, seq: sent.seq, authorId: sent.author.id });
  };
  expectOk(await send(ownerTab.socket, 'chat:create-channel', { name: 'side' }), 'A channel');
  for (const p of Object.values(people)) {
    await say(p, GENERAL);
    await say(p, 'c:side');
  }
  const pairs: [Person, Person][] = [
    [people.owner, people.admin],
    [people.owner, people.member],
    [people.admin, people.member],
    [people.member, people.peer],
  ];
  const directs: { id: string; members: [string, string] }[] = [];
  for (const [x, y] of pairs) {
    const id = directId(x.grant.user.id, y.grant.user.id);
    expectOk(await send(x.tab.socket, 'chat:open-direct', { userId: y.grant.user.id }), 'A direct');
    await say(x, id);
    await say(y, id);
    directs.push({ id, members: [x.grant.user.id, y.grant.user.id] });
  }
  expectOk(await send(ownerTab.socket, 'sensor:random', { count: 10 }), 'A readings');
  // Locked: the timer's and the alarms' settings are the admins' (a member is refused them).
  expectOk(await send(ownerTab.socket, 'space:settings', { lockSharedSettings: true }), 'A lock');
  A = { slug, ...people, inviteCode: invite.code, inviteId: invite.id, messages, directs };
}

async function person(grant: SessionGrant): Promise<Person> {
  const tab = await openTab(grant);
  return { grant, tab, devices: await devicesOf(tab) };
}

// ---------------------------------------------------------------------------------------------------
// Probes: one valid command from one of A's roles, and what an ok answer to it would mean

interface Probe {
  actor: Role;
  kind: Kind;
  name: CommandName;
  payload: Record<string, unknown>;
  /**
   * Absent: the command must be refused, whatever it answers ok is a success. Present: it may succeed
   * inside A; the check says why an ok answer is a success anyway (it shows something of B), or null.
   */
  okCheck?: (data: unknown) => string | null;
}

const letters = (alphabet: string, minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength, maxLength });
const text = letters('abcdefghij ', 1, 24).map((s) => `probe ${s}`.trim());
const clientId = letters('abcdefghijklmnopqrstuvwxyz0123456789-_', 8, 24);
const anyRole = fc.constantFrom(...ROLES);
const range = fc.constantFrom(...(Object.keys(SENSOR_RANGES) as SensorRange[]));
const seqNear = (seqs: number[]) => fc.oneof(fc.constantFrom(...seqs), fc.integer({ min: 0, max: 40 }));
const page = (seqs: number[]) =>
  fc.oneof(
    fc.constant({}),
    seqNear(seqs).map((before) => ({ before })),
    seqNear(seqs).map((after) => ({ after })),
    fc.integer({ min: 1, max: 200 }).map((limit) => ({ limit })),
  );

const probe = (
  actor: Role,
  kind: Kind,
  name: CommandName,
  payload: Record<string, unknown>,
  okCheck?: Probe['okCheck'],
): Probe => ({ actor, kind, name, payload, ...(okCheck ? { okCheck } : {}) });

/** Commands on a conversation the actor may not read: every one must be refused. */
function onConversation(actor: Role, kind: Kind, conversationId: string, seqs: number[]): fc.Arbitrary<Probe> {
  const on = (name: CommandName, payload: fc.Arbitrary<Record<string, unknown>>) =>
    payload.map((p) => probe(actor, kind, name, { conversationId, ...p }));
  return fc.oneof(
    on('chat:history', page(seqs)),
    on('chat:send', fc.record({ clientId, text })),
    on('chat:typing', fc.constant({})),
    on(
      'chat:read',
      seqNear(seqs).map((seq) => ({ seq })),
    ),
    on('chat:edit', fc.record({ seq: seqNear(seqs), text })),
    on(
      'chat:delete',
      seqNear(seqs).map((seq) => ({ seq })),
    ),
    on('chat:delete-channel', fc.constant({})),
    on(
      'chat:archive-channel',
      fc.boolean().map((archived) => ({ archived })),
    ),
  );
}

function probes(): fc.Arbitrary<Probe> {
  const userOf = (r: Role) => A[r].grant.user.id;
  const aIds = new Set(aPeople().map((p) => p.grant.user.id));
  const bUsers = [B.owner, B.admin, B.member].map((p) => p.grant.user.id).concat(B.removed.grant.user.id);
  // B's #general has the same id as A's own: only B's other conversations are B's alone to aim at.
  const bOnly = B.messages.filter((m) => m.conversationId !== GENERAL);
  const bSeqs = bOnly.map((m) => m.seq);
  const bDevices = [...B.owner.devices, ...B.admin.devices, ...B.member.devices, ...B.removed.devices];

  const bConversations = anyRole.chain((r) =>
    fc.constantFrom(...B.conversations).chain((c) => onConversation(r, 'B conversations', c, bSeqs)),
  );
  const bMessages = fc.tuple(anyRole, fc.constantFrom(...bOnly), text).chain(([r, m, t]) => {
    const ref = { conversationId: m.conversationId, seq: m.seq };
    return fc.constantFrom(
      probe(r, 'B messages', 'chat:edit', { ...ref, text: t }),
      probe(r, 'B messages', 'chat:delete', ref),
      probe(r, 'B messages', 'chat:read', ref),
      probe(r, 'B messages', 'chat:history', { conversationId: m.conversationId, after: Math.max(0, m.seq - 1) }),
      probe(r, 'B messages', 'chat:history', { conversationId: m.conversationId, before: m.seq + 1, limit: 1 }),
    );
  });
  const bUserProbes = fc
    .tuple(anyRole, fc.constantFrom(...bUsers), anyRole, fc.boolean(), clientId, text)
    .chain(([r, userId, role, block, id, t]) => {
      const dm = directId(userOf(r), userId);
      return fc.constantFrom(
        probe(r, 'B users', 'chat:open-direct', { userId }),
        probe(r, 'B users', 'space:set-role', { userId, role }),
        probe(r, 'B users', 'space:remove-member', { userId, block }),
        probe(r, 'B users', 'chat:send', { conversationId: dm, clientId: id, text: t }),
        probe(r, 'B users', 'chat:history', { conversationId: dm }),
        probe(r, 'B users', 'chat:read', { conversationId: dm, seq: 1 }),
      );
    });
  const bInvites = fc
    .tuple(anyRole, fc.constantFrom(B.invites.live.id, B.invites.revoked.id))
    .map(([r, inviteId]) => probe(r, 'B invites', 'space:revoke-invite', { inviteId }));
  const bDeviceProbes = fc
    .tuple(anyRole, fc.constantFrom(...bDevices))
    .map(([r, deviceId]) => probe(r, 'B devices', 'session:sign-out', { deviceId }));
  // A has no sensor of B's names (the fuzz never makes one), so a history of one may answer, empty.
  const emptyHistory = (d: unknown) =>
    (d as SensorHistory).points.length === 0 ? null : `${(d as SensorHistory).points.length} points of B's sensor`;
  const bSensors = fc
    .tuple(anyRole, fc.constantFrom(...B.sensors), range)
    .chain(([r, sensorId, rng]) =>
      fc.constantFrom(
        probe(r, 'B sensors', 'sensor:history', { sensorId, range: rng }, emptyHistory),
        probe(r, 'B sensors', 'sensor:delete', { sensorId }),
      ),
    );
  const bSlug = anyRole.map((r) =>
    probe(r, 'B name as space:delete confirmation', 'space:delete', { confirm: B.slug }),
  );

  // In A: others' messages (edits by anyone; deletes by a member, as admins may delete anyone's).
  const othersMessages = anyRole.chain((r) => {
    const me = userOf(r);
    const readable = A.messages.filter(
      (m) => m.authorId !== me && (!m.conversationId.startsWith('dm:') || m.conversationId.includes(me)),
    );
    return fc.tuple(fc.constantFrom(...readable), text).chain(([m, t]) => {
      const ref = { conversationId: m.conversationId, seq: m.seq };
      const edit = probe(r, "A: others' messages", 'chat:edit', { ...ref, text: t });
      return r === 'member'
        ? fc.constantFrom(edit, probe(r, "A: others' messages", 'chat:delete', ref))
        : fc.constant(edit);
    });
  });
  const othersDirects = anyRole.chain((r) => {
    const theirs = A.directs.filter((d) => !d.members.includes(userOf(r)));
    return fc
      .constantFrom(...theirs)
      .chain((d) => onConversation(r, "A: others' direct conversations", d.id, [1, 2, 3]));
  });
  const aboveActor = fc.oneof(
    fc.tuple(fc.constantFrom(...aPeople().filter((p) => p !== A.member)), fc.boolean()).map(([p, block]) =>
      probe('member', 'A: members at or above the actor', 'space:remove-member', {
        userId: p.grant.user.id,
        block,
      }),
    ),
    fc
      .tuple(fc.constantFrom(...aPeople()), anyRole)
      .map(([p, role]) =>
        probe('member', 'A: members at or above the actor', 'space:set-role', { userId: p.grant.user.id, role }),
      ),
    fc
      .tuple(fc.constantFrom(A.owner, A.admin), fc.boolean())
      .map(([p, block]) =>
        probe('admin', 'A: members at or above the actor', 'space:remove-member', { userId: p.grant.user.id, block }),
      ),
    fc
      .tuple(fc.constantFrom(...aPeople()), anyRole)
      .map(([p, role]) =>
        probe('admin', 'A: members at or above the actor', 'space:set-role', { userId: p.grant.user.id, role }),
      ),
    fc
      .boolean()
      .map((block) =>
        probe('owner', 'A: members at or above the actor', 'space:remove-member', { userId: userOf('owner'), block }),
      ),
    anyRole.map((role) =>
      probe('owner', 'A: members at or above the actor', 'space:set-role', { userId: userOf('owner'), role }),
    ),
    fc.constant(probe('owner', 'A: members at or above the actor', 'space:leave', {})),
  );
  // Names collide regardless of case: the upper-case one is taken too.
  const othersDevicesAndNames = anyRole.chain((r) => {
    const others = aPeople().filter((p) => p !== A[r]);
    return fc.oneof(
      fc
        .constantFrom(...others.flatMap((p) => p.devices))
        .map((deviceId) => probe(r, "A: others' devices and names", 'session:sign-out', { deviceId })),
      fc.tuple(fc.constantFrom(...others), fc.boolean()).map(([p, upper]) =>
        probe(r, "A: others' devices and names", 'session:rename', {
          name: upper ? p.grant.user.name.toUpperCase() : p.grant.user.name,
        }),
      ),
    );
  });
  const aboveRole = fc.oneof(
    fc
      .constantFrom<[CommandName, Record<string, unknown>]>(
        ['space:create-invite', { expiresInHours: 1, maxUses: 1 }],
        ['space:invites', {}],
        ['space:revoke-invite', { inviteId: A.inviteId }],
        ['space:settings', { lockSharedSettings: false }],
        ['space:settings', { visibility: 'open' }],
        ['space:settings', { messageRetentionDays: 1 }],
        ['sensor:token', {}],
        ['sensor:rotate-token', {}],
        ['sensor:delete', { sensorId: DEFAULT_SENSOR_ID }],
        ['chat:delete-channel', { conversationId: 'c:side' }],
        ['chat:archive-channel', { conversationId: 'c:side', archived: true }],
        ['space:delete', { confirm: A.slug }],
        // Locked in A: the timer's and the alarms' settings are for admins.
        [
          'pomodoro:settings',
          { workSeconds: 600, shortBreakSeconds: 60, longBreakSeconds: 600, cyclesBeforeLongBreak: 2 },
        ],
        ['sensor:thresholds', { humidityMax: 99, temperatureMax: 200 }],
      )
      .map(([name, payload]) => probe('member', 'A: commands above the role', name, payload)),
    fc.constant(probe('admin', 'A: commands above the role', 'space:delete', { confirm: A.slug })),
  );

  const onlyA = (ids: Iterable<string>, what: string) => {
    const outside = [...ids].filter((id) => !aIds.has(id));
    return outside.length === 0 ? null : `${what} ${outside.join(', ')} not of A`;
  };
  const ownReads = anyRole.chain((r) => {
    const kind: Kind = 'A: own reads (must show nothing of B)';
    const reads = [
      probe(r, kind, 'space:members', {}, (d) =>
        onlyA(
          (d as SpaceMembers).members.map((m) => m.id),
          'members',
        ),
      ),
      probe(r, kind, 'session:devices', {}, (d) => {
        const foreign = (d as DeviceList).devices.filter((x) => !A[r].devices.includes(x.id));
        return foreign.length === 0 ? null : `devices ${foreign.map((x) => x.id).join(', ')} not the actor's`;
      }),
      probe(r, kind, 'chat:history', { conversationId: GENERAL }, (d) =>
        onlyA(
          (d as ChatHistoryPage).messages.map((m) => m.author.id),
          'authors',
        ),
      ),
      probe(r, kind, 'chat:history', { conversationId: 'c:side', limit: 200 }, (d) =>
        onlyA(
          (d as ChatHistoryPage).messages.map((m) => m.author.id),
          'authors',
        ),
      ),
    ];
    if (r !== 'member') {
      reads.push(
        probe(r, kind, 'space:invites', {}, (d) => {
          const creators = (d as InviteList).invites.map((i) => i.createdBy.id);
          return onlyA(creators, 'invites created by');
        }),
        probe(r, kind, 'sensor:token', {}, (d) =>
          (d as SensorIngestToken).ingestPath.includes(`/${A.slug}/`) ? null : 'an ingest path of another space',
        ),
      );
    }
    return fc.constantFrom(...reads);
  });
  const ownActions = fc.tuple(anyRole, clientId, text).chain(([r, id, t]) => {
    const kind: Kind = 'A: own actions (must reach no B tab)';
    const any = () => null;
    const actions = [
      probe(r, kind, 'chat:send', { conversationId: GENERAL, clientId: id, text: t }, any),
      probe(r, kind, 'chat:typing', { conversationId: GENERAL }, any),
      probe(r, kind, 'chat:read', { conversationId: GENERAL, seq: 1 }, any),
      probe(r, kind, 'pomodoro:press', {}, any),
      probe(r, kind, 'clicker:click', { count: 3 }, any),
      probe(r, kind, 'sensor:random', { count: 1 }, any),
    ];
    if (r !== 'member') {
      actions.push(
        probe(r, kind, 'sensor:thresholds', { humidityMax: 65, temperatureMax: 85 }, any),
        probe(r, kind, 'sensor:rotate-token', {}, any),
        probe(
          r,
          kind,
          'pomodoro:settings',
          { workSeconds: 1200, shortBreakSeconds: 300, longBreakSeconds: 900, cyclesBeforeLongBreak: 4 },
          any,
        ),
      );
    }
    return fc.constantFrom(...actions);
  });

  // B's resources weigh the most; A's own reads and actions are there to be watched from B.
  return fc.oneof(
    { weight: 4, arbitrary: bConversations },
    { weight: 3, arbitrary: bMessages },
    { weight: 3, arbitrary: bUserProbes },
    { weight: 2, arbitrary: bInvites },
    { weight: 2, arbitrary: bDeviceProbes },
    { weight: 2, arbitrary: bSensors },
    { weight: 1, arbitrary: bSlug },
    { weight: 2, arbitrary: othersMessages },
    { weight: 2, arbitrary: othersDirects },
    { weight: 2, arbitrary: aboveActor },
    { weight: 2, arbitrary: othersDevicesAndNames },
    { weight: 2, arbitrary: aboveRole },
    { weight: 1, arbitrary: ownReads },
    { weight: 2, arbitrary: ownActions },
  );
}

/** B markers in `answer` that the probe's own payload did not carry. */
function leaked(answer: unknown, payload: unknown): string[] {
  const text = JSON.stringify(answer) ?? '';
  const given = JSON.stringify(payload) ?? '';
  return B.markers.filter((m) => text.includes(m) && !given.includes(m));
}

/** B's rows, compared with what they were; a change is a success once (then it is the new reference). */
function checkB(after: string): void {
  tally.bRowChecks += 1;
  const now = rowsOf(B.slug);
  if (now.hash !== bCurrent.hash) {
    success("B's rows changed", `after ${after}: ${brief(bCurrent.perTable)} → ${brief(now.perTable)}`);
    bCurrent = now;
  }
}

async function fire(p: Probe): Promise<void> {
  const described = `${p.actor} ${p.name} ${brief(p.payload)}`;
  bump(tally.sent, p.kind);
  if (!commands[p.name].payload.safeParse(p.payload).success) tally.invalidPayloads.push(described);
  const { tab } = A[p.actor];
  if (!tab.socket.connected) {
    success("A's tabs closed", `${p.actor}'s tab was closed before ${described}`);
    return;
  }
  const ack = (await sendRaw(tab.socket, p.name, p.payload)) as Ack<unknown>;
  if (ack.ok) {
    const why = p.okCheck ? p.okCheck(ack.data) : 'answered ok';
    if (why === null) bump(tally.harmless, p.kind);
    else success(`${p.kind}: ok answers`, `${described} → ${why}: ${brief(ack.data)}`);
  } else {
    bump(tally.refused, p.kind);
    bump(tally.refusalCodes, ack.error.code);
    if (/not available yet/i.test(ack.error.message)) bump(tally.notYet, p.name);
    if (ack.error.code === ErrorCode.Internal || ack.error.code === ErrorCode.Unavailable) {
      tally.serverErrors.push(`${ack.error.code}: ${described}`);
    }
  }
  const found = leaked(ack, p.payload);
  if (found.length > 0) success('B markers in answers to A', `${described} → ${found.join(', ')}`);
  checkB(described);
}

/** After a sequence: B's tabs got nothing, A's tabs got nothing of B, no row outside B names B. */
async function checkAfterSequence(sequence: string, skipMarkers: readonly string[] = []): Promise<void> {
  await barrier([...aTabs(), ...bTabs()]);
  for (const tab of bTabs()) {
    const news = tab.received.slice(tab.checked);
    tab.checked = tab.received.length;
    if (news.length > 0) {
      success("Events reaching B's tabs", `${news.map((e) => e.event).join(', ')} after: ${sequence}`);
    }
  }
  for (const tab of aTabs()) {
    const news = tab.received.slice(tab.checked);
    tab.checked = tab.received.length;
    for (const { event, payload } of news) {
      const found = leaked(payload, '').filter((m) => !skipMarkers.includes(m));
      if (found.length > 0)
        success('B markers in events to A', `${event} carried ${found.join(', ')} after: ${sequence}`);
    }
  }
  for (const [name, tab] of [
    ...aPeople().map((p) => [p.grant.user.name, p.tab] as const),
    ...bTabs().map((t, i) => [`B ${ROLES[i]}`, t] as const),
  ]) {
    if (tab.closed.length > 0 && !successes.get('Tabs closed')?.some((s) => s.startsWith(name))) {
      success('Tabs closed', `${name}: ${tab.closed.join(', ')} after: ${sequence}`);
    }
  }
  const naming = rowsOutsideNaming(
    B.slug,
    B.markers.filter((m) => !skipMarkers.includes(m)),
  );
  for (const row of naming) {
    if (!successes.get('Rows outside B naming B')?.includes(row)) success('Rows outside B naming B', row);
  }
}

// ---------------------------------------------------------------------------------------------------
// Tokens: everything that is not a live session of its space

const serverSigner = createTokenSigner(TEST_SESSION_SECRET);
const otherSigner = createTokenSigner('another-secret-that-is-long-enough-9876543210');

interface TokenSpec {
  uid: string;
  space: string;
  did: string | undefined;
  age: 'fresh' | 'expired';
  signer: 'server' | 'another secret' | 'tampered';
  /** The space in the route's path. */
  pathSpace: 'A' | 'B';
}

function tokenOf(spec: TokenSpec): string {
  const iat = spec.age === 'fresh' ? Date.now() : Date.now() - SESSION_TTL_MS - 60_000;
  const claims: SessionClaims = { uid: spec.uid, space: spec.space, iat, ...(spec.did ? { did: spec.did } : {}) };
  if (spec.signer === 'server') return serverSigner.sign(claims);
  if (spec.signer === 'another secret') return otherSigner.sign(claims);
  // A genuine token of A's owner with its claims swapped and its signature kept.
  const [prefix, , signature] = A.owner.grant.token.split('.');
  return `${prefix}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

/** Resolves with the handshake refusal's code, or 'connected'. */
function handshake(token: string): Promise<string> {
  const socket = io(server.url, {
    auth: { token, protocolVersion: PROTOCOL_VERSION },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise<string>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => resolve(err.data?.code ?? err.message));
  }).finally(() => socket.disconnect());
}

const SESSION_ROUTES = Object.entries(httpRoutes)
  .filter(([, spec]) => spec.auth === 'session')
  .map(([key]) => {
    const [method = '', template = ''] = key.split(' ');
    return { key, method, template };
  });

/** A session route's URL for a space, with one of that space's sensors where the path names one. */
function routeUrl(template: string, space: string): string {
  const url = template.replace(':space', space).replace(':sensorId', space === B.slug ? (B.sensors[0] ?? '') : 'room');
  if (url.includes(':')) throw new Error(`session route ${template}: a path parameter this test does not fill`);
  return url;
}

async function httpStatus(method: string, target: string, token: string): Promise<number> {
  const res = await fetch(`${server.url}${target}`, { method, headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  tally.httpCalls += 1;
  bump(tally.httpStatuses, res.status);
  if (res.status >= 500) tally.serverErrors.push(`${res.status}: ${method} ${target}`);
  return res.status;
}

// ---------------------------------------------------------------------------------------------------

beforeAll(async () => {
  server = await startHuddle(
    testConfig({
      dataDir: data.dir,
      rateLimitScale: RATE_LIMIT_SCALE,
      chatSendRate: { burst: 100_000, perSecond: 100_000 },
      sessionTtlMs: SESSION_TTL_MS,
    }),
    { logger: serverLogger },
  );
  reader = new SQLite(path.join(data.dir, 'huddle.sqlite'), { readonly: true, fileMustExist: true });
  scopes = tableScopes(reader);
  const hex = randomBytes(4).toString('hex');
  await buildB(hex);
  // From here on B is watched: A's own setup is held to the same checks as the fuzz.
  await barrier(bTabs());
  for (const tab of bTabs()) tab.checked = tab.received.length;
  bBaseline = rowsOf(B.slug);
  bCurrent = bBaseline;
  await buildA(hex);
  checkB("A's setup");
  await checkAfterSequence("A's setup");
  expect(successCount(), brief([...successes])).toBe(0);
}, 120_000);

afterAll(async () => {
  reader?.close();
  for (const tab of [...(A ? aTabs() : []), ...(B ? bTabs() : [])]) tab.socket.disconnect();
  await server?.stop();
  data.remove();
});

describe('authorization fuzzing with valid payloads', () => {
  it("commands from every role of A aimed at B's resources and at what the role may not do in A: zero successes", async () => {
    let sequences = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(probes(), SEQUENCE_LENGTH), async (sequence) => {
        sequences += 1;
        for (const p of sequence) await fire(p);
        await checkAfterSequence(sequence.map((p) => `${p.actor} ${p.name}`).join(' → '));
      }),
      { numRuns: SEQUENCES, seed: SEED, endOnFailure: true },
    );

    const kinds = [...tally.sent.keys()].sort();
    for (const kind of kinds) {
      const ok = tally.harmless.get(kind) ?? 0;
      report.measured(
        `Sent: ${kind}`,
        `${tally.sent.get(kind)} (refused ${tally.refused.get(kind) ?? 0}${ok ? `, ok inside A ${ok}` : ''})`,
      );
    }
    const sent = [...tally.sent.values()].reduce((a, b) => a + b, 0);
    report.measured('Commands sent', `${sent} in ${sequences} sequences (seed ${SEED})`);
    report.measured('Refusals by code', listCounts(tally.refusalCodes));
    report.measured(
      "…of which 'Not available yet' (a command still stubbed, counted as refused)",
      tally.notYet.size ? listCounts(tally.notYet) : 0,
    );
    report.asserted(
      'Payloads their schema refused (every one must be valid)',
      tally.invalidPayloads,
      (invalid) => expect(invalid, invalid.slice(0, 3).join(' | ')).toEqual([]),
      tally.invalidPayloads.length,
    );
    report.asserted(
      "B's rows changed (hashed after every command)",
      successCount("B's rows changed"),
      (n) => expect(n, successes.get("B's rows changed")?.slice(0, 3).join(' | ')).toBe(0),
      `${successCount("B's rows changed")} (${bBaseline.rows} rows of B in ${Object.keys(bBaseline.perTable).length} tables, ${tally.bRowChecks} checks)`,
    );
    const eventsToB = successCount("Events reaching B's tabs");
    report.asserted("Events reaching B's tabs", eventsToB, (n) =>
      expect(n, successes.get("Events reaching B's tabs")?.slice(0, 3).join(' | ')).toBe(0),
    );
    const fromCommands = [...successes.keys()].filter(
      (k) => k !== "B's rows changed" && k !== "Events reaching B's tabs",
    );
    const other = fromCommands.flatMap((k) => (successes.get(k) ?? []).map((s) => `${k}: ${s}`));
    report.asserted(
      'Other successes: ok answers beyond the role or into B, B markers reaching A, rows naming B, tabs closed',
      other,
      (list) => expect(list, list.slice(0, 5).join(' | ')).toEqual([]),
      other.length,
    );
  });

  it("forged, expired, tampered, another space's and a removed member's tokens open no socket and no session route", async () => {
    const users = new Map<string, { space: string; removed: boolean }>();
    for (const p of aPeople()) users.set(p.grant.user.id, { space: A.slug, removed: false });
    for (const p of [B.owner, B.admin, B.member]) users.set(p.grant.user.id, { space: B.slug, removed: false });
    users.set(B.removed.grant.user.id, { space: B.slug, removed: true });
    const deviceOwner = new Map<string, string>();
    for (const p of [...aPeople(), B.owner, B.admin, B.member]) {
      for (const d of p.devices) deviceOwner.set(d, p.grant.user.id);
    }
    for (const d of B.removed.devices) deviceOwner.set(d, B.removed.grant.user.id);
    /** A live session of its space: only the server can sign one, and it is not what this test is about. */
    const genuine = (s: TokenSpec) =>
      s.signer === 'server' &&
      s.age === 'fresh' &&
      users.get(s.uid)?.space === s.space &&
      users.get(s.uid)?.removed === false &&
      (s.did === undefined || deviceOwner.get(s.did) === s.uid);

    const spec: fc.Arbitrary<TokenSpec> = fc
      .record({
        uid: fc.constantFrom(...users.keys(), 'no-such-user'),
        space: fc.constantFrom(A.slug, B.slug, 'nowhere-space'),
        did: fc.option(fc.constantFrom(...deviceOwner.keys(), 'no-such-device'), { nil: undefined }),
        age: fc.constantFrom('fresh' as const, 'expired' as const),
        signer: fc.constantFrom('server' as const, 'another secret' as const, 'tampered' as const),
        pathSpace: fc.constantFrom('A' as const, 'B' as const),
      })
      .filter((s) => !genuine(s));

    const tryToken = async (token: string, pathSpace: string, what: string) => {
      tally.handshakes += 1;
      const answer = await handshake(token);
      bump(tally.handshakeCodes, answer);
      if (answer === 'connected') success('Handshakes accepted', what);
      for (const route of SESSION_ROUTES) {
        const status = await httpStatus(route.method, routeUrl(route.template, pathSpace), token);
        if (status !== 401) success('Session routes not answering 401', `${route.key} → ${status}: ${what}`);
      }
      checkB(`token ${what}`);
    };

    await fc.assert(
      fc.asyncProperty(spec, async (s) => {
        await tryToken(tokenOf(s), s.pathSpace === 'A' ? A.slug : B.slug, brief({ ...s, iat: undefined }));
      }),
      { numRuns: TOKEN_RUNS, seed: SEED + 1, endOnFailure: true },
    );
    // Real tokens: the removed member's own, and each of A's roles on B's routes (the revoke route has no
    // space in its path: A's token there is A's own, legitimate call, not sent).
    await tryToken(B.removed.grant.token, B.slug, "B's removed member's own token");
    for (const role of ROLES) {
      for (const route of SESSION_ROUTES.filter((r) => r.template.includes(':space'))) {
        const status = await httpStatus(route.method, routeUrl(route.template, B.slug), A[role].grant.token);
        if (status !== 401) success('Session routes not answering 401', `${route.key} on B by A's ${role} → ${status}`);
      }
    }
    await checkAfterSequence('tokens');

    report.measured(
      'Handshakes with tokens that are not a live session (forged, expired, tampered, another space’s, removed)',
      `${tally.handshakes}: ${listCounts(tally.handshakeCodes)}`,
    );
    report.measured(
      `Session-route calls with those tokens and A's on B (${SESSION_ROUTES.map((r) => r.key).join('; ')})`,
      `${tally.httpCalls}: ${listCounts(tally.httpStatuses)}`,
    );
    const accepted = successes.get('Handshakes accepted') ?? [];
    const routes = successes.get('Session routes not answering 401') ?? [];
    report.asserted(
      'Sockets accepted / session routes not answering 401',
      [...accepted, ...routes],
      (list) => expect(list, list.slice(0, 3).join(' | ')).toEqual([]),
      `${accepted.length} / ${routes.length}`,
    );
  });

  it('joins, access checks and device links into B without a valid invite are all refused', async () => {
    const guessed = 'A'.repeat(24);
    const aLink = async () => expectOk(await send(A.member.tab.socket, 'session:link-device', {}), 'A link').code;
    const joinSpec = fc.record({
      route: fc.constantFrom('join' as const, 'access' as const, 'link' as const),
      name: fc.constantFrom(
        B.owner.grant.user.name,
        B.member.grant.user.name,
        B.removed.grant.user.name,
        A.member.grant.user.name,
        'Eve',
      ),
      invite: fc.constantFrom(undefined, A.inviteCode, B.invites.revoked.code, guessed),
      token: fc.constantFrom(
        undefined,
        A.owner.grant.token,
        A.member.grant.token,
        B.removed.grant.token,
        tokenOf({
          uid: B.owner.grant.user.id,
          space: B.slug,
          did: undefined,
          age: 'fresh',
          signer: 'another secret',
          pathSpace: 'B',
        }),
      ),
      create: fc.constantFrom(undefined, 'private' as const, 'open' as const),
    });
    await fc.assert(
      fc.asyncProperty(joinSpec, async (j) => {
        let status: number;
        let code = '';
        if (j.route === 'access') {
          const query = j.invite ? `?invite=${j.invite}` : '';
          const res = await fetch(`${server.url}/api/spaces/${B.slug}/access${query}`);
          status = res.status;
          code = ((await res.json()) as { error?: { code?: string } }).error?.code ?? '';
        } else {
          const body =
            j.route === 'join'
              ? {
                  space: B.slug,
                  name: j.name,
                  ...(j.invite ? { invite: j.invite } : {}),
                  ...(j.token ? { token: j.token } : {}),
                  ...(j.create ? { create: { visibility: j.create } } : {}),
                }
              : { space: B.slug, code: j.invite ?? (await aLink()) };
          const schema = j.route === 'join' ? createSessionBodySchema : linkSessionBodySchema;
          if (!schema.safeParse(body).success) tally.invalidPayloads.push(`${j.route} ${brief(body)}`);
          const res = await post(j.route === 'join' ? '/api/sessions' : '/api/sessions/link', body);
          status = res.status;
          code = (res.json as { error?: { code?: string } } | null)?.error?.code ?? '';
        }
        tally.joins += 1;
        bump(tally.joinAnswers, `${j.route} ${status} ${code}`.trim());
        if (status >= 500) tally.serverErrors.push(`${status}: ${j.route}`);
        if ((status >= 200 && status < 300) || code === ErrorCode.NameTaken) {
          success('Joins into B', `${brief(j)} → ${status} ${code}`);
        }
        checkB(`${j.route} ${brief(j)}`);
      }),
      { numRuns: JOIN_RUNS, seed: SEED + 2, endOnFailure: true },
    );
    await checkAfterSequence('joins');
    report.measured(
      'Joins, access checks and device links into B (route, status, code)',
      `${tally.joins}: ${listCounts(tally.joinAnswers)}`,
    );
    const joined = successes.get('Joins into B') ?? [];
    report.asserted(
      'Answered 2xx, or NAME_TAKEN (telling a name exists in B)',
      joined,
      (list) => expect(list, list.slice(0, 3).join(' | ')).toEqual([]),
      joined.length,
    );
  });

  it("the same names in two spaces stay apart: A's channel and sensor named like B's hold only A's", async () => {
    const [vault] = B.conversations;
    const [probeSensor] = B.sensors;
    if (!vault || !probeSensor) throw new Error('fixture incomplete');
    const shadowed = [vault.slice(2), probeSensor];
    const before = successCount();
    const o = A.owner.tab.socket;
    const channel = expectOk(await send(o, 'chat:create-channel', { name: vault.slice(2) }), 'A channel named like B');
    expect(channel.lastSeq, "A's new channel named like B's").toBe(0);
    const history = expectOk(await send(A.member.tab.socket, 'chat:history', { conversationId: vault }), 'history');
    expect(history.messages).toEqual([]);
    expectOk(
      await send(A.member.tab.socket, 'chat:send', { conversationId: vault, clientId: 'shadow-0001', text: 'A only' }),
      'send',
    );
    // The peer sends no probes: its random-reading allowance (not scaled) is whole.
    const peer = A.peer.tab.socket;
    expectOk(await send(peer, 'sensor:random', { sensorId: probeSensor, count: 1 }), 'A sensor named like B');
    const csv = await fetch(`${server.url}/api/spaces/${A.slug}/sensors/${probeSensor}/readings.csv?range=1h`, {
      headers: { authorization: `Bearer ${A.owner.grant.token}` },
    }).then((r) => r.text());
    const lines = csv.trim().split('\n');
    expect(lines.length, 'a header and the one reading of A').toBe(2);
    expect(csv).not.toContain('43.21');
    const after = expectOk(await send(A.admin.tab.socket, 'chat:history', { conversationId: vault }), 'history');
    expect(after.messages.map((m) => m.text)).toEqual(['A only']);
    checkB('shadow channel and sensor');
    await checkAfterSequence('shadow channel and sensor', shadowed);
    report.asserted(
      "A channel and a sensor of A named like B's: B's messages or readings seen, B changed",
      successCount() - before,
      (n) => expect(n, brief([...successes])).toBe(0),
      `${after.messages.length} message and ${lines.length - 1} reading, both A's; B unchanged`,
    );
  });

  it('B ends exactly as it began; no server failure; zero successes in all', () => {
    const end = rowsOf(B.slug);
    report.asserted(
      "B's rows at the end (row count and hash against the start)",
      end.hash,
      (hash) => expect(hash).toBe(bBaseline.hash),
      `${end.rows} rows, ${end.hash === bBaseline.hash ? 'same hash' : 'DIFFERENT hash'} (${bBaseline.rows} at the start)`,
    );
    report.asserted(
      'INTERNAL or UNAVAILABLE acks, HTTP 5xx, errors the server logged',
      [...tally.serverErrors, ...serverErrorLogs],
      (errors) => expect(errors, errors.slice(0, 3).join(' | ')).toEqual([]),
      `${tally.serverErrors.length} / ${serverErrorLogs.length}`,
    );
    report.measured('Duration', `${((performance.now() - started) / 1000).toFixed(1)} s (setup included)`);
    const all = [...successes].map(([k, list]) => `${k}: ${list.length}`);
    report.asserted(
      'Successes, all kinds',
      successCount(),
      (n) => expect(n, all.join(', ')).toBe(0),
      successCount() === 0 ? '0' : all.join(', '),
    );
  });
});
