import { randomBytes } from 'node:crypto';
import { PomodoroState, ServerEvent } from '@huddle/protocol';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectRecorded,
  createPgDatabase,
  join,
  nextPresenceChange,
  removeRedisKeys,
  send,
  type TestClient,
  uniqueSpace,
} from './helpers.js';
import { type NodeProcess, startNodeProcess } from './node-process.js';

const REDIS_URL = process.env.HUDDLE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

type NodeName = 'n1' | 'n2' | 'n3';
interface Heartbeat {
  intervalMs: number;
  timeoutMs: number;
}

// Three server processes sharing a fresh PostgreSQL database and a Redis key prefix of their own. Each
// test starts its nodes: that alone can take tens of seconds on a busy machine.
describe('three nodes on PostgreSQL and Redis', { timeout: 200_000 }, () => {
  let pg: Awaited<ReturnType<typeof createPgDatabase>>;
  const prefix = `huddle-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  let nodes: NodeProcess[] = [];
  const sockets: { disconnect(): void }[] = [];

  let generation = 0;
  /**
   * Three nodes, n1–n3. Every node runs the production heartbeat (25 s + 20 s) unless the test gives it
   * another: on a busy machine a short one closes healthy connections whose pong came late, so only a
   * node under test gets one.
   */
  async function startNodes(
    options: {
      workSeconds?: number;
      heartbeats?: Partial<Record<NodeName, Heartbeat>>;
      chatSendPerSecond?: number;
    } = {},
  ) {
    generation += 1;
    nodes = await Promise.all(
      (['n1', 'n2', 'n3'] as const).map((id) => {
        const heartbeat = options.heartbeats?.[id];
        return startNodeProcess({
          DATABASE_URL: pg.url,
          REDIS_URL,
          REDIS_PREFIX: prefix,
          NODE_ID: `${prefix}-${generation}-${id}`,
          SESSION_SECRET: 'cluster-test-secret-cluster-test-secret',
          ...(heartbeat
            ? {
                HEARTBEAT_INTERVAL_MS: String(heartbeat.intervalMs),
                HEARTBEAT_TIMEOUT_MS: String(heartbeat.timeoutMs),
              }
            : {}),
          POMODORO_WORK_SECONDS: String(options.workSeconds ?? 1500),
          ...(options.chatSendPerSecond ? { CHAT_SEND_PER_SECOND: String(options.chatSendPerSecond) } : {}),
          LOG_LEVEL: 'info',
        });
      }),
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
    await removeRedisKeys(REDIS_URL, prefix);
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

    const ack = await send(anaOn1.socket, 'chat:send', {
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

    const presses = await Promise.all([send(ana.socket, 'pomodoro:press', {}), send(bo.socket, 'pomodoro:press', {})]);
    expect(presses.filter((p) => p.ok)).toHaveLength(1);
    expect(presses.find((p) => !p.ok)).toMatchObject({ ok: false, error: { code: 'INVALID_TRANSITION' } });

    const alarm = await watcher.events.next(ServerEvent.PomodoroState, (s) => s.state === PomodoroState.BREAK_ALARM);
    expect(alarm.completedPomodoros).toBe(1);
    // Three nodes had the deadline armed; the alarm was applied and broadcast once. The other nodes'
    // timers fire within milliseconds of the deadline: 2 s is far beyond when a duplicate would arrive.
    const syncAck = await send(watcher.socket, 'clock:sync', {});
    expect(syncAck.ok).toBe(true);
    await expect(
      watcher.events.next(ServerEvent.PomodoroState, (s) => s.state === PomodoroState.BREAK_ALARM, 2000),
    ).rejects.toThrow(/no matching/);
  });

  it('shares a user’s chat send limit across nodes', async () => {
    // A bucket that refills once a minute: six sends on a slow machine cannot earn a token back.
    const [n1, , n3] = (await startNodes({ chatSendPerSecond: 1 / 60 })) as [string, string, string];
    const space = uniqueSpace('cluster');
    const grant = await join(n1, space, 'Ana');
    const tabs = [await tab(n1, grant.token), await tab(n3, grant.token)];
    const acks = [];
    for (let i = 0; i < 6; i += 1) {
      acks.push(
        await send((i % 2 ? tabs[1] : tabs[0])?.socket as TestClient, 'chat:send', {
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
    // n1 is under test: its sweep, every 1.4 s with this heartbeat, repairs what the others dropped. Ana's
    // healthy connection to it has 10 s to answer a ping, as long as a busy machine may need.
    const n1Heartbeat = { intervalMs: 1000, timeoutMs: 10_000 };
    const [n1, n2] = (await startNodes({ heartbeats: { n1: n1Heartbeat } })) as [string, string, string];
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

    // The node's next sweep (10 s leaves room for a busy machine) records Ana's open tab again and tells
    // the space.
    await nextPresenceChange(bo.events, (c) => c.kind === 'joined' && c.user.name === 'Ana', 10_000);
    expect(bo.events.presenceNames()).toEqual(['Ana', 'Bo']);
  });

  it('lets the users of a node killed with -9 leave the other nodes’ lists within the heartbeat timeout', async () => {
    // Under test: n2 dies, n3 notices. Both run a short heartbeat, the same on both (a cluster shares its
    // configuration). n3 has no connections to drop. Ana, who watches, is on n1 with the production
    // heartbeat. 12 s in all: short enough to wait for; by design the leave comes within 7/8 of it, so a
    // late timer on a busy machine has 1.5 s before the promise is broken, and Bo's healthy connection to
    // n2 has 8 s to answer a ping until n2 dies.
    const short = { intervalMs: 4000, timeoutMs: 8000 };
    const promisedMs = short.intervalMs + short.timeoutMs;
    const [n1, n2] = (await startNodes({ heartbeats: { n2: short, n3: short } })) as [string, string, string];
    const space = uniqueSpace('cluster');
    const ana = await tab(n1, (await join(n1, space, 'Ana')).token);
    await tab(n2, (await join(n2, space, 'Bo')).token);
    await nextPresenceChange(ana.events, (c) => c.user.name === 'Bo');
    // When each "Bo left" reached Ana (a stall of the busy victim could make n3 drop it once before it dies).
    const boLeftAt: number[] = [];
    ana.socket.on(ServerEvent.ChatPresence, (p) => {
      if ('changes' in p && p.changes.some((c) => c.kind === 'left' && c.user.name === 'Bo')) boLeftAt.push(Date.now());
    });

    const killedAt = Date.now();
    await nodes[1]?.kill();
    // README: a stopped node's users leave within HEARTBEAT_INTERVAL_MS + HEARTBEAT_TIMEOUT_MS. The wait is
    // longer, so that a late leave fails on its time below rather than on a timeout.
    await expect.poll(() => boLeftAt.find((at) => at >= killedAt), { timeout: 2 * promisedMs }).toBeDefined();
    expect((boLeftAt.find((at) => at >= killedAt) ?? Number.NaN) - killedAt).toBeLessThanOrEqual(promisedMs);
    expect(ana.events.presenceNames()).toEqual(['Ana']);
  });
});
