import { ErrorCode } from '@huddle/protocol';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Config } from '../config.js';
import { type Db, pingDatabase } from '../db/database.js';
import type { Feature } from '../feature.js';
import type { TrustProxy } from '../io/client-ip.js';
import { sameSecret } from '../lib/same-secret.js';
import type { Metrics } from '../metrics.js';
import { bearer } from './bearer.js';
import { apiNotFound, errorHandler, notFound } from './http-errors.js';
import { staticWeb } from './static-web.js';

export interface WebDeps {
  config: Config;
  db: Db;
  logger: Logger;
  metrics: Metrics;
  features: readonly Feature[];
  /** TRUST_PROXY, compiled once: the same function names the client for the socket layer. */
  trustProxy: TrustProxy;
  /** True once a shutdown began: /readyz then answers 503 so a load balancer stops sending. */
  closing(): boolean;
}

/**
 * The HTTP side of the app, in this order: the features' per-address limits (a refused request costs one
 * bucket check, no headers, no log line), security headers, request logging, health and metrics, the
 * features' routes under /api (those that parse their own bodies before the small default JSON parser),
 * the built web app, and JSON errors.
 */
export function serveWeb(web: Express, { config, db, logger, metrics, features, trustProxy, closing }: WebDeps): void {
  const routes = features.flatMap((f) => (f.http ? [f.http] : []));
  web.disable('x-powered-by');
  web.set('trust proxy', trustProxy);
  for (const { limits } of routes) if (limits) web.use('/api', limits);
  web.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          connectSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          styleSrc: ["'self'"],
          scriptSrc: ["'self'"],
          upgradeInsecureRequests: null,
        },
      },
    }),
  );
  web.use(
    pinoHttp({
      logger,
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => !req.url?.startsWith('/api') },
    }),
  );
  // In a cluster the answer names the node, so one can see where a load balancer sends a request.
  const health = config.redis ? { ok: true, node: config.nodeId } : { ok: true };
  web.get('/healthz', (_req, res) => {
    res.json(health);
  });
  // With METRICS_PORT, metrics are served there only (see `serveMetrics`).
  if (config.metricsPort === undefined) web.get('/metrics', metricsHandler(config, metrics));
  web.get('/readyz', async (_req, res) => {
    if (closing()) return void res.status(503).json({ ok: false, reason: 'shutting down' });
    try {
      await pingDatabase(db);
      res.json({ ok: true });
    } catch {
      res.status(503).json({ ok: false, reason: 'storage unavailable' });
    }
  });
  for (const r of routes) if (r.bodies === 'own') web.use('/api', r.routes);
  const jsonRoutes = routes.filter((r) => r.bodies === 'json').map((r) => r.routes);
  web.use('/api', express.json({ limit: '16kb' }), ...jsonRoutes, apiNotFound);
  if (config.webDist) web.use(staticWeb(config.webDist));
  web.use(notFound);
  web.use(errorHandler(logger));
}

/** `/metrics` in Prometheus format; with METRICS_TOKEN, only for `Authorization: Bearer <token>`. */
export function metricsHandler(config: Pick<Config, 'metricsToken'>, metrics: Metrics): RequestHandler {
  return async (req, res) => {
    if (config.metricsToken !== undefined && !sameSecret(bearer(req) ?? '', config.metricsToken)) {
      res.set('WWW-Authenticate', 'Bearer realm="metrics"');
      return void res.status(401).json({
        error: { code: ErrorCode.Unauthorized, message: 'Metrics need Authorization: Bearer <METRICS_TOKEN>' },
      });
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}

/** The metrics port's app: `/metrics` and nothing else. */
export function serveMetrics(config: Pick<Config, 'metricsToken'>, metrics: Metrics): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsHandler(config, metrics));
  return app;
}
