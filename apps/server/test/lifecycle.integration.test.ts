import {
  PROTOCOL_VERSION,
  type SensorBoard,
  ServerEvent,
  type SessionEnded,
  type SessionGrant,
} from '@huddle/protocol';
import { io } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { connectRecorded, type EventLog, join, send, type TestClient, uniqueSpace, useTestServers } from './helpers.js';
import { useTwoNodeCluster } from './node-process.js';

/** What a tab is told when its session ends, once it is also closed. */
function endOf(socket: TestClient): Promise<SessionEnded> {
  return new Promise((resolve, reject) => {
    let told: SessionEnded | null = null;
    socket.once(ServerEvent.SessionEnded, (payload) => {
      told = payload;
    });
    socket.once('disconnect', () => (told ? resolve(told) : reject(new Error('closed without being told why'))));
  });
}

/** Resolves with the handshake refusal's code, or 'connected'. */
function handshake(url: string, token: string): Promise<string> {
  const socket = io(url, {
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

describe('deleting a space, exporting it, deleting a sensor', () => {
  const servers = useTestServers();

  /** A connected tab that has its first snapshot (the sensor board is the last part sent before the game). */
  async function tabOf(
    url: string,
    grant: SessionGrant,
  ): Promise<{ socket: TestClient; events: EventLog; board: SensorBoard }> {
    const tab = servers.track(await connectRecorded(url, grant.token));
    return { ...tab, board: await tab.events.next(ServerEvent.SensorBoard) };
  }

  async function crew(url: string) {
    const space = uniqueSpace('crew');
    const owner = await join(url, space, 'Olga');
    const admin = await join(url, space, 'Ada');
    const member = await join(url, space, 'Mo');
    const ownerTab = await tabOf(url, owner);
    const promoted = await send(ownerTab.socket, 'space:set-role', { userId: admin.user.id, role: 'admin' });
    if (!promoted.ok) throw new Error(promoted.error.message);
    return { space, owner, admin, member, ownerTab };
  }

  it('the owner deletes the space: every tab is told and closed, another space stays, the name is free again', async () => {
    const { url } = await servers.start();
    const c = await crew(url);
    const memberTab = await tabOf(url, c.member);
    const memberTabs = [memberTab, await tabOf(url, c.member)];
    const adminTab = await tabOf(url, c.admin);
    const neighbour = await join(url, uniqueSpace('neighbour'), 'Nell');
    const neighbourTab = await tabOf(url, neighbour);
    await send(c.ownerTab.socket, 'chat:send', {
      conversationId: 'c:general',
      clientId: 'before-delete-1',
      text: 'bye',
    });
    await send(c.ownerTab.socket, 'sensor:random', { count: 10 });
    await send(c.ownerTab.socket, 'pomodoro:press', {});

    // A slip in the name, or anyone but the owner: nothing happens.
    const slip = await send(c.ownerTab.socket, 'space:delete', { confirm: `${c.space}x` });
    expect(slip).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', field: 'confirm' } });
    const byAdmin = await send(adminTab.socket, 'space:delete', { confirm: c.space });
    expect(byAdmin).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await send(memberTab.socket, 'space:members', {})).toMatchObject({ ok: true });

    const tabs = [c.ownerTab, adminTab, ...memberTabs];
    const ends = tabs.map((t) => endOf(t.socket));
    const neighbourClosed = recordClose(neighbourTab.socket);
    expect(await send(c.ownerTab.socket, 'space:delete', { confirm: c.space })).toEqual({ ok: true, data: null });
    for (const ended of await Promise.all(ends)) {
      expect(ended).toEqual({ reason: 'space-deleted', message: expect.any(String) });
    }
    expect(tabs.every((t) => t.socket.disconnected)).toBe(true);

    // The neighbour's tab is still there and answered.
    expect(await send(neighbourTab.socket, 'space:members', {})).toMatchObject({ ok: true });
    expect(neighbourClosed()).toBe(false);
    expect(neighbourTab.socket.connected).toBe(true);

    // The old sessions are gone with the space; the name is anyone's to create anew, empty.
    expect(await handshake(url, c.member.token)).not.toBe('connected');
    const newOwner = await join(url, c.space, 'Mo');
    expect(newOwner.user.id).not.toBe(c.member.user.id);
    const fresh = await tabOf(url, newOwner);
    const members = await send(fresh.socket, 'space:members', {});
    expect(members).toEqual({ ok: true, data: { members: [{ id: newOwner.user.id, name: 'Mo', role: 'owner' }] } });
    const history = await send(fresh.socket, 'chat:history', { conversationId: 'c:general' });
    expect(history.ok && history.data.messages).toEqual([]);
    expect(fresh.board.sensors).toEqual([]);
  });

  it('an admin downloads the space as NDJSON or JSON; members and strangers cannot', async () => {
    const { url } = await servers.start();
    const c = await crew(url);
    await send(c.ownerTab.socket, 'chat:send', {
      conversationId: 'c:general',
      clientId: 'export-0001',
      text: 'in the export',
    });
    await send(c.ownerTab.socket, 'sensor:random', { count: 10 });
    const token = await send(c.ownerTab.socket, 'sensor:token', {});
    if (!token.ok) throw new Error(token.error.message);
    const get = (format: string, bearer?: string) =>
      fetch(`${url}/api/spaces/${c.space}/export?format=${format}`, {
        headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
      });

    const ndjson = await get('ndjson', c.admin.token);
    expect(ndjson.status).toBe(200);
    expect(ndjson.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(ndjson.headers.get('content-disposition')).toBe(`attachment; filename=${c.space}-export.ndjson`);
    const body = await ndjson.text();
    const records = body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; [k: string]: unknown });
    expect(records[0]).toMatchObject({ type: 'export', space: c.space });
    expect(
      records
        .filter((r) => r.type === 'member')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['Ada', 'Mo', 'Olga']);
    expect(records.find((r) => r.type === 'message')).toMatchObject({ channel: 'c:general', text: 'in the export' });
    expect(records.filter((r) => r.type === 'reading')).toHaveLength(10);
    expect(body).not.toContain(token.data.token);
    for (const grant of [c.owner, c.admin, c.member]) expect(body).not.toContain(grant.token);

    const json = await get('json', c.owner.token);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    // The same records, but for when each download was made.
    const document = (await json.json()) as { records: typeof records };
    expect(document.records[0]).toMatchObject({ type: 'export', space: c.space });
    expect(document.records.slice(1)).toEqual(records.slice(1));

    expect((await get('ndjson', c.member.token)).status).toBe(403);
    expect((await get('ndjson')).status).toBe(401);
    const badFormat = await get('xml', c.admin.token);
    expect(badFormat.status).toBe(400);
    expect(await badFormat.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });

  it('an admin deletes a sensor with its readings: every tab is told, the others stay; an unknown one is NOT_FOUND', async () => {
    const { url } = await servers.start();
    const c = await crew(url);
    const adminTab = await tabOf(url, c.admin);
    const memberTab = await tabOf(url, c.member);
    await send(c.ownerTab.socket, 'sensor:random', { count: 10 });
    await send(c.ownerTab.socket, 'sensor:random', { sensorId: 'porch', count: 1 });
    await memberTab.events.next(ServerEvent.SensorUpdate, (s) => s.sensorId === 'porch');

    expect(await send(memberTab.socket, 'sensor:delete', { sensorId: 'room' })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await send(adminTab.socket, 'sensor:delete', { sensorId: 'room' })).toEqual({
      ok: true,
      data: { sensorId: 'room' },
    });
    expect(await memberTab.events.next(ServerEvent.SensorRemoved)).toEqual({ sensorId: 'room' });
    expect(await c.ownerTab.events.next(ServerEvent.SensorRemoved)).toEqual({ sensorId: 'room' });
    expect(await send(adminTab.socket, 'sensor:delete', { sensorId: 'room' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND', field: 'sensorId' },
    });
    const history = await send(memberTab.socket, 'sensor:history', { sensorId: 'room', range: '1h' });
    expect(history.ok && history.data.points).toEqual([]);

    // A fresh tab's board has only the sensor left.
    const later = await tabOf(url, c.member);
    expect(later.board.sensors.map((s) => [s.sensorId, s.total])).toEqual([['porch', 1]]);
  });
});

/** Whether the socket closed since this was called. */
function recordClose(socket: TestClient): () => boolean {
  let closed = false;
  socket.once('disconnect', () => {
    closed = true;
  });
  return () => closed;
}

// Two server processes sharing a fresh PostgreSQL database and a Redis key prefix of their own.
describe('deleting a space on two nodes', () => {
  const cluster = useTwoNodeCluster();

  it('tells and closes the space’s tabs on the other node too; another space’s tab there stays', async () => {
    const [n1, n2] = cluster.nodes();
    const space = uniqueSpace('cluster');
    const owner = await join(n1, space, 'Olga');
    const member = await join(n2, space, 'Mo');
    const neighbour = await join(n2, uniqueSpace('neighbour'), 'Nell');
    const tab = async (url: string, grant: SessionGrant) => {
      const t = await connectRecorded(url, grant.token);
      cluster.track(t.socket);
      await t.events.next(ServerEvent.SensorBoard);
      return t;
    };
    const ownerTab = await tab(n1, owner);
    const memberTab = await tab(n2, member);
    const neighbourTab = await tab(n2, neighbour);
    // A running timer is armed on every node: the deletion disarms it everywhere.
    await send(memberTab.socket, 'pomodoro:press', {});

    const ends = [endOf(ownerTab.socket), endOf(memberTab.socket)];
    const neighbourClosed = recordClose(neighbourTab.socket);
    expect(await send(ownerTab.socket, 'space:delete', { confirm: space })).toEqual({ ok: true, data: null });
    for (const ended of await Promise.all(ends)) expect(ended.reason).toBe('space-deleted');

    expect(await send(neighbourTab.socket, 'space:members', {})).toMatchObject({ ok: true });
    expect(neighbourClosed()).toBe(false);
    expect(await handshake(n2, member.token)).not.toBe('connected');
  }, 200_000);
});
