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

export const sensorRangeSchema = z.enum(Object.keys(SENSOR_RANGES) as [SensorRange, ...SensorRange[]], {
  error: `Pick a range: ${Object.keys(SENSOR_RANGES).join(', ')}`,
});

export const sensorHistorySchema = z.strictObject({ sensorId: sensorIdSchema, range: sensorRangeSchema });

/** What storing readings answers: how many were stored (`sensor:random` ack, ingest API). */
export const readingsStoredSchema = z.object({ stored: z.number().int().min(0) });
export type ReadingsStored = z.infer<typeof readingsStoredSchema>;

/** Body of the ingest API: one reading, or `{ readings: [...] }` (told apart by the `readings` key). */
export const readingIngestBodySchema = z.union([readingInputSchema, readingBatchSchema]);

export const sensorReadingSchema = z.object({
  sensorId: z.string(),
  humidity: z.number(),
  temperature: z.number().meta({ description: '°F' }),
  at: z.number().int().meta({
    description: "Epoch ms: the device's time when it sent one, else the server's arrival time.",
  }),
});
export type SensorReading = z.infer<typeof sensorReadingSchema>;

export const minMaxAvgSchema = z.object({ avg: z.number(), max: z.number(), min: z.number() });
export type MinMaxAvg = z.infer<typeof minMaxAvgSchema>;

export const sensorStatsSchema = z.object({
  count: z.number().int(),
  humidity: minMaxAvgSchema,
  temperature: minMaxAvgSchema,
});
export type SensorStats = z.infer<typeof sensorStatsSchema>;

export const sensorQuantitySchema = z.enum(['humidity', 'temperature']);
export type SensorQuantity = z.infer<typeof sensorQuantitySchema>;

export const thresholdBreachSchema = z.object({ quantity: sensorQuantitySchema, value: z.number(), limit: z.number() });
export type ThresholdBreach = z.infer<typeof thresholdBreachSchema>;

export const sensorStatusSchema = z
  .discriminatedUnion('level', [
    z.object({ level: z.enum(['ok', 'no-data']) }),
    z.object({ level: z.literal('alarm'), breaches: z.array(thresholdBreachSchema) }),
  ])
  .meta({
    description: '`alarm` when the newest reading is above a threshold (equal is fine); `no-data` before any reading.',
  });
export type SensorStatus = z.infer<typeof sensorStatusSchema>;

export const sensorSummarySchema = z.object({
  sensorId: z.string(),
  latest: z.array(sensorReadingSchema).meta({ description: 'Newest first, at most `SENSOR_LIMITS.latestCount`.' }),
  stats: sensorStatsSchema.nullable(),
  status: sensorStatusSchema,
  total: z.number().int().meta({ description: 'Readings stored for this sensor, all time.' }),
});
export type SensorSummary = z.infer<typeof sensorSummarySchema>;

export const sensorBoardSchema = z.object({
  thresholds: sensorThresholdsSchema,
  sensors: z.array(sensorSummarySchema).meta({ description: 'Most recently active first.' }),
});
export type SensorBoard = z.infer<typeof sensorBoardSchema>;

export const sensorChartPointSchema = z.object({ at: z.number().int(), humidity: z.number(), temperature: z.number() });
export type SensorChartPoint = z.infer<typeof sensorChartPointSchema>;

export const sensorHistoryResultSchema = z.object({
  sensorId: z.string(),
  range: sensorRangeSchema,
  from: z.number().int(),
  to: z.number().int(),
  bucketMs: z.number().int().meta({
    description: '0 when the points are single readings; otherwise each point averages a bucket this long.',
  }),
  points: z.array(sensorChartPointSchema),
});
export type SensorHistory = z.infer<typeof sensorHistoryResultSchema>;

export const sensorIngestTokenSchema = z.object({
  token: z.string(),
  ingestPath: z.string().meta({ description: "Where devices send readings, relative to the server's origin." }),
});
export type SensorIngestToken = z.infer<typeof sensorIngestTokenSchema>;

/** `sensor:delete` and the `sensor:removed` event: a sensor and all its readings. */
export const sensorRefSchema = z.strictObject({ sensorId: sensorIdSchema });
export type SensorRef = z.infer<typeof sensorRefSchema>;

export const fahrenheitToCelsius = (f: number): number => ((f - 32) * 5) / 9;
export const celsiusToFahrenheit = (c: number): number => (c * 9) / 5 + 32;
