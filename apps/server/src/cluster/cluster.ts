import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { HuddleServer, HuddleSocket } from '../io/types.js';
import type { RateLimiters } from '../lib/token-bucket.js';
import { type AnnouncePresence, createPresence, type Presence } from '../presence/presence.js';
import { watchBroadcastLoss } from './broadcast-loss.js';
import { createRedisPresence } from './redis-presence.js';
import { redisRateLimiters } from './redis-rate-limiters.js';

type Resync = (socket: HuddleSocket) => Promise<void>;

/**
 * How often each node looks whether another node lost broadcasts (one GET). The check is also the probe
 * of an idle link: a GET not answered within the deadline makes the node count Redis as away.
 */
const LOSS_CHECK_MS = 1000;
/** How long the adapter's reader waits on `XREAD BLOCK` for new stream entries (the adapter's default). */
const STREAM_BLOCK_MS = 5000;

/**
 * Every Redis call has a deadline (`timeoutMs`), so a Redis that is slow or silent (a partition that
 * closes nothing) holds nothing up for longer. A link that answers nothing for as long is destroyed, which
 * fails every call pending on it at once, and reconnected; until it is ready again a call fails at once
 * instead of waiting in a queue, and its caller answers from this node (see redisCluster).
 */
function linkOptions(timeoutMs: number): RedisOptions {
  return {
    lazyConnect: true,
    commandTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    connectTimeout: Math.max(2_000, timeoutMs),
    // TCP keep-alive probes find a peer gone silent on an idle connection (the adapter's subscriber).
    keepAlive: 5_000,
    enableOfflineQueue: false,
    // Calls pending when the link closes fail then, and are not sent again on the next connection.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // Once the link heals the node is back within a second.
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  };
}

/**
 * What the adapter's own connections need, on top of linkOptions: it duplicates the client it publishes
 * with for its stream reader (`XREAD BLOCK`) and its Pub/Sub subscriber. A blocked read waits up to
 * STREAM_BLOCK_MS by design, so its deadline is that plus the link's (a shorter one would fail every idle
 * read and stack reads on the connection). The reader reads again at once after a failed read: while the
 * link is reconnecting that read waits for it in the queue, where failing at once would spin.
 */
function adapterLinkOptions(timeoutMs: number): RedisOptions {
  return {
    commandTimeout: STREAM_BLOCK_MS + timeoutMs,
    socketTimeout: STREAM_BLOCK_MS + timeoutMs,
    enableOfflineQueue: true,
  };
}

export interface Cluster {
  presence: Presence;
  /** Shared limits; undefined means each node keeps its own in memory. */
  rateLimiters: RateLimiters | undefined;
  /** Installs the adapter on the server; call before it accepts connections. */
  attach(io: HuddleServer, announce: AnnouncePresence): Promise<void>;
  /**
   * Registers what to send a socket whose broadcasts may have been lost (Redis was away from this node
   * or another): the state it would get on connecting, from which the client fetches what it missed.
   */
  onBroadcastsLost(resync: Resync): void;
  /** True when other nodes may exist (server-side emits reach them). */
  clustered: boolean;
  close(): Promise<void>;
}

/** One node alone: the in-memory adapter and presence. */
export function singleNode(): Cluster {
  return {
    presence: createPresence(),
    rateLimiters: undefined,
    attach: async () => {},
    onBroadcastsLost: () => {},
    clustered: false,
    close: async () => {},
  };
}

/**
 * Several nodes through Redis: Socket.IO's Redis Streams adapter carries broadcasts between nodes
 * (a node whose connection drops briefly reads the stream on from where it stopped, which the Pub/Sub
 * adapter cannot; server-side events such as `pomodoro:changed` go over Pub/Sub and may be lost then, which
 * the pomodoro's version check and start-up re-arming tolerate). Presence and rate limits live in Redis.
 *
 * Redis is away while the connection is down, and from a call that timed out until the connection is
 * ready again (the link's socket timeout recycles a connection that stopped answering). Meanwhile each
 * node keeps serving from storage: rate limits are kept in memory per node, presence answers from the
 * node's own connections, and a broadcast reaches the node's own sockets only (its publish fails at
 * once). Once the connection is back the node records its connections again and every node resends its
 * sockets the state they catch up from (see broadcast-loss.ts).
 */
