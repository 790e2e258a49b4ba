/**
 * Latency statistics. Large streams (a million deliveries) go into a log-bucketed histogram that
 * loses at most 1 % of a value and merges across load-generator processes; small samples (one per
 * pomodoro press) keep every value and use exact nearest-rank percentiles.
 */

/** Values at or below this (ms) share the first bucket. */
const FLOOR_MS = 0.01;
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);

export interface HistogramData {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** [bucket index, count] pairs for the buckets that hold something. */
  buckets: [number, number][];
}

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const bucketOf = (ms: number) => (ms <= FLOOR_MS ? 0 : Math.ceil(Math.log(ms / FLOOR_MS) / LOG_GROWTH));
/** The largest value a bucket holds: a percentile read from it is never below the true one. */
const upperBound = (bucket: number) => FLOOR_MS * GROWTH ** bucket;

export class Histogram {
  private readonly counts = new Map<number, number>();
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;

  record(ms: number): void {
    const v = Math.max(ms, 0);
    const b = bucketOf(v);
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
    this.count += 1;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  merge(data: HistogramData): void {
    for (const [b, n] of data.buckets) this.counts.set(b, (this.counts.get(b) ?? 0) + n);
    this.count += data.count;
    this.sum += data.sum;
    if (data.count > 0) {
      this.min = Math.min(this.min, data.min);
      this.max = Math.max(this.max, data.max);
    }
  }

  /** Nearest-rank percentile (0 < p ≤ 100), within 1 % above the true value, never above the max. */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (const b of [...this.counts.keys()].sort((x, y) => x - y)) {
      seen += this.counts.get(b) ?? 0;
      if (seen >= rank) return Math.min(Math.max(upperBound(b), this.min), this.max);
    }
    return this.max;
  }

  summary(): Summary {
    return summaryOf(this.count, this.count ? this.sum / this.count : Number.NaN, (p) => this.percentile(p), this.max);
  }

  toJSON(): HistogramData {
    return { count: this.count, sum: this.sum, min: this.min, max: this.max, buckets: [...this.counts] };
  }

  static from(parts: HistogramData[]): Histogram {
    const h = new Histogram();
    for (const part of parts) h.merge(part);
    return h;
  }
}

/** Exact nearest-rank percentile of a sample (0 < p ≤ 100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  const mean = n ? values.reduce((s, v) => s + v, 0) / n : Number.NaN;
  return summaryOf(n, mean, (p) => percentile(values, p), n ? Math.max(...values) : Number.NaN);
}

function summaryOf(count: number, mean: number, pct: (p: number) => number, max: number): Summary {
  return { count, mean, p50: pct(50), p95: pct(95), p99: pct(99), max };
}
