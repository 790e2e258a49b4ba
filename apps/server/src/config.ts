import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_POMODORO_SETTINGS, type PomodoroSettings, pomodoroSettingsSchema } from '@huddle/protocol';
import { z } from 'zod';

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
