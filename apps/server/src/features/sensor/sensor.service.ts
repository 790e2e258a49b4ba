import { createHash } from 'node:crypto';
import {
  DEFAULT_SENSOR_ID,
  ErrorCode,
  type ParsedCommandPayload,
  type readingInputSchema,
  SENSOR_LIMITS,
  SENSOR_RANGES,
  type SensorBoard,
  type SensorHistory,
  type SensorIngestToken,
  type SensorRange,
  type SensorReading,
  type SensorSummary,
  type SensorThresholds,
} from '@huddle/protocol';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Clock } from '../../clock.js';
import { AppError, rateLimited } from '../../errors.js';
import { createCoalescer } from '../../lib/coalescer.js';
import { sameSecret } from '../../lib/same-secret.js';
import { memoryRateLimiters, type Rate, type RateLimiters } from '../../lib/token-bucket.js';
import type { Actor } from '../../session/session.service.js';
import { randomReadings, statsOf, statusOf } from './sensor.logic.js';
import type { SensorStore } from './sensor.store.js';

export interface SensorServiceDeps {
  store: SensorStore;
  clock: Clock;
  logger: Logger;
  /** One sensor changed; called at most `SENSOR_LIMITS.updatesPerSecond` times a second per space. */
  onUpdate(space: string, summary: SensorSummary): void;
  /** The thresholds changed: every status was evaluated again. */
  onBoard(space: string, board: SensorBoard): void;
  /** A sensor and its readings were deleted. */
  onRemoved(space: string, sensorId: string): void;
  /** Ingest requests per space: a burst, then a steady rate. */
  ingestRate?: Rate;
  /** Readings (a batch of n costs n) per device token and per space; defaults to INGEST_READING_RATES. */
  readingRates?: { device: Rate; space: Rate };
  /** Where limits are kept; defaults to this process. */
  rateLimiters?: RateLimiters;
}

const RANDOM_RATE = { burst: 5, perSecond: 2 };
const DEFAULT_INGEST_RATE = { burst: 20, perSecond: 10 };

/**
 * What storing readings costs is per reading (about 4 µs each on SQLite, rollups included), so devices are
 * limited in readings, not requests. Each device token has its own allowance (today a space has one token;
 * with a token per device each gets its own), the space one for all its devices together. The burst holds
 * at least one full batch. Scaled by RATE_LIMIT_SCALE.
 */
export const INGEST_READING_RATES = {
  device: { burst: SENSOR_LIMITS.maxBatch, perSecond: 100 },
  space: { burst: 2 * SENSOR_LIMITS.maxBatch, perSecond: 200 },
} as const;

/** The limit's key of a device token: a digest, so no secret is kept as a key (in Redis). */
const deviceKey = (token: string) => createHash('sha256').update(token).digest('base64url').slice(0, 22);

/** Who sent readings: the key its allowance is kept under. */
export interface IngestDevice {
  key: string;
}

export const ingestPath = (space: string) => `/api/spaces/${space}/sensors/{sensorId}/readings`;

