import { ErrorCode, httpRoutes, type Permission } from '@huddle/protocol';
import type { RequestHandler, Response } from 'express';
import { AppError } from '../errors.js';
import { isSession, type Session, type SessionService } from '../session/session.service.js';
import type { Membership } from '../space/membership.js';
import { bearer } from './bearer.js';

/** The HTTP routes a session token opens: those the protocol's `httpRoutes` table says need one. */
export type SessionRoute = {
  [K in keyof typeof httpRoutes]: (typeof httpRoutes)[K]['auth'] extends 'session' ? K : never;
}[keyof typeof httpRoutes];

/** Builds the check each session route mounts first. */
export type RequireSession = (route: SessionRoute) => RequestHandler;

/**
 * The one HTTP authorization check, declared by the protocol beside each route: a bearer session token of
 * the route's `:space` (else 401), whose role permits the route's `permission` (else 403). The handler
 * finds the session with `sessionOf(res)`.
 */
export function createRequireSession(sessions: SessionService, membership: Membership): RequireSession {
  return (route) => {
    const { permission = 'member' } = httpRoutes[route] as { permission?: Permission };
    return async (req, res, next) => {
      const session = await sessions.authenticate(bearer(req));
      if (!isSession(session) || session.space !== req.params.space) {
        throw new AppError(
          ErrorCode.Unauthorized,
          "Send a session token of this space as 'Authorization: Bearer <token>'",
        );
      }
      if (!(await membership.permitted(session, permission))) {
        throw new AppError(ErrorCode.Forbidden, `Only ${permission === 'owner' ? 'the owner' : 'admins'} can do that`);
      }
      res.locals.session = session;
      next();
    };
  };
}

/** The session `requireSession` checked for this request (per-user limits of a route key on it). */
export function sessionOf(res: Response): Session {
  const session = res.locals.session as Session | undefined;
  if (!session) throw new Error('sessionOf: the route did not mount requireSession');
  return session;
}
