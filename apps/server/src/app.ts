import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, ServerEvent } from '@huddle/protocol';
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { Server } from 'socket.io';
import type { Clock } from './clock.js';
import { type Cluster, singleNode } from './cluster/cluster.js';
import type { Config } from './config.js';
import { type Db, pingDatabase } from './db/database.js';
import { chatFeature, createPresenceAnnouncer } from './features/chat/chat.handlers.js';
import { createChatService } from './features/chat/chat.service.js';
import { createChatStore } from './features/chat/chat.store.js';
import { clickerFeature } from './features/clicker/clicker.handlers.js';
import { createClickerService } from './features/clicker/clicker.service.js';
import { createClickerStore } from './features/clicker/clicker.store.js';
import { clockFeature } from './features/clock/clock.handlers.js';
import { pomodoroFeature } from './features/pomodoro/pomodoro.handlers.js';
import { createPomodoroService } from './features/pomodoro/pomodoro.service.js';
import { createPomodoroStore } from './features/pomodoro/pomodoro.store.js';
import { sensorFeature } from './features/sensor/sensor.handlers.js';
import { sensorRoutes } from './features/sensor/sensor.routes.js';
import { createSensorService } from './features/sensor/sensor.service.js';
import { createSensorStore } from './features/sensor/sensor.store.js';
import { sessionFeature } from './features/session/session.handlers.js';
import { sessionRoutes } from './features/session/session.routes.js';
import { createSessionService } from './features/session/session.service.js';
import { createTokenSigner } from './features/session/session-token.js';
import { createUserStore } from './features/session/user.store.js';
import { bearer } from './http/bearer.js';
import { apiNotFound, errorHandler, notFound } from './http/http-errors.js';
import { HTTP_RATES, limitPerAddress } from './http/rate-limit.js';
import { staticWeb } from './http/static-web.js';
import { createConnectionCap, useSessionAuth } from './io/auth.js';
import { createCommandLimit } from './io/command-limits.js';
import { bindCommands } from './io/command-registry.js';
import { createOriginCheck } from './io/origin.js';
import { spaceRoom, userRoom } from './io/rooms.js';
import type { CommandHandlers, Feature, HuddleServer } from './io/types.js';
import { createInFlight } from './lib/in-flight.js';
import { sameSecret } from './lib/same-secret.js';
import { memoryRateLimiters } from './lib/token-bucket.js';
import { createMetrics, type Metrics } from './metrics.js';

export interface AppDeps {
  config: Config;
  db: Db;
  logger: Logger;
  clock: Clock;
  /** Defaults to a fresh registry. */
  metrics?: Metrics;
  /** Defaults to one node alone (in-memory adapter and presence). */
  cluster?: Cluster;
}

export interface App {
  http: HttpServer;
  io: HuddleServer;
  /** Binds the port and re-arms stored pomodoro deadlines. */
  listen(): Promise<AddressInfo>;
  /** Stops accepting, disconnects every socket and stops timers. The database is the caller's. */
  close(): Promise<void>;
}

/** Socket.IO payloads above this are refused (the connection is closed): commands are small. */
const MAX_SOCKET_PAYLOAD_BYTES = 64 * 1024;

