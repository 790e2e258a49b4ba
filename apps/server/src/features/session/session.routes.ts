import { createSessionBodySchema, ErrorCode } from '@huddle/protocol';
import { Router } from 'express';
import { AppError, parseOrThrow } from '../../errors.js';
import { bearer } from '../../http/bearer.js';
import type { SessionService } from '../../session/session.service.js';

export function sessionRoutes(sessions: SessionService, onRevoked: (userId: string) => void): Router {
  const router = Router();
  router.post('/sessions', async (req, res) => {
    const body = parseOrThrow(createSessionBodySchema, req.body);
    res.status(201).json(await sessions.join(body.space, body.name, body.token));
  });
  // "Sign out other devices": every other token of the user stops working and their connections close.
  router.post('/sessions/revoke', async (req, res) => {
    const grant = await sessions.revokeOthers(bearer(req));
    if (!grant)
      throw new AppError(ErrorCode.Unauthorized, "Send your session token as 'Authorization: Bearer <token>'");
    onRevoked(grant.user.id);
    res.status(200).json(grant);
  });
  return router;
}
