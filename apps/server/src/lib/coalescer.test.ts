import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCoalescer } from './coalescer.js';

describe('coalescer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function recording(intervalMs = 100) {
    const flushes: { group: string; keys: string[]; at: number }[] = [];
    const coalescer = createCoalescer({
      intervalMs,
      flush: (group, keys) => {
        flushes.push({ group, keys: [...keys].sort(), at: Date.now() });
      },
    });
    return { coalescer, flushes };
  }

  it('flushes the first mark at once and a burst of 1,000 marks as one flush per interval', async () => {
    const { coalescer, flushes } = recording();
    const start = Date.now();
    coalescer.mark('space', 'a');
    await vi.advanceTimersByTimeAsync(0);
    expect(flushes).toEqual([{ group: 'space', keys: ['a'], at: start }]);

    for (let i = 0; i < 1000; i += 1) {
      coalescer.mark('space', i % 2 ? 'a' : 'b');
      await vi.advanceTimersByTimeAsync(1); // one mark a millisecond: 1,000 per second
    }
    await vi.advanceTimersByTimeAsync(200);
    // 1 leading flush + one per 100 ms over the second, each carrying both keys.
    expect(flushes.length).toBeLessThanOrEqual(12);
    expect(flushes.length).toBeGreaterThanOrEqual(10);
    for (const [i, f] of flushes.entries()) {
      if (i > 0) expect(f.at - (flushes[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(100);
    }
    expect(flushes.at(-1)?.keys).toEqual(['a', 'b']);
  });

  it('forgets a group: its pending keys are never flushed, other groups are untouched', async () => {
    const { coalescer, flushes } = recording();
    coalescer.mark('gone', 'a');
    coalescer.mark('kept', 'b');
    await vi.advanceTimersByTimeAsync(0);
    coalescer.mark('gone', 'c');
    coalescer.mark('kept', 'd');
    coalescer.forget('gone');
    await vi.advanceTimersByTimeAsync(500);
    expect(flushes.map((f) => `${f.group}:${f.keys.join()}`)).toEqual(['gone:a', 'kept:b', 'kept:d']);
    coalescer.mark('gone', 'e');
    await vi.advanceTimersByTimeAsync(0);
    expect(flushes.at(-1)).toMatchObject({ group: 'gone', keys: ['e'] });
  });

  it('keeps groups apart and never loses the last mark of a burst', async () => {
    const { coalescer, flushes } = recording();
    coalescer.mark('one', 'x');
    coalescer.mark('two', 'y');
    await vi.advanceTimersByTimeAsync(0);
    coalescer.mark('one', 'z');
    await vi.advanceTimersByTimeAsync(99);
    expect(flushes.map((f) => f.group)).toEqual(['one', 'two']);
    await vi.advanceTimersByTimeAsync(1);
    expect(flushes.at(-1)).toMatchObject({ group: 'one', keys: ['z'] });
  });

  it('does not overlap slow flushes of one group', async () => {
    let running = 0;
    let maxRunning = 0;
    const coalescer = createCoalescer({
      intervalMs: 10,
      flush: async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 50));
        running -= 1;
      },
    });
    for (let i = 0; i < 20; i += 1) {
      coalescer.mark('g', String(i));
      await vi.advanceTimersByTimeAsync(5);
    }
    await vi.advanceTimersByTimeAsync(500);
    expect(maxRunning).toBe(1);
    await coalescer.stop();
  });
});
