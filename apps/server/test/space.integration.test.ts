import {
  type AppErrorBody,
  type Member,
  PROTOCOL_VERSION,
  ServerEvent,
  type SessionEnded,
  type SessionGrant,
} from '@huddle/protocol';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHuddle } from '../src/server.js';
import { connect, send, startTestServer, type TestClient, uniqueSpace } from './helpers.js';

let server: RunningHuddle;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

type Body = Record<string, unknown>;
async function post(path: string, body: Body): Promise<{ status: number; json: Body }> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Body };
}
const joinAs = (body: Body) => post('/api/sessions', body);
async function granted(body: Body): Promise<SessionGrant> {
  const { status, json } = await joinAs(body);
  if (status !== 201) throw new Error(`join ${JSON.stringify(body)}: ${status} ${JSON.stringify(json)}`);
  return json as unknown as SessionGrant;
}
const errorOf = (json: Body) => json.error as AppErrorBody;

/** Connects and waits for the members list (the space's part of the snapshot). */
async function tab(grant: SessionGrant): Promise<TestClient> {
  const { socket } = await connect(server.url, grant.token);
  return socket;
}

/** Resolves with the handshake refusal's data, or 'connected'. */
function handshake(token: string): Promise<unknown> {
  const socket = io(server.url, {
    auth: { token, protocolVersion: PROTOCOL_VERSION },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise<unknown>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (err: Error & { data?: unknown }) => resolve(err.data ?? err.message));
  }).finally(() => socket.disconnect());
}

/** The next `space:members` list on `socket` that satisfies `test`. */
function membersWhere(socket: TestClient, test: (members: Member[]) => boolean): Promise<Member[]> {
  return new Promise((resolve) => {
    const listener = ({ members }: { members: Member[] }) => {
      if (!test(members)) return;
      socket.off(ServerEvent.SpaceMembers, listener);
      resolve(members);
    };
    socket.on(ServerEvent.SpaceMembers, listener);
  });
}

/** What a tab is told when its session ends, and that it is then closed. */
function ended(socket: TestClient): Promise<{ ended: SessionEnded; closedAfterMs: number }> {
  return new Promise((resolve) => {
    let told: SessionEnded | null = null;
    let at = 0;
    socket.once(ServerEvent.SessionEnded, (payload) => {
      told = payload;
      at = performance.now();
    });
    socket.once('disconnect', () => {
      if (told) resolve({ ended: told, closedAfterMs: performance.now() - at });
    });
  });
}

async function privateSpaceWithOwner() {
  const space = uniqueSpace('private');
  const owner = await granted({ space, name: 'Olga', create: { visibility: 'private' } });
  const ownerTab = await tab(owner);
  return { space, owner, ownerTab };
}

async function invite(socket: TestClient, options: { maxUses?: number | null; expiresInHours?: number } = {}) {
  const ack = await send(socket, 'space:create-invite', options);
  if (!ack.ok) throw new Error(ack.error.message);
  return ack.data;
}