export function redisCluster(
  config: Config & { redis: { url: string; prefix: string; timeoutMs: number } },
  logger: Logger,
  onRedisError: () => void,
): Cluster {
  const redisConfig = config.redis;
  const redis = new Redis(redisConfig.url, linkOptions(redisConfig.timeoutMs));
  const adapterOptions = adapterLinkOptions(redisConfig.timeoutMs);
  redis.duplicate = (override) => new Redis({ ...redis.options, ...adapterOptions, ...override });
  redis.on('error', (err) => {
    onRedisError();
    logger.error({ err }, 'redis error');
  });
  guardPublish(redis, logger);
  let redisReady = false;
  redis.on('ready', () => {
    redisReady = true;
  });
  redis.on('close', () => {
    redisReady = false;
  });
  /** A call timed out: the link is slow or silent. Away now; the socket timeout closes it within the deadline. */
  const failed = (err: unknown) => {
    if (!(err instanceof Error && err.message === 'Command timed out') || !redisReady) return;
    redisReady = false;
    logger.warn({ err }, 'redis did not answer in time; counting it away until the connection is new');
  };
  let announce: AnnouncePresence = () => {};
  let io: HuddleServer | undefined;
  let resyncSocket: Resync | undefined;
  const authenticated = () => (io ? [...io.of('/').sockets.values()].filter((s) => s.data.user !== undefined) : []);
  const presence = createRedisPresence({
    redis,
    prefix: redisConfig.prefix,
    nodeId: config.nodeId,
    nodeTimeoutMs: config.heartbeat.intervalMs + config.heartbeat.timeoutMs,
    logger,
    localConnections: () => authenticated().map((s) => ({ id: s.id, space: s.data.space, user: s.data.user })),
    announce: (space, kind, user) => announce(space, kind, user),
    available: () => redisReady,
    failed,
  });
  const broadcastLoss = watchBroadcastLoss({
    redis,
    key: `${redisConfig.prefix}:broadcasts-lost`,
    checkEveryMs: LOSS_CHECK_MS,
    logger,
    async resync() {
      // A restarted Redis has forgotten who is here: record this node's connections again first.
      await presence.sweep().catch((err: unknown) => logger.error({ err }, 'presence sweep failed'));
      let failures = 0;
      for (const socket of authenticated()) {
        if (!socket.connected || !resyncSocket) continue;
        try {
          await resyncSocket(socket);
        } catch {
          failures += 1;
        }
      }
      if (failures > 0) logger.error({ failures }, 'resending state to sockets failed');
    },
  });

  return {
    presence,
    rateLimiters: redisRateLimiters(redis, redisConfig.prefix, {
      available: () => redisReady,
      failed,
      onUnavailable: (err) => logger.warn({ err }, 'redis away; rate limits are kept on this node meanwhile'),
    }),
    onBroadcastsLost(resync) {
      resyncSocket = resync;
    },
    clustered: true,
    async attach(server, announcer) {
      io = server;
      announce = announcer;
      await redis.connect();
      server.adapter(
        createAdapter(redis, { streamName: `${redisConfig.prefix}:socket.io`, blockTimeInMs: STREAM_BLOCK_MS }),
      );
      await presence.start();
      await broadcastLoss.start();
    },
    async close() {
      broadcastLoss.stop();
      await presence.stop();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/**
 * The adapter publishes server-side events over Pub/Sub without awaiting the result; while Redis is away
 * that publish fails, and an unhandled rejection would end the process. Such events are best-effort by
 * design (see above), so a failed one is logged instead.
 */
function guardPublish(redis: Redis, logger: Logger): void {
  const publish = redis.publish.bind(redis) as (channel: string | Buffer, message: string | Buffer) => Promise<number>;
  const guarded = (channel: string | Buffer, message: string | Buffer) => {
    const published = publish(channel, message);
    published.catch((err: unknown) => logger.warn({ err }, 'publishing a server-side event failed'));
    return published;
  };
  redis.publish = guarded as Redis['publish'];
}
