import {
  type Ack,
  COMMAND_NAMES,
  type CommandName,
  type CommandPayload,
  commands,
  httpRoutes,
  PROTOCOL_VERSION,
  permits,
  type Role,
  type SessionGrant,
} from '@huddle/protocol';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHuddle } from '../src/server.js';
import { connect, send, startTestServer, type TestClient, uniqueSpace } from './helpers.js';

/**
 * The permission matrix, derived from the protocol: every command and every session route × every role ×
 * (own space / another space / removed member / no session). The expected answer comes from each
 * command's declared `permission`; a command without a valid payload here does not compile, so a new one
 * cannot ship without its row.
 */

let server: RunningHuddle;
beforeAll(async () => {
  server = await startTestServer({ rateLimitScale: 100 });
});
afterAll(async () => {
  await server.stop();
});

const ROLES: Role[] = ['member', 'admin', 'owner'];

async function join(body: Record<string, unknown>): Promise<SessionGrant> {
  const res = await fetch(`${server.url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`join: ${res.status} ${await res.text()}`);
  return (await res.json()) as SessionGrant;
}

/** A private space with an owner, an admin, a member and a target member, each with a message in #general. */
async function crew(lockSharedSettings = false) {
  const space = uniqueSpace('matrix');
  const owner = await join({ space, name: 'Owner', create: { visibility: 'private' } });
  const ownerTab = (await connect(server.url, owner.token)).socket;
  const invite = await send(ownerTab, 'space:create-invite', {});
  if (!invite.ok) throw new Error(invite.error.message);
  const code = invite.data.code;
  const [admin, member, target] = await Promise.all(
    ['Admin', 'Member', 'Target'].map((name) => join({ space, name, invite: code })),
  );
  if (!admin || !member || !target) throw new Error('crew incomplete');
  await send(ownerTab, 'space:set-role', { userId: admin.user.id, role: 'admin' });
  if (lockSharedSettings) await send(ownerTab, 'space:settings', { lockSharedSettings: true });
  const tabs: Record<Role, TestClient> = {
    owner: ownerTab,
    admin: (await connect(server.url, admin.token)).socket,
    member: (await connect(server.url, member.token)).socket,
  };
  const grants: Record<Role, SessionGrant> = { owner, admin, member };
  const seqOf: Partial<Record<Role, number>> = {};
  for (const role of ROLES) {
    const sent = await send(tabs[role], 'chat:send', {
      conversationId: 'c:general',
      clientId: `matrix-${role}-0001`,
      text: `${role} says hi`,
    });
    if (!sent.ok) throw new Error(sent.error.message);
    seqOf[role] = sent.data.seq;
  }
  await send(ownerTab, 'chat:create-channel', { name: 'side' });
  await send(ownerTab, 'sensor:random', { count: 1 });
  const spare = await send(ownerTab, 'space:create-invite', {});
  if (!spare.ok) throw new Error(spare.error.message);
  return { space, tabs, grants, target, seqOf: seqOf as Record<Role, number>, spareInvite: spare.data.id };
}

type Crew = Awaited<ReturnType<typeof crew>>;

/** A valid payload of every command for `role` of `c`, aimed at its own space. */
function payloads(c: Crew, role: Role): { [K in CommandName]: CommandPayload<K> } {
  return {
    'clock:sync': {},
    'pomodoro:press': {},
    'pomodoro:pause': {},
    'pomodoro:resume': {},
    'pomodoro:reset': {},
    'pomodoro:settings': { workSeconds: 600, shortBreakSeconds: 60, longBreakSeconds: 120, cyclesBeforeLongBreak: 2 },
    'chat:send': { conversationId: 'c:general', clientId: `matrix-${role}-0002`, text: 'again' },
    'chat:history': { conversationId: 'c:general' },
    'chat:create-channel': { name: `by-${role}` },
    'chat:open-direct': { userId: c.target.user.id },
    'chat:typing': { conversationId: 'c:general' },
    'chat:read': { conversationId: 'c:general', seq: 1 },
    'chat:edit': { conversationId: 'c:general', seq: c.seqOf[role], text: 'edited' },
    'chat:delete': { conversationId: 'c:general', seq: c.seqOf.member },
    'chat:delete-channel': { conversationId: 'c:side' },
    'chat:archive-channel': { conversationId: 'c:side', archived: true },
    'sensor:random': { count: 1 },
    'sensor:thresholds': { humidityMax: 60, temperatureMax: 80 },
    'sensor:history': { sensorId: 'room', range: '1h' },
    'sensor:token': {},
    'sensor:rotate-token': {},
    'sensor:delete': { sensorId: 'room' },
    'clicker:click': { count: 1 },
    'clicker:buy': { item: 'shovel', clientId: 'purchase-0001' },
    'space:members': {},
    'space:settings': { readingRetentionDays: 30 },
    'space:create-invite': {},
    'space:invites': {},
    'space:revoke-invite': { inviteId: c.spareInvite },
    'space:set-role': { userId: c.target.user.id, role: 'admin' },
    'space:remove-member': { userId: c.target.user.id, block: false },
    'space:leave': {},
    'space:delete': { confirm: c.space },
    'session:rename': { name: `Renamed ${role}` },
    'session:devices': {},
    'session:sign-out': {},
    'session:link-device': {},
  };
}

const send_ = (socket: TestClient, name: CommandName, payload: unknown) =>
  send(socket, name, payload as CommandPayload<typeof name>) as Promise<Ack<unknown>>;

/** Resolves with the handshake refusal's code, or 'connected'. */
function handshake(auth: object): Promise<string> {
  const socket = io(server.url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise<string>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => resolve(err.data?.code ?? err.message));
  }).finally(() => socket.disconnect());
}

// Every command × every role, over real sockets: ~10 s on a quiet machine, several times that on a busy one.
describe('the permission matrix', { timeout: 90_000 }, () => {
  for (const locked of [false, true]) {
    it(`every command × every role in its own space answers as its declared permission says (settings ${locked ? 'locked' : 'unlocked'})`, async () => {
      const matrix: string[] = [];
      for (const name of COMMAND_NAMES) {
        const { permission } = commands[name];
        if (locked && permission !== 'settings') continue;
        // A fresh space per command: refused roles go first (they must change nothing), then the permitted
        // ones from the least to the most powerful.
        const c = await crew(locked);
        const order = [...ROLES].sort(
          (a, b) => Number(permits(a, permission, locked)) - Number(permits(b, permission, locked)),
        );
        for (const role of order) {
          const allowed = permits(role, permission, locked);
          const ack = await send_(c.tabs[role], name, payloads(c, role)[name]);
          const answer = ack.ok ? 'ok' : ack.error.code;
          matrix.push(`${name} ${role} ${answer}`);
          if (allowed) expect(answer, `${name} by ${role}`).not.toBe('FORBIDDEN');
          else expect(answer, `${name} by ${role}`).toBe('FORBIDDEN');
        }
        for (const tab of Object.values(c.tabs)) tab.close();
      }
      expect(matrix.length).toBeGreaterThan(0);
    });
  }

  it('a removed member cannot connect, and no session at all cannot either: no command is reachable', async () => {
    const c = await crew();
    const targetTab = (await connect(server.url, c.target.token)).socket;
    const closed = new Promise((resolve) => targetTab.once('disconnect', resolve));
    await send(c.tabs.owner, 'space:remove-member', { userId: c.target.user.id });
    await closed;
    expect(await handshake({ token: c.target.token, protocolVersion: PROTOCOL_VERSION })).toBe('REMOVED');
    expect(await handshake({ protocolVersion: PROTOCOL_VERSION })).toBe('UNAUTHORIZED');
    expect(await handshake({ token: 'v1.forged.token', protocolVersion: PROTOCOL_VERSION })).toBe('UNAUTHORIZED');
    for (const tab of Object.values(c.tabs)) tab.close();
  });

  it('every session route × every role × own space / another space / removed member / no session', async () => {
    const c = await crew();
    const other = await crew();
    // Routes of a space first; those that act on the token's own user (signing out other devices ends
    // the tokens used here) last.
    const sessionRoutes = Object.entries(httpRoutes)
      .filter(([, spec]) => spec.auth === 'session')
      .sort(([a], [b]) => Number(!a.includes(':space')) - Number(!b.includes(':space')));
    expect(sessionRoutes.length).toBeGreaterThan(0);
    const removedTab = (await connect(server.url, c.target.token)).socket;
    const closed = new Promise((resolve) => removedTab.once('disconnect', resolve));
    await send(c.tabs.owner, 'space:remove-member', { userId: c.target.user.id });
    await closed;
    const status = async (key: string, space: string, token?: string) => {
      const [method, path = ''] = key.split(' ');
      const url = `${server.url}${path.replace(':space', space).replace(':sensorId', 'room')}`;
      const res = await fetch(url, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
      await res.arrayBuffer();
      return res.status;
    };
    for (const [key, spec] of sessionRoutes) {
      const permission = 'permission' in spec ? spec.permission : 'member';
      const ofASpace = key.includes(':space');
      expect(await status(key, c.space, c.target.token), `${key} by a removed member`).toBe(401);
      expect(await status(key, c.space), `${key} without a session`).toBe(401);
      for (const role of ROLES) {
        // Own token, another space's path (a route without a space acts on the token's own user).
        if (ofASpace) {
          expect(await status(key, other.space, c.grants[role].token), `${key} by ${role} of another space`).toBe(401);
        }
        const expected = permits(role, permission, false) ? 200 : 403;
        expect(await status(key, c.space, c.grants[role].token), `${key} by ${role}`).toBe(expected);
      }
    }
    for (const tab of [...Object.values(c.tabs), ...Object.values(other.tabs)]) tab.close();
  });
});
