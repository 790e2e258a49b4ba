import { type PublicUser, sortUsers } from '@huddle/protocol';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Presence, PresenceResult } from '../presence/presence.js';

// Both scripts run atomically in Redis: of two tabs arriving (or leaving) at once on two nodes,
// exactly one sees the user's count go 0→1 (or 1→0).
const ADD = `
redis.call('SADD', KEYS[3], ARGV[4])
local added = redis.call('SADD', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
if added == 1 and redis.call('SCARD', KEYS[1]) == 1 then return 1 end
return 0`;

const REMOVE = `
redis.call('SREM', KEYS[3], ARGV[3])
local removed = redis.call('SREM', KEYS[1], ARGV[1])
if removed == 1 and redis.call('SCARD', KEYS[1]) == 0 then
  redis.call('HDEL', KEYS[2], ARGV[2])
  return 1
end
return 0`;

export interface RedisPresenceOptions {
  redis: Redis;
  prefix: string;
  nodeId: string;
  /** A node that stops is noticed, its connections dropped and its users announced gone, within this long. */
  nodeTimeoutMs: number;
  logger: Logger;
  /** This node's open connections, to keep what Redis records of them true. */
  localConnections(): { id: string; space: string; user: PublicUser }[];
  /** A user joined or left through the sweep (a dead node's users, or this node's records repaired). */
  announce(space: string, kind: 'joined' | 'left', user: PublicUser): void;
  /**
   * False while Redis is away (the connection is down, or a call was not answered in time). Presence
   * then answers at once from this node's own connections instead of failing (which would refuse every
   * connection meanwhile), and the first sweep once Redis is back records what changed and announces it.
   */
  available?(): boolean;
  /** Called with the error of a call that failed; the answer then comes from this node as while away. */
  failed?(err: unknown): void;
}

/**
 * Presence shared by every node through Redis. Each connection is recorded under its user and under
 * its node; every node renews a heartbeat key, and the first node to notice an expired one (an
 * atomic SREM decides which) removes the dead node's connections and announces who left. Each sweep
 * also repairs this node's own records against its open sockets (a failed write, or a stall that made
 * the others drop it), so presence heals by itself.
 */