export function createSensorService(deps: SensorServiceDeps) {
  const { store, clock, logger, onUpdate, onBoard, onRemoved, ingestRate } = deps;
  const limiter = deps.rateLimiters ?? memoryRateLimiters(clock.now);
  const randomPresses = limiter('sensor-random', RANDOM_RATE);
  const ingests = limiter('sensor-ingest', ingestRate ?? DEFAULT_INGEST_RATE);
  const readingRates = deps.readingRates ?? INGEST_READING_RATES;
  const deviceReadings = limiter('sensor-readings-device', readingRates.device);
  const spaceReadings = limiter('sensor-readings-space', readingRates.space);

  async function summary(space: string, sensorId: string, thresholds: SensorThresholds, total: number) {
    const latest = await store.latest(space, sensorId, SENSOR_LIMITS.latestCount);
    return { sensorId, latest, stats: statsOf(latest), status: statusOf(latest[0], thresholds), total };
  }

  async function board(space: string): Promise<SensorBoard> {
    const [{ thresholds }, sensors] = await Promise.all([store.settings(space), store.sensors(space)]);
    return {
      thresholds,
      sensors: await Promise.all(sensors.map((s) => summary(space, s.sensorId, thresholds, s.total))),
    };
  }

  // Summaries are read back from storage at flush time, so whatever arrived in between is counted exactly.
  const updates = createCoalescer({
    intervalMs: 1000 / SENSOR_LIMITS.updatesPerSecond,
    flush: async (space, sensorIds) => {
      const [{ thresholds }, sensors] = await Promise.all([store.settings(space), store.sensors(space)]);
      for (const info of sensors) {
        if (sensorIds.has(info.sensorId)) onUpdate(space, await summary(space, info.sensorId, thresholds, info.total));
      }
    },
    onError: (err, space) => logger.error({ err, space }, 'sensor update failed'),
  });

  async function save(space: string, sensorId: string, readings: SensorReading[]) {
    if (!(await store.append(space, sensorId, readings, clock.now()))) {
      throw new AppError(
        ErrorCode.Conflict,
        `A space has at most ${SENSOR_LIMITS.maxSensorsPerSpace} sensors; reuse a sensor id`,
        'sensorId',
      );
    }
    updates.mark(space, sensorId);
  }

  return {
    board,

    /**
     * Readings from a device: times default to arrival; a time too far in the future is refused. The
     * batch is checked whole, then paid for whole (its device's allowance first, then the space's), then
     * stored whole: a refused batch stores nothing. A batch the space refuses has still spent its
     * device's share (the device sent it).
     */
    async ingest(
      space: string,
      device: IngestDevice,
      sensorId: string,
      inputs: z.output<typeof readingInputSchema>[],
      batch: boolean,
    ): Promise<number> {
      const taken = await ingests.take(space);
      if (!taken.ok)
        throw rateLimited('Too many requests for this space (send readings in batches)', taken.retryAfterMs);
      const now = clock.now();
      const readings = inputs.map((r, i): SensorReading => {
        const at = r.at ?? now;
        if (at > now + SENSOR_LIMITS.maxFutureSkewMs) {
          throw new AppError(
            ErrorCode.BadRequest,
            'The reading time is in the future',
            batch ? `readings.${i}.at` : 'at',
          );
        }
        return { sensorId, humidity: r.humidity, temperature: r.temperature, at };
      });
      const byDevice = await deviceReadings.take(device.key, readings.length);
      if (!byDevice.ok) {
        throw rateLimited(
          `Too many readings from this device (${readingRates.device.perSecond} a second)`,
          byDevice.retryAfterMs,
        );
      }
      const bySpace = await spaceReadings.take(space, readings.length);
      if (!bySpace.ok) {
        throw rateLimited(
          `Too many readings for this space (${readingRates.space.perSecond} a second)`,
          bySpace.retryAfterMs,
        );
      }
      await save(space, sensorId, readings);
      return readings.length;
    },

    async random({ space, user }: Actor, { sensorId, count }: ParsedCommandPayload<'sensor:random'>) {
      const taken = await randomPresses.take(user.id);
      if (!taken.ok) throw rateLimited('Easy there: a few random readings a second is plenty', taken.retryAfterMs);
      const id = sensorId ?? DEFAULT_SENSOR_ID;
      const [previous] = await store.latest(space, id, 1);
      const readings = randomReadings(id, previous, count, clock.now());
      await save(space, id, readings);
      return { stored: readings.length };
    },

    async setThresholds({ space }: Actor, thresholds: SensorThresholds): Promise<SensorThresholds> {
      await store.setThresholds(space, thresholds);
      onBoard(space, await board(space));
      return thresholds;
    },

    async history(
      { space }: Actor,
      { sensorId, range }: ParsedCommandPayload<'sensor:history'>,
    ): Promise<SensorHistory> {
      const to = clock.now();
      const from = to - SENSOR_RANGES[range];
      const chart = await store.range(space, sensorId, from, to, SENSOR_LIMITS.maxChartPoints);
      return { sensorId, range, from: chart.from, to, bucketMs: chart.bucketMs, points: chart.points };
    },

    async token({ space }: Actor): Promise<SensorIngestToken> {
      return { token: (await store.settings(space)).ingestToken, ingestPath: ingestPath(space) };
    },

    async rotateToken({ space }: Actor): Promise<SensorIngestToken> {
      return { token: await store.rotateToken(space), ingestPath: ingestPath(space) };
    },

    async remove({ space }: Actor, sensorId: string): Promise<{ sensorId: string }> {
      if (!(await store.remove(space, sensorId))) {
        throw new AppError(ErrorCode.NotFound, 'There is no such sensor in this space', 'sensorId');
      }
      onRemoved(space, sensorId);
      return { sensorId };
    },

    /**
     * Old readings of these sensors were deleted (retention): their summaries are sent again, since the
     * newest readings of a sensor quiet for that long were among them.
     */
    readingsDeleted(space: string, sensorIds: Iterable<string>): void {
      for (const sensorId of sensorIds) updates.mark(space, sensorId);
    },

    /** Drops a deleted space's pending updates. */
    forget(space: string): void {
      updates.forget(space);
    },

    /** The device whose token `presented` is, when it is the space's current ingest token (compared in constant time). */
    async ingestDevice(space: string, presented: string | undefined): Promise<IngestDevice | null> {
      if (!presented) return null;
      const token = await store.ingestToken(space);
      return token !== null && sameSecret(token, presented) ? { key: deviceKey(token) } : null;
    },

    /** Every reading of a sensor in the range ending now, oldest first. */
    export(space: string, sensorId: string, range: SensorRange) {
      const to = clock.now();
      return store.export(space, sensorId, to - SENSOR_RANGES[range], to);
    },

    stop(): Promise<void> {
      return updates.stop();
    },
  };
}

export type SensorService = ReturnType<typeof createSensorService>;
