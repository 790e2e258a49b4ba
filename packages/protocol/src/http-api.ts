import { z } from 'zod';
import { spaceSlugSchema } from './schemas/common.js';
import {
  readingIngestBodySchema,
  readingsStoredSchema,
  SENSOR_LIMITS,
  sensorIdSchema,
  sensorRangeSchema,
} from './schemas/sensor.js';
import { createSessionBodySchema, linkSessionBodySchema, sessionGrantSchema } from './schemas/session.js';
import { type Permission, spaceAccessQuerySchema, spaceAccessSchema } from './schemas/space.js';

/** Path parameters of the sensor routes. */
export const sensorPathParamsSchema = z.object({ space: spaceSlugSchema, sensorId: sensorIdSchema });

/** Query of the CSV export. */
export const sensorExportQuerySchema = z.object({ range: sensorRangeSchema.default('1h') });

/** `GET /healthz`: the process answers. In a cluster it names the node, to see where a load balancer sends. */
export const healthSchema = z.object({ ok: z.literal(true), node: z.string().optional() });

/** `GET /readyz`: ready to serve (storage answers), or why not. */
export const readinessSchema = z.union([
  z.object({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), reason: z.string() }),
]);

/** Who may call a route: nobody in particular, or the bearer of one of the server's tokens. */
export type HttpAuth = 'none' | 'session' | 'ingest' | 'metrics';

export interface HttpResponseSpec {
  description: string;
  /** JSON body; absent when `contentType` says otherwise. */
  body?: z.ZodType;
  contentType?: string;
}

/** Query of the space export. */
export const spaceExportQuerySchema = z.object({ format: z.enum(['ndjson', 'json']).default('ndjson') });

export const spacePathParamsSchema = z.object({ space: spaceSlugSchema });

export interface HttpRouteSpec {
  summary: string;
  auth: HttpAuth;
  /** For `session` routes: what the caller's role in the route's `:space` must permit (checked before the handler). */
  permission?: Permission;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Answers with a body of their own; every other status listed in `errors` answers `{ error }`. */
  responses: Record<number, HttpResponseSpec>;
  errors: Partial<Record<number, string>>;
}

/**
 * The HTTP API, keyed by `METHOD /path` (Express-style `:params`). Errors are JSON `{ error: { code, message,
 * field?, retryAfterMs? } }`; a 429 or 503 also says `Retry-After` in seconds.
 */