export function createRedisPresence(options: RedisPresenceOptions): Presence & {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Renews the heartbeat and repairs this node's records now, not at the next tick (Redis is back). */
  sweep(): Promise<void>;
} {
  const { redis, prefix, nodeId, nodeTimeoutMs, logger } = options;
  // Each sweep renews this node's key and looks for expired ones. A stopped node's key expires at most
  // aliveForMs after it stopped, and the next sweep of another node finds it: its users leave within
  // nodeTimeoutMs, one sweep to spare for removing them and telling their spaces.
  const sweepEveryMs = Math.max(100, Math.floor(nodeTimeoutMs / 8));
  const aliveForMs = Math.max(nodeTimeoutMs - 2 * sweepEveryMs, 2 * sweepEveryMs);
  const usersKey = (space: string) => `${prefix}:presence:${space}:users`;
  const connsKey = (space: string, userId: string) => `${prefix}:presence:${space}:conns:${userId}`;
  const nodesKey = `${prefix}:nodes`;
  const aliveKey = (node: string) => `${prefix}:node:${node}:alive`;
  const nodeConnsKey = (node: string) => `${prefix}:node:${node}:conns`;
  const connection = (id: string) => `${nodeId}/${id}`;
  const entry = (space: string, userId: string, conn: string) => JSON.stringify([space, userId, conn]);
  let timer: ReturnType<typeof setInterval> | undefined;
  const away = () => options.available?.() === false;
  const unchanged = (): PresenceResult => ({ changed: false });

  /** Who is connected to this node: the best answer while Redis is away. */
  function localUsers(space: string): PublicUser[] {
    const here = new Map<string, PublicUser>();
    for (const c of options.localConnections()) if (c.space === space) here.set(c.user.id, c.user);
    return sortUsers([...here.values()]);
  }

  /**
   * Answers a caller (a connection arriving or leaving, a snapshot) from Redis, or as while away when Redis
   * is away or the call fails: a connection is never refused or held up for presence. The sweep calls
   * add and remove directly, so that a failure stops it (the next sweep repairs what it left).
   */
  async function orAway<T>(call: () => Promise<T>, whileAway: () => T): Promise<T> {
    if (away()) return whileAway();
    try {
      return await call();
    } catch (err) {
      options.failed?.(err);
      return whileAway();
    }
  }

  function users(space: string): Promise<PublicUser[]> {
    return orAway(
      async () => sortUsers((await redis.hvals(usersKey(space))).map((json) => JSON.parse(json) as PublicUser)),
      () => localUsers(space),
    );
  }

  async function remove(space: string, userId: string, conn: string, node: string): Promise<PresenceResult> {
    const left = await redis.eval(
      REMOVE,
      3,
      connsKey(space, userId),
      usersKey(space),
      nodeConnsKey(node),
      conn,
      userId,
      entry(space, userId, conn),
    );
    return { changed: left === 1 };
  }

  type Entry = [space: string, userId: string, conn: string];

  async function userOf(space: string, userId: string): Promise<PublicUser | null> {
    return JSON.parse((await redis.hget(usersKey(space), userId)) ?? 'null') as PublicUser | null;
  }

  async function add(space: string, user: PublicUser, conn: string): Promise<PresenceResult> {
    const joined = await redis.eval(
      ADD,
      3,
      connsKey(space, user.id),
      usersKey(space),
      nodeConnsKey(nodeId),
      conn,
      user.id,
      JSON.stringify(user),
      entry(space, user.id, conn),
    );
    return { changed: joined === 1 };
  }

  /** Removes the given recorded connections of `node`, announcing the users who are gone with them. */
  async function removeEntries(node: string, entries: Entry[]): Promise<void> {
    for (const [space, userId, conn] of entries) {
      const user = await userOf(space, userId);
      const result = await remove(space, userId, conn, node);
      if (result.changed && user) options.announce(space, 'left', user);
    }
  }

  /** Takes (atomically) and removes every connection recorded for a dead `node`. */
  async function removeNode(node: string): Promise<void> {
    const [[, raw]] = (await redis.multi().smembers(nodeConnsKey(node)).del(nodeConnsKey(node)).exec()) as [
      [unknown, string[]],
    ];
    await removeEntries(
      node,
      raw.map((r) => JSON.parse(r) as Entry),
    );
  }

  /** Makes Redis record exactly this node's open connections. */
  async function repairOwn(): Promise<void> {
    const local = new Map(options.localConnections().map((c) => [connection(c.id), c]));
    const recorded = (await redis.smembers(nodeConnsKey(nodeId))).map((r) => JSON.parse(r) as Entry);
    const recordedConns = new Set(recorded.map(([, , conn]) => conn));
    await removeEntries(
      nodeId,
      recorded.filter(([, , conn]) => !local.has(conn)),
    );
    for (const [conn, c] of local) {
      if (recordedConns.has(conn)) continue;
      const result = await add(c.space, c.user, conn);
      if (result.changed) options.announce(c.space, 'joined', c.user);
    }
  }

  async function sweep(): Promise<void> {
    // Heartbeat and membership together: a node the others dropped during a stall comes back.
    await redis.multi().set(aliveKey(nodeId), '1', 'PX', aliveForMs).sadd(nodesKey, nodeId).exec();
    await repairOwn();
    for (const node of await redis.smembers(nodesKey)) {
      if (node === nodeId || (await redis.exists(aliveKey(node))) === 1) continue;
      if ((await redis.srem(nodesKey, node)) !== 1) continue; // another node is cleaning up
      logger.warn({ node }, 'node stopped renewing its heartbeat; removing its connections');
      await removeNode(node);
    }
  }

  return {
    users,
    add: (space, user, connectionId) => orAway(() => add(space, user, connection(connectionId)), unchanged),
    remove: (space, userId, connectionId) =>
      orAway(() => remove(space, userId, connection(connectionId), nodeId), unchanged),
    sweep,
    async start() {
      // Connections left by an earlier process with this node id are gone.
      await removeNode(nodeId);
      await sweep();
      timer = setInterval(() => {
        if (away()) return;
        sweep().catch((err: unknown) => logger.error({ err }, 'presence sweep failed'));
      }, sweepEveryMs);
      timer.unref();
    },
    /** Stops the heartbeat: the other nodes then remove this node's connections and announce who left. */
    async stop() {
      clearInterval(timer);
      await redis.del(aliveKey(nodeId));
    },
  };
}
