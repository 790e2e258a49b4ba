import type { IncomingMessage } from 'node:http';

/**
 * Cross-site WebSocket hijacking guard for the Socket.IO handshake (HTTP polling and WebSocket alike).
 * Browsers always send `Origin` on WebSocket and cross-origin requests, so a present Origin must be the
 * server's own origin or one listed in ALLOWED_ORIGINS. No Origin means a same-origin polling GET or a
 * non-browser client, neither of which can ride on a victim's browser.
 */
export function createOriginCheck(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins);
  return (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (allowed.has(origin)) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  };
}