export function createApp({
  config,
  db,
  logger,
  clock,
  metrics = createMetrics(),
  cluster = singleNode(),
}: AppDeps): App {
  let closing = false;
  const rateLimiters = cluster.rateLimiters ?? memoryRateLimiters(clock.now);
  const users = createUserStore(db);
  const sessions = createSessionService({
    users,
    signer: createTokenSigner(config.sessionSecret),
    clock,
    ttlMs: config.sessionTtlMs,
  });
  const onLimiterError = (err: unknown) =>
    logger.warn({ err }, 'rate limiter unavailable; letting the request through');
  const scaled = (rate: { burst: number; perSecond: number }) => ({
    burst: Math.max(1, Math.round(rate.burst * config.rateLimitScale)),
    perSecond: rate.perSecond * config.rateLimitScale,
  });
  const commandLimit = createCommandLimit(rateLimiters, config.rateLimitScale, onLimiterError);

  const originAllowed = createOriginCheck(config.allowedOrigins);
  const web = express();
  const http = createServer(web);
  const io: HuddleServer = new Server(http, {
    serveClient: false,
    maxHttpBufferSize: MAX_SOCKET_PAYLOAD_BYTES,
    pingInterval: config.heartbeat.intervalMs,
    pingTimeout: config.heartbeat.timeoutMs,
    allowRequest: (req, callback) => {
      const allowed = originAllowed(req);
      callback(allowed ? null : 'Origin not allowed', allowed);
    },
  });

  const pomodoro = createPomodoroService({
    store: createPomodoroStore(db, clock.now),
    clock,
    logger,
    defaults: config.pomodoroDefaults,
    onChange: (p) => {
      io.to(spaceRoom(p.space)).emit(ServerEvent.PomodoroState, p);
      if (cluster.clustered) io.serverSideEmit('pomodoro:changed', p.space);
    },
  });
  const chat = createChatService({
    store: createChatStore(db),
    clock,
    findUser: users.findById,
    sendRate: config.chatSendRate,
    rateLimiters,
  });
  const sensors = createSensorService({
    rateLimiters,
    store: createSensorStore(db, clock.now),
    clock,
    logger,
    onUpdate: (space, summary) => io.to(spaceRoom(space)).emit(ServerEvent.SensorUpdate, summary),
    onBoard: (space, board) => io.to(spaceRoom(space)).emit(ServerEvent.SensorBoard, board),
  });
  const clicker = createClickerService({
    store: createClickerStore(db),
    clock,
    logger,
    onPlayer: (player) => io.to(userRoom(player.user.id)).emit(ServerEvent.ClickerPlayer, player),
    onLeaderboard: (space, board) => io.to(spaceRoom(space)).emit(ServerEvent.ClickerLeaderboard, board),
    onPurchase: (space, purchase) => io.to(spaceRoom(space)).emit(ServerEvent.ClickerPurchase, purchase),
  });
  const presenceAnnouncer = createPresenceAnnouncer(io, clock);
  const features: Feature[] = [
    sessionFeature(clock, sessions),
    clockFeature(clock),
    pomodoroFeature(pomodoro),
    chatFeature({ io, chat, presence: cluster.presence, announce: presenceAnnouncer.announce, clock, logger }),
    sensorFeature(sensors),
    clickerFeature(clicker),
  ];
  const commands: CommandHandlers = Object.assign({}, ...features.map((f) => f.commands));
  // Broadcasts between nodes may have been lost while Redis was away: resend the state clients catch up from.
  cluster.onBroadcastsLost(async (socket) => {
    for (const feature of features) await feature.snapshot?.(socket);
  });

  const connectionCap = createConnectionCap(config.maxConnectionsPerIp);
  io.use(connectionCap.precheck);
  useSessionAuth(io, sessions, logger);
  io.use(connectionCap.admit);
  // Connection setups still running: a shutdown waits for them before the storage closes.
  const setups = createInFlight();
  io.on('connection', (socket) => {
    metrics.connectedSockets.inc();
    socket.on('disconnect', (reason) => {
      metrics.connectedSockets.dec();
      logger.debug({ socket: socket.id, user: socket.data.user.id, reason }, 'disconnected');
    });
    socket.onAnyOutgoing(metrics.countEmitted);
    bindCommands(socket, commands, logger, metrics, commandLimit);
    setups.run(async () => {
      try {
        await socket.join([spaceRoom(socket.data.space), userRoom(socket.data.user.id)]);
        for (const feature of features) {
          await feature.onConnection?.(socket);
          await feature.snapshot?.(socket);
        }
        logger.debug(
          { socket: socket.id, user: socket.data.user.id, transport: socket.conn.transport.name },
          'connection set up',
        );
      } catch (err) {
        logger.error({ err, space: socket.data.space }, 'connection setup failed');
        socket.disconnect();
      }
    });
  });

  web.disable('x-powered-by');
  web.set('trust proxy', 'loopback');
  // Per-address limits come first: a refused request costs one bucket check, no headers, no log line.
  const sessionLimit = limitPerAddress(
    rateLimiters('http-sessions', scaled(HTTP_RATES.sessions)),
    'sign-ins',
    onLimiterError,
  );
  web.post(['/api/sessions', '/api/sessions/revoke'], sessionLimit);
  web.post(
    '/api/spaces/:space/sensors/:sensorId/readings',
    limitPerAddress(rateLimiters('http-ingest', scaled(HTTP_RATES.ingest)), 'readings', onLimiterError),
  );
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
  web.get('/metrics', async (req, res) => {
    if (config.metricsToken !== undefined && !sameSecret(bearer(req) ?? '', config.metricsToken)) {
      res.set('WWW-Authenticate', 'Bearer realm="metrics"');
      return void res.status(401).json({
        error: { code: ErrorCode.Unauthorized, message: 'Metrics need Authorization: Bearer <METRICS_TOKEN>' },
      });
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  web.get('/readyz', async (_req, res) => {
    if (closing) return void res.status(503).json({ ok: false, reason: 'shutting down' });
    try {
      await pingDatabase(db);
      res.json({ ok: true });
    } catch {
      res.status(503).json({ ok: false, reason: 'storage unavailable' });
    }
  });
  // Device ingest parses its own, larger bodies, so it comes before the small default parser.
  web.use('/api', sensorRoutes(sensors, sessions));
  const revoked = (userId: string) => io.in(userRoom(userId)).disconnectSockets(true);
  web.use('/api', express.json({ limit: '16kb' }), sessionRoutes(sessions, revoked), apiNotFound);
  if (config.webDist) web.use(staticWeb(config.webDist));
  web.use(notFound);
  web.use(errorHandler(logger));

  return {
    http,
    io,
    async listen() {
      await cluster.attach(io, presenceAnnouncer.announce);
      // Another node changed a pomodoro: arm its deadline here too, in case that node dies.
      io.on('pomodoro:changed', (space) => {
        pomodoro.get(space).catch((err: unknown) => logger.error({ err, space }, 'arming a pomodoro failed'));
      });
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.port, config.host, () => resolve());
      });
      await pomodoro.start();
      return http.address() as AddressInfo;
    },
    async close() {
      closing = true;
      pomodoro.stop();
      await Promise.all([sensors.stop(), clicker.stop()]);
      // Disconnects every socket and closes the HTTP server (Node 20 also cuts idle keep-alive connections).
      await io.close();
      await setups.settled();
      await Promise.all(features.map((f) => f.drain?.()));
      await presenceAnnouncer.stop();
      await cluster.close();
    },
  };
}
