import { readingInputSchema, SENSOR_LIMITS, type SensorReading, sensorThresholdsSchema } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { randomReadings, statsOf, statusOf } from './sensor.logic.js';

const reading = (humidity: number, temperature: number, at = 0): SensorReading => ({
  sensorId: 'room',
  humidity,
  temperature,
  at,
});

describe('stats of the newest readings', () => {
  it('gives average, maximum and minimum of each column', () => {
    const stats = statsOf([reading(40, 70), reading(50, 72.5), reading(60, 68)]);
    expect(stats).toEqual({
      count: 3,
      humidity: { avg: 50, max: 60, min: 40 },
      temperature: { avg: 70.17, max: 72.5, min: 68 },
    });
  });
  it('is null without readings', () => {
    expect(statsOf([])).toBeNull();
  });
});

describe('alarm status', () => {
  const thresholds = { humidityMax: 70, temperatureMax: 86 };
  it.each([
    [reading(69.9, 85.9), { level: 'ok' }],
    [reading(70, 86), { level: 'ok' }],
    [reading(70.1, 86), { level: 'alarm', breaches: [{ quantity: 'humidity', value: 70.1, limit: 70 }] }],
    [reading(70, 86.1), { level: 'alarm', breaches: [{ quantity: 'temperature', value: 86.1, limit: 86 }] }],
    [
      reading(100, 212),
      {
        level: 'alarm',
        breaches: [
          { quantity: 'humidity', value: 100, limit: 70 },
          { quantity: 'temperature', value: 212, limit: 86 },
        ],
      },
    ],
  ])('%j → %j', (newest, status) => {
    expect(statusOf(newest, thresholds)).toEqual(status);
  });
  it('has no data before the first reading', () => {
    expect(statusOf(undefined, thresholds)).toEqual({ level: 'no-data' });
  });
});

describe('validation', () => {
  it.each([
    [{ humidityMax: -0.1, temperatureMax: 80 }, 'humidityMax', /between 0 and 100 %/],
    [{ humidityMax: 100.1, temperatureMax: 80 }, 'humidityMax', /between 0 and 100 %/],
    [{ humidityMax: 50, temperatureMax: -40.1 }, 'temperatureMax', /between -40 and 212 °F/],
    [{ humidityMax: 50, temperatureMax: 212.1 }, 'temperatureMax', /between -40 and 212 °F/],
    [{ humidityMax: 'high', temperatureMax: 80 }, 'humidityMax', /must be a number/],
    [{ humidityMax: 50, temperatureMax: Number.NaN }, 'temperatureMax', /must be a number/],
  ])('refuses thresholds %j', (input, field, message) => {
    const result = sensorThresholdsSchema.safeParse(input);
    expect(result.error?.issues[0]?.path).toEqual([field]);
    expect(result.error?.issues[0]?.message).toMatch(message);
  });
  it('accepts the edges of each range', () => {
    expect(sensorThresholdsSchema.safeParse({ humidityMax: 0, temperatureMax: -40 }).success).toBe(true);
    expect(sensorThresholdsSchema.safeParse({ humidityMax: 100, temperatureMax: 212 }).success).toBe(true);
  });
  it('reads device times as epoch ms or ISO date-times', () => {
    expect(readingInputSchema.parse({ humidity: 1, temperature: 2, at: '2026-11-23T10:00:00Z' }).at).toBe(
      Date.parse('2026-11-23T10:00:00Z'),
    );
    expect(readingInputSchema.safeParse({ humidity: 1, temperature: 2, at: 'yesterday' }).success).toBe(false);
    expect(readingInputSchema.safeParse({ humidity: 1, temperature: 2, extra: 1 }).success).toBe(false);
  });
});

describe('random readings', () => {
  it('walks from the previous reading, one second apart, ending now, inside plausible ranges', () => {
    const now = 1_800_000_000_000;
    const readings = randomReadings('room', reading(50, 70), 10, now);
    expect(readings).toHaveLength(10);
    expect(readings.at(-1)?.at).toBe(now);
    expect(readings[0]?.at).toBe(now - 9000);
    for (const r of readings) {
      expect(r.humidity).toBeGreaterThanOrEqual(SENSOR_LIMITS.humidity.min);
      expect(r.humidity).toBeLessThanOrEqual(SENSOR_LIMITS.humidity.max);
      expect(r.temperature).toBeGreaterThanOrEqual(55);
      expect(r.temperature).toBeLessThanOrEqual(100);
    }
    expect(Math.abs((readings[0]?.humidity ?? 0) - 50)).toBeLessThanOrEqual(2);
  });
  it('never goes back in time when presses come faster than a reading a second', () => {
    const now = 1_800_000_000_000;
    const first = randomReadings('room', undefined, 10, now);
    const second = randomReadings('room', first.at(-1), 10, now + 2000);
    expect(second[0]?.at).toBeGreaterThan(now);
    expect(second.at(-1)?.at).toBe(now + 2000);
    const times = [...first, ...second].map((r) => r.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});
