import { type HandshakeErrorData, handshakeAuthSchema, illFormedPath, PROTOCOL_VERSION } from '@huddle/protocol';
import type { Logger } from 'pino';
import { createTokenBuckets, type Rate } from '../lib/token-bucket.js';
import { deviceLabel } from '../session/secret-code.js';
import type { SessionService } from '../session/session.service.js';
import type { ClientAddress } from './client-ip.js';
import type { HuddleServer } from './types.js';

function refusal(data: HandshakeErrorData): Error {
  return Object.assign(new Error(data.message), { data });
}

/** Every socket must carry a genuine session token of the current protocol before it is connected. */
export function useSessionAuth(io: HuddleServer, sessions: SessionService, logger: Logger): void {
  io.use(async (socket, next) => {
    const auth = handshakeAuthSchema.safeParse(socket.handshake.auth);
    if (!auth.success || illFormedPath(socket.handshake.auth) !== null) {
      const version = (socket.handshake.auth as { protocolVersion?: unknown } | undefined)?.protocolVersion;
      if (version !== undefined && version !== PROTOCOL_VERSION) {
        return next(
          refusal({
            code: 'PROTOCOL_MISMATCH',
            message: `This server speaks protocol ${PROTOCOL_VERSION}; reload the page`,
          }),
        );
      }
      return next(refusal({ code: 'UNAUTHORIZED', message: 'A session token is required' }));
    }
    const started = performance.now();
    try {
      const session = await sessions.authenticate(auth.data.token, deviceLabel(socket.handshake.headers['user-agent']));
      const ms = Math.round(performance.now() - started);
      if (session === 'removed') {
        logger.debug({ ms }, 'handshake refused: removed from the space');
        return next(refusal({ code: 'REMOVED', message: 'You were removed from this space' }));
      }
      if (session === 'expired') {
        logger.debug({ ms }, 'handshake refused: session expired');
        return next(refusal({ code: 'UNAUTHORIZED', message: 'Your session has expired; join again' }));
      }
      if (!session) {
        logger.debug({ ms }, 'handshake refused: session not valid');
        return next(refusal({ code: 'UNAUTHORIZED', message: 'Your session is not valid; join again' }));
      }
      logger.debug({ user: session.user.id, space: session.space, ms }, 'handshake authenticated');
      socket.data.user = session.user;
      socket.data.space = session.space;
      socket.data.role = session.role;
      socket.data.deviceId = session.deviceId;
      socket.data.token = session.token;
      next();
    } catch (err) {
      logger.error({ err, ms: Math.round(performance.now() - started) }, 'handshake authentication failed');
      next(refusal({ code: 'UNAVAILABLE', message: 'The server could not check your session; retrying' }));
    }
  });
}

/**
 * Handshakes per client address on this node, before RATE_LIMIT_SCALE: an office behind one NAT whose
 * 60 tabs all reconnect after a deploy gets in at once, and keeps 10 a second after that. Each handshake
 * that passes costs a session check and a connection's set-up; a flood past this costs one bucket check.
 */
export const HANDSHAKE_RATE: Rate = { burst: 60, perSecond: 10 };

/**
 * Per client address on this node: at most `max` open connections, and handshakes at `handshakes`' rate,
 * counted in this process (never waiting on Redis). `precheck` runs before the session check (a flood
 * costs no storage read), `admit` after it counts the connection once it is accepted; the count drops
 * when the underlying connection closes, however it closes.
 */
export function createConnectionCap(options: {
  max: number;
  handshakes: Rate;
  clientAddress: ClientAddress;
  now: () => number;
}) {
  const { max, clientAddress } = options;
  type Middleware = Parameters<HuddleServer['use']>[0];
  const open = new Map<string, number>();
  const handshakes = createTokenBuckets({ ...options.handshakes, now: options.now });
  const tooMany = () =>
    refusal({ code: 'RATE_LIMITED', message: 'Too many connections from your network; close some tabs and retry' });
  const precheck: Middleware = (socket, next) => {
    const ip = clientAddress(socket.request);
    if (!handshakes.take(ip).ok) {
      return next(
        refusal({ code: 'RATE_LIMITED', message: 'Too many connection attempts from your network; retrying' }),
      );
    }
    return (open.get(ip) ?? 0) >= max ? next(tooMany()) : next();
  };
  const admit: Middleware = (socket, next) => {
    const ip = clientAddress(socket.request);
    const count = open.get(ip) ?? 0;
    if (count >= max) return next(tooMany());
    open.set(ip, count + 1);
    socket.conn.once('close', () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left <= 0) open.delete(ip);
      else open.set(ip, left);
    });
    next();
  };
  return { precheck, admit };
}
