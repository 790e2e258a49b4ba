import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ExportRecord } from '../src/feature.js';
import { createRetentionJob } from '../src/features/lifecycle/retention.js';
import { createSensorStore } from '../src/features/sensor/sensor.store.js';
import { storageBackends, uniqueSpace, useStorage } from './helpers.js';
import { DAY_MS, rowCounts, seedSpace, spaceDataOn, TABLES, totalRows } from './space-fixture.js';

const NOW = 1_800_000_000_000;
const now = () => NOW;

async function collect(records: AsyncIterable<ExportRecord>): Promise<ExportRecord[]> {
  const all: ExportRecord[] = [];
  for await (const r of records) all.push(r);
  return all;
}

function countBy(records: readonly ExportRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of records) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}

describe.each(storageBackends)('a space’s data lifecycle on $name', (backend) => {
  const storage = useStorage(backend);

  it('deleting a space deletes its rows in every table and nothing of another space; its name is free again', async () => {
    const doomed = await seedSpace(storage.db, uniqueSpace('doomed'), { now: NOW, readings: 1500, messages: 1200 });
    const kept = await seedSpace(storage.db, uniqueSpace('kept'), { now: NOW, readings: 30, messages: 30 });
    const before = await rowCounts(storage.db, doomed.space, doomed.userIds);
    const keptBefore = await rowCounts(storage.db, kept.space, kept.userIds);
    const totalBefore = await totalRows(storage.db);
    for (const table of TABLES) expect(before[table], `${table} seeded`).toBeGreaterThan(0);

    expect(await spaceDataOn(storage.db, now).delete(doomed.space)).toBe(true);

    const after = await rowCounts(storage.db, doomed.space, doomed.userIds);
    expect(after).toEqual(Object.fromEntries(TABLES.map((t) => [t, 0])));
    expect(await rowCounts(storage.db, kept.space, kept.userIds)).toEqual(keptBefore);
    const deleted = Object.values(before).reduce((a, b) => a + b, 0);
    expect(await totalRows(storage.db)).toBe(totalBefore - deleted);

    // The name can be taken again.
    const again = await seedSpace(storage.db, doomed.space, { now: NOW });
    expect((await rowCounts(storage.db, doomed.space, again.userIds)).spaces).toBe(1);
  });

  it('deleting a space that is not there changes nothing and says so', async () => {
    const kept = await seedSpace(storage.db, uniqueSpace('there'), { now: NOW });
    const totalBefore = await totalRows(storage.db);
    expect(await spaceDataOn(storage.db, now).delete(uniqueSpace('nowhere'))).toBe(false);
    expect(await totalRows(storage.db)).toBe(totalBefore);
    expect((await rowCounts(storage.db, kept.space, kept.userIds)).spaces).toBe(1);
  });

  it('the export holds every record of the space, typed and in order, and no secret or direct message', async () => {
    const seeded = await seedSpace(storage.db, uniqueSpace('exported'), { now: NOW, readings: 2500, messages: 1100 });
    const other = await seedSpace(storage.db, uniqueSpace('other'), { now: NOW, readings: 7, messages: 3 });
    const records = await collect(spaceDataOn(storage.db, now).export(seeded.space));

    expect(records[0]).toEqual({ type: 'export', version: 1, space: seeded.space, exportedAt: NOW });
    expect(countBy(records)).toEqual({
      export: 1,
      space: 1,
      settings: 3,
      member: 2,
      channel: 1,
      message: 1100,
      sensor: 1,
      reading: 2500,
      'clicker-player': 2,
      'clicker-purchase': 1,
    });
    expect(records.filter((r) => r.type === 'settings').map((r) => r.scope)).toEqual(['space', 'pomodoro', 'sensor']);
    // Pages join without a gap or a repeat.
    const readings = records.filter((r) => r.type === 'reading').map((r) => r.at as number);
    expect(new Set(readings).size).toBe(2500);
    expect(readings).toEqual([...readings].sort((a, b) => a - b));
    const seqs = records.filter((r) => r.type === 'message').map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: 1100 }, (_, i) => i + 1));
    expect(records.find((r) => r.type === 'member' && r.role === 'owner')).toMatchObject({ name: 'Ana' });

    const text = JSON.stringify(records);
    for (const secret of seeded.secrets) expect(text).not.toContain(secret);
    expect(text).not.toContain(seeded.directText);
    expect(text).not.toContain(other.space);
    expect(text).not.toMatch(/token|code_?hash|device/i);
  });

  it('retention deletes readings and messages older than each space keeps them, and nothing else', async () => {
    const strict = await seedSpace(storage.db, uniqueSpace('strict'), {
      now: NOW,
      oldReadings: 1234,
      readings: 40,
      oldMessages: 777,
      messages: 25,
      oldAt: NOW - 3 * DAY_MS,
      readingRetentionDays: 2,
      messageRetentionDays: 2,
    });
    // Keeps readings 90 days and messages forever: its old rows (10 days) stay.
    const lenient = await seedSpace(storage.db, uniqueSpace('lenient'), {
      now: NOW,
      oldReadings: 300,
      readings: 10,
      oldMessages: 200,
      messages: 10,
    });
    const strictBefore = await rowCounts(storage.db, strict.space, strict.userIds);
    const lenientBefore = await rowCounts(storage.db, lenient.space, lenient.userIds);
    const touched = new Set<string>();
    const data = spaceDataOn(storage.db, now, (space) => touched.add(space));
    const job = createRetentionJob({
      db: storage.db,
      rules: data.retentionRules,
      clock: { now },
      logger: pino({ level: 'silent' }),
      intervalMs: 60_000,
      batchSize: 100,
    });

    const report = await job.runOnce();

    const strictAfter = await rowCounts(storage.db, strict.space, strict.userIds);
    // The old readings (1,234 ms of them: the minute or two they fall in) and their rollups went; the
    // recent ones' rollups stay.
    const oldMinutes = strictBefore.sensor_rollups - strictAfter.sensor_rollups;
    expect(oldMinutes).toBeGreaterThanOrEqual(1);
    expect(oldMinutes).toBeLessThanOrEqual(2);
    expect(strictAfter.sensor_rollups).toBeGreaterThan(0);
    expect(strictAfter).toEqual({
      ...strictBefore,
      sensor_readings: strictBefore.sensor_readings - 1234,
      sensor_rollups: strictBefore.sensor_rollups - oldMinutes,
      chat_messages: strictBefore.chat_messages - 777,
    });
    expect(await rowCounts(storage.db, lenient.space, lenient.userIds)).toEqual(lenientBefore);
    expect(report.byRule).toEqual({ 'sensor readings': 1234, 'sensor rollups': oldMinutes, 'chat messages': 777 });
    expect(report.rows).toBe(1234 + oldMinutes + 777);
    expect(report.batches).toBe(13 + 1 + 8);
    expect(touched).toEqual(new Set([strict.space]));

    // What stays is coherent: the newest readings and messages, `total` and `last_seq` as they were.
    const sensors = createSensorStore(storage.db, now);
    expect((await sensors.sensors(strict.space))[0]).toMatchObject({ sensorId: 'room', total: 1234 + 40 });
    expect(await sensors.latest(strict.space, 'room', 1)).toHaveLength(1);
    const general = await storage.db
      .selectFrom('chat_conversations')
      .select('last_seq')
      .where('space', '=', strict.space)
      .where('id', '=', 'c:general')
      .executeTakeFirstOrThrow();
    expect(general.last_seq).toBe(777 + 25);
    const left = await storage.db
      .selectFrom('chat_messages')
      .select('seq')
      .where('space', '=', strict.space)
      .where('conversation', '=', 'c:general')
      .orderBy('seq')
      .execute();
    // The oldest seqs went: what stays has no gap.
    expect(left.map((m) => m.seq)).toEqual(Array.from({ length: 25 }, (_, i) => 778 + i));

    // A second pass finds nothing more.
    expect((await job.runOnce()).rows).toBe(0);
  });

  it('deleting a sensor takes its readings and nothing of another sensor or space', async () => {
    const seeded = await seedSpace(storage.db, uniqueSpace('sensors'), { now: NOW, readings: 4500 });
    const other = await seedSpace(storage.db, uniqueSpace('neighbour'), { now: NOW, readings: 12 });
    const store = createSensorStore(storage.db, now);
    await store.append(seeded.space, 'porch', [{ sensorId: 'porch', humidity: 50, temperature: 60, at: NOW }], NOW);
    const otherBefore = await rowCounts(storage.db, other.space, other.userIds);

    expect(await store.remove(seeded.space, 'room')).toBe(true);
    expect(await store.remove(seeded.space, 'room')).toBe(false);

    expect((await store.sensors(seeded.space)).map((s) => s.sensorId)).toEqual(['porch']);
    const readings = await storage.db
      .selectFrom('sensor_readings')
      .select('sensor_id')
      .where('space', '=', seeded.space)
      .execute();
    expect(readings).toEqual([{ sensor_id: 'porch' }]);
    expect(await rowCounts(storage.db, other.space, other.userIds)).toEqual(otherBefore);
  });
});
