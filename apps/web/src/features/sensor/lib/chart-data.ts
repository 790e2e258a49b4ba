import { SENSOR_LIMITS, type SensorHistory, type SensorReading } from '@huddle/protocol';
import { fromFahrenheit, type TemperatureUnit } from './format';

/** One sensor's chart line, oldest point first, temperatures in °F, times in epoch ms. */
export interface ChartSeries {
  /** 0: one point per reading. Otherwise each point averages a bucket this long, the grid starting at `origin`. */
  bucketMs: number;
  origin: number;
  at: number[];
  humidity: number[];
  temperature: number[];
  /** Readings averaged into each point; 0 for a bucket from the server, whose count is not sent. */
  counts: number[];
  /** Readings taken at or before this time are already in the series (or were before the range). */
  seenUntil: number;
}

export const EMPTY_SERIES: ChartSeries = {
  bucketMs: 0,
  origin: 0,
  at: [],
  humidity: [],
  temperature: [],
  counts: [],
  seenUntil: Number.POSITIVE_INFINITY,
};

/** A gap this many times the usual spacing between points breaks the line: no readings came then. */
const GAP_FACTOR = 5;

export function seriesFromHistory(history: SensorHistory): ChartSeries {
  const { points, bucketMs } = history;
  return {
    bucketMs,
    origin: history.from,
    at: points.map((p) => p.at),
    humidity: points.map((p) => p.humidity),
    temperature: points.map((p) => p.temperature),
    counts: points.map(() => (bucketMs === 0 ? 1 : 0)),
    // The history holds every reading up to `to`: only later ones are news.
    seenUntil: history.to,
  };
}

/**
 * Adds the readings newer than any seen (a board update repeats the newest ten), then drops points
 * older than the range. In bucket mode a reading joins the newest bucket or opens the next one; a
 * server bucket it joins is replaced, since its count is unknown. A raw series that grows past
 * twice the server's point budget is bucketed here the way the server would, so it stays light.
 * Returns the same series when nothing is new.
 */
export function appendReadings(
  series: ChartSeries,
  readings: readonly SensorReading[],
  rangeMs: number,
  now: number,
  maxPoints: number = SENSOR_LIMITS.maxChartPoints,
): ChartSeries {
  const fresh = freshReadings(readings, series.seenUntil);
  if (fresh.length === 0) return series;
  const next: ChartSeries = {
    ...series,
    at: [...series.at],
    humidity: [...series.humidity],
    temperature: [...series.temperature],
    counts: [...series.counts],
  };
  for (const reading of fresh) {
    if (next.bucketMs === 0) push(next, reading.at, reading.humidity, reading.temperature, 1);
    else addToBucket(next, reading);
  }
  next.seenUntil = fresh[fresh.length - 1]?.at ?? series.seenUntil;
  const trimmed = trimSeries(next, now - rangeMs);
  if (trimmed.bucketMs === 0 && trimmed.at.length > 2 * maxPoints) {
    return rebucket(trimmed, now - rangeMs, Math.ceil((rangeMs + 1) / maxPoints));
  }
  return trimmed;
}

/**
 * The readings taken after `seenUntil`, oldest first. Sorted, so a reading repeated by two updates
 * is taken once (and so are readings stamped with the very same time).
 */
export function freshReadings(readings: readonly SensorReading[], seenUntil: number): SensorReading[] {
  const fresh: SensorReading[] = [];
  let newest = seenUntil;
  for (const reading of [...readings].sort((a, b) => a.at - b.at)) {
    if (reading.at <= newest) continue;
    fresh.push(reading);
    newest = reading.at;
  }
  return fresh;
}

/** Drops the points older than `cutoff`; the same series when there are none. */
export function trimSeries(series: ChartSeries, cutoff: number): ChartSeries {
  let first = 0;
  while (first < series.at.length && (series.at[first] ?? 0) < cutoff) first += 1;
  if (first === 0) return series;
  return {
    ...series,
    at: series.at.slice(first),
    humidity: series.humidity.slice(first),
    temperature: series.temperature.slice(first),
    counts: series.counts.slice(first),
  };
}

export interface PlotColumns {
  /** Seconds, as uPlot's time axis wants them. */
  x: number[];
  humidity: (number | null)[];
  temperature: (number | null)[];
}

