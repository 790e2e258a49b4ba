import type { SensorReading } from '@huddle/protocol';

/**
 * React keys for readings, taken from what each reading is rather than where it sits: when a new reading
 * pushes the others down a table, each keeps its key and so its row. Exact repeats (same time, same
 * values) are numbered in list order, so keys stay unique.
 */
export function readingKeys(readings: readonly SensorReading[]): string[] {
  const seen = new Map<string, number>();
  return readings.map(({ at, humidity, temperature }) => {
    const key = `${at}:${humidity}:${temperature}`;
    const repeats = seen.get(key) ?? 0;
    seen.set(key, repeats + 1);
    return repeats === 0 ? key : `${key}#${repeats}`;
  });
}
