import { randomBytes } from 'node:crypto';
import {
  DEFAULT_SENSOR_THRESHOLDS,
  SENSOR_LIMITS,
  type SensorChartPoint,
  type SensorReading,
  type SensorThresholds,
} from '@huddle/protocol';
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { isPostgres } from '../../db/dialect.js';

export interface SensorSettings {
  thresholds: SensorThresholds;
  ingestToken: string;
}

export interface SensorInfo {
  sensorId: string;
  lastAt: number;
  total: number;
}

export interface SensorStore {
  /** The space's settings, created with defaults (and a fresh ingest token) on first use. */
  settings(space: string): Promise<SensorSettings>;
  /** The ingest token of a space whose board was ever opened; null otherwise (nothing is created). */
  ingestToken(space: string): Promise<string | null>;
  setThresholds(space: string, thresholds: SensorThresholds): Promise<void>;
  rotateToken(space: string): Promise<string>;
  /** Sensors of the space, most recently active first. */
  sensors(space: string): Promise<SensorInfo[]>;
  /**
   * Stores readings of one sensor in one transaction. Returns false, storing nothing, when the
   * sensor is new and the space already has its maximum of sensors.
   */
  append(space: string, sensorId: string, readings: readonly SensorReading[], receivedAt: number): Promise<boolean>;
  latest(space: string, sensorId: string, count: number): Promise<SensorReading[]>;
  /**
   * Readings in [from, to], oldest first: single readings when there are at most `maxPoints`,
   * else averages of `maxPoints` equal time slices (`bucketMs` says how long each is).
   */
  range(
    space: string,
    sensorId: string,
    from: number,
    to: number,
    maxPoints: number,
  ): Promise<{ points: SensorChartPoint[]; bucketMs: number }>;
  /** Every reading in [from, to], oldest first, for CSV export. */
  export(space: string, sensorId: string, from: number, to: number): AsyncIterable<SensorReading>;
  /** Deletes a sensor and every reading of it, in one transaction; false when there is no such sensor. */
  remove(space: string, sensorId: string): Promise<boolean>;
}

export const newIngestToken = () => randomBytes(24).toString('base64url');

/** Readings per DELETE when a sensor goes: the event loop runs between statements. */
const DELETE_CHUNK = 2000;

/** Rows per INSERT: SQLite allows 32,766 bound values per statement, PostgreSQL 65,535. */
const INSERT_CHUNK = 1000;

