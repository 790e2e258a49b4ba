export interface TokenBucketOptions {
  /** Tokens a full bucket holds: how many actions may come at once. */
  burst: number;
  /** Tokens added back per second. */
  perSecond: number;
  now: () => number;
  /** Idle keys are forgotten once this many are held (a full bucket carries no information). */
  maxKeys?: number;
}

/** A burst of actions, then a steady rate. */
export interface Rate {
  burst: number;
  perSecond: number;
}

/** `rate` times `factor` (RATE_LIMIT_SCALE, or one address's share of many users), keeping a burst of at least 1. */
export const scaleRate = (rate: Rate, factor: number): Rate => ({
  burst: Math.max(1, Math.round(rate.burst * factor)),
  perSecond: rate.perSecond * factor,
});

export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * One token bucket per key, in memory: a burst of `burst` actions, then `perSecond` a second.
 * Written here rather than taken from a library for exact burst-then-rate semantics and an
 * injected clock; limits are per server node.
 */
export function createTokenBuckets({ burst, perSecond, now, maxKeys = 10_000 }: TokenBucketOptions) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refill = (bucket: { tokens: number; at: number }, t: number) =>
    Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);

  function forgetFullBuckets(t: number) {
    for (const [key, bucket] of buckets) if (refill(bucket, t) >= burst) buckets.delete(key);
  }

  return {
    /**
     * Takes `cost` tokens (a batch of readings costs one per reading), all or none. A cost above the
     * burst can never be taken: the caller bounds its batches by the burst.
     */
    take(key: string, cost = 1): TakeResult {
      const t = now();
      const held = buckets.get(key);
      const tokens = held ? refill(held, t) : burst;
      if (tokens < cost) {
        return { ok: false, retryAfterMs: Math.ceil(((cost - tokens) / perSecond) * 1000) };
      }
      if (!held && buckets.size >= maxKeys) forgetFullBuckets(t);
      buckets.set(key, { tokens: tokens - cost, at: t });
      return { ok: true };
    },
    /** Keys held now: what the memory the limiter takes grows with. */
    get size(): number {
      return buckets.size;
    },
  };
}

export type TokenBuckets = ReturnType<typeof createTokenBuckets>;

/**
 * One bucket, without keys: the budget of one object (a socket) that holds it. Synchronous and in
 * memory, so it can be taken before any other work, Redis round trips included.
 */
export function createTokenBucket({ burst, perSecond, now }: Omit<TokenBucketOptions, 'maxKeys'>) {
  let tokens = burst;
  let at = now();
  return {
    take(): TakeResult {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - at) / 1000) * perSecond);
      at = t;
      if (tokens < 1) return { ok: false, retryAfterMs: Math.ceil(((1 - tokens) / perSecond) * 1000) };
      tokens -= 1;
      return { ok: true };
    },
  };
}

/** A named limit shared by whoever holds the same limiter: one node, or every node through Redis. */
export interface RateLimiter {
  /** Takes `cost` tokens (1 when left out) from `key`'s bucket, all or none. */
  take(key: string, cost?: number): Promise<TakeResult>;
}

/** Makes the limiter of one rule (`name` keeps rules apart, e.g. "chat-send"). */
export type RateLimiters = (name: string, rate: Rate) => RateLimiter;

/**
 * The same limiters, except that one whose store fails (Redis unreachable) lets the request through and
 * reports the error: a limit is protection, never a reason to refuse a well-behaved user. The app wraps
 * its limiters once, so no caller handles a failing limiter.
 */
export function failOpen(limiters: RateLimiters, onError: (err: unknown) => void): RateLimiters {
  return (name, rate) => {
    const limiter = limiters(name, rate);
    return {
      async take(key, cost) {
        try {
          return await limiter.take(key, cost);
        } catch (err) {
          onError(err);
          return { ok: true };
        }
      },
    };
  };
}

/** Limits held in this process, on the injected clock. */
export function memoryRateLimiters(now: () => number): RateLimiters {
  return (_name, rate) => {
    const buckets = createTokenBuckets({ ...rate, now });
    return { take: async (key, cost) => buckets.take(key, cost) };
  };
}
