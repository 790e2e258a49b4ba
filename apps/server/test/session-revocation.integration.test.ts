import { ServerEvent, type SessionEnded, type SessionGrant } from '@huddle/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { type Db, openDatabase } from '../src/db/database.js';
import { type RunningHuddle, startHuddle } from '../src/server.js';
import { createUserStore, type UserStore } from '../src/session/user.store.js';
import {
  connectRecorded,
  createPgDatabase,
  deferred,
  join,
  send,
  type TestClient,
  tempDir,
  testConfig,
  uniqueSpace,
} from './helpers.js';

/** Where a server's storage lives, and a second connection to it: another node writing without broadcasting. */
interface Storage {
  name: string;
  config: Partial<Config>;
  /** The same database, as another node sees it. */
  otherNode: UserStore;
  close(): Promise<void>;
}

const backends: { name: string; open(): Promise<Storage> }[] = [
  {
    name: 'SQLite',
    async open() {
      const dir = tempDir();
      const { db } = await openDatabase({ dataDir: dir.dir });
      return storage('SQLite', { dataDir: dir.dir }, db, async () => dir.remove());
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const pg = await createPgDatabase();
      const { db } = await openDatabase({ dataDir: '', databaseUrl: pg.url });
      return storage('PostgreSQL', { databaseUrl: pg.url }, db, () => pg.drop());
    },
  },
];

function storage(name: string, config: Partial<Config>, db: Db, remove: () => Promise<void>): Storage {
  return {
    name,
    config,
    otherNode: createUserStore(db),
    async close() {
      await db.destroy();
      await remove();
    },
  };
}

/** A connected tab: its events recorded from the start, its welcome, and how it ended. */
async function tab(url: string, token: string) {
  const ended: SessionEnded[] = [];
  const { socket, events } = await connectRecorded(url, token, (s) =>
    s.on(ServerEvent.SessionEnded, (e) => ended.push(e)),
  );
  const welcome = await events.next(ServerEvent.Welcome);
  const closed = new Promise<{ reason: string; at: number }>((resolve) =>
    socket.once('disconnect', (reason) => resolve({ reason, at: performance.now() })),
  );
  return { socket, welcome, ended, closed };
}

