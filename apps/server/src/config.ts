import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CHAT_LIMITS,
  DEFAULT_POMODORO_SETTINGS,
  type PomodoroSettings,
  pomodoroSettingsSchema,
} from '@huddle/protocol';
import { z } from 'zod';
import { DEFAULT_POSTGRES_TIMEOUTS, type PostgresTimeouts } from './db/database.js';
import { compileTrustProxy } from './io/client-ip.js';

const optionalInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  SESSION_SECRET: z.string().min(32, 'SESSION_SECRET must be at least 32 characters').optional(),
  ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url())),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WEB_DIST: z.string().optional(),
  POMODORO_WORK_SECONDS: optionalInt(DEFAULT_POMODORO_SETTINGS.workSeconds),
  POMODORO_SHORT_BREAK_SECONDS: optionalInt(DEFAULT_POMODORO_SETTINGS.shortBreakSeconds),
  POMODORO_LONG_BREAK_SECONDS: optionalInt(DEFAULT_POMODORO_SETTINGS.longBreakSeconds),
  POMODORO_CYCLES: optionalInt(DEFAULT_POMODORO_SETTINGS.cyclesBeforeLongBreak),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:-]{1,40}$/, 'REDIS_PREFIX is 1–40 letters, digits, _ : or -')
    .default('huddle'),
  REDIS_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(500),
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,60}$/, 'NODE_ID is 1–60 letters, digits, _ . or -')
    .optional(),
  HEARTBEAT_INTERVAL_MS: optionalInt(25_000),
  HEARTBEAT_TIMEOUT_MS: optionalInt(20_000),
  CHAT_SEND_BURST: optionalInt(CHAT_LIMITS.sendBurst),
  CHAT_SEND_PER_SECOND: z.coerce.number().positive().default(CHAT_LIMITS.sendPerSecond),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 365)
    .default(24 * 30),
  SESSION_MAX_AGE_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 365 * 5)
    .default(24 * 90),
  SESSION_REVOCATION_CHECK_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  MAX_CONNECTIONS_PER_IP: optionalInt(100),
  TRUST_PROXY: z
    .string()
    .default('loopback')
    .transform((s) =>
      s
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .superRefine((entries, ctx) => {
      try {
        compileTrustProxy(entries);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  RATE_LIMIT_SCALE: z.coerce.number().positive().max(1_000_000).default(1),
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN needs at least 16 characters').optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  SQLITE_SYNCHRONOUS: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
  // At most the client's own 5 s query timeout: past it a statement has failed on this side anyway.
  PG_STATEMENT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(5000)
    .default(DEFAULT_POSTGRES_TIMEOUTS.statementTimeoutMs),
  PG_IDLE_IN_TX_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(3_600_000)
    .default(DEFAULT_POSTGRES_TIMEOUTS.idleInTransactionTimeoutMs),
  RETENTION_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(7 * 24 * 3_600_000)
    .default(3_600_000),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  sessionSecret: string;
  /** Extra origins allowed to open a WebSocket; the server's own origin is always allowed. */
  allowedOrigins: string[];
  logLevel: string;
  /** Built SPA to serve; undefined when it has not been built (API-only, e.g. under `pnpm dev`). */
  webDist: string | undefined;
  /** Settings a new space starts with. */
  pomodoroDefaults: PomodoroSettings;
  /**
   * With Redis, nodes share broadcasts (Socket.IO Redis Streams adapter) and presence. A Redis call not
   * answered within `timeoutMs` fails, and the node counts Redis as away until its connection is new.
   */
  redis: { url: string; prefix: string; timeoutMs: number } | undefined;
  /** This process among the nodes of a cluster. */
  nodeId: string;
  /** A connection that misses a ping for interval + timeout counts as gone (its user leaves). */
  heartbeat: { intervalMs: number; timeoutMs: number };
  /** Per-user chat send limit: a burst, then a steady rate. */
  chatSendRate: { burst: number; perSecond: number };
  /**
   * A session token is accepted until this long after it was issued; every connection hands the client a
   * renewed one, so only sessions unused for this long end.
   */
  sessionTtlMs: number;
  /** A device's session ends this long after it signed in, however often its token was renewed. */
  sessionMaxAgeMs: number;
  /**
   * How often each node reads the recent revocations from storage and closes the sockets they concern
   * (those a lost broadcast did not close) and the sockets whose session lifetime has ended.
   */
  revocationCheckMs: number;
  /** Open Socket.IO connections one client address may hold on this node. */
  maxConnectionsPerIp: number;
  /**
   * Proxies allowed to name the client in X-Forwarded-For (addresses, CIDR ranges, `loopback`,
   * `linklocal`, `uniquelocal`): Express's `trust proxy`, used for `req.ip` and every per-address limit.
   */
  trustProxy: string[];
  /** Multiplies every per-user and per-address rate limit (1 in production; load tests raise it). */
  rateLimitScale: number;
  /** When set, `/metrics` answers only `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
  /** When set, `/metrics` is served on this port only (for a network the public cannot reach), not on `port`. */
  metricsPort?: number | undefined;
  /** SQLite's `synchronous` pragma: NORMAL (with WAL: survives a process crash) or FULL (also a power cut). */
  sqliteSynchronous: 'NORMAL' | 'FULL';
  /** Server-side PostgreSQL limits on every pooled connection. */
  postgresTimeouts: PostgresTimeouts;
  /** How often the retention job deletes readings and messages older than their space keeps them. */
  retentionIntervalMs: number;
}

export class ConfigError extends Error {}

/** Reads and validates the environment once, at start-up; fails with every problem listed. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigError(`Invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  const defaults = pomodoroSettingsSchema.safeParse({
    workSeconds: e.POMODORO_WORK_SECONDS,
    shortBreakSeconds: e.POMODORO_SHORT_BREAK_SECONDS,
    longBreakSeconds: e.POMODORO_LONG_BREAK_SECONDS,
    cyclesBeforeLongBreak: e.POMODORO_CYCLES,
  });
  if (!defaults.success) {
    throw new ConfigError(`Invalid POMODORO_* defaults: ${defaults.error.issues.map((i) => i.message).join('; ')}`);
  }
  const dataDir = path.resolve(e.DATA_DIR);
  if (e.NODE_ENV === 'production' && !e.SESSION_SECRET) {
    throw new ConfigError('Invalid configuration:\n  SESSION_SECRET: required in production (32+ characters)');
  }
  // Metrics tell who is connected and how busy each command is: not for the public port, unguarded.
  if (e.NODE_ENV === 'production' && !e.METRICS_TOKEN && e.METRICS_PORT === undefined) {
    throw new ConfigError(
      'Invalid configuration:\n  METRICS_TOKEN: required in production (16+ characters), unless METRICS_PORT serves metrics on a port of their own',
    );
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    sessionSecret: e.SESSION_SECRET ?? localSecret(dataDir),
    allowedOrigins: e.ALLOWED_ORIGINS.map((o) => new URL(o).origin),
    logLevel: e.LOG_LEVEL,
    webDist: e.WEB_DIST ? path.resolve(e.WEB_DIST) : defaultWebDist(),
    pomodoroDefaults: defaults.data,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX, timeoutMs: e.REDIS_TIMEOUT_MS } : undefined,
    nodeId: e.NODE_ID ?? `${hostname()}-${process.pid}`,
    heartbeat: { intervalMs: e.HEARTBEAT_INTERVAL_MS, timeoutMs: e.HEARTBEAT_TIMEOUT_MS },
    chatSendRate: { burst: e.CHAT_SEND_BURST, perSecond: e.CHAT_SEND_PER_SECOND },
    sessionTtlMs: Math.round(e.SESSION_TTL_HOURS * 3_600_000),
    sessionMaxAgeMs: Math.round(e.SESSION_MAX_AGE_HOURS * 3_600_000),
    revocationCheckMs: e.SESSION_REVOCATION_CHECK_MS,
    maxConnectionsPerIp: e.MAX_CONNECTIONS_PER_IP,
    trustProxy: e.TRUST_PROXY,
    rateLimitScale: e.RATE_LIMIT_SCALE,
    metricsToken: e.METRICS_TOKEN,
    metricsPort: e.METRICS_PORT,
    sqliteSynchronous: e.SQLITE_SYNCHRONOUS,
    postgresTimeouts: {
      statementTimeoutMs: e.PG_STATEMENT_TIMEOUT_MS,
      idleInTransactionTimeoutMs: e.PG_IDLE_IN_TX_TIMEOUT_MS,
    },
    retentionIntervalMs: e.RETENTION_INTERVAL_MS,
  };
}

/** Outside production a secret is generated once and kept beside the data, so sessions survive restarts. */
function localSecret(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    // Written whole under another name, then linked into place: a concurrent start never reads half a
    // secret, and the first process to link wins.
    const draft = `${file}.${process.pid}.tmp`;
    writeFileSync(draft, randomBytes(32).toString('base64url'), { mode: 0o600 });
    try {
      linkSync(draft, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(draft);
    }
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new ConfigError(`${file} holds no usable secret: delete it or set SESSION_SECRET`);
  return secret;
}

function defaultWebDist(): string | undefined {
  const candidate = fileURLToPath(new URL('../../web/dist', import.meta.url));
  try {
    readFileSync(path.join(candidate, 'index.html'));
    return candidate;
  } catch {
    return undefined;
  }
}
