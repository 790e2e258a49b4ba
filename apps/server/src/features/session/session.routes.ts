import {
  createSessionBodySchema,
  ErrorCode,
  linkSessionBodySchema,
  type SessionGrant,
  spaceAccessQuerySchema,
  spacePathParamsSchema,
} from '@huddle/protocol';
import { type Request, Router } from 'express';
import { AppError, parseOrThrow } from '../../errors.js';
import { bearer } from '../../http/bearer.js';
import { deviceLabel } from '../../session/secret-code.js';
import type { SessionService } from '../../session/session.service.js';

export interface SessionRouteEvents {
  /** Someone new joined the space. */
  joined(grant: SessionGrant): void;
  /** Every other device of the user was signed out. */
  revoked(userId: string): void;
}

const labelOf = (req: Request) => deviceLabel(req.get('user-agent'));

export function sessionRoutes(sessions: SessionService, events: SessionRouteEvents): Router {
  const router = Router();
  router.post('/sessions', async (req, res) => {
    const body = parseOrThrow(createSessionBodySchema, req.body);
    const { grant, newMember } = await sessions.join({ ...body, deviceLabel: labelOf(req) });
    if (newMember) events.joined(grant);
    res.status(201).json(grant);
  });
  // "Link another device": a one-time code from a signed-in tab signs this browser in as the same user.
  router.post('/sessions/link', async (req, res) => {
    const body = parseOrThrow(linkSessionBodySchema, req.body);
    res.status(201).json(await sessions.link(body.space, body.code, labelOf(req)));
  });
  // "Sign out other devices": every other token of the user stops working and their connections close.
  router.post('/sessions/revoke', async (req, res) => {
    const grant = await sessions.revokeOthers(bearer(req));
    if (!grant)
      throw new AppError(ErrorCode.Unauthorized, "Send your session token as 'Authorization: Bearer <token>'");
    events.revoked(grant.user.id);
    res.status(200).json(grant);
  });
  router.get('/spaces/:space/access', async (req, res) => {
    const { space } = parseOrThrow(spacePathParamsSchema, req.params);
    const { invite } = parseOrThrow(spaceAccessQuerySchema, req.query);
    res.status(200).json({ space, access: await sessions.access(space, invite) });
  });
  return router;
}
