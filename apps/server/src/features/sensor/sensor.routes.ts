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
import { AppError, parseOrThrow, rateLimited } from '../../errors.js';
import { bearer } from '../../http/bearer.js';
import { type RequireSession, sessionOf } from '../../http/session-auth.js';
import { csvLine, csvNumber, csvText } from '../../lib/csv.js';
import type { OneAtATime } from '../../lib/one-at-a-time.js';
import type { RateLimiter } from '../../lib/token-bucket.js';
import type { IngestDevice, SensorService } from './sensor.service.js';

/** A batch of 10,000 readings is about 700 KB of JSON. */
const INGEST_BODY_LIMIT = '2mb';

/** Where a device posts a sensor's readings, under `/api`. */
export const READINGS_PATH = '/spaces/:space/sensors/:sensorId/readings';

/** The path's space and sensor id; a bad one is a 400 naming it. */
const params = (req: Request) => parseOrThrow(sensorPathParamsSchema, req.params);

const unauthorized = (message: string) => new AppError(ErrorCode.Unauthorized, message);

const CSV_ROUTE = 'GET /api/spaces/:space/sensors/:sensorId/readings.csv';

/** About 64 KB of CSV per write. */
const CSV_CHUNK_CHARS = 64 * 1024;

/** What a user asking for a second CSV while one runs is told to wait, at least. */
const CSV_BUSY_RETRY_MS = 5000;

/** A user's CSV exports: one at a time (on each node), and a rate (every node together). */
export interface CsvLimits {
  running: OneAtATime;
  rate: RateLimiter;
}

export function sensorRoutes(sensors: SensorService, requireSession: RequireSession, csv: CsvLimits): Router {
  const router = Router();

  router.post(
    READINGS_PATH,
    // The token is checked before the body is read: strangers do not get 2 MB parsed for them.
    async (req, res, next) => {
      const { space } = params(req);
      const device = await sensors.ingestDevice(space, bearer(req));
      if (!device) throw unauthorized("Send the space's ingest token as 'Authorization: Bearer <token>'");
      res.locals.device = device;
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
      const stored = await sensors.ingest(space, res.locals.device as IngestDevice, sensorId, readings, batch);
      res.status(201).json({ stored });
    },
  );

  router.get('/spaces/:space/sensors/:sensorId/readings.csv', requireSession(CSV_ROUTE), async (req, res) => {
    const { space, sensorId } = params(req);
    const { range } = parseOrThrow(sensorExportQuerySchema, req.query);
    const { user } = sessionOf(res);
    const end = csv.running.start(user.id);
    if (!end) throw rateLimited('Your other CSV export is still running: one at a time', CSV_BUSY_RETRY_MS);
    try {
      const taken = await csv.rate.take(user.id);
      if (!taken.ok) throw rateLimited('Too many CSV exports', taken.retryAfterMs);
      res.status(200);
      res.type('text/csv; charset=utf-8');
      res.attachment(`${space}-${sensorId}-${range}.csv`);
      res.write('time,sensor,humidity_percent,temperature_f,temperature_c\n');
      const sensor = csvText(sensorId);
      // A client that goes away mid-download ends the export; it never waits for a drain that cannot come.
      const closed = once(res, 'close');
      // Lines are sent in chunks, not one write each: a write per line cost more than reading the row.
      let chunk = '';
      for await (const r of sensors.export(space, sensorId, range)) {
        chunk += csvLine([
          csvText(new Date(r.at).toISOString()),
          sensor,
          csvNumber(r.humidity),
          csvNumber(r.temperature),
          csvNumber(fahrenheitToCelsius(r.temperature)),
        ]);
        if (chunk.length < CSV_CHUNK_CHARS) continue;
        if (res.destroyed) return;
        const flushed = res.write(chunk);
        chunk = '';
        if (!flushed) await Promise.race([once(res, 'drain'), closed]);
      }
      if (res.destroyed) return;
      res.write(chunk);
      res.end();
    } finally {
      end();
    }
  });

  return router;
}
