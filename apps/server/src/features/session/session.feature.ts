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
export function sessionFeature({ clock, io, sessions, membership, limitPerAddress, logger }: FeatureContext): Feature {
  const signIns = limitPerAddress('http-sessions', HTTP_RATES.sessions, 'sign-ins');
  const limits = Router()
    .post(['/sessions', '/sessions/link', '/sessions/revoke'], signIns)
    // Probing which spaces exist costs a sign-in's allowance too.
    .get('/spaces/:space/access', signIns);
  const routes = sessionRoutes(sessions, {
    joined: (grant) => {
      membership.membersChanged(grant.space).catch((err) => logger.warn({ err }, 'members not announced'));
    },
    // The sweep of every node (session/revocation-watch.ts) closes them too when this broadcast is lost.
    revoked: (userId) => io.in(userRoom(userId)).disconnectSockets(true),
  });

  return {
    name: 'session',
    http: { routes, bodies: 'json', limits },
    onConnection(socket) {
      const { user, space } = socket.data;
      socket.emit(ServerEvent.Welcome, {
        user,
        space,
        protocolVersion: PROTOCOL_VERSION,
        serverTime: clock.now(),
        token: sessions.renew(socket.data),
      });
    },
  };
}