describe.each(backends)('session revocation on $name', (backend) => {
  let store: Storage;
  const servers: RunningHuddle[] = [];
  const sockets: TestClient[] = [];

  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    for (const s of servers.splice(0)) await s.stop();
    await store.close();
  });

  async function server(overrides: Partial<Config> = {}, clock?: { now(): number }) {
    const s = await startHuddle(testConfig({ ...store.config, ...overrides }), clock ? { clock } : {});
    servers.push(s);
    return s;
  }
  async function open(url: string, token: string) {
    const t = await tab(url, token);
    sockets.push(t.socket);
    return t;
  }

  it('a session stands while its user is a member, its version current and its device signed in', async () => {
    const s = await server();
    const space = uniqueSpace('stands');
    const [ana, bo, cy] = [
      await join(s.url, space, 'Ana'),
      await join(s.url, space, 'Bo'),
      await join(s.url, space, 'Cy'),
    ];
    const users = store.otherNode;
    const deviceOf = async (grant: SessionGrant) => (await users.devices(grant.user.id))[0]?.id ?? '';
    const [anaDevice, boDevice, cyDevice] = [await deviceOf(ana), await deviceOf(bo), await deviceOf(cy)];
    expect(await users.sessionStands(ana.user.id, anaDevice, 0)).toBe(true);
    // What a handshake reads, in one query: the member, and the device only when it is theirs.
    expect(await users.findWithDevice(ana.user.id, anaDevice)).toMatchObject({
      user: { id: ana.user.id, name: 'Ana', removedAt: null },
      device: { id: anaDevice, userId: ana.user.id, revokedAt: null },
    });
    expect((await users.findWithDevice(ana.user.id, boDevice))?.device).toBeNull();
    expect(await users.findWithDevice('no-such-user', anaDevice)).toBeNull();
    // Another member's device, or an unknown one.
    expect(await users.sessionStands(ana.user.id, boDevice, 0)).toBe(false);
    expect(await users.sessionStands(ana.user.id, 'no-such-device', 0)).toBe(false);
    // A device signed out.
    await users.revokeDevice(ana.user.id, anaDevice, Date.now());
    expect(await users.sessionStands(ana.user.id, anaDevice, 0)).toBe(false);
    // A member removed.
    await users.remove(bo.user.id, Date.now(), false, 'removed');
    expect(await users.sessionStands(bo.user.id, boDevice, 0)).toBe(false);
    // Tokens from before "sign out other devices" (version 0), not those after it (version 1).
    expect(await users.revokeOtherSessions(cy.user.id, cyDevice, Date.now())).toBe(1);
    expect(await users.sessionStands(cy.user.id, cyDevice, 0)).toBe(false);
    expect(await users.sessionStands(cy.user.id, cyDevice, 1)).toBe(true);
  });

  it('closes sockets whose revocation was written elsewhere and never broadcast, within one check', async () => {
    const s = await server({ revocationCheckMs: 200 });
    const space = uniqueSpace('swept');
    const ana = await join(s.url, space, 'Ana');
    const bo = await join(s.url, space, 'Bo');
    const cy = await join(s.url, space, 'Cy');
    const [anaTab, boTab, cyTab] = await Promise.all([
      open(s.url, ana.token),
      open(s.url, bo.token),
      open(s.url, cy.token),
    ]);
    const deviceOf = async (grant: SessionGrant) => (await store.otherNode.devices(grant.user.id))[0]?.id ?? '';

    // What another node does when Redis is away: the storage writes, and no broadcast reaches this node.
    const started = performance.now();
    expect(await store.otherNode.revokeDevice(ana.user.id, await deviceOf(ana), Date.now())).toBe(true);
    await store.otherNode.remove(bo.user.id, Date.now(), false, 'removed');
    const version = await store.otherNode.revokeOtherSessions(cy.user.id, await deviceOf(cy), Date.now());
    expect(version).toBe(1);

    const closed = await Promise.all([anaTab.closed, boTab.closed, cyTab.closed]);
    expect(closed.map((c) => c.reason)).toEqual([
      'io server disconnect',
      'io server disconnect',
      'io server disconnect',
    ]);
    expect(Math.max(...closed.map((c) => c.at - started))).toBeLessThan(5000);
    expect(anaTab.ended.map((e) => e.reason)).toEqual(['signed-out']);
    expect(boTab.ended.map((e) => e.reason)).toEqual(['removed']);
    // Cy's own device: closed without a word, and back with a token of the new version.
    expect(cyTab.ended).toEqual([]);
    const fresh = await open(s.url, cyTab.welcome.token).catch((err: unknown) => err);
    expect(fresh).toMatchObject({ data: { code: 'UNAUTHORIZED' } });
  });

  it('a socket of the new session version stays open through the checks that close the older ones', async () => {
    const s = await server({ revocationCheckMs: 60_000 });
    const ana = await join(s.url, uniqueSpace('kept'), 'Ana');
    const old = await open(s.url, ana.token);
    const res = await fetch(`${s.url}/api/sessions/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${old.welcome.token}` },
    });
    expect(res.status).toBe(200);
    const grant = (await res.json()) as SessionGrant;
    await old.closed;
    const kept = await open(s.url, grant.token);
    expect(await s.app.checkRevocations()).toBe(0);
    expect(kept.socket.connected).toBe(true);
  });

  it('a handshake that authenticated before a revocation and joins its rooms after its broadcast is closed', async () => {
    // The periodic check is far away: only the check after joining the rooms can close it.
    const s = await server({ revocationCheckMs: 60_000 });
    const ana = await join(s.url, uniqueSpace('race'), 'Ana');
    const authenticated = deferred();
    const released = deferred();
    // Runs after the session check, before the socket joins its rooms.
    s.app.io.use((_socket, next) => {
      authenticated.resolve();
      void released.promise.then(() => next());
    });

    const closedBy = deferred<string>();
    const racing = connectRecorded(s.url, ana.token, (socket) => socket.once('disconnect', closedBy.resolve));
    await authenticated.promise;
    const res = await fetch(`${s.url}/api/sessions/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ana.token}` },
    });
    expect(res.status).toBe(200);
    released.resolve();
    const { socket, events } = await racing;
    sockets.push(socket);
    expect(await closedBy.promise).toBe('io server disconnect');
    // Closed before its set-up went on: it was never welcomed.
    expect(events.count(ServerEvent.Welcome)).toBe(0);
  });

  it('only the newest token of a device may sign devices out, a few times, then RATE_LIMITED per user', async () => {
    const s = await server({ rateLimitScale: 1 });
    const space = uniqueSpace('thief');
    const ana = await join(s.url, space, 'Ana');
    const revoke = (token: string) =>
      fetch(`${s.url}/api/sessions/revoke`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    // The owner's browser connects twice: the token it started with is now an older copy (a thief's).
    const first = await open(s.url, ana.token);
    const second = await open(s.url, first.welcome.token);
    const stolen = await open(s.url, ana.token);
    expect(stolen.welcome.token).toBe(ana.token);

    const refused = await revoke(ana.token);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    expect(await send(stolen.socket, 'session:sign-out', {})).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await send(stolen.socket, 'session:link-device', {})).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(second.socket.connected).toBe(true);

    // The newest token may: five times in a row, then the sixth is refused for a while.
    let token = second.welcome.token;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const res = await revoke(token);
      statuses.push(res.status);
      if (res.status === 200) token = ((await res.json()) as SessionGrant).token;
      else expect(((await res.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    // The thief's copy was revoked with the rest.
    expect((await stolen.closed).reason).toBe('io server disconnect');
  });

  it('a session ends SESSION_MAX_AGE_HOURS after its device signed in, however often it was renewed', async () => {
    let offset = 0;
    const clock = { now: () => Date.now() + offset };
    const HOUR = 3_600_000;
    const s = await server({ sessionTtlMs: 10 * HOUR, sessionMaxAgeMs: 24 * HOUR, revocationCheckMs: 100 }, clock);
    const space = uniqueSpace('lifetime');
    const ana = await join(s.url, space, 'Ana');
    let token = ana.token;
    // Renewed every 8 hours, so the sliding expiry never ends it.
    for (let i = 0; i < 2; i += 1) {
      offset += 8 * HOUR;
      const t = await open(s.url, token);
      token = t.welcome.token;
      t.socket.disconnect();
    }
    const lastTab = await open(s.url, token);
    offset += 9 * HOUR;
    // 25 hours after the sign-in: the open tab is closed, and the newest renewal is refused.
    expect((await lastTab.closed).reason).toBe('io server disconnect');
    const refused = await open(s.url, lastTab.welcome.token).catch((err: unknown) => err);
    expect(refused).toMatchObject({
      data: { code: 'UNAUTHORIZED', message: 'Your session has expired; join again' },
    });
    const reclaim = await fetch(`${s.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ space, name: 'Ana', token: lastTab.welcome.token }),
    });
    expect(reclaim.status).toBe(409);
  });
});
