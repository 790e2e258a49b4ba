import { createSessionBodySchema } from '@huddle/protocol';
import { Router } from 'express';
import { parseOrThrow } from '../../errors.js';
import type { SessionService } from './session.service.js';

export function sessionRoutes(sessions: SessionService): Router {
  const router = Router();
  router.post('/sessions', async (req, res) => {
    const body = parseOrThrow(createSessionBodySchema, req.body);
    res.status(201).json(await sessions.join(body.space, body.name, body.token));
  });
  return router;
}
