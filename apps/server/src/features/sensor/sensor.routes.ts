import { once } from 'node:events';
import {
  ErrorCode,
  fahrenheitToCelsius,
  readingBatchSchema,
  readingInputSchema,
  sensorExportQuerySchema,
  sensorPathParamsSchema,
} from '@huddle/protocol';
import express, { type Request, Router } from 'express';
import { AppError, parseOrThrow } from '../../errors.js';
import { bearer } from '../../http/bearer.js';
import type { RequireSession } from '../../http/session-auth.js';
import type { SensorService } from './sensor.service.js';

/** A batch of 10,000 readings is about 700 KB of JSON. */
const INGEST_BODY_LIMIT = '2mb';

/** Where a device posts a sensor's readings, under `/api`. */
export const READINGS_PATH = '/spaces/:space/sensors/:sensorId/readings';

/** The path's space and sensor id; a bad one is a 400 naming it. */
const params = (req: Request) => parseOrThrow(sensorPathParamsSchema, req.params);

const unauthorized = (message: string) => new AppError(ErrorCode.Unauthorized, message);

const CSV_ROUTE = 'GET /api/spaces/:space/sensors/:sensorId/readings.csv';

const csvNumber = (n: number) => (Math.round(n * 100) / 100).toString();

export function sensorRoutes(sensors: SensorService, requireSession: RequireSession): Router {
  const router = Router();

  router.post(
    READINGS_PATH,
    // The token is checked before the body is read: strangers do not get 2 MB parsed for them.
    async (req, _res, next) => {
      const { space } = params(req);
      if (!(await sensors.checkIngestToken(space, bearer(req)))) {
        throw unauthorized("Send the space's ingest token as 'Authorization: Bearer <token>'");
      }
      next();
    },
    express.json({ limit: INGEST_BODY_LIMIT }),
    async (req, res) => {
      const { space, sensorId } = params(req);
      const body: unknown = req.body;
      const batch = typeof body === 'object' && body !== null && 'readings' in body;
      const readings = batch
        ? parseOrThrow(readingBatchSchema, body).readings
        : [parseOrThrow(readingInputSchema, body)];
      const stored = await sensors.ingest(space, sensorId, readings, batch);
      res.status(201).json({ stored });
    },
  );

  router.get('/spaces/:space/sensors/:sensorId/readings.csv', requireSession(CSV_ROUTE), async (req, res) => {
    const { space, sensorId } = params(req);
    const { range } = parseOrThrow(sensorExportQuerySchema, req.query);
    res.status(200);
    res.type('text/csv; charset=utf-8');
    res.attachment(`${space}-${sensorId}-${range}.csv`);
    res.write('time,sensor,humidity_percent,temperature_f,temperature_c\n');
    // A client that goes away mid-download ends the export; it never waits for a drain that cannot come.
    const closed = once(res, 'close');
    for await (const r of sensors.export(space, sensorId, range)) {
      if (res.destroyed) return;
      const line = `${new Date(r.at).toISOString()},${sensorId},${csvNumber(r.humidity)},${csvNumber(r.temperature)},${csvNumber(fahrenheitToCelsius(r.temperature))}\n`;
      if (!res.write(line)) await Promise.race([once(res, 'drain'), closed]);
    }
    res.end();
  });

  return router;
}
