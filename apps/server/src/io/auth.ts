import { type HandshakeErrorData, handshakeAuthSchema, PROTOCOL_VERSION } from '@huddle/protocol';
import type { Logger } from 'pino';
import type { SessionService } from '../features/session/session.service.js';
import type { HuddleServer } from './types.js';

function refusal(data: HandshakeErrorData): Error {
  return Object.assign(new Error(data.message), { data });
}

/** Every socket must carry a genuine session token of the current protocol before it is connected. */
export function useSessionAuth(io: HuddleServer, sessions: SessionService, logger: Logger): void {
  io.use(async (socket, next) => {
    const auth = handshakeAuthSchema.safeParse(socket.handshake.auth);
    if (!auth.success) {
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
    try {
      const session = await sessions.authenticate(auth.data.token);
      if (!session) return next(refusal({ code: 'UNAUTHORIZED', message: 'Your session is not valid; join again' }));
      socket.data.user = session.user;
      socket.data.space = session.space;
      next();
    } catch (err) {
      logger.error({ err }, 'handshake authentication failed');
      next(refusal({ code: 'UNAVAILABLE', message: 'The server could not check your session; retrying' }));
    }
  });
}
