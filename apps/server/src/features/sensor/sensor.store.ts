import { randomBytes } from 'node:crypto';
import {
  DEFAULT_SENSOR_THRESHOLDS,
  SENSOR_LIMITS,
  type SensorChartPoint,
  type SensorReading,
  type SensorThresholds,
} from '@huddle/protocol';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Db } from '../../db/database.js';
import { isPostgres } from '../../db/dialect.js';
import { keysetPages } from '../../db/keyset.js';
import type { Database, SensorRollupsTable } from '../../db/schema.js';
import { nextTurn } from '../../lib/next-turn.js';

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
   * Readings in [from, to], oldest first, at most `maxPoints`: single readings when there are that few;
   * else averages of equal time slices (`bucketMs` long, the first starting at the `from` answered). Up
   * to `RAW_CHART_MAX` readings the slices are cut from the readings themselves; beyond, from the minute
   * rollups, in whole minutes, with `from` moved up to the first slice's start: the cost is bounded by
   * the length of the range, not by how many readings it holds.
   */
  range(
    space: string,
    sensorId: string,
    from: number,
    to: number,
    maxPoints: number,
  ): Promise<{ points: SensorChartPoint[]; bucketMs: number; from: number }>;
  /** Every reading in [from, to], oldest first, for CSV export. */
  export(space: string, sensorId: string, from: number, to: number): AsyncIterable<SensorReading>;
  /** Deletes a sensor, every reading and rollup of it, in one transaction; false when there is no such sensor. */
  remove(space: string, sensorId: string): Promise<boolean>;
}

export const newIngestToken = () => randomBytes(24).toString('base64url');

/** Rows per DELETE when a sensor or a space goes: a few milliseconds each, the event loop free between them. */
const DELETE_CHUNK = 2000;

/** Rows per INSERT: SQLite allows 32,766 bound values per statement, PostgreSQL 65,535. */
const INSERT_CHUNK = 1000;

/** Readings per page of a CSV or space export: about 3 ms of SQLite, the event loop turning between pages. */
const EXPORT_PAGE = 1000;

/** The rollups kept at ingest: one row per sensor and minute. */
export const ROLLUP_MS = 60_000;

/**
 * Readings a chart reads one by one at most (about 5 ms of event loop on SQLite); a range holding more is
 * drawn from the minute rollups (a 24 h range: at most 1,441 rows, however many readings).
 */
export const RAW_CHART_MAX = 5_000;

/** A minute's aggregates, as a row of `sensor_rollups` holds them for a sensor. */
type Rollup = Omit<SensorRollupsTable, 'space' | 'sensor_id' | 'resolution_ms'>;

