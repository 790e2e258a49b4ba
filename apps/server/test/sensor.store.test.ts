import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrateTo } from '../src/db/migrations.js';
import { createSensorStore, minuteRollups, RAW_CHART_MAX, ROLLUP_MS } from '../src/features/sensor/sensor.store.js';
import { createSpaceStore } from '../src/space/space.store.js';
import { createPgDatabase, storageBackends, uniqueSpace, useStorage } from './helpers.js';

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

  it('keeps minute rollups at ingest: count, sum, min and max of each quantity, added up across batches', async () => {
    const space = uniqueSpace('rollups');
    await createSpaceStore(storage.db).create(space, 'open', T0);
    const store = createSensorStore(storage.db, () => T0);
    const at = (minute: number, second: number) => T0 + minute * ROLLUP_MS + second * 1000;
    const reading = (t: number, humidity: number, temperature: number) => ({
      sensorId: 'room',
      humidity,
      temperature,
      at: t,
    });
    await store.append(
      space,
      'room',
      [reading(at(0, 1), 40, 70), reading(at(0, 59), 60, 72), reading(at(2, 0), 50, 80)],
      T0,
    );
    // A second batch adds to a minute it shares with the first (and to a new one).
    await store.append(space, 'room', [reading(at(0, 30), 35, 75), reading(at(1, 0), 45, 60)], T0);
    await store.append(space, 'other', [reading(at(0, 2), 99, 99)], T0);

    const rows = await storage.db
      .selectFrom('sensor_rollups')
      .selectAll()
      .where('space', '=', space)
      .where('sensor_id', '=', 'room')
      .orderBy('bucket_start')
      .execute();
    expect(rows.map(({ space: _s, sensor_id: _id, ...r }) => r)).toEqual([
      {
        resolution_ms: ROLLUP_MS,
        bucket_start: at(0, 0) - (T0 % ROLLUP_MS),
        count: 3,
        humidity_sum: 135,
        humidity_min: 35,
        humidity_max: 60,
        temperature_sum: 217,
        temperature_min: 70,
        temperature_max: 75,
      },
      expect.objectContaining({ count: 1, humidity_sum: 45, temperature_min: 60, temperature_max: 60 }),
      expect.objectContaining({ count: 1, humidity_sum: 50, temperature_max: 80 }),
    ]);
    expect(minuteRollups([reading(at(0, 7), 40, 70)])).toMatchObject([{ bucket_start: at(0, 0), count: 1 }]);
  });

  it('draws a range holding many readings from the rollups: whole minutes on a grid the chart continues', async () => {
    const space = uniqueSpace('dense');
    await createSpaceStore(storage.db).create(space, 'open', T0);
    const to = T0 + 3_600_000;
    const store = createSensorStore(storage.db, () => to);
    // 4 readings a second for an hour: more than the raw path reads, in 60 minutes.
    const count = 14_400;
    expect(count).toBeGreaterThan(RAW_CHART_MAX);
    const readings = Array.from({ length: count }, (_, i) => ({
      sensorId: 'room',
      humidity: i % 2 ? 40 : 60,
      temperature: 60 + ((i * 250) % ROLLUP_MS) / 6000,
      at: T0 + i * 250,
    }));
    for (let i = 0; i < count; i += 5000) await store.append(space, 'room', readings.slice(i, i + 5000), T0);

    const from = to - 3_600_000;
    const chart = await store.range(space, 'room', from, to, 600);
    expect(chart.bucketMs).toBe(ROLLUP_MS);
    expect(chart.from % ROLLUP_MS).toBe(0);
    expect(chart.from).toBeGreaterThanOrEqual(from);
    expect(chart.from - from).toBeLessThan(ROLLUP_MS);
    // The chart's grid: every point is the middle of a bucket counted from `from`.
    for (const p of chart.points) expect((p.at - chart.from - ROLLUP_MS / 2) % chart.bucketMs).toBe(0);
    expect(chart.points.length).toBeGreaterThanOrEqual(59);
    expect(chart.points.length).toBeLessThanOrEqual(61);
    // Exact averages of each whole minute: humidity alternates 60/40, temperature climbs 60 → 70 in a minute.
    expect(chart.points[1]).toEqual({ at: chart.from + ROLLUP_MS + ROLLUP_MS / 2, humidity: 50, temperature: 64.98 });

    // 24 hours: slices of 3 minutes (144 s rounded up to whole minutes), at most 600 points.
    const day = await store.range(space, 'room', to - 86_400_000, to, 600);
    expect(day.bucketMs).toBe(3 * ROLLUP_MS);
    expect(day.points.length).toBeLessThanOrEqual(600);
    expect(day.points.length).toBe(20);
    for (const p of day.points) expect((p.at - day.from - day.bucketMs / 2) % day.bucketMs).toBe(0);
    expect(day.points.every((p) => p.humidity === 50)).toBe(true);

    // A short range holding few readings still gets them one by one.
    const recent = await store.range(space, 'room', T0 + 1000, T0 + 60_000, 600);
    expect(recent.bucketMs).toBe(0);
    expect(recent.from).toBe(T0 + 1000);
    expect(recent.points).toHaveLength(237);
  });

  it('deleting a sensor deletes its readings and rollups, and only its own', async () => {
    const space = uniqueSpace('gone');
    await createSpaceStore(storage.db).create(space, 'open', T0);
    const store = createSensorStore(storage.db, () => T0);
    const readings = (sensorId: string) =>
      Array.from({ length: 5000 }, (_, i) => ({ sensorId, humidity: 50, temperature: 70, at: T0 - i * ROLLUP_MS }));
    await store.append(space, 'a', readings('a'), T0);
    await store.append(space, 'b', readings('b').slice(0, 3), T0);
    expect(await store.remove(space, 'a')).toBe(true);
    const left = await storage.db
      .selectFrom('sensor_rollups')
      .select(['sensor_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('space', '=', space)
      .groupBy('sensor_id')
      .execute();
    expect(left.map((r) => [r.sensor_id, Number(r.n)])).toEqual([['b', 3]]);
    // Its 5,000 readings went in chunks of 2,000; the other sensor's stayed.
    const readingsLeft = await storage.db
      .selectFrom('sensor_readings')
      .select(['sensor_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('space', '=', space)
      .groupBy('sensor_id')
      .execute();
    expect(readingsLeft.map((r) => [r.sensor_id, Number(r.n)])).toEqual([['b', 3]]);
  });
});

describe.each(['SQLite', 'PostgreSQL'] as const)('migration 0009 on %s, on a database from before it', (kind) => {
  it('rolls up the readings already stored', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'huddle-migrate-'));
    const pgDatabase = kind === 'PostgreSQL' ? await createPgDatabase() : undefined;
    // biome-ignore lint/suspicious/noExplicitAny: a database from before migration 0009 has no typed schema here
    const db = new Kysely<any>({
      dialect: pgDatabase
        ? new PostgresDialect({ pool: new pg.Pool({ connectionString: pgDatabase.url }) })
        : new SqliteDialect({ database: new SQLite(path.join(dir, 'old.db')) }),
    });
    try {
      await migrateTo(db, '0006_spaces_belong_to_their_team');
      await db.insertInto('spaces').values({ slug: 'legacy', created_at: 1 }).execute();
      await db.insertInto('sensors').values({ space: 'legacy', sensor_id: 'room', last_at: 1, total: 4 }).execute();
      const T = 1_800_000_000_000;
      const reading = (at: number, humidity: number) => ({
        space: 'legacy',
        sensor_id: 'room',
        humidity,
        temperature: 70,
        at,
        received_at: at,
      });
      await db
        .insertInto('sensor_readings')
        .values([reading(T + 1, 40), reading(T + 59_999, 60), reading(T + 60_000, 10), reading(T + 61_000, 20)])
        .execute();
      await migrateTo(db, null);
      const rows = await db
        .selectFrom('sensor_rollups')
        .select(['resolution_ms', 'bucket_start', 'count', 'humidity_sum', 'humidity_min', 'humidity_max'])
        .orderBy('bucket_start')
        .execute();
      expect(rows.map((r) => Object.values(r).map(Number))).toEqual([
        [ROLLUP_MS, T, 2, 100, 40, 60],
        [ROLLUP_MS, T + 60_000, 2, 30, 10, 20],
      ]);
    } finally {
      await db.destroy();
      await pgDatabase?.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
