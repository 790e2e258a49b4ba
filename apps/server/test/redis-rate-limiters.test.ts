import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisRateLimiters } from '../src/cluster/redis-rate-limiters.js';

const REDIS_URL = process.env.HUDDLE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('rate limits in Redis', () => {
  const prefix = `huddle-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  const redis = new Redis(REDIS_URL);

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('spends one bucket from every node: a burst, then the steady rate', async () => {
    const onNode1 = redisRateLimiters(redis, prefix)('chat-send', { burst: 5, perSecond: 2 });
    const onNode2 = redisRateLimiters(redis, prefix)('chat-send', { burst: 5, perSecond: 2 });
    const results = [];
    for (let i = 0; i < 6; i += 1) results.push(await (i % 2 ? onNode2 : onNode1).take('ana'));
    expect(results.slice(0, 5).every((r) => r.ok)).toBe(true);
    const refused = results[5];
    expect(refused?.ok).toBe(false);
    if (refused && !refused.ok) {
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(500);
    }
    expect((await onNode2.take('bo')).ok).toBe(true);
    // Rules are apart even for the same key.
    expect((await redisRateLimiters(redis, prefix)('sensor-random', { burst: 1, perSecond: 1 }).take('ana')).ok).toBe(
      true,
    );
  });

  it('takes a cost all or nothing', async () => {
    const limit = redisRateLimiters(redis, prefix)('sensor-readings', { burst: 100, perSecond: 10 });
    expect(await limit.take('space-a', 70)).toEqual({ ok: true });
    const refused = await limit.take('space-a', 40);
    expect(refused.ok).toBe(false);
    // 10 tokens short at 10 a second: about a second (less whatever refilled since the first take).
    if (!refused.ok) expect(refused.retryAfterMs).toBeGreaterThan(800);
    if (!refused.ok) expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
    // The refused take spent nothing.
    expect(await limit.take('space-a', 30)).toEqual({ ok: true });
    expect((await limit.take('space-a', 5)).ok).toBe(false);
  });

  it('lets every take through at once while Redis is away, and says so once', async () => {
    const unavailable: unknown[] = [];
    const limit = redisRateLimiters(redis, prefix, {
      available: () => false,
      onUnavailable: (err) => unavailable.push(err),
    })('chat-send', { burst: 1, perSecond: 1 });
    for (let i = 0; i < 3; i += 1) expect(await limit.take('cy')).toEqual({ ok: true });
    expect(unavailable).toHaveLength(1);
  });

  it('lets a take through when Redis fails to answer', async () => {
    const gone = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    gone.on('error', () => {});
    const unavailable: unknown[] = [];
    const limit = redisRateLimiters(gone, prefix, { onUnavailable: (err) => unavailable.push(err) })('chat-send', {
      burst: 1,
      perSecond: 1,
    });
    expect(await limit.take('dee')).toEqual({ ok: true });
    expect(unavailable).toHaveLength(1);
    gone.disconnect();
  });
});
