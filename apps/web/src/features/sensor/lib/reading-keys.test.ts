import type { SensorReading } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { readingKeys } from './reading-keys';

function reading(at: number, humidity = 50, temperature = 70): SensorReading {
  return { sensorId: 'lab', humidity, temperature, at };
}

describe('readingKeys', () => {
  it('keeps a reading’s key when newer readings push it down the list', () => {
    const older = [reading(2000), reading(1000)];
    const newer = [reading(3000), reading(2000), reading(1000)];
    expect(readingKeys(newer).slice(1)).toEqual(readingKeys(older));
  });

  it('tells apart readings of the same time by their values', () => {
    const keys = readingKeys([reading(1000, 50, 70), reading(1000, 51, 70), reading(1000, 50, 71)]);
    expect(new Set(keys).size).toBe(3);
  });

  it('numbers exact repeats, so keys stay unique', () => {
    const keys = readingKeys([reading(1000), reading(1000), reading(1000)]);
    expect(new Set(keys).size).toBe(3);
  });

  it('gives the same readings the same keys, whichever update carried them', () => {
    expect(readingKeys([reading(2000), reading(1000)])).toEqual(readingKeys([reading(2000), reading(1000)]));
  });
});