/** The readings' aggregates per minute, oldest minute first (the order rows are locked in, on PostgreSQL). */
export function minuteRollups(readings: readonly SensorReading[]): Rollup[] {
  const byMinute = new Map<number, Rollup>();
  for (const { at, humidity: h, temperature: t } of readings) {
    const start = Math.floor(at / ROLLUP_MS) * ROLLUP_MS;
    const r = byMinute.get(start);
    if (!r) {
      byMinute.set(start, {
        bucket_start: start,
        count: 1,
        humidity_sum: h,
        humidity_min: h,
        humidity_max: h,
        temperature_sum: t,
        temperature_min: t,
        temperature_max: t,
      });
      continue;
    }
    r.count += 1;
    r.humidity_sum += h;
    r.humidity_min = Math.min(r.humidity_min, h);
    r.humidity_max = Math.max(r.humidity_max, h);
    r.temperature_sum += t;
    r.temperature_min = Math.min(r.temperature_min, t);
    r.temperature_max = Math.max(r.temperature_max, t);
  }
  return [...byMinute.values()].sort((a, b) => a.bucket_start - b.bucket_start);
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function createSensorStore(db: Db, now: () => number): SensorStore {
  const postgres = isPostgres(db);

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

  /** The chart from the readings themselves: at most RAW_CHART_MAX of them are in the range. */
  async function rawRange(space: string, sensorId: string, from: number, to: number, maxPoints: number) {
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
      humidity: round2(Number(r.humidity)),
      temperature: round2(Number(r.temperature)),
    }));
    return { points, bucketMs };
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
        // The rollups in the same transaction: a chart never sees readings its rollups do not count.
        await addToRollups(trx, space, sensorId, readings);
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
      const rollups = db
        .selectFrom('sensor_rollups')
        .where('space', '=', space)
        .where('sensor_id', '=', sensorId)
        .where('resolution_ms', '=', ROLLUP_MS);
      // How many readings the range holds (give or take its two partial minutes), from one row a minute.
      const { n } = await rollups
        .select((eb) => eb.fn.sum<number | string | null>('count').as('n'))
        .where('bucket_start', '>=', Math.floor(from / ROLLUP_MS) * ROLLUP_MS)
        .where('bucket_start', '<=', to)
        .executeTakeFirstOrThrow();
      if (Number(n ?? 0) <= RAW_CHART_MAX) return { ...(await rawRange(space, sensorId, from, to, maxPoints)), from };
      // Slices of whole minutes on a grid of multiples of their length, so the chart's own bucketing of
      // later readings (from `from` in steps of `bucketMs`) continues the same grid.
      const bucketMs = Math.ceil((to - from) / maxPoints / ROLLUP_MS) * ROLLUP_MS;
      const start = Math.ceil(from / bucketMs) * bucketMs;
      const slice = sql<number>`cast(${sql.ref('bucket_start')} / ${sql.lit(bucketMs)} as bigint)`;
      const rows = await rollups
        .select([
          slice.as('slice'),
          (eb) => eb.fn.sum<number>('count').as('count'),
          (eb) => eb.fn.sum<number>('humidity_sum').as('humidity'),
          (eb) => eb.fn.sum<number>('temperature_sum').as('temperature'),
        ])
        .where('bucket_start', '>=', start)
        .where('bucket_start', '<=', to)
        .groupBy(slice)
        .orderBy(slice)
        .execute();
      const points = rows.map((r) => ({
        at: Number(r.slice) * bucketMs + Math.floor(bucketMs / 2),
        humidity: round2(Number(r.humidity) / Number(r.count)),
        temperature: round2(Number(r.temperature) / Number(r.count)),
      }));
      return { points, bucketMs, from: start };
    },
    async *export(space, sensorId, from, to) {
      for await (const r of readingPages(db, space, sensorId, from, to)) {
        yield { sensorId, humidity: r.humidity, temperature: r.temperature, at: r.at };
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
          .$if(postgres, (q) => q.forUpdate())
          .executeTakeFirst();
        if (!found) return false;
        await deleteHistoryInChunks(trx, space, sensorId);
        await trx.deleteFrom('sensors').where('space', '=', space).where('sensor_id', '=', sensorId).execute();
        return true;
      });
    },
  };
}

/**
 * A sensor's readings with `at` in [from, to] (all of them by default), oldest first, read page by page on
 * the (at, id) key. Each page has one lower bound on `at`, its own: given two (`from` and the page's),
 * SQLite starts the index range at the first, so each page scanned every row before it (31 ms for a page
 * near the end of 300,000 readings instead of 3 ms).
 */
export function readingPages(
  db: Kysely<Database>,
  space: string,
  sensorId: string,
  from = Number.MIN_SAFE_INTEGER,
  to = Number.MAX_SAFE_INTEGER,
) {
  return keysetPages(
    (after: { at: number; id: number } | undefined, limit) => {
      let page = db
        .selectFrom('sensor_readings')
        .select(['id', 'humidity', 'temperature', 'at', 'received_at'])
        .where('space', '=', space)
        .where('sensor_id', '=', sensorId)
        .where('at', '>=', after?.at ?? from)
        .where('at', '<=', to);
      if (after) {
        const { at, id } = after;
        page = page.where((eb) => eb.or([eb('at', '>', at), eb('id', '>', id)]));
      }
      return page.orderBy('at').orderBy('id').limit(limit).execute();
    },
    (r) => ({ at: r.at, id: r.id }),
    EXPORT_PAGE,
  );
}

