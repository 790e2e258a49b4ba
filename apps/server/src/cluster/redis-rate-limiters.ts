import type { Redis } from 'ioredis';
import type { RateLimiters } from '../lib/token-bucket.js';

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
  /** False while the connection is down: takes are then allowed at once rather than queued until it is back. */
  available?(): boolean;
  /** Called (once until Redis answers again) when a take was allowed because Redis was away. */
  onUnavailable?(err: unknown): void;
}

/**
 * Rate limits shared by every node: one Redis hash per (rule, key), gone once full again. While Redis is
 * away every take is allowed: a limit is protection, never a reason to refuse or hold up a well-behaved
 * user. Failing open here covers every caller, the chat and sensor services' own limits included.
 */
export function redisRateLimiters(redis: Redis, prefix: string, options: RedisRateLimitOptions = {}): RateLimiters {
  let away = false;
  const allowAnyway = (err: unknown) => {
    if (!away) options.onUnavailable?.(err);
    away = true;
    return { ok: true } as const;
  };
  return (name, { burst, perSecond }) => ({
    async take(key, cost = 1) {
      if (options.available && !options.available()) return allowAnyway(new Error('redis connection is down'));
      let taken: [number, number];
      try {
        taken = (await redis.eval(TAKE, 1, `${prefix}:rate:${name}:${key}`, burst, perSecond, cost)) as [
          number,
          number,
        ];
      } catch (err) {
        return allowAnyway(err);
      }
      away = false;
      const [ok, retryAfterMs] = taken;
      return ok === 1 ? { ok: true } : { ok: false, retryAfterMs };
    },
  });
}
