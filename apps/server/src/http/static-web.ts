import path from 'node:path';
import express, { type Router } from 'express';

/**
 * Serves the built SPA. Hashed assets are cached forever; every other GET that is not an API or
 * Socket.IO path gets index.html, so client routes like /s/team-a work on reload.
 */
export function staticWeb(webDist: string): Router {
  const router = express.Router();
  router.use(
    '/assets',
    express.static(path.join(webDist, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }),
  );
  router.use(express.static(webDist, { index: false, maxAge: '1h' }));
  router.get('/{*path}', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(path.join(webDist, 'index.html'));
  });
  return router;
}
