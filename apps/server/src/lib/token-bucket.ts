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

interface Bucket {
  tokens: number;
  /** When `tokens` was counted. */
  at: number;
}

/** The tokens a bucket holds at `t`: what it held, refilled at `perSecond`, never above `burst`. */
const refilled = (bucket: Bucket, t: number, { burst, perSecond }: Rate) =>
  Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);

/** Takes `cost` tokens from `bucket` at `t`, all or none; the bucket is recounted when they are taken. */
function takeTokens(bucket: Bucket, cost: number, t: number, rate: Rate): TakeResult {
  const tokens = refilled(bucket, t, rate);
  if (tokens < cost) return { ok: false, retryAfterMs: Math.ceil(((cost - tokens) / rate.perSecond) * 1000) };
  bucket.tokens = tokens - cost;
  bucket.at = t;
  return { ok: true };
}

/**
 * One token bucket per key, in memory: a burst of `burst` actions, then `perSecond` a second.
 * Written here rather than taken from a library for exact burst-then-rate semantics and an
 * injected clock; limits are per server node.
 */
export function createTokenBuckets({ burst, perSecond, now, maxKeys = 10_000 }: TokenBucketOptions) {
  const rate = { burst, perSecond };
  const buckets = new Map<string, Bucket>();

  function forgetFullBuckets(t: number) {
    for (const [key, bucket] of buckets) if (refilled(bucket, t, rate) >= burst) buckets.delete(key);
  }

  return {
    /**
     * Takes `cost` tokens (a batch of readings costs one per reading), all or none. A cost above the
     * burst can never be taken: the caller bounds its batches by the burst.
     */
    take(key: string, cost = 1): TakeResult {
      const t = now();
      const held = buckets.get(key);
      const bucket = held ?? { tokens: burst, at: t };
      const taken = takeTokens(bucket, cost, t, rate);
      if (taken.ok && !held) {
        if (buckets.size >= maxKeys) forgetFullBuckets(t);
        buckets.set(key, bucket);
      }
      return taken;
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
  const bucket: Bucket = { tokens: burst, at: now() };
  return { take: (): TakeResult => takeTokens(bucket, 1, now(), { burst, perSecond }) };
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
