import { SENSOR_LIMITS, ServerEvent } from '@huddle/protocol';
import { Router } from 'express';
import type { Feature, FeatureContext } from '../../feature.js';
import { HTTP_RATES } from '../../http/rate-limit.js';
import { BACKLOGGED_ROOM, spaceRoom } from '../../io/rooms.js';
import { createOneAtATime } from '../../lib/one-at-a-time.js';
import { type Rate, scaleRate } from '../../lib/token-bucket.js';
import { sensorData } from './sensor.data.js';
import { READINGS_PATH, sensorRoutes } from './sensor.routes.js';
import { createSensorService, INGEST_READING_RATES } from './sensor.service.js';
import { createSensorStore } from './sensor.store.js';

/** A scaled-down allowance still takes a full batch at once (a cost above the burst never fits). */
const atLeastOneBatch = (rate: Rate): Rate => ({ ...rate, burst: Math.max(rate.burst, SENSOR_LIMITS.maxBatch) });

/**
 * CSV downloads per user: each reads every reading of its range (a 24 h one can be 300,000 rows, about a
 * second of the server's time), so a few, then one a minute.
 */
const CSV_EXPORT_RATE = { burst: 3, perSecond: 1 / 60 };

/** The sensor board: readings from devices (HTTP) and from the board (commands), live to the whole space. */
export function sensorFeature({
  config,
  db,
  clock,
  logger,
  io,
  rateLimiters,
  requireSession,
  limitPerAddress,
}: FeatureContext): Feature {
  const sensors = createSensorService({
    rateLimiters,
    store: createSensorStore(db, clock.now),
    clock,
    logger,
    // The next update carries the sensor's whole summary: a client that is behind skips this one.
    onUpdate: (space, summary) =>
      io.to(spaceRoom(space)).except(BACKLOGGED_ROOM).emit(ServerEvent.SensorUpdate, summary),
    onBoard: (space, board) => io.to(spaceRoom(space)).emit(ServerEvent.SensorBoard, board),
    onRemoved: (space, sensorId) => io.to(spaceRoom(space)).emit(ServerEvent.SensorRemoved, { sensorId }),
    readingRates: {
      device: atLeastOneBatch(scaleRate(INGEST_READING_RATES.device, config.rateLimitScale)),
      space: atLeastOneBatch(scaleRate(INGEST_READING_RATES.space, config.rateLimitScale)),
    },
  });
  const csv = {
    running: createOneAtATime(),
    rate: rateLimiters('sensor-csv', scaleRate(CSV_EXPORT_RATE, config.rateLimitScale)),
  };
  const limits = Router().post(READINGS_PATH, limitPerAddress('http-ingest', HTTP_RATES.ingest, 'readings'));

  return {
    name: 'sensor',
    commands: {
      'sensor:random': (socket, payload) => sensors.random(socket.data, payload),
      'sensor:thresholds': (socket, thresholds) => sensors.setThresholds(socket.data, thresholds),
      'sensor:history': (socket, query) => sensors.history(socket.data, query),
      'sensor:token': (socket) => sensors.token(socket.data),
      'sensor:rotate-token': (socket) => sensors.rotateToken(socket.data),
      'sensor:delete': (socket, { sensorId }) => sensors.remove(socket.data, sensorId),
    },
    // Device ingest takes batches far larger than the default body limit.
    http: { routes: sensorRoutes(sensors, requireSession, csv), bodies: 'own', limits },
    async snapshot(socket) {
      socket.emit(ServerEvent.SensorBoard, await sensors.board(socket.data.space));
    },
    stop: () => sensors.stop(),
    data: sensorData(db, sensors),
  };
}
