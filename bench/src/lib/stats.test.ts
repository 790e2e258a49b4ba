import { describe, expect, it } from 'vitest';
import { Histogram, percentile, summarize } from './stats.js';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 90)).toBe(9);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile(values, 100)).toBe(10);
    expect(percentile([42], 1)).toBe(42);
  });

  it('is NaN for no values', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(summarize([]).count).toBe(0);
  });
});

describe('Histogram', () => {
  it('stays within 1 % of the exact percentiles and keeps min, max and mean exact', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => 0.05 + ((i * 7919) % 10_000) / 37);
    const h = new Histogram();
    for (const v of values) h.record(v);
    for (const p of [50, 95, 99, 99.9]) {
      const exact = percentile(values, p);
      expect(h.percentile(p)).toBeGreaterThanOrEqual(exact);
      expect(h.percentile(p)).toBeLessThanOrEqual(exact * 1.01);
    }
    expect(h.max).toBe(Math.max(...values));
    expect(h.min).toBe(Math.min(...values));
    expect(h.summary().mean).toBeCloseTo(values.reduce((s, v) => s + v, 0) / values.length, 9);
  });

  it('merges parts recorded in different processes as if recorded in one', () => {
    const whole = new Histogram();
    const a = new Histogram();
    const b = new Histogram();
    for (let i = 1; i <= 1000; i++) {
      whole.record(i / 10);
      (i % 3 ? a : b).record(i / 10);
    }
    const merged = Histogram.from([JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b))]);
    expect(merged.summary()).toEqual(whole.summary());
    expect(merged.percentile(99)).toBe(whole.percentile(99));
  });

  it('never reports a percentile above the largest value', () => {
    const h = new Histogram();
    h.record(3);
    expect(h.percentile(50)).toBe(3);
    expect(new Histogram().percentile(50)).toBeNaN();
  });
});
