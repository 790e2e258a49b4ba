import type {
  MinMaxAvg,
  SensorReading,
  SensorStats,
  SensorStatus,
  SensorThresholds,
  ThresholdBreach,
} from '@huddle/protocol';

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

function minMaxAvg(values: number[]): MinMaxAvg {
  const sum = values.reduce((a, b) => a + b, 0);
  return { avg: round(sum / values.length), max: Math.max(...values), min: Math.min(...values) };
}

/** Average, maximum and minimum of each quantity over the given readings; null when there are none. */
export function statsOf(readings: readonly SensorReading[]): SensorStats | null {
  if (readings.length === 0) return null;
  return {
    count: readings.length,
    humidity: minMaxAvg(readings.map((r) => r.humidity)),
    temperature: minMaxAvg(readings.map((r) => r.temperature)),
  };
}

/** The room's status from its newest reading: a value above its threshold raises the alarm; equal does not. */
export function statusOf(newest: SensorReading | undefined, thresholds: SensorThresholds): SensorStatus {
  if (!newest) return { level: 'no-data' };
  const breaches: ThresholdBreach[] = [];
  if (newest.humidity > thresholds.humidityMax) {
    breaches.push({ quantity: 'humidity', value: newest.humidity, limit: thresholds.humidityMax });
  }
  if (newest.temperature > thresholds.temperatureMax) {
    breaches.push({ quantity: 'temperature', value: newest.temperature, limit: thresholds.temperatureMax });
  }
  return breaches.length > 0 ? { level: 'alarm', breaches } : { level: 'ok' };
}

const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, n));

/**
 * Plausible room readings: a small random walk from the previous reading (or a comfortable room),
 * one second apart and ending now — or squeezed in after the previous reading when presses come
 * faster than that, so times never go back. `random` is injectable so tests can pin it.
 */
export function randomReadings(
  sensorId: string,
  previous: SensorReading | undefined,
  count: number,
  now: number,
  random: () => number = Math.random,
): SensorReading[] {
  let humidity = previous?.humidity ?? 45 + random() * 10;
  let temperature = previous?.temperature ?? 68 + random() * 6;
  const start = Math.min(now, Math.max(previous?.at ?? Number.NEGATIVE_INFINITY, now - count * 1000));
  const step = (now - start) / count;
  const readings: SensorReading[] = [];
  for (let i = 1; i <= count; i += 1) {
    humidity = clamp(humidity + (random() - 0.5) * 4, 20, 90);
    temperature = clamp(temperature + (random() - 0.5) * 3, 55, 100);
    readings.push({
      sensorId,
      humidity: round(humidity, 1),
      temperature: round(temperature, 1),
      at: Math.round(start + step * i),
    });
  }
  return readings;
}
