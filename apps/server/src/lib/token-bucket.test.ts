import { describe, expect, it } from 'vitest';
import { createTokenBucket, createTokenBuckets, failOpen, memoryRateLimiters } from './token-bucket.js';

function bucketsAt(start = 1_000_000) {
  let t = start;
  const buckets = createTokenBuckets({ burst: 5, perSecond: 2, now: () => t });
  const advance = (ms: number) => {
    t += ms;
  };
  return { buckets, advance };
}

describe('token buckets', () => {
  it('allows a burst, then refuses with the time until the next token', () => {
    const { buckets } = bucketsAt();
    for (let i = 0; i < 5; i += 1) expect(buckets.take('ana')).toEqual({ ok: true });
    expect(buckets.take('ana')).toEqual({ ok: false, retryAfterMs: 500 });
  });

  it('refills at the steady rate and never above the burst', () => {
    const { buckets, advance } = bucketsAt();
    for (let i = 0; i < 5; i += 1) buckets.take('ana');
    advance(500);
    expect(buckets.take('ana').ok).toBe(true);
    expect(buckets.take('ana').ok).toBe(false);
    advance(60_000);
    for (let i = 0; i < 5; i += 1) expect(buckets.take('ana').ok).toBe(true);
    expect(buckets.take('ana').ok).toBe(false);
  });

  it('takes a cost all or nothing, and says when the whole cost is back', () => {
    const { buckets, advance } = bucketsAt();
    expect(buckets.take('ana', 3)).toEqual({ ok: true });
    // Two tokens left: a cost of 3 is refused whole, nothing is spent, and 1 token is 500 ms away.
    expect(buckets.take('ana', 3)).toEqual({ ok: false, retryAfterMs: 500 });
    expect(buckets.take('ana', 2)).toEqual({ ok: true });
    expect(buckets.take('ana', 1)).toEqual({ ok: false, retryAfterMs: 500 });
    advance(1500);
    expect(buckets.take('ana', 3)).toEqual({ ok: true });
    // More than the burst never fits.
    expect(buckets.take('bo', 6).ok).toBe(false);
  });

  it('keeps keys apart', () => {
    const { buckets } = bucketsAt();
    for (let i = 0; i < 5; i += 1) buckets.take('ana');
    expect(buckets.take('ana').ok).toBe(false);
    expect(buckets.take('bo').ok).toBe(true);
  });

  it('forgets idle keys when it holds too many, and still limits busy ones', () => {
    let t = 0;
    const buckets = createTokenBuckets({ burst: 2, perSecond: 1, now: () => t, maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) buckets.take(key);
    expect(buckets.size).toBe(3);
    // Two seconds on, every bucket is full again: nothing worth keeping.
    t += 2_000;
    buckets.take('busy');
    buckets.take('busy');
    expect(buckets.size).toBe(1);
    // A bucket that is not full again is kept: a user who was just limited stays limited.
    for (const key of ['d', 'e']) buckets.take(key);
    t += 1_500; // 'busy' is back to 1.5 tokens of 2; 'd' and 'e' are full
    buckets.take('f');
    expect(buckets.size).toBe(2);
    expect(buckets.take('busy').ok).toBe(true);
    expect(buckets.take('busy').ok).toBe(false);
    // However many one-time visitors come and go, the memory held stays bounded.
    for (let i = 0; i < 1_000; i += 1) {
      t += 2_000;
      buckets.take(`visitor-${i}`);
    }
    expect(buckets.size).toBeLessThanOrEqual(3);
  });
});

describe('one token bucket', () => {
  it('allows a burst, then the steady rate, and tells how long until the next token', () => {
    let t = 5_000;
    const bucket = createTokenBucket({ burst: 3, perSecond: 4, now: () => t });
    for (let i = 0; i < 3; i += 1) expect(bucket.take()).toEqual({ ok: true });
    expect(bucket.take()).toEqual({ ok: false, retryAfterMs: 250 });
    t += 250;
    expect(bucket.take()).toEqual({ ok: true });
    expect(bucket.take().ok).toBe(false);
    t += 60_000;
    for (let i = 0; i < 3; i += 1) expect(bucket.take().ok).toBe(true);
    expect(bucket.take().ok).toBe(false);
  });
});

describe('failOpen', () => {
  it('lets a request through when the limiter fails, and reports the error; refusals still refuse', async () => {
    const errors: unknown[] = [];
    const down = new Error('redis away');
    const failing = failOpen(
      () => ({
        take: async () => {
          throw down;
        },
      }),
      (err) => errors.push(err),
    );
    expect(await failing('rule', { burst: 1, perSecond: 1 }).take('ana')).toEqual({ ok: true });
    expect(errors).toEqual([down]);

    const t = 1_000_000;
    const working = failOpen(
      memoryRateLimiters(() => t),
      (err) => errors.push(err),
    )('rule', { burst: 1, perSecond: 1 });
    expect(await working.take('bo')).toEqual({ ok: true });
    expect(await working.take('bo')).toMatchObject({ ok: false, retryAfterMs: 1000 });
    expect(errors).toEqual([down]);
  });
});
