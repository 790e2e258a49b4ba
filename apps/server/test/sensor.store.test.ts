import { describe, expect, it } from 'vitest';
import { createSensorStore } from '../src/features/sensor/sensor.store.js';
import { createSpaceStore } from '../src/space/space.store.js';
import { storageBackends, uniqueSpace, useStorage } from './helpers.js';

describe.each(storageBackends)('sensor store on $name', (backend) => {
  const storage = useStorage(backend);
  const T0 = 1_800_000_000_000;

  it('returns single readings while they fit, and bucket averages beyond', async () => {
    const space = uniqueSpace('sensors');
    await createSpaceStore(storage.db).create(space, 'open', T0);
    const store = createSensorStore(storage.db, () => T0);
    const readings = Array.from({ length: 700 }, (_, i) => ({
      sensorId: 'room',
      humidity: i % 2 ? 40 : 60,
      temperature: 70,
      at: T0 + i * 1000,
    }));
    expect(await store.append(space, 'room', readings, T0)).toBe(true);

    const raw = await store.range(space, 'room', T0, T0 + 99_000, 600);
    expect(raw.bucketMs).toBe(0);
    expect(raw.points).toHaveLength(100);

    const bucketed = await store.range(space, 'room', T0, T0 + 699_999, 100);
    expect(bucketed.bucketMs).toBe(7000);
    expect(bucketed.points).toHaveLength(100);
    expect(bucketed.points[0]).toEqual({ at: T0 + 3500, humidity: 51.43, temperature: 70 });
    expect(bucketed.points.map((p) => p.at)).toEqual([...bucketed.points.map((p) => p.at)].sort((a, b) => a - b));
  });
});
