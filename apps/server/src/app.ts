import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import { type Cluster, singleNode } from './cluster/cluster.js';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import type { Feature, FeatureContext, FeatureFactory } from './feature.js';
import { chatFeature } from './features/chat/chat.feature.js';
import { clickerFeature } from './features/clicker/clicker.feature.js';
import { clockFeature } from './features/clock/clock.feature.js';
import { lifecycleFeature } from './features/lifecycle/lifecycle.feature.js';
import { pomodoroFeature } from './features/pomodoro/pomodoro.feature.js';
import { sensorFeature } from './features/sensor/sensor.feature.js';
import { sessionFeature } from './features/session/session.feature.js';
import { spaceFeature } from './features/space/space.feature.js';
import { createAddressLimits } from './http/rate-limit.js';
import { createRequireSession } from './http/session-auth.js';
import { serveMetrics, serveWeb } from './http/web-app.js';
import { compileTrustProxy, createClientAddress } from './io/client-ip.js';
import { createCommandLimit } from './io/command-limits.js';
import { composeCommands } from './io/command-registry.js';
import { acceptConnections, createSocketServer, listenToOtherNodes, sendSnapshots } from './io/socket-server.js';
import type { CommandHandlers, HuddleServer } from './io/types.js';
import { failOpen, memoryRateLimiters, scaleRate } from './lib/token-bucket.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createPresenceAnnouncer } from './presence/presence-announcer.js';
import { watchRevocations } from './session/revocation-watch.js';
import { createSessionService, REVOKE_RATE } from './session/session.service.js';
import { createTokenSigner } from './session/session-token.js';
import { createUserStore } from './session/user.store.js';
import { createMembership } from './space/membership.js';
import { createSpaceStore } from './space/space.store.js';
import { composeSpaceData } from './space/space-data.js';

/** The app's features, in order: a socket's setup (the welcome first), HTTP mounting and start-up follow it. */
export const FEATURES: readonly FeatureFactory[] = [
  sessionFeature,
  spaceFeature,
  clockFeature,
  pomodoroFeature,
  chatFeature,
  sensorFeature,
  clickerFeature,
  lifecycleFeature,
];

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
  /** The server of METRICS_PORT, when metrics have a port of their own. */
  metricsHttp: HttpServer | null;
  io: HuddleServer;
  features: readonly Feature[];
  /** Every protocol command's handler, from the feature that declares it. */
  commands: CommandHandlers;
  /** Reads the recent revocations now and closes the sockets they concern (every node also does it periodically). */
  checkRevocations(): Promise<number>;
  /** Binds the port and starts the features (stored pomodoro deadlines are re-armed). */
  listen(): Promise<AddressInfo>;
  /** Stops accepting, disconnects every socket and stops timers. The database is the caller's. */
  close(): Promise<void>;
}

export function createApp(deps: AppDeps): App {
  const { config, db, logger, clock, metrics = createMetrics(), cluster = singleNode() } = deps;
  let closing = false;
  const rateLimiters = failOpen(cluster.rateLimiters ?? memoryRateLimiters(clock.now), (err) =>
    logger.warn({ err }, 'rate limiter unavailable; letting the request through'),
  );
  const trustProxy = compileTrustProxy(config.trustProxy);
  const clientAddress = createClientAddress(trustProxy);
  const users = createUserStore(db);
  // Read when a space is created: the features that seed it are built below.
  const spaces = createSpaceStore(db, () => features.flatMap((f) => (f.data?.seedSpace ? [f.data.seedSpace] : [])));
  const signer = createTokenSigner(config.sessionSecret);
  const sessions = createSessionService({
    users,
    spaces,
    signer,
    clock,
    ttlMs: config.sessionTtlMs,
    maxAgeMs: config.sessionMaxAgeMs,
    revokeLimiter: rateLimiters('session-revoke', scaleRate(REVOKE_RATE, config.rateLimitScale)),
  });
  const web = express();
  const http = createServer(web);
  const io = createSocketServer(http, config);
  const toOtherNodes: FeatureContext['toOtherNodes'] = (event, ...args) => {
    if (cluster.clustered) io.serverSideEmit(event, ...args);
  };
  const membership = createMembership({ io, users, spaces, toOtherNodes });
  const requireSession = createRequireSession(sessions, membership);
  const presenceAnnouncer = createPresenceAnnouncer(io, clock);
  // Read when used: the features it composes are built with the context that carries it.
  const spaceData = composeSpaceData(db, clock.now, () => features.map((f) => f.data));
  const features = FEATURES.map((feature) =>
    feature({
      config,
      db,
      clock,
      logger,
      io,
      rateLimiters,
      users,
      spaces,
      membership,
      requireSession,
      spaceData,
      sessions,
      presence: cluster.presence,
      announcePresence: presenceAnnouncer.announce,
      limitPerAddress: createAddressLimits(rateLimiters, config.rateLimitScale, clientAddress),
      toOtherNodes,
    }),
  );
  const commands = composeCommands(features);
  const commandLimit = createCommandLimit(rateLimiters, memoryRateLimiters(clock.now), config.rateLimitScale);
  const connections = acceptConnections(io, {
    config,
    features,
    commands,
    sessions,
    commandLimit,
    authorize: (socket, permission) => membership.permitted(socket.data, permission),
    clientAddress,
    now: clock.now,
    logger,
    metrics,
  });
  const revocations = watchRevocations({ io, users, clock, logger, everyMs: config.revocationCheckMs });
  // Broadcasts between nodes may have been lost while Redis was away: resend the state clients catch up from.
  cluster.onBroadcastsLost((socket) => sendSnapshots(features, socket));
  serveWeb(web, { config, db, logger, metrics, features, trustProxy, closing: () => closing });
  const metricsHttp = config.metricsPort === undefined ? null : createServer(serveMetrics(config, metrics));

  return {
    http,
    metricsHttp,
    io,
    features,
    commands,
    checkRevocations: () => revocations.look(),
    async listen() {
      await cluster.attach(io, presenceAnnouncer.announce);
      listenToOtherNodes(io, features);
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.port, config.host, () => resolve());
      });
      if (metricsHttp) {
        await new Promise<void>((resolve, reject) => {
          metricsHttp.once('error', reject);
          metricsHttp.listen(config.metricsPort, config.host, () => resolve());
        });
      }
      for (const feature of features) await feature.start?.();
      revocations.start();
      return http.address() as AddressInfo;
    },
    async close() {
      closing = true;
      await revocations.stop();
      await Promise.all(features.map((f) => f.stop?.()));
      // Disconnects every socket and closes the HTTP server (Node 19+ also cuts idle keep-alive connections).
      await io.close();
      if (metricsHttp?.listening) {
        metricsHttp.closeAllConnections();
        await new Promise<void>((resolve) => metricsHttp.close(() => resolve()));
      }
      await connections.settled();
      await Promise.all(features.map((f) => f.drain?.()));
      await presenceAnnouncer.stop();
      await cluster.close();
    },
  };
}
