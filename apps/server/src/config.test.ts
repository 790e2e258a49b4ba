import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const GOOD_SECRET = 'a-production-secret-of-40-characters-xyz';

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'huddle-config-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The ConfigError that loading `env` throws (fails the test when it loads). */
function refusal(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('loadConfig', () => {
  it('reads a complete, valid environment', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      DATA_DIR: dataDir(),
      SESSION_SECRET: GOOD_SECRET,
      ALLOWED_ORIGINS: 'https://a.example/path, https://b.example:8443',
      REDIS_URL: 'redis://127.0.0.1:6379',
      RATE_LIMIT_SCALE: '2',
      SESSION_TTL_HOURS: '1',
      SESSION_MAX_AGE_HOURS: '48',
      SESSION_REVOCATION_CHECK_MS: '2000',
      RETENTION_INTERVAL_MS: '60000',
    });
    expect(config).toMatchObject({
      env: 'production',
      port: 8080,
      sessionSecret: GOOD_SECRET,
      allowedOrigins: ['https://a.example', 'https://b.example:8443'],
      redis: { url: 'redis://127.0.0.1:6379', prefix: 'huddle' },
      rateLimitScale: 2,
      sessionTtlMs: 3_600_000,
      sessionMaxAgeMs: 48 * 3_600_000,
      revocationCheckMs: 2000,
      retentionIntervalMs: 60_000,
    });
  });

  it('ends sessions 90 days after sign-in and checks revocations every second by default', () => {
    expect(loadConfig({ DATA_DIR: dataDir() })).toMatchObject({
      sessionMaxAgeMs: 90 * 24 * 3_600_000,
      revocationCheckMs: 1000,
    });
  });

  it('lists every bad value at once, each by its name', () => {
    const { message } = refusal({
      DATA_DIR: dataDir(),
      PORT: '70000',
      LOG_LEVEL: 'loud',
      SESSION_SECRET: 'too-short',
      DATABASE_URL: 'mysql://db.example/huddle',
      REDIS_URL: 'http://127.0.0.1:6379',
      ALLOWED_ORIGINS: 'not a url',
      RATE_LIMIT_SCALE: '0',
      HEARTBEAT_INTERVAL_MS: 'soon',
      METRICS_TOKEN: 'short',
      RETENTION_INTERVAL_MS: '10',
      SESSION_MAX_AGE_HOURS: '-1',
      SESSION_REVOCATION_CHECK_MS: '5',
    });
    const named = message
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/[.:]/)[0]);
    expect(named.sort()).toEqual(
      [
        'ALLOWED_ORIGINS',
        'DATABASE_URL',
        'HEARTBEAT_INTERVAL_MS',
        'LOG_LEVEL',
        'METRICS_TOKEN',
        'PORT',
        'RATE_LIMIT_SCALE',
        'REDIS_URL',
        'RETENTION_INTERVAL_MS',
        'SESSION_MAX_AGE_HOURS',
        'SESSION_REVOCATION_CHECK_MS',
        'SESSION_SECRET',
      ].sort(),
    );
    expect(message).toContain('SESSION_SECRET must be at least 32 characters');
  });

  it('refuses pomodoro defaults outside the protocol limits', () => {
    expect(refusal({ DATA_DIR: dataDir(), POMODORO_CYCLES: '13' }).message).toMatch(/POMODORO/);
  });

  describe('in production', () => {
    it('requires SESSION_SECRET and writes no generated one', () => {
      const dir = dataDir();
      expect(refusal({ NODE_ENV: 'production', DATA_DIR: dir }).message).toMatch(
        /SESSION_SECRET: required in production/,
      );
      expect(readdirSync(dir)).toEqual([]);
    });

    it('refuses a SESSION_SECRET shorter than 32 characters', () => {
      const short = GOOD_SECRET.slice(0, 31);
      expect(refusal({ NODE_ENV: 'production', DATA_DIR: dataDir(), SESSION_SECRET: short }).message).toMatch(
        /SESSION_SECRET must be at least 32 characters/,
      );
      expect(
        loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir(), SESSION_SECRET: `${short}x` }).sessionSecret,
      ).toBe(`${short}x`);
    });
  });

  describe('outside production, without SESSION_SECRET', () => {
    it('generates a secret once into DATA_DIR/session-secret, readable by the owner only, and reads it back', () => {
      const dir = path.join(dataDir(), 'not-yet-created');
      const first = loadConfig({ DATA_DIR: dir }).sessionSecret;
      const file = path.join(dir, 'session-secret');
      expect(first.length).toBeGreaterThanOrEqual(32);
      expect(readFileSync(file, 'utf8')).toBe(first);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      // Only the secret is left behind, no draft file.
      expect(readdirSync(dir)).toEqual(['session-secret']);

      expect(loadConfig({ DATA_DIR: dir }).sessionSecret).toBe(first);
      expect(loadConfig({ DATA_DIR: dir, NODE_ENV: 'test' }).sessionSecret).toBe(first);
      // Another data directory is another installation, with a secret of its own.
      expect(loadConfig({ DATA_DIR: dataDir() }).sessionSecret).not.toBe(first);
    });

    it('prefers a configured SESSION_SECRET and then writes nothing', () => {
      const dir = dataDir();
      expect(loadConfig({ DATA_DIR: dir, SESSION_SECRET: GOOD_SECRET }).sessionSecret).toBe(GOOD_SECRET);
      expect(readdirSync(dir)).toEqual([]);
    });

    it('refuses a damaged secret file instead of signing with a weak key', () => {
      const dir = dataDir();
      writeFileSync(path.join(dir, 'session-secret'), 'short\n');
      expect(refusal({ DATA_DIR: dir }).message).toMatch(/holds no usable secret/);
    });
  });
});
