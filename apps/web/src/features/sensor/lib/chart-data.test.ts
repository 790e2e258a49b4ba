import type { SensorHistory, SensorReading } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { appendReadings, EMPTY_SERIES, seriesFromHistory, toPlotColumns, trimSeries, valueRange } from './chart-data';

const MINUTE = 60_000;
const T0 = 1_700_000_000_000;

function reading(at: number, humidity = 50, temperature = 70): SensorReading {
  return { sensorId: 'room', humidity, temperature, at };
}

function history(points: [number, number, number][], bucketMs = 0, from = T0 - 5 * MINUTE, to = T0): SensorHistory {
  return {
    sensorId: 'room',
    range: '5m',
    from,
    to,
    bucketMs,
    points: points.map(([at, humidity, temperature]) => ({ at, humidity, temperature })),
  };
}

describe('chart data', () => {
  it('appends only readings newer than those already drawn, oldest first, each once', () => {
    const series = seriesFromHistory(history([[T0 - 2000, 40, 60]]));
    // An update lists the newest readings first and repeats ones from the previous update.
    const next = appendReadings(
      series,
      [reading(T0 + 2000, 52), reading(T0 + 1000, 51), reading(T0 - 500)],
      5 * MINUTE,
      T0 + 2000,
    );
    expect(next.at).toEqual([T0 - 2000, T0 + 1000, T0 + 2000]);
    expect(next.humidity).toEqual([40, 51, 52]);
    const again = appendReadings(
      next,
      [reading(T0 + 3000, 53), reading(T0 + 2000, 52), reading(T0 + 3000, 53)],
      5 * MINUTE,
      T0 + 3000,
    );
    expect(again.at).toEqual([T0 - 2000, T0 + 1000, T0 + 2000, T0 + 3000]);
  });

  it('returns the same series when nothing is new', () => {
    const series = seriesFromHistory(history([[T0 - 2000, 40, 60]]));
    expect(appendReadings(series, [reading(T0 - 2000)], 5 * MINUTE, T0)).toBe(series);
    expect(appendReadings(EMPTY_SERIES, [reading(T0)], 5 * MINUTE, T0)).toBe(EMPTY_SERIES);
  });

  it('drops points that slid out of the range', () => {
    const series = seriesFromHistory(
      history([
        [T0 - 4 * MINUTE, 40, 60],
        [T0 - MINUTE, 41, 61],
      ]),
    );
    const next = appendReadings(series, [reading(T0 + 2 * MINUTE)], 5 * MINUTE, T0 + 2 * MINUTE);
    expect(next.at).toEqual([T0 - MINUTE, T0 + 2 * MINUTE]);
    expect(trimSeries(next, T0)).toMatchObject({ at: [T0 + 2 * MINUTE], humidity: [50], temperature: [70] });
    expect(trimSeries(next, T0 - 2 * MINUTE)).toBe(next);
  });

  it('averages live readings into buckets on the history grid', () => {
    const bucketMs = 10_000;
    const from = T0 - MINUTE;
    // The server's last bucket (count unknown) holds [T0 - 10 s, T0).
    const series = seriesFromHistory(history([[T0 - 5000, 40, 60]], bucketMs, from, T0 - 2000));
    let next = appendReadings(series, [reading(T0 - 1000, 50, 70)], MINUTE, T0);
    // A reading replaces a server bucket: its count is not known.
    expect(next.humidity).toEqual([50]);
    next = appendReadings(next, [reading(T0 - 500, 60, 80)], MINUTE, T0);
    expect(next).toMatchObject({ at: [T0 - 5000], humidity: [55], temperature: [75], counts: [2] });
    next = appendReadings(next, [reading(T0 + 12_000, 30, 50)], MINUTE, T0 + 12_000);
    expect(next.at).toEqual([T0 - 5000, T0 + 15_000]);
    expect(next.humidity).toEqual([55, 30]);
  });

  it('buckets a raw series itself once it outgrows the point budget', () => {
    const series = seriesFromHistory(history([], 0, T0 - MINUTE, T0));
    const readings = Array.from({ length: 21 }, (_, i) => reading(T0 + 1 + i * 1000, i, 70));
    const next = appendReadings(series, readings, MINUTE, T0 + 20_001, 10);
    expect(next.bucketMs).toBe(6001);
    expect(next.at.length).toBeLessThanOrEqual(11);
    // Every reading still counts once.
    expect(next.counts.reduce((a, b) => a + b, 0)).toBe(21);
    const total = next.humidity.reduce((sum, h, i) => sum + h * (next.counts[i] ?? 0), 0);
    expect(total).toBeCloseTo((20 * 21) / 2);
  });

  it('makes uPlot columns in seconds, in the chosen unit, broken where readings stopped', () => {
    const series = seriesFromHistory(
      history([
        [T0, 40, 212],
        [T0 + 1000, 41, 32],
        [T0 + 2000, 42, 50],
        [T0 + 60_000, 43, 68],
      ]),
    );
    const columns = toPlotColumns(series, 'C');
    expect(columns.x).toEqual([T0 / 1000, T0 / 1000 + 1, T0 / 1000 + 2, T0 / 1000 + 31, T0 / 1000 + 60]);
    expect(columns.humidity).toEqual([40, 41, 42, null, 43]);
    expect(columns.temperature).toEqual([100, 0, 10, null, 20]);
  });

  it('fits the y axis to the data and a nearby limit, not a far one', () => {
    expect(valueRange(60, 70, 86, [0, 1])).toEqual([57, 89]);
    expect(valueRange(60, 70, 212, [0, 1])).toEqual([59, 71]);
    expect(valueRange(null, null, 86, [60, 80])).toEqual([60, 80]);
  });
});
