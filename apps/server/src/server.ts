import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { type App, createApp } from './app.js';
import { type Clock, systemClock } from './clock.js';
import { redisCluster, singleNode } from './cluster/cluster.js';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { createMetrics } from './metrics.js';

export interface RunningHuddle {
  app: App;
  address: AddressInfo;
  /** Base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  stop(): Promise<void>;
}

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { service: 'huddle' } });
}

/** Opens storage, builds the app and listens: what `index.ts` and the integration tests both run. */
export async function startHuddle(
  config: Config,
  options: { logger?: Logger; clock?: Clock } = {},
): Promise<RunningHuddle> {
  const logger = options.logger ?? createLogger(config);
  const metrics = createMetrics();
  const { db, kind } = await openDatabase({
    ...config,
    onConnectionError: (err) => logger.warn({ err }, 'database connection lost; the pool reconnects'),
    onQuery: (event) =>
      metrics.queryDuration.observe(
        { kind: event.query.query.kind.replace(/QueryNode$/, '').toLowerCase(), outcome: event.level },
        event.queryDurationMillis / 1000,
      ),
  });
  const cluster = config.redis
    ? redisCluster({ ...config, redis: config.redis }, logger, () => metrics.adapterErrors.inc())
    : singleNode();
  const app = createApp({ config, db, logger, clock: options.clock ?? systemClock, metrics, cluster });
  let address: AddressInfo;
  try {
    address = await app.listen();
  } catch (err) {
    await app.close().catch(() => {});
    await db.destroy();
    throw err;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '[::]' || host === '0.0.0.0' ? 'localhost' : host}:${address.port}`;
  logger.info(
    {
      url,
      storage: kind,
      cluster: config.redis ? config.nodeId : null,
      web: config.webDist ?? null,
      metricsPort: (app.metricsHttp?.address() as AddressInfo | null)?.port ?? null,
    },
    'huddle listening',
  );
  return {
    app,
    address,
    url,
    async stop() {
      await app.close();
      await db.destroy();
      logger.info('huddle stopped');
    },
  };
}