export function createSensorStore(db: Db, now: () => number): SensorStore {
  async function settings(space: string): Promise<SensorSettings> {
    const read = () =>
      db
        .selectFrom('sensor_settings')
        .select(['humidity_max', 'temperature_max', 'ingest_token'])
        .where('space', '=', space)
        .executeTakeFirst();
    let row = await read();
    if (!row) {
      await db
        .insertInto('sensor_settings')
        .values({
          space,
          humidity_max: DEFAULT_SENSOR_THRESHOLDS.humidityMax,
          temperature_max: DEFAULT_SENSOR_THRESHOLDS.temperatureMax,
          ingest_token: newIngestToken(),
          updated_at: now(),
        })
        .onConflict((oc) => oc.column('space').doNothing())
        .execute();
      row = await read();
      if (!row) throw new Error(`sensor settings of ${space} vanished`);
    }
    return {
      thresholds: { humidityMax: row.humidity_max, temperatureMax: row.temperature_max },
      ingestToken: row.ingest_token,
    };
  }

  return {
    settings,
    async ingestToken(space) {
      const row = await db
        .selectFrom('sensor_settings')
        .select('ingest_token')
        .where('space', '=', space)
        .executeTakeFirst();
      return row?.ingest_token ?? null;
    },
    async setThresholds(space, thresholds) {
      await settings(space);
      await db
        .updateTable('sensor_settings')
        .set({ humidity_max: thresholds.humidityMax, temperature_max: thresholds.temperatureMax, updated_at: now() })
        .where('space', '=', space)
        .execute();
    },
    async rotateToken(space) {
      await settings(space);
      const token = newIngestToken();
      await db
        .updateTable('sensor_settings')
        .set({ ingest_token: token, updated_at: now() })
        .where('space', '=', space)
        .execute();
      return token;
    },
    async sensors(space) {
      const rows = await db
        .selectFrom('sensors')
        .select(['sensor_id', 'last_at', 'total'])
        .where('space', '=', space)
        .orderBy('last_at', 'desc')
        .orderBy('sensor_id')
        .execute();
      return rows.map((r) => ({ sensorId: r.sensor_id, lastAt: r.last_at, total: r.total }));
    },
    async append(space, sensorId, readings, receivedAt) {
      if (readings.length === 0) return true;
      const lastAt = Math.max(...readings.map((r) => r.at));
      return db.transaction().execute(async (trx) => {
        const known = await trx
          .selectFrom('sensors')
          .select('sensor_id')
          .where('space', '=', space)
          .where('sensor_id', '=', sensorId)
          .executeTakeFirst();
        if (!known) {
          const { n } = await trx
            .selectFrom('sensors')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .where('space', '=', space)
            .executeTakeFirstOrThrow();
          if (Number(n) >= SENSOR_LIMITS.maxSensorsPerSpace) return false;
        }
        await trx
          .insertInto('sensors')
          .values({ space, sensor_id: sensorId, last_at: lastAt, total: readings.length })
          .onConflict((oc) =>
            oc.columns(['space', 'sensor_id']).doUpdateSet((eb) => ({
              total: eb('sensors.total', '+', readings.length),
              last_at: sql<number>`case when ${eb.ref('sensors.last_at')} > ${lastAt} then ${eb.ref('sensors.last_at')} else ${lastAt} end`,
            })),
          )
          .execute();
        for (let i = 0; i < readings.length; i += INSERT_CHUNK) {
          await trx
            .insertInto('sensor_readings')
            .values(
              readings.slice(i, i + INSERT_CHUNK).map((r) => ({
                space,
                sensor_id: sensorId,
                humidity: r.humidity,
                temperature: r.temperature,
                at: r.at,
                received_at: receivedAt,
              })),
            )
            .execute();
        }
        return true;
      });
    },
    async latest(space, sensorId, count) {
      const rows = await db
        .selectFrom('sensor_readings')
        .select(['humidity', 'temperature', 'at'])
        .where('space', '=', space)
        .where('sensor_id', '=', sensorId)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(count)
        .execute();
      return rows.map((r) => ({ sensorId, humidity: r.humidity, temperature: r.temperature, at: r.at }));
    },
    async range(space, sensorId, from, to, maxPoints) {
      const base = db
        .selectFrom('sensor_readings')
        .where('space', '=', space)
        .where('sensor_id', '=', sensorId)
        .where('at', '>=', from)
        .where('at', '<=', to);
      const raw = await base
        .select(['at', 'humidity', 'temperature'])
        .orderBy('at')
        .orderBy('id')
        .limit(maxPoints + 1)
        .execute();
      if (raw.length <= maxPoints) {
        return {
          points: raw.map((r) => ({ at: r.at, humidity: r.humidity, temperature: r.temperature })),
          bucketMs: 0,
        };
      }
      const bucketMs = Math.ceil((to - from + 1) / maxPoints);
      // The bucket index, truncated by the cast (SQLite divides as REAL). Literals, not parameters, so
      // PostgreSQL sees the same expression in SELECT, GROUP BY and ORDER BY.
      const bucket = sql<number>`cast((${sql.ref('at')} - ${sql.lit(Math.trunc(from))}) / ${sql.lit(bucketMs)} as bigint)`;
      const rows = await base
        .select([
          bucket.as('bucket'),
          (eb) => eb.fn.avg<number>('humidity').as('humidity'),
          (eb) => eb.fn.avg<number>('temperature').as('temperature'),
        ])
        .groupBy(bucket)
        .orderBy(bucket)
        .execute();
      const points = rows.map((r) => ({
        at: from + Number(r.bucket) * bucketMs + Math.floor(bucketMs / 2),
        humidity: Math.round(Number(r.humidity) * 100) / 100,
        temperature: Math.round(Number(r.temperature) * 100) / 100,
      }));
      return { points, bucketMs };
    },
    async *export(space, sensorId, from, to) {
      let after = { at: from - 1, id: 0 };
      for (;;) {
        const rows = await db
          .selectFrom('sensor_readings')
          .select(['id', 'humidity', 'temperature', 'at'])
          .where('space', '=', space)
          .where('sensor_id', '=', sensorId)
          .where('at', '<=', to)
          .where((eb) => eb.or([eb('at', '>', after.at), eb.and([eb('at', '=', after.at), eb('id', '>', after.id)])]))
          .orderBy('at')
          .orderBy('id')
          .limit(INSERT_CHUNK)
          .execute();
        for (const r of rows) yield { sensorId, humidity: r.humidity, temperature: r.temperature, at: r.at };
        const last = rows.at(-1);
        if (!last || rows.length < INSERT_CHUNK) return;
        after = { at: last.at, id: last.id };
      }
    },
    remove(space, sensorId) {
      return db.transaction().execute(async (trx) => {
        // Locked first (PostgreSQL): a device's readings arriving meanwhile wait, then make the sensor anew.
        const found = await trx
          .selectFrom('sensors')
          .select('sensor_id')
          .where('space', '=', space)
          .where('sensor_id', '=', sensorId)
          .$if(isPostgres(db), (q) => q.forUpdate())
          .executeTakeFirst();
        if (!found) return false;
        // In chunks, so a sensor with a long history does not hold the event loop in one statement (SQLite).
        for (;;) {
          const chunk = trx
            .selectFrom('sensor_readings')
            .select('id')
            .where('space', '=', space)
            .where('sensor_id', '=', sensorId)
            .limit(DELETE_CHUNK);
          const { numDeletedRows } = await trx
            .deleteFrom('sensor_readings')
            .where('id', 'in', chunk)
            .executeTakeFirstOrThrow();
          if (Number(numDeletedRows) < DELETE_CHUNK) break;
          await new Promise((resolve) => setImmediate(resolve));
        }
        await trx.deleteFrom('sensors').where('space', '=', space).where('sensor_id', '=', sensorId).execute();
        return true;
      });
    },
  };
}