export const httpRoutes = {
  'POST /api/sessions': {
    summary: 'Join a space under a display name; a token the browser already holds takes its own name again.',
    auth: 'none',
    body: createSessionBodySchema,
    responses: {
      201: {
        description: 'The session: keep the token and send it in the Socket.IO handshake.',
        body: sessionGrantSchema,
      },
    },
    errors: {
      400: 'BAD_REQUEST: the body, naming the field.',
      403: 'SPACE_PRIVATE: the space is private (or does not exist) and no valid invite came; INVITE_EXPIRED: the invite expired, was used up or revoked; REMOVED: this browser was removed from the space for good.',
      409: 'NAME_TAKEN: someone else in the space has that name; SPACE_EXISTS: `create` for a private space that exists.',
      413: 'PAYLOAD_TOO_LARGE: body over 16 KB.',
      429: 'RATE_LIMITED: too many sign-ins from this address.',
      503: 'UNAVAILABLE: storage briefly away; nothing changed.',
    },
  },
  'POST /api/sessions/link': {
    summary: 'Signs this browser in as the user who made a "link another device" code (works once, 10 minutes).',
    auth: 'none',
    body: linkSessionBodySchema,
    responses: { 201: { description: 'The session of this new device.', body: sessionGrantSchema } },
    errors: {
      400: 'BAD_REQUEST: the body, naming the field.',
      403: 'INVITE_EXPIRED: the code expired, was used, or is not one of this space.',
      429: 'RATE_LIMITED: too many sign-ins from this address.',
      503: 'UNAVAILABLE: storage briefly away; nothing changed.',
    },
  },
  'GET /api/spaces/:space/access': {
    summary: 'How a browser may join: open to anyone, or by the invite it carries. Says nothing else about the space.',
    auth: 'none',
    params: spacePathParamsSchema,
    query: spaceAccessQuerySchema,
    responses: { 200: { description: 'May join.', body: spaceAccessSchema } },
    errors: {
      400: 'BAD_REQUEST: a bad space name or invite code.',
      403: 'SPACE_PRIVATE: private (or no such space) and no valid invite; INVITE_EXPIRED: the invite expired, was used up or revoked.',
      429: 'RATE_LIMITED: too many sign-ins from this address.',
    },
  },
  'GET /api/spaces/:space/export': {
    summary:
      'Everything in the space, streamed: settings, members, channels and messages, sensors and readings. NDJSON (one `{ type, ... }` record per line) or one JSON document.',
    auth: 'session',
    permission: 'admin',
    params: spacePathParamsSchema,
    query: spaceExportQuerySchema,
    responses: {
      200: {
        description: 'Sent as an attachment, `application/x-ndjson` or `application/json`.',
        contentType: 'application/x-ndjson',
      },
    },
    errors: {
      400: 'BAD_REQUEST: a bad space name or format.',
      401: 'UNAUTHORIZED: not a session of this space.',
      403: 'FORBIDDEN: admins and the owner only.',
      429: 'RATE_LIMITED: too many exports from this address.',
      503: 'UNAVAILABLE: storage briefly away.',
    },
  },
  'POST /api/sessions/revoke': {
    summary:
      "Sign out other devices: every other token of the user stops working and their connections close; answers this device's new session.",
    auth: 'session',
    responses: { 200: { description: "This device's new session.", body: sessionGrantSchema } },
    errors: {
      401: 'UNAUTHORIZED: missing, bad, expired or revoked session token.',
      403: "FORBIDDEN: an older copy of this device's token (another was renewed since): only the newest may sign devices out.",
      429: 'RATE_LIMITED: too many sign-ins from this address, or this user signed devices out too often (5, then 1 a minute).',
      503: 'UNAVAILABLE: storage briefly away; nothing changed.',
    },
  },
  'POST /api/spaces/:space/sensors/:sensorId/readings': {
    summary: `Device ingest: one reading, or up to ${SENSOR_LIMITS.maxBatch} as \`{ readings }\`. \`at\` is epoch ms or an ISO 8601 date-time with an offset (default: arrival time); temperatures in °F.`,
    auth: 'ingest',
    params: sensorPathParamsSchema,
    body: readingIngestBodySchema,
    responses: { 201: { description: 'Stored.', body: readingsStoredSchema } },
    errors: {
      400: 'BAD_REQUEST: names the field, e.g. `readings.2.temperature`.',
      401: 'UNAUTHORIZED: missing or wrong ingest token (checked before the body is read).',
      409: `CONFLICT: the space already has ${SENSOR_LIMITS.maxSensorsPerSpace} sensors.`,
      413: 'PAYLOAD_TOO_LARGE: body over 2 MB.',
      429: 'RATE_LIMITED: too many requests from this address, or readings for this space.',
      503: 'UNAVAILABLE: storage briefly away; nothing stored.',
    },
  },
  'GET /api/spaces/:space/sensors/:sensorId/readings.csv': {
    summary: "A sensor's readings over a range, oldest first, as CSV.",
    auth: 'session',
    permission: 'member',
    params: sensorPathParamsSchema,
    query: sensorExportQuerySchema,
    responses: {
      200: {
        description: 'Columns `time,sensor,humidity_percent,temperature_f,temperature_c`; sent as an attachment.',
        contentType: 'text/csv; charset=utf-8',
      },
    },
    errors: {
      400: 'BAD_REQUEST: a bad space, sensor id or range.',
      401: 'UNAUTHORIZED: not a session of this space.',
      503: 'UNAVAILABLE: storage briefly away.',
    },
  },
  'GET /healthz': {
    summary: 'Liveness: the process answers.',
    auth: 'none',
    responses: { 200: { description: 'Alive.', body: healthSchema } },
    errors: {},
  },
  'GET /readyz': {
    summary: 'Readiness: storage answers and the server is not shutting down.',
    auth: 'none',
    responses: {
      200: { description: 'Ready.', body: readinessSchema },
      503: { description: 'Not ready: shutting down, or storage unavailable.', body: readinessSchema },
    },
    errors: {},
  },
  'GET /metrics': {
    summary: 'Prometheus metrics. Needs the metrics token only when METRICS_TOKEN is set.',
    auth: 'metrics',
    responses: {
      200: {
        description: 'Prometheus text exposition format.',
        contentType: 'text/plain; version=0.0.4; charset=utf-8',
      },
    },
    errors: { 401: 'UNAUTHORIZED: METRICS_TOKEN is set and the bearer token is not it.' },
  },
} as const satisfies Record<string, HttpRouteSpec>;
