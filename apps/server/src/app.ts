import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServerEvent, spaceRoom } from '@huddle/protocol';
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { Server } from 'socket.io';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { type Db, pingDatabase } from './db/database.js';
import { clockFeature } from './features/clock/clock.handlers.js';
import { pomodoroFeature } from './features/pomodoro/pomodoro.handlers.js';
import { createPomodoroService } from './features/pomodoro/pomodoro.service.js';
import { createPomodoroStore } from './features/pomodoro/pomodoro.store.js';
import { sessionFeature } from './features/session/session.handlers.js';
import { sessionRoutes } from './features/session/session.routes.js';
import { createSessionService } from './features/session/session.service.js';
import { createTokenSigner } from './features/session/session-token.js';
import { createUserStore } from './features/session/user.store.js';
import { apiNotFound, errorHandler } from './http/http-errors.js';
import { staticWeb } from './http/static-web.js';
import { useSessionAuth } from './io/auth.js';
import { bindCommands } from './io/command-registry.js';
import { createOriginCheck } from './io/origin.js';
import type { CommandHandlers, Feature, HuddleServer } from './io/types.js';

export interface AppDeps {
  config: Config;
  db: Db;
  logger: Logger;
  clock: Clock;
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

export function createApp({ config, db, logger, clock }: AppDeps): App {
  let closing = false;
  const sessions = createSessionService({
    users: createUserStore(db),
    signer: createTokenSigner(config.sessionSecret),
    clock,
  });

  const originAllowed = createOriginCheck(config.allowedOrigins);
  const web = express();
  const http = createServer(web);
  const io: HuddleServer = new Server(http, {
    serveClient: false,
    maxHttpBufferSize: MAX_SOCKET_PAYLOAD_BYTES,
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
    onChange: (p) => io.to(spaceRoom(p.space)).emit(ServerEvent.PomodoroState, p),
  });
  const features: Feature[] = [sessionFeature(clock), clockFeature(clock), pomodoroFeature(pomodoro)];
  const commands: CommandHandlers = Object.assign({}, ...features.map((f) => f.commands));

  useSessionAuth(io, sessions, logger);
  io.on('connection', async (socket) => {
    bindCommands(socket, commands, logger);
    try {
      await socket.join(spaceRoom(socket.data.space));
      for (const feature of features) await feature.onConnection?.(socket);
    } catch (err) {
      logger.error({ err, space: socket.data.space }, 'connection setup failed');
      socket.disconnect();
    }
  });

  web.disable('x-powered-by');
  web.set('trust proxy', 'loopback');
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
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || !req.url?.startsWith('/api') },
    }),
  );
  web.get('/healthz', (_req, res) => {
    res.json({ ok: true });
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
  web.use('/api', express.json({ limit: '16kb' }), sessionRoutes(sessions), apiNotFound);
  if (config.webDist) web.use(staticWeb(config.webDist));
  web.use(errorHandler(logger));

  return {
    http,
    io,
    async listen() {
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
      // Disconnects every socket and closes the HTTP server (Node 20 also cuts idle keep-alive connections).
      await io.close();
    },
  };
}