/**
 * Deletes a space's readings and rollups (one sensor's, when given) in chunks, the event loop free between
 * them: a space with a long history is millions of readings, and a year of minutes of 20 sensors ten million
 * rollups; one statement would hold the event loop (SQLite) for seconds. Other storage work of this node
 * still waits for the transaction there.
 */
export async function deleteHistoryInChunks(trx: Transaction<Database>, space: string, sensorId?: string) {
  for (;;) {
    const chunk = trx
      .selectFrom('sensor_readings')
      .select('id')
      .where('space', '=', space)
      .$if(sensorId !== undefined, (q) => q.where('sensor_id', '=', sensorId as string))
      .limit(DELETE_CHUNK);
    const { numDeletedRows } = await trx
      .deleteFrom('sensor_readings')
      .where('id', 'in', chunk)
      .executeTakeFirstOrThrow();
    if (Number(numDeletedRows) < DELETE_CHUNK) break;
    await nextTurn();
  }
  for (;;) {
    const chunk = trx
      .selectFrom('sensor_rollups')
      .select(['sensor_id', 'resolution_ms', 'bucket_start'])
      .where('space', '=', space)
      .$if(sensorId !== undefined, (q) => q.where('sensor_id', '=', sensorId as string))
      .limit(DELETE_CHUNK)
      .$asTuple('sensor_id', 'resolution_ms', 'bucket_start');
    const { numDeletedRows } = await trx
      .deleteFrom('sensor_rollups')
      .where('space', '=', space)
      .where((eb) => eb(eb.refTuple('sensor_id', 'resolution_ms', 'bucket_start'), 'in', chunk))
      .executeTakeFirstOrThrow();
    if (Number(numDeletedRows) < DELETE_CHUNK) return;
    await nextTurn();
  }
}

/** Adds readings of one sensor to its minute rollups (inside the transaction that stores them). */
export async function addToRollups(
  db: Kysely<Database>,
  space: string,
  sensorId: string,
  readings: readonly SensorReading[],
): Promise<void> {
  // SQLite's two-argument min/max are scalar; PostgreSQL spells them least/greatest.
  const postgres = isPostgres(db);
  const least = sql.raw(postgres ? 'least' : 'min');
  const greatest = sql.raw(postgres ? 'greatest' : 'max');
  const rollups = minuteRollups(readings);
  for (let i = 0; i < rollups.length; i += INSERT_CHUNK) {
    await db
      .insertInto('sensor_rollups')
      .values(
        rollups.slice(i, i + INSERT_CHUNK).map((r) => ({ space, sensor_id: sensorId, resolution_ms: ROLLUP_MS, ...r })),
      )
      .onConflict((oc) =>
        oc.columns(['space', 'sensor_id', 'resolution_ms', 'bucket_start']).doUpdateSet((eb) => ({
          count: eb('sensor_rollups.count', '+', eb.ref('excluded.count')),
          humidity_sum: eb('sensor_rollups.humidity_sum', '+', eb.ref('excluded.humidity_sum')),
          humidity_min: sql<number>`${least}(${eb.ref('sensor_rollups.humidity_min')}, ${eb.ref('excluded.humidity_min')})`,
          humidity_max: sql<number>`${greatest}(${eb.ref('sensor_rollups.humidity_max')}, ${eb.ref('excluded.humidity_max')})`,
          temperature_sum: eb('sensor_rollups.temperature_sum', '+', eb.ref('excluded.temperature_sum')),
          temperature_min: sql<number>`${least}(${eb.ref('sensor_rollups.temperature_min')}, ${eb.ref('excluded.temperature_min')})`,
          temperature_max: sql<number>`${greatest}(${eb.ref('sensor_rollups.temperature_max')}, ${eb.ref('excluded.temperature_max')})`,
        })),
      )
      .execute();
  }
}
