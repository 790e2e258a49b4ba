import { z } from 'zod';

export const SENSOR_LIMITS = {
  humidity: { min: 0, max: 100 },
  /** Temperatures are stored and sent in °F, as in the tutorial; clients may display °C. */
  temperatureF: { min: -40, max: 212 },
  /** Readings in one ingest request. */
  maxBatch: 10_000,
  maxSensorsPerSpace: 20,
  /** The table, the stats and the status look at this many newest readings. */
  latestCount: 10,
  /** Board updates per second per space, however fast readings arrive. */
  updatesPerSecond: 10,
  /** A device clock may run this far ahead of the server's. */
  maxFutureSkewMs: 5 * 60_000,
  /** Points in one chart series, at most; longer ranges are averaged into buckets. */
  maxChartPoints: 600,
} as const;

/** Chart and CSV ranges a viewer can pick, in ms. */
export const SENSOR_RANGES = {
  '5m': 5 * 60_000,
  '1h': 60 * 60_000,
  '24h': 24 * 60 * 60_000,
} as const;
export type SensorRange = keyof typeof SENSOR_RANGES;

/** The sensor the random-reading buttons feed when no other is chosen. */
export const DEFAULT_SENSOR_ID = 'room';

export const DEFAULT_SENSOR_THRESHOLDS = { humidityMax: 70, temperatureMax: 86 } as const;

export const sensorIdSchema = z
  .string({ error: 'A sensor id is text' })
  .regex(/^[A-Za-z0-9_-]{1,40}$/, 'A sensor id is 1–40 letters, digits, dashes or underscores');

const H = SENSOR_LIMITS.humidity;
const T = SENSOR_LIMITS.temperatureF;

export const humiditySchema = z
  .number({ error: 'Humidity must be a number' })
  .min(H.min, `Humidity must be between ${H.min} and ${H.max} %`)
  .max(H.max, `Humidity must be between ${H.min} and ${H.max} %`);

export const temperatureSchema = z
  .number({ error: 'Temperature must be a number' })
  .min(T.min, `Temperature must be between ${T.min} and ${T.max} °F`)
  .max(T.max, `Temperature must be between ${T.min} and ${T.max} °F`);

/** A device timestamp: epoch milliseconds or an ISO 8601 date-time with an offset. */
const deviceTimeSchema = z.union(
  [
    z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
  ],
  { error: 'A reading time is epoch milliseconds or an ISO 8601 date-time' },
);

export const readingInputSchema = z.strictObject({
  humidity: humiditySchema,
  temperature: temperatureSchema,
  at: deviceTimeSchema.optional(),
});
export type ReadingInput = z.input<typeof readingInputSchema>;

/** Body of the ingest API when it carries several readings. A body without `readings` is one reading. */
export const readingBatchSchema = z.strictObject({
  readings: z
    .array(readingInputSchema, { error: 'readings must be a list' })
    .min(1, 'Send at least one reading')
    .max(SENSOR_LIMITS.maxBatch, `Send at most ${SENSOR_LIMITS.maxBatch} readings at once`),
});

export const sensorThresholdsSchema = z.strictObject({
  humidityMax: humiditySchema,
  temperatureMax: temperatureSchema,
});
export type SensorThresholds = z.output<typeof sensorThresholdsSchema>;

export const sensorRandomSchema = z.strictObject({
  sensorId: sensorIdSchema.optional(),
  count: z.union([z.literal(1), z.literal(10)], { error: 'Generate 1 or 10 readings' }),
});

export const sensorHistorySchema = z.strictObject({
  sensorId: sensorIdSchema,
  range: z.enum(Object.keys(SENSOR_RANGES) as [SensorRange, ...SensorRange[]], {
    error: `Pick a range: ${Object.keys(SENSOR_RANGES).join(', ')}`,
  }),
});

export interface SensorReading {
  sensorId: string;
  humidity: number;
  /** °F */
  temperature: number;
  /** Epoch ms: the device's time when it sent one, else the server's arrival time. */
  at: number;
}

export interface MinMaxAvg {
  avg: number;
  max: number;
  min: number;
}

export interface SensorStats {
  count: number;
  humidity: MinMaxAvg;
  temperature: MinMaxAvg;
}

export type SensorQuantity = 'humidity' | 'temperature';

export interface ThresholdBreach {
  quantity: SensorQuantity;
  value: number;
  limit: number;
}

/** `alarm` when the newest reading is above a threshold (equal is fine); `no-data` before any reading. */
export type SensorStatus = { level: 'ok' | 'no-data' } | { level: 'alarm'; breaches: ThresholdBreach[] };

export interface SensorSummary {
  sensorId: string;
  /** Newest first, at most `SENSOR_LIMITS.latestCount`. */
  latest: SensorReading[];
  stats: SensorStats | null;
  status: SensorStatus;
  /** Readings stored for this sensor, all time. */
  total: number;
}

export interface SensorBoard {
  thresholds: SensorThresholds;
  /** Most recently active first. */
  sensors: SensorSummary[];
}

export interface SensorChartPoint {
  at: number;
  humidity: number;
  temperature: number;
}

export interface SensorHistory {
  sensorId: string;
  range: SensorRange;
  from: number;
  to: number;
  /** 0 when the points are single readings; otherwise each point averages a bucket this long. */
  bucketMs: number;
  points: SensorChartPoint[];
}

export interface SensorIngestToken {
  token: string;
  /** Where devices send readings, relative to the server's origin. */
  ingestPath: string;
}

export const fahrenheitToCelsius = (f: number): number => ((f - 32) * 5) / 9;
export const celsiusToFahrenheit = (c: number): number => (c * 9) / 5 + 32;
