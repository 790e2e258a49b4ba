import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface BroadcastLossOptions {
  redis: Redis;
  /** Where the nodes keep the mark of the latest loss. */
  key: string;
  checkEveryMs: number;
  logger: Logger;
  /** Sends this node's sockets what they may have missed; never runs twice at once. */
  resync(): Promise<void>;
}

/**
 * Broadcasts between nodes cross Redis. While a node's connection is down, what it broadcasts reaches
 * its own sockets only (the adapter drops what it cannot publish), and a Redis that restarted has lost
 * what the other nodes had not read yet. So a node whose connection comes back resyncs its sockets and
 * writes a new mark; every other node sees the mark change on its next check and resyncs its sockets too.
 * The mark lives in Redis rather than in a Pub/Sub message, so a node that was itself away when it was
 * written still sees it, and a restart that lost the mark counts as a change.
 */
export function watchBroadcastLoss(options: BroadcastLossOptions): { start(): Promise<void>; stop(): void } {
  const { redis, key, logger } = options;
  /** The mark this node last saw; undefined until the first check. */
  let seen: string | null | undefined;
  let lost = false;
  /** Bumped by every mark this node writes: a check that read before it is stale. */
  let written = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  /** Runs a resync, or one more after the running one: sockets get state read after every trigger. */
  function resync(): void {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await options.resync().catch((err: unknown) => logger.error({ err }, 'resync after lost broadcasts failed'));
      } while (again);
      running = undefined;
    })();
  }

  async function check(): Promise<void> {
    const before = written;
    const mark = await redis.get(key);
    if (written !== before) return;
    if (seen !== undefined && mark !== seen) {
      logger.warn('another node lost broadcasts; resyncing this node’s sockets');
      resync();
    }
    seen = mark;
  }

  const onClose = () => {
    if (seen !== undefined) lost = true;
  };
  const onReady = () => {
    if (!lost) return;
    lost = false;
    const mark = randomUUID();
    seen = mark;
    written += 1;
    logger.warn('redis connection back; resyncing this node’s sockets');
    resync();
    redis.set(key, mark).catch((err: unknown) => logger.error({ err }, 'marking lost broadcasts failed'));
  };

  return {
    async start() {
      redis.on('close', onClose);
      redis.on('ready', onReady);
      await check();
      timer = setInterval(() => {
        // While the connection is down there is nothing to read; its return is handled by onReady.
        if (redis.status !== 'ready') return;
        check().catch((err: unknown) => logger.debug({ err }, 'checking for lost broadcasts failed'));
      }, options.checkEveryMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      redis.off('close', onClose);
      redis.off('ready', onReady);
    },
  };
}
