import { PROTOCOL_VERSION, ServerEvent } from '@huddle/protocol';
import { Router } from 'express';
import type { Feature, FeatureContext } from '../../feature.js';
import { HTTP_RATES } from '../../http/rate-limit.js';
import { userRoom } from '../../io/rooms.js';
import { sessionRoutes } from './session.routes.js';

/**
 * Joining a space and signing out other devices over HTTP, and the welcome each socket gets first.
 * Identity itself (tokens, users, the handshake check) is the app's core: see `src/session/`.
 */
export function sessionFeature({ clock, io, sessions, limitPerAddress }: FeatureContext): Feature {
  const revoked = (userId: string) => io.in(userRoom(userId)).disconnectSockets(true);
  const limits = Router().post(
    ['/sessions', '/sessions/revoke'],
    limitPerAddress('http-sessions', HTTP_RATES.sessions, 'sign-ins'),
  );

  return {
    name: 'session',
    http: { routes: sessionRoutes(sessions, revoked), bodies: 'json', limits },
    onConnection(socket) {
      const { user, space } = socket.data;
      socket.emit(ServerEvent.Welcome, {
        user,
        space,
        protocolVersion: PROTOCOL_VERSION,
        serverTime: clock.now(),
        token: sessions.renew({ user, space }),
      });
    },
  };
}
