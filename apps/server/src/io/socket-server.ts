import type { Server as HttpServer } from 'node:http';
import type { InterServerEvents } from '@huddle/protocol';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import type { Config } from '../config.js';
import type { Feature } from '../feature.js';
import { createInFlight } from '../lib/in-flight.js';
import { scaleRate } from '../lib/token-bucket.js';
import type { Metrics } from '../metrics.js';
import type { SessionService } from '../session/session.service.js';
import { createConnectionCap, HANDSHAKE_RATE, useSessionAuth } from './auth.js';
import { type BackpressureLimits, watchBackpressure } from './backpressure.js';
import type { ClientAddress } from './client-ip.js';
import type { CommandLimit } from './command-limits.js';
import { bindCommands, type CommandAuthorize } from './command-registry.js';
import { cutOff } from './cut-off.js';
import { createOriginCheck } from './origin.js';
import { createPacketBudget } from './packet-budget.js';
import { BACKLOGGED_ROOM, deviceRoom, spaceRoom, userRoom } from './rooms.js';
import type { CommandHandlers, HuddleServer, HuddleSocket } from './types.js';

/** Socket.IO payloads above this are refused (the connection is closed): commands are small. */
const MAX_SOCKET_PAYLOAD_BYTES = 64 * 1024;

/**
 * Bytes waiting for one client. Past `backlogBytes` it misses coalescable broadcasts until it caught
 * up (a healthy client holds next to nothing here: the kernel's socket buffers take megabytes first);
 * past `maxBytes` it is cut off, so a client that never reads costs this node a bounded amount.
 */
export const SOCKET_BACKPRESSURE: BackpressureLimits = { backlogBytes: 256 * 1024, maxBytes: 4 * 1024 * 1024 };

/** The Socket.IO server on `http`: heartbeats from the config, and the handshake's Origin checked. */
export function createSocketServer(http: HttpServer, config: Config): HuddleServer {
  const originAllowed = createOriginCheck(config.allowedOrigins);
  return new Server(http, {
    serveClient: false,
    maxHttpBufferSize: MAX_SOCKET_PAYLOAD_BYTES,
    pingInterval: config.heartbeat.intervalMs,
    pingTimeout: config.heartbeat.timeoutMs,
    allowRequest: (req, callback) => {
      const allowed = originAllowed(req);
      callback(allowed ? null : 'Origin not allowed', allowed);
    },
  });
}

export interface ConnectionDeps {
  config: Pick<Config, 'maxConnectionsPerIp' | 'rateLimitScale'>;
  /** The address key of a handshake's client, for the connection cap, handshake rate and command limits. */
  clientAddress: ClientAddress;
  now: () => number;
  features: readonly Feature[];
  commands: CommandHandlers;
  sessions: SessionService;
  commandLimit: CommandLimit;
  /** Whether a socket's member may send a command needing `permission`. */
  authorize: CommandAuthorize;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Admits sockets (connection cap, session check) and sets each one up: its commands bound, its space
 * and user rooms joined, then every feature in order runs its connection step and sends its snapshot.
 * Commands that arrive meanwhile wait for the set-up (see `bindCommands`). Every socket has a packet
 * budget and its buffered bytes watched (`SOCKET_BACKPRESSURE`). `settled` waits for setups still
 * running, so a shutdown finishes them before the storage closes.
 */
export function acceptConnections(io: HuddleServer, deps: ConnectionDeps): { settled(): Promise<void> } {
  const { features, commands, logger, metrics } = deps;
  const { clientAddress } = deps;
  const connectionCap = createConnectionCap({
    max: deps.config.maxConnectionsPerIp,
    handshakes: scaleRate(HANDSHAKE_RATE, deps.config.rateLimitScale),
    clientAddress,
    now: deps.now,
  });
  io.use(connectionCap.precheck);
  useSessionAuth(io, deps.sessions, logger);
  io.use(connectionCap.admit);
  const setups = createInFlight();
  const buffered = new Map<string, () => number>();
  metrics.measureSockets(() => {
    let bufferedBytes = 0;
    for (const held of buffered.values()) bufferedBytes += held();
    return { bufferedBytes, backlogged: io.of('/').adapter.rooms.get(BACKLOGGED_ROOM)?.size ?? 0 };
  });
  io.on('connection', (socket) => {
    metrics.connectedSockets.inc();
    socket.on('disconnect', (reason) => {
      metrics.connectedSockets.dec();
      buffered.delete(socket.id);
      logger.debug({ socket: socket.id, user: socket.data.user.id, reason }, 'disconnected');
    });
    socket.onAnyOutgoing(metrics.countEmitted);
    const held = watchBackpressure(socket, SOCKET_BACKPRESSURE, (bytes) => {
      metrics.socketsCutOff.inc({ reason: 'backlog' });
      logger.warn({ socket: socket.id, user: socket.data.user.id, bytes }, 'disconnected: the client does not read');
      cutOff(socket);
    });
    buffered.set(socket.id, held);
    const ready = setUp(socket);
    setups.run(() => ready);
    bindCommands(socket, commands, {
      logger,
      metrics,
      limit: deps.commandLimit,
      authorize: deps.authorize,
      clientAddress,
      budget: createPacketBudget(deps.config.rateLimitScale, () => performance.now()),
      ready,
    });
  });

  /** Joins the socket's rooms and runs every feature's connection step and snapshot; false when that failed. */
  async function setUp(socket: HuddleSocket): Promise<boolean> {
    let step = 'rooms';
    try {
      await socket.join([
        spaceRoom(socket.data.space),
        userRoom(socket.data.user.id),
        deviceRoom(socket.data.deviceId),
      ]);
      // A revocation that broadcast before the rooms were joined, after the handshake read storage, missed
      // this socket: read again now that any later broadcast reaches it.
      step = 'revocation check';
      if (!(await deps.sessions.stillValid(socket.data))) {
        logger.debug({ socket: socket.id, user: socket.data.user.id }, 'session revoked during the handshake');
        socket.disconnect(true);
        return false;
      }
      for (const feature of features) {
        step = feature.name;
        await feature.onConnection?.(socket);
        await feature.snapshot?.(socket);
      }
      logger.debug(
        { socket: socket.id, user: socket.data.user.id, transport: socket.conn.transport.name },
        'connection set up',
      );
      return true;
    } catch (err) {
      logger.error({ err, space: socket.data.space, step }, 'connection setup failed');
      socket.disconnect();
      return false;
    }
  }

  return { settled: () => setups.settled() };
}

/** Sends every feature's snapshot to one socket, in the features' order. */
export async function sendSnapshots(features: readonly Feature[], socket: HuddleSocket): Promise<void> {
  for (const feature of features) await feature.snapshot?.(socket);
}

/** Listens to the server-side events of other nodes each feature declared. */
export function listenToOtherNodes(io: HuddleServer, features: readonly Feature[]): void {
  for (const feature of features) {
    for (const [event, listener] of Object.entries(feature.clusterEvents ?? {})) {
      io.on(event as keyof InterServerEvents, listener as InterServerEvents[keyof InterServerEvents]);
    }
  }
}
