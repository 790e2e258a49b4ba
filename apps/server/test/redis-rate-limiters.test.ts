import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';
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

  it('limits in memory on this node while Redis is away, and says so once', async () => {
    const unavailable: unknown[] = [];
    const limit = redisRateLimiters(redis, prefix, {
      available: () => false,
      onUnavailable: (err) => unavailable.push(err),
    })('chat-send', { burst: 2, perSecond: 1 });
    const results = [await limit.take('cy'), await limit.take('cy'), await limit.take('cy')];
    expect(results.slice(0, 2)).toEqual([{ ok: true }, { ok: true }]);
    expect(results[2]).toMatchObject({ ok: false });
    expect(await limit.take('other')).toEqual({ ok: true });
    expect(unavailable).toHaveLength(1);
  });

  it('falls back to this node’s buckets when Redis fails to answer', async () => {
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
    expect(await limit.take('dee')).toMatchObject({ ok: false });
    expect(unavailable).toHaveLength(1);
    gone.disconnect();
  });

  it('answers from memory within the deadline when Redis takes the call and never answers', async () => {
    // A peer that accepts the connection and then says nothing, as Redis behind a silent partition.
    const held = new Set<Socket>();
    const silent = createServer((socket) => void held.add(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const mute = new Redis({
      port: (silent.address() as AddressInfo).port,
      host: '127.0.0.1',
      lazyConnect: true,
      enableReadyCheck: false,
      commandTimeout: 200,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    mute.on('error', () => {});
    await mute.connect();
    const failures: unknown[] = [];
    const limit = redisRateLimiters(mute, prefix, { failed: (err) => failures.push(err) })('chat-send', {
      burst: 1,
      perSecond: 1,
    });
    const started = performance.now();
    expect(await limit.take('eve')).toEqual({ ok: true });
    const tookMs = performance.now() - started;
    expect(tookMs).toBeGreaterThanOrEqual(150);
    expect(tookMs).toBeLessThan(1_000);
    expect(failures.map((e) => (e as Error).message)).toEqual(['Command timed out']);
    mute.disconnect();
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });
});