describe('private spaces and invites', () => {
  it('a stranger without an invite learns nothing: a private space answers like one that does not exist', async () => {
    const { space, ownerTab } = await privateSpaceWithOwner();
    const nowhere = uniqueSpace('nowhere');
    const intoPrivate = await joinAs({ space, name: 'Eve' });
    const intoNothing = await joinAs({ space: nowhere, name: 'Eve' });
    expect(intoPrivate.status).toBe(403);
    expect(intoNothing.status).toBe(403);
    expect(errorOf(intoPrivate.json).code).toBe('SPACE_PRIVATE');
    expect(errorOf(intoPrivate.json)).toEqual(errorOf(intoNothing.json));
    const accessPrivate = await fetch(`${server.url}/api/spaces/${space}/access`);
    const accessNothing = await fetch(`${server.url}/api/spaces/${nowhere}/access`);
    expect([accessPrivate.status, accessNothing.status]).toEqual([403, 403]);
    expect(await accessPrivate.json()).toEqual(await accessNothing.json());
    // A made-up invite is no better than none.
    const guessed = await joinAs({ space, name: 'Eve', invite: 'A'.repeat(24) });
    expect(guessed.status).toBe(403);
    expect(errorOf(guessed.json).code).toBe('SPACE_PRIVATE');
    ownerTab.close();
  });

  it('an invite admits people until it is used up, expires or is revoked; its secret is 144 bits', async () => {
    const { space, ownerTab } = await privateSpaceWithOwner();
    const once = await invite(ownerTab, { maxUses: 1 });
    expect(once.code).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(Buffer.from(once.code, 'base64url')).toHaveLength(18);
    const access = await fetch(`${server.url}/api/spaces/${space}/access?invite=${once.code}`);
    expect(await access.json()).toEqual({ space, access: 'invite' });
    // A name taken does not spend the invite's one use.
    expect((await joinAs({ space, name: 'olga', invite: once.code })).status).toBe(409);
    const bo = await granted({ space, name: 'Bo', invite: once.code });
    expect(bo.user.name).toBe('Bo');
    const again = await joinAs({ space, name: 'Cy', invite: once.code });
    expect(again.status).toBe(403);
    expect(errorOf(again.json).code).toBe('INVITE_EXPIRED');

    const many = await invite(ownerTab, { maxUses: null });
    await granted({ space, name: 'Cy', invite: many.code });
    const listed = await send(ownerTab, 'space:invites', {});
    expect(listed.ok && listed.data.invites.map((i) => [i.id, i.uses])).toEqual([[many.id, 1]]);
    expect(await send(ownerTab, 'space:revoke-invite', { inviteId: many.id })).toEqual({
      ok: true,
      data: { invites: [] },
    });
    expect(errorOf((await joinAs({ space, name: 'Di', invite: many.code })).json).code).toBe('INVITE_EXPIRED');
    // Another space's invite does not open this one.
    const other = await privateSpaceWithOwner();
    const theirs = await invite(other.ownerTab);
    expect(errorOf((await joinAs({ space, name: 'Di', invite: theirs.code })).json).code).toBe('SPACE_PRIVATE');
    ownerTab.close();
    other.ownerTab.close();
  });

  it('an open space admits anyone with the link; creating a taken private name is refused', async () => {
    const space = uniqueSpace('open');
    const ana = await granted({ space, name: 'Ana', create: { visibility: 'open' } });
    await granted({ space, name: 'Bo' });
    const anaTab = await tab(ana);
    const members = await send(anaTab, 'space:members', {});
    expect(members.ok && members.data.members).toEqual([
      { id: ana.user.id, name: 'Ana', role: 'owner' },
      expect.objectContaining({ name: 'Bo', role: 'member' }),
    ]);
    const { space: taken, ownerTab } = await privateSpaceWithOwner();
    const create = await joinAs({ space: taken, name: 'Mallory', create: { visibility: 'private' } });
    expect(create.status).toBe(409);
    expect(errorOf(create.json)).toMatchObject({ code: 'SPACE_EXISTS', field: 'space' });
    anaTab.close();
    ownerTab.close();
  });
});

