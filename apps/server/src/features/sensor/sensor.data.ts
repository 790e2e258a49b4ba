import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { isPostgres } from '../../db/dialect.js';
import type { ExportRecord, FeatureData } from '../../feature.js';
import { deleteHistoryInChunks, readingPages } from './sensor.store.js';

/**
 * The sensor board's tables in a space's data lifecycle: sensor_settings (the ingest token is never
 * exported), sensors, sensor_readings and sensor_rollups (derived from the readings: not exported,
 * deleted with them, expired with them).
 *
 * Retention deletes old readings and leaves `sensors.total` as it was: `total` counts every reading ever
 * stored for the sensor (the protocol's "all time"), which clients compare between updates to notice
 * missed ones. It is not the number of readings still kept; the chart and the CSV show only those.
 */
export function sensorData(
  db: Db,
  hooks: {
    /** Retention deleted old readings of these sensors. */
    readingsDeleted(space: string, sensorIds: ReadonlySet<string>): void;
    forget(space: string): void;
  },
): FeatureData {
  const postgres = isPostgres(db);

  async function* exportSpace(space: string): AsyncGenerator<ExportRecord> {
    const settings = await db
      .selectFrom('sensor_settings')
      .select(['humidity_max', 'temperature_max'])
      .where('space', '=', space)
      .executeTakeFirst();
    if (settings) {
      yield {
        type: 'settings',
        scope: 'sensor',
        humidityMax: settings.humidity_max,
        temperatureMaxF: settings.temperature_max,
      };
    }
    // At most SENSOR_LIMITS.maxSensorsPerSpace rows: one read.
    const sensors = await db
      .selectFrom('sensors')
      .select(['sensor_id', 'last_at', 'total'])
      .where('space', '=', space)
      .orderBy('sensor_id')
      .execute();
    for (const s of sensors) yield { type: 'sensor', sensorId: s.sensor_id, lastAt: s.last_at, total: s.total };
    for (const { sensor_id: sensorId } of sensors) {
      for await (const r of readingPages(db, space, sensorId)) {
        yield {
          type: 'reading',
          sensorId,
          at: r.at,
          humidity: r.humidity,
          temperatureF: r.temperature,
          receivedAt: r.received_at,
        };
      }
    }
  }

  return {
    exportSpace,

    async deleteSpace(trx, space) {
      // Locked first (PostgreSQL): readings a device sends meanwhile wait for the deletion, then fail.
      if (postgres)
        await trx.selectFrom('sensors').select('sensor_id').where('space', '=', space).forUpdate().execute();
      await deleteHistoryInChunks(trx, space);
      await trx.deleteFrom('sensors').where('space', '=', space).execute();
      await trx.deleteFrom('sensor_settings').where('space', '=', space).execute();
    },

    forgetSpace: (space) => hooks.forget(space),

    retention: [
      {
        name: 'sensor readings',
        keepDays: 'readingRetentionDays',
        async deleteBatch(space, before, limit) {
          // SKIP LOCKED: a batch another node is deleting right now is not waited for, nor taken again.
          const gone = await db
            .with('batch', (q) =>
              q
                .selectFrom('sensor_readings')
                .select('id')
                .where('space', '=', space)
                .where('at', '<', before)
                .orderBy('at')
                .limit(limit)
                .$if(postgres, (b) => b.forUpdate().skipLocked()),
            )
            .deleteFrom('sensor_readings')
            .where('id', 'in', (eb) => eb.selectFrom('batch').select('batch.id'))
            .returning('sensor_id')
            .execute();
          if (gone.length > 0) hooks.readingsDeleted(space, new Set(gone.map((r) => r.sensor_id)));
          return gone.length;
        },
      },
      {
        // The buckets wholly before the cut: the one it falls in stays, counting a few readings now gone.
        name: 'sensor rollups',
        keepDays: 'readingRetentionDays',
        async deleteBatch(space, before, limit) {
          const batch = db
            .selectFrom('sensor_rollups')
            .select(['sensor_id', 'resolution_ms', 'bucket_start'])
            .where('space', '=', space)
            .where('bucket_start', '<', before)
            .where(sql<number>`bucket_start + resolution_ms`, '<=', before)
            .orderBy('bucket_start')
            .limit(limit)
            .$if(postgres, (b) => b.forUpdate().skipLocked())
            .$asTuple('sensor_id', 'resolution_ms', 'bucket_start');
          const { numDeletedRows } = await db
            .deleteFrom('sensor_rollups')
            .where('space', '=', space)
            .where((eb) => eb(eb.refTuple('sensor_id', 'resolution_ms', 'bucket_start'), 'in', batch))
            .executeTakeFirstOrThrow();
          return Number(numDeletedRows);
        },
      },
    ],
  };
}
