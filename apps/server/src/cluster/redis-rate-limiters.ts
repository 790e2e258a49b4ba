import type { Redis } from 'ioredis';
import { createTokenBuckets, type RateLimiters, type TakeResult } from '../lib/token-bucket.js';

// The same token bucket as lib/token-bucket.ts, kept in Redis so every node spends from one bucket.
// Time is Redis's own clock, so nodes with skewed clocks still agree.
const TAKE = `
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local held = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(held[1]) or burst
local at = tonumber(held[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
if tokens < cost then
  return {0, math.ceil((cost - tokens) / rate * 1000)}
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - cost), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {1, 0}`;

export interface RedisRateLimitOptions {
  /** False while Redis is away: takes then go to this node's own buckets at once, not to Redis. */
  available?(): boolean;
  /** Called (once until Redis answers again) when a take fell back to this node's buckets. */
  onUnavailable?(err: unknown): void;
  /** Called with every error of a Redis call (a timeout says the link is slow or silent). */
  failed?(err: unknown): void;
}

/**
 * Rate limits shared by every node: one Redis hash per (rule, key), gone once full again. While Redis is
 * away (down, or not answering within its deadline) each node spends from buckets of its own in memory,
 * the same rule per node: rate-limiter-flexible's "insurance limiter". A limit then still bites, while a
 * user spread over N nodes may get up to N times it. A take waits for Redis no longer than its deadline.
 * Falling back here covers every caller, the chat and sensor services' own limits included.
 */
export function redisRateLimiters(redis: Redis, prefix: string, options: RedisRateLimitOptions = {}): RateLimiters {
  let away = false;
  return (name, { burst, perSecond }) => {
    const insurance = createTokenBuckets({ burst, perSecond, now: Date.now });
    const insured = (key: string, cost: number, err: unknown): TakeResult => {
      if (!away) options.onUnavailable?.(err);
      away = true;
      return insurance.take(key, cost);
    };
    return {
      async take(key, cost = 1) {
        if (options.available && !options.available()) return insured(key, cost, new Error('redis is away'));
        let taken: [number, number];
        try {
          taken = (await redis.eval(TAKE, 1, `${prefix}:rate:${name}:${key}`, burst, perSecond, cost)) as [
            number,
            number,
          ];
        } catch (err) {
          options.failed?.(err);
          return insured(key, cost, err);
        }
        away = false;
        const [ok, retryAfterMs] = taken;
        return ok === 1 ? { ok: true } : { ok: false, retryAfterMs };
      },
    };
  };
}
