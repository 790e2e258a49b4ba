import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const GOOD_SECRET = 'a-production-secret-of-40-characters-xyz';
const GOOD_METRICS_TOKEN = 'a-metrics-token-of-32-characters';

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
      TRUST_PROXY: ' 10.0.0.0/8, 2001:db8::/32 ,loopback ',
      SESSION_TTL_HOURS: '1',
      SESSION_MAX_AGE_HOURS: '48',
      SESSION_REVOCATION_CHECK_MS: '2000',
      RETENTION_INTERVAL_MS: '60000',
      METRICS_TOKEN: GOOD_METRICS_TOKEN,
      SQLITE_SYNCHRONOUS: 'FULL',
      PG_STATEMENT_TIMEOUT_MS: '2500',
      PG_IDLE_IN_TX_TIMEOUT_MS: '30000',
    });
    expect(config).toMatchObject({
      metricsToken: GOOD_METRICS_TOKEN,
      metricsPort: undefined,
      sqliteSynchronous: 'FULL',
      postgresTimeouts: { statementTimeoutMs: 2500, idleInTransactionTimeoutMs: 30_000 },
      env: 'production',
      port: 8080,
      sessionSecret: GOOD_SECRET,
      allowedOrigins: ['https://a.example', 'https://b.example:8443'],
      redis: { url: 'redis://127.0.0.1:6379', prefix: 'huddle', timeoutMs: 500 },
      rateLimitScale: 2,
      trustProxy: ['10.0.0.0/8', '2001:db8::/32', 'loopback'],
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
      TRUST_PROXY: 'loopback, 10.0.0.0/33',
      HEARTBEAT_INTERVAL_MS: 'soon',
      METRICS_TOKEN: 'short',
      RETENTION_INTERVAL_MS: '10',
      METRICS_PORT: '-1',
      SQLITE_SYNCHRONOUS: 'OFF',
      PG_STATEMENT_TIMEOUT_MS: '60000',
      PG_IDLE_IN_TX_TIMEOUT_MS: 'never',
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
        'METRICS_PORT',
        'METRICS_TOKEN',
        'PG_IDLE_IN_TX_TIMEOUT_MS',
        'PG_STATEMENT_TIMEOUT_MS',
        'PORT',
        'RATE_LIMIT_SCALE',
        'REDIS_URL',
        'RETENTION_INTERVAL_MS',
        'SESSION_MAX_AGE_HOURS',
        'SESSION_REVOCATION_CHECK_MS',
        'SESSION_SECRET',
        'SQLITE_SYNCHRONOUS',
        'TRUST_PROXY',
      ].sort(),
    );
    expect(message).toContain('SESSION_SECRET must be at least 32 characters');
  });

  it('trusts a proxy on loopback by default, and refuses a TRUST_PROXY entry that is no address, range or keyword', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).trustProxy).toEqual(['loopback']);
    expect(loadConfig({ DATA_DIR: dataDir(), TRUST_PROXY: '' }).trustProxy).toEqual([]);
    expect(refusal({ DATA_DIR: dataDir(), TRUST_PROXY: 'loopback, proxy.internal' }).message).toMatch(
      /TRUST_PROXY: "proxy.internal" is not an address, a CIDR range or one of loopback, linklocal, uniquelocal/,
    );
    // Express reads a number as a hop count; here it would silently be an IPv4 address, so it is refused.
    expect(refusal({ DATA_DIR: dataDir(), TRUST_PROXY: '1' }).message).toMatch(/TRUST_PROXY: "1"/);
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

    it('requires METRICS_TOKEN unless METRICS_PORT gives metrics a port of their own', () => {
      const production = { NODE_ENV: 'production', DATA_DIR: dataDir(), SESSION_SECRET: GOOD_SECRET };
      expect(refusal(production).message).toMatch(/METRICS_TOKEN: required in production/);
      expect(loadConfig({ ...production, METRICS_TOKEN: GOOD_METRICS_TOKEN })).toMatchObject({
        metricsToken: GOOD_METRICS_TOKEN,
        metricsPort: undefined,
      });
      expect(loadConfig({ ...production, METRICS_PORT: '9464' })).toMatchObject({
        metricsToken: undefined,
        metricsPort: 9464,
      });
      // Outside production metrics stay open on the main port, as before.
      expect(loadConfig({ DATA_DIR: dataDir() })).toMatchObject({ metricsToken: undefined, metricsPort: undefined });
    });

    it("defaults to SQLite synchronous=NORMAL and PostgreSQL timeouts below the client's own", () => {
      const config = loadConfig({
        NODE_ENV: 'production',
        DATA_DIR: dataDir(),
        SESSION_SECRET: GOOD_SECRET,
        METRICS_TOKEN: GOOD_METRICS_TOKEN,
      });
      expect(config.sqliteSynchronous).toBe('NORMAL');
      expect(config.postgresTimeouts).toEqual({ statementTimeoutMs: 4000, idleInTransactionTimeoutMs: 10_000 });
    });

    it('refuses a SESSION_SECRET shorter than 32 characters', () => {
      const short = GOOD_SECRET.slice(0, 31);
      expect(refusal({ NODE_ENV: 'production', DATA_DIR: dataDir(), SESSION_SECRET: short }).message).toMatch(
        /SESSION_SECRET must be at least 32 characters/,
      );
      expect(
        loadConfig({
          NODE_ENV: 'production',
          DATA_DIR: dataDir(),
          SESSION_SECRET: `${short}x`,
          METRICS_TOKEN: GOOD_METRICS_TOKEN,
        }).sessionSecret,
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