/** The series as uPlot columns in the chosen unit, with a null wherever readings stopped for a while. */
export function toPlotColumns(series: ChartSeries, unit: TemperatureUnit): PlotColumns {
  const gapMs = gapThreshold(series);
  const columns: PlotColumns = { x: [], humidity: [], temperature: [] };
  series.at.forEach((at, i) => {
    const previous = series.at[i - 1];
    if (previous !== undefined && at - previous > gapMs) {
      columns.x.push((previous + at) / 2000);
      columns.humidity.push(null);
      columns.temperature.push(null);
    }
    columns.x.push(at / 1000);
    columns.humidity.push(series.humidity[i] ?? null);
    const temperature = series.temperature[i];
    columns.temperature.push(temperature === undefined ? null : fromFahrenheit(temperature, unit));
  });
  return columns;
}

function gapThreshold(series: ChartSeries): number {
  const steps: number[] = [];
  for (let i = 1; i < series.at.length; i += 1) steps.push((series.at[i] ?? 0) - (series.at[i - 1] ?? 0));
  if (steps.length === 0) return Number.POSITIVE_INFINITY;
  steps.sort((a, b) => a - b);
  const median = steps[Math.floor(steps.length / 2)] ?? 0;
  // Readings stamped within the same second are one burst, not a rhythm to measure gaps by.
  return Math.max(GAP_FACTOR * median, 1000);
}

function push(series: ChartSeries, at: number, humidity: number, temperature: number, count: number): void {
  series.at.push(at);
  series.humidity.push(humidity);
  series.temperature.push(temperature);
  series.counts.push(count);
}

function bucketMid(series: ChartSeries, index: number): number {
  return series.origin + index * series.bucketMs + Math.floor(series.bucketMs / 2);
}

function bucketIndex(series: ChartSeries, at: number): number {
  return Math.floor((at - series.origin) / series.bucketMs);
}

function addToBucket(series: ChartSeries, reading: SensorReading): void {
  const last = series.at.length - 1;
  const index = bucketIndex(series, reading.at);
  const lastAt = series.at[last];
  if (lastAt === undefined || index > bucketIndex(series, lastAt)) {
    push(series, bucketMid(series, index), reading.humidity, reading.temperature, 1);
    return;
  }
  const count = series.counts[last] ?? 0;
  series.humidity[last] = ((series.humidity[last] ?? 0) * count + reading.humidity) / (count + 1);
  series.temperature[last] = ((series.temperature[last] ?? 0) * count + reading.temperature) / (count + 1);
  series.counts[last] = count + 1;
}

function rebucket(series: ChartSeries, origin: number, bucketMs: number): ChartSeries {
  const next: ChartSeries = { ...series, bucketMs, origin, at: [], humidity: [], temperature: [], counts: [] };
  let open = -1;
  series.at.forEach((at, i) => {
    const index = bucketIndex(next, at);
    const count = series.counts[i] ?? 1;
    const humidity = series.humidity[i] ?? 0;
    const temperature = series.temperature[i] ?? 0;
    const last = next.at.length - 1;
    if (index !== open) {
      open = index;
      push(next, bucketMid(next, index), humidity, temperature, count);
      return;
    }
    const held = next.counts[last] ?? 0;
    next.humidity[last] = ((next.humidity[last] ?? 0) * held + humidity * count) / (held + count);
    next.temperature[last] = ((next.temperature[last] ?? 0) * held + temperature * count) / (held + count);
    next.counts[last] = held + count;
  });
  return next;
}

/**
 * A y-axis range for values between `min` and `max` (null when there are none) that also shows the
 * alarm limit when it is near the data; a limit so far away that the data would fill less than a
 * quarter of the axis would flatten the line, so it is left off.
 */
export function valueRange(
  min: number | null,
  max: number | null,
  limit: number,
  empty: [number, number],
): [number, number] {
  if (min === null || max === null) return empty;
  const span = Math.max(max - min, 5);
  let low = min;
  let high = max;
  if (Math.max(max, limit) - Math.min(min, limit) <= 4 * span) {
    low = Math.min(low, limit);
    high = Math.max(high, limit);
  }
  const pad = Math.max((high - low) * 0.1, 1);
  return [Math.floor(low - pad), Math.ceil(high + pad)];
}
