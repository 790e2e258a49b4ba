import { randomBytes } from 'node:crypto';
import { Command, PomodoroState, ServerEvent } from '@huddle/protocol';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectRecorded,
  createPgDatabase,
  join,
  nextPresenceChange,
  send,
  type TestClient,
  uniqueSpace,
} from './helpers.js';
import { type NodeProcess, startNodeProcess } from './node-process.js';

const REDIS_URL = process.env.HUDDLE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

// Three server processes sharing a fresh PostgreSQL database and a Redis key prefix of their own.
describe('three nodes on PostgreSQL and Redis', () => {
  let pg: Awaited<ReturnType<typeof createPgDatabase>>;
  const prefix = `huddle-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  let nodes: NodeProcess[] = [];
  const sockets: { disconnect(): void }[] = [];

  let generation = 0;
  async function startNodes(env: { workSeconds?: number } = {}) {
    generation += 1;
    nodes = await Promise.all(
      ['n1', 'n2', 'n3'].map((id) =>
        startNodeProcess({
          DATABASE_URL: pg.url,
          REDIS_URL,
          REDIS_PREFIX: prefix,
          NODE_ID: `${prefix}-${generation}-${id}`,
          SESSION_SECRET: 'cluster-test-secret-cluster-test-secret',
          HEARTBEAT_INTERVAL_MS: '300',
          HEARTBEAT_TIMEOUT_MS: '300',
          POMODORO_WORK_SECONDS: String(env.workSeconds ?? 1500),
          LOG_LEVEL: 'info',
        }),
      ),
    );
    return nodes.map((n) => n.url);
  }

  async function tab(url: string, token: string) {
    const t = await connectRecorded(url, token);
    sockets.push(t.socket);
    await t.events.next(ServerEvent.ChatPresence, (p) => 'users' in p);
    return t;
  }

  beforeAll(async () => {
    pg = await createPgDatabase();
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    for (const n of nodes.splice(0)) await n.stop();
  });
  afterAll(async () => {
    await pg.drop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('delivers chat across nodes and keeps one presence list, a user with tabs on two nodes counted once', async () => {
    const [n1, n2, n3] = (await startNodes()) as [string, string, string];
    // Each node names itself on /healthz (how one finds where a load balancer sends a request).
    expect(await (await fetch(`${n2}/healthz`)).json()).toEqual({ ok: true, node: `${prefix}-${generation}-n2` });
    const space = uniqueSpace('cluster');
    const ana = await join(n1, space, 'Ana');
    const bo = await join(n2, space, 'Bo');
    const anaOn1 = await tab(n1, ana.token);
    const boOn2 = await tab(n2, bo.token);
    await nextPresenceChange(anaOn1.events, (c) => c.user.name === 'Bo');
    expect(anaOn1.events.presenceNames()).toEqual(['Ana', 'Bo']);

    // Ana's second tab, on another node, is not news; Cy's arrival is the next thing Bo hears.
    const anaOn3 = await tab(n3, ana.token);
    expect(anaOn3.events.presenceNames()).toEqual(['Ana', 'Bo']);
    await tab(n3, (await join(n3, space, 'Cy')).token);
    await nextPresenceChange(boOn2.events, (c) => c.user.name === 'Cy');
    expect(boOn2.events.presenceNames()).toEqual(['Ana', 'Bo', 'Cy']);

    const ack = await send(anaOn1.socket, Command.ChatSend, {
      conversationId: 'c:general',
      clientId: 'cluster-msg-1',
      text: 'across nodes',
    });
    expect(ack).toMatchObject({ ok: true, data: { seq: 1 } });
    expect(await boOn2.events.next(ServerEvent.ChatMessage)).toMatchObject({ text: 'across nodes', seq: 1 });
    expect(await anaOn3.events.next(ServerEvent.ChatMessage)).toMatchObject({ text: 'across nodes' });

    // Ana closes the tab on node 1: still here through node 3. Closing that one too makes her leave, once.
    anaOn1.socket.disconnect();
    anaOn3.socket.disconnect();
    expect(await nextPresenceChange(boOn2.events, (c) => c.kind === 'left')).toMatchObject({ user: { name: 'Ana' } });
    expect(boOn2.events.presenceNames()).toEqual(['Bo', 'Cy']);
    const heard = boOn2.events.presenceChanges().filter((c) => c.user.name !== 'Bo');
    expect(heard.map((c) => `${c.kind} ${c.user.name}`)).toEqual(['joined Cy', 'left Ana']);
  });

  it('applies concurrent presses from two nodes once, and one expiry, whichever nodes armed it', async () => {
    const [n1, n2, n3] = (await startNodes({ workSeconds: 1 })) as [string, string, string];
    const space = uniqueSpace('cluster');
    const ana = await tab(n1, (await join(n1, space, 'Ana')).token);
    const bo = await tab(n2, (await join(n2, space, 'Bo')).token);
    const watcher = await tab(n3, (await join(n3, space, 'Cy')).token);

    const presses = await Promise.all([
      send(ana.socket, Command.PomodoroPress, {}),
      send(bo.socket, Command.PomodoroPress, {}),
    ]);
    expect(presses.filter((p) => p.ok)).toHaveLength(1);
    expect(presses.find((p) => !p.ok)).toMatchObject({ ok: false, error: { code: 'INVALID_TRANSITION' } });

    const alarm = await watcher.events.next(ServerEvent.PomodoroState, (s) => s.state === PomodoroState.BREAK_ALARM);
    expect(alarm.completedPomodoros).toBe(1);
    // Three nodes had the deadline armed; the alarm was applied and broadcast once.
    const syncAck = await send(watcher.socket, Command.ClockSync, {});
    expect(syncAck.ok).toBe(true);
    await expect(
      watcher.events.next(ServerEvent.PomodoroState, (s) => s.state === PomodoroState.BREAK_ALARM, 300),
    ).rejects.toThrow(/no matching/);
  });

  it('shares a user’s chat send limit across nodes', async () => {
    const [n1, , n3] = (await startNodes()) as [string, string, string];
    const space = uniqueSpace('cluster');
    const grant = await join(n1, space, 'Ana');
    const tabs = [await tab(n1, grant.token), await tab(n3, grant.token)];
    const acks = [];
    for (let i = 0; i < 6; i += 1) {
      acks.push(
        await send((i % 2 ? tabs[1] : tabs[0])?.socket as TestClient, Command.ChatSend, {
          conversationId: 'c:general',
          clientId: `shared-limit-${i}`,
          text: `message ${i}`,
        }),
      );
    }
    expect(acks.slice(0, 5).every((a) => a.ok)).toBe(true);
    expect(acks[5]).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
  });

  it('repairs presence by itself when the other nodes dropped a node that is still alive', async () => {
    const [n1, n2] = (await startNodes()) as [string, string, string];
    const space = uniqueSpace('cluster');
    await tab(n1, (await join(n1, space, 'Ana')).token);
    const bo = await tab(n2, (await join(n2, space, 'Bo')).token);

    // What the others do to a node that stalled past its heartbeat: drop it and its connections.
    const redis = new Redis(REDIS_URL);
    const node = `${prefix}-${generation}-n1`;
    await redis.srem(`${prefix}:nodes`, node);
    for (const raw of await redis.smembers(`${prefix}:node:${node}:conns`)) {
      const [entrySpace, userId, conn] = JSON.parse(raw) as [string, string, string];
      await redis.srem(`${prefix}:presence:${entrySpace}:conns:${userId}`, conn);
      await redis.hdel(`${prefix}:presence:${entrySpace}:users`, userId);
    }
    await redis.del(`${prefix}:node:${node}:conns`);
    await redis.quit();

    // The node's next sweep records Ana's open tab again and tells the space.
    await nextPresenceChange(bo.events, (c) => c.kind === 'joined' && c.user.name === 'Ana', 3000);
    expect(bo.events.presenceNames()).toEqual(['Ana', 'Bo']);
  });

  it('lets the users of a node killed with -9 leave the other nodes’ lists within the heartbeat timeout', async () => {
    const [n1, n2] = (await startNodes()) as [string, string, string];
    const space = uniqueSpace('cluster');
    const ana = await tab(n1, (await join(n1, space, 'Ana')).token);
    await tab(n2, (await join(n2, space, 'Bo')).token);
    await nextPresenceChange(ana.events, (c) => c.user.name === 'Bo');

    await nodes[1]?.kill();
    const killedAt = Date.now();
    const left = await nextPresenceChange(ana.events, (c) => c.kind === 'left', 5000);
    // Heartbeat 300 + 300 ms: the node's key expires, and the next sweep (every 150 ms) notices.
    expect(Date.now() - killedAt).toBeLessThan(2000);
    expect(left).toMatchObject({ user: { name: 'Bo' } });
    expect(ana.events.presenceNames()).toEqual(['Ana']);
  });
});