describe('roles', () => {
  it('members may not invite or moderate; a promotion applies to open tabs at once', async () => {
    const { space, owner, ownerTab } = await privateSpaceWithOwner();
    const code = (await invite(ownerTab)).code;
    const bo = await granted({ space, name: 'Bo', invite: code });
    const cy = await granted({ space, name: 'Cy', invite: code });
    const boTab = await tab(bo);
    const refused = await send(boTab, 'space:create-invite', {});
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await send(boTab, 'space:remove-member', { userId: cy.user.id })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await send(boTab, 'sensor:rotate-token', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const promoted = membersWhere(boTab, (m) => m.some((x) => x.id === bo.user.id && x.role === 'admin'));
    expect(await send(ownerTab, 'space:set-role', { userId: bo.user.id, role: 'admin' })).toMatchObject({ ok: true });
    await promoted;
    expect(await send(boTab, 'space:create-invite', {})).toMatchObject({ ok: true });
    // An admin removes members, not the owner, and cannot promote.
    expect(await send(boTab, 'space:remove-member', { userId: owner.user.id })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await send(boTab, 'space:set-role', { userId: cy.user.id, role: 'admin' })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    ownerTab.close();
    boTab.close();
  });

  it('locking shared settings keeps members off the pomodoro settings and alarm thresholds', async () => {
    const space = uniqueSpace('lock');
    const owner = await granted({ space, name: 'Olga', create: { visibility: 'open' } });
    const bo = await granted({ space, name: 'Bo' });
    const [ownerTab, boTab] = await Promise.all([tab(owner), tab(bo)]);
    const thresholds = { humidityMax: 60, temperatureMax: 80 };
    expect(await send(boTab, 'sensor:thresholds', thresholds)).toMatchObject({ ok: true });
    const told = new Promise((resolve) => boTab.once(ServerEvent.SpaceSettings, resolve));
    expect(await send(ownerTab, 'space:settings', { lockSharedSettings: true })).toMatchObject({
      ok: true,
      data: { lockSharedSettings: true },
    });
    expect(await told).toMatchObject({ lockSharedSettings: true });
    expect(await send(boTab, 'sensor:thresholds', thresholds)).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(
      await send(boTab, 'pomodoro:settings', {
        workSeconds: 600,
        shortBreakSeconds: 60,
        longBreakSeconds: 120,
        cyclesBeforeLongBreak: 2,
      }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await send(ownerTab, 'sensor:thresholds', thresholds)).toMatchObject({ ok: true });
    // Members still press the tomato.
    expect(await send(boTab, 'pomodoro:press', {})).toMatchObject({ ok: true });
    ownerTab.close();
    boTab.close();
  });

  it('the owner hands the space over and becomes an admin; the owner cannot leave', async () => {
    const space = uniqueSpace('handover');
    const owner = await granted({ space, name: 'Olga', create: { visibility: 'open' } });
    const bo = await granted({ space, name: 'Bo' });
    const ownerTab = await tab(owner);
    expect(await send(ownerTab, 'space:leave', {})).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const handed = await send(ownerTab, 'space:set-role', { userId: bo.user.id, role: 'owner' });
    expect(handed.ok && handed.data.members.map((m) => [m.name, m.role])).toEqual([
      ['Bo', 'owner'],
      ['Olga', 'admin'],
    ]);
    // Olga is an admin now, on her open tab too: owner-only commands are refused.
    expect(await send(ownerTab, 'space:delete', { confirm: space })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    ownerTab.close();
  });
});

describe('removing a member', () => {
  it("closes every tab of theirs within 2 s, their tokens stop working, and with block they can't come back", async () => {
    const { space, ownerTab } = await privateSpaceWithOwner();
    const code = (await invite(ownerTab)).code;
    const bo = await granted({ space, name: 'Bo', invite: code });
    const [boTab1, boTab2] = await Promise.all([tab(bo), tab(bo)]);
    const endings = Promise.all([ended(boTab1), ended(boTab2)]);
    const listed = membersWhere(ownerTab, (m) => !m.some((x) => x.id === bo.user.id));
    const started = performance.now();
    const removal = await send(ownerTab, 'space:remove-member', { userId: bo.user.id, block: true });
    expect(removal.ok && removal.data.members.map((m) => m.name)).toEqual(['Olga']);
    const told = await endings;
    expect(performance.now() - started).toBeLessThan(2000);
    for (const { ended: e } of told)
      expect(e).toEqual({ reason: 'removed', message: 'You were removed from this space' });
    await listed;
    expect(await handshake(bo.token)).toEqual({ code: 'REMOVED', message: 'You were removed from this space' });
    // A browser that held Bo's session cannot come back with the invite; the name is free for others.
    const back = await joinAs({ space, name: 'Bo', invite: code, token: bo.token });
    expect(back.status).toBe(403);
    expect(errorOf(back.json).code).toBe('REMOVED');
    expect((await granted({ space, name: 'Bo', invite: code })).user.id).not.toBe(bo.user.id);
    ownerTab.close();
  });

  it('without block, the removed person may come back through an invite as someone new', async () => {
    const { space, ownerTab } = await privateSpaceWithOwner();
    const code = (await invite(ownerTab)).code;
    const bo = await granted({ space, name: 'Bo', invite: code });
    const boTab = await tab(bo);
    const closed = ended(boTab);
    await send(ownerTab, 'space:remove-member', { userId: bo.user.id });
    await closed;
    const again = await granted({ space, name: 'Bo', invite: code, token: bo.token });
    expect(again.user.id).not.toBe(bo.user.id);
    ownerTab.close();
  });

  it("leaving ends this person's tabs and frees their name", async () => {
    const space = uniqueSpace('leave');
    const owner = await granted({ space, name: 'Olga', create: { visibility: 'open' } });
    const bo = await granted({ space, name: 'Bo' });
    const [ownerTab, boTab] = await Promise.all([tab(owner), tab(bo)]);
    const closed = ended(boTab);
    const gone = membersWhere(ownerTab, (m) => m.length === 1);
    expect(await send(boTab, 'space:leave', {})).toEqual({ ok: true, data: null });
    expect((await closed).ended.reason).toBe('left');
    await gone;
    expect(await handshake(bo.token)).toMatchObject({ code: 'REMOVED' });
    expect((await granted({ space, name: 'Bo' })).user.id).not.toBe(bo.user.id);
    ownerTab.close();
  });
});

describe('each person', () => {
  it('renames: every tab gets the new name, history shows it, a taken name is refused', async () => {
    const space = uniqueSpace('rename');
    const owner = await granted({ space, name: 'Olga', create: { visibility: 'open' } });
    const bo = await granted({ space, name: 'Bo' });
    const [ownerTab, boTab] = await Promise.all([tab(owner), tab(bo)]);
    const sent = await send(boTab, 'chat:send', { conversationId: 'c:general', clientId: 'rename-0001', text: 'hi' });
    expect(sent.ok).toBe(true);
    expect(await send(boTab, 'session:rename', { name: 'olga' })).toMatchObject({
      ok: false,
      error: { code: 'NAME_TAKEN', field: 'name' },
    });
    const seen = membersWhere(ownerTab, (m) => m.some((x) => x.id === bo.user.id && x.name === 'Bea'));
    expect(await send(boTab, 'session:rename', { name: 'Bea' })).toMatchObject({ ok: true });
    await seen;
    const history = await send(ownerTab, 'chat:history', { conversationId: 'c:general' });
    expect(history.ok && history.data.messages.map((m) => m.author.name)).toEqual(['Bea']);
    ownerTab.close();
    boTab.close();
  });

  it('links another device with a one-time code, lists devices and signs one out', async () => {
    const space = uniqueSpace('devices');
    const ana = await granted({ space, name: 'Ana', create: { visibility: 'private' } });
    const laptop = await tab(ana);
    const link = await send(laptop, 'session:link-device', {});
    if (!link.ok) throw new Error(link.error.message);
    expect(link.data.expiresAt).toBeGreaterThan(Date.now() + 9 * 60_000);
    const phone = await post('/api/sessions/link', { space, code: link.data.code });
    expect(phone.status).toBe(201);
    const phoneGrant = phone.json as unknown as SessionGrant;
    expect(phoneGrant.user).toEqual(ana.user);
    expect((await post('/api/sessions/link', { space, code: link.data.code })).status).toBe(403);

    const phoneTab = await tab(phoneGrant);
    const devices = await send(laptop, 'session:devices', {});
    if (!devices.ok) throw new Error(devices.error.message);
    expect(devices.data.devices).toHaveLength(2);
    const other = devices.data.devices.find((d) => !d.current);
    if (!other) throw new Error('no other device listed');
    const phoneClosed = ended(phoneTab);
    expect(await send(laptop, 'session:sign-out', { deviceId: other.id })).toEqual({ ok: true, data: null });
    expect((await phoneClosed).ended.reason).toBe('signed-out');
    expect(await handshake(phoneGrant.token)).toMatchObject({ code: 'UNAUTHORIZED' });
    // The laptop stays signed in; someone else's device id is not found.
    expect(await send(laptop, 'session:sign-out', { deviceId: 'not-mine' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    const laptopClosed = ended(laptop);
    expect(await send(laptop, 'session:sign-out', {})).toEqual({ ok: true, data: null });
    await laptopClosed;
    expect(await handshake(ana.token)).toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
