import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * The address a request comes from, for per-address limits. A proxy on this machine (nginx in front of
 * the nodes) is trusted to name the client: the last `X-Forwarded-For` entry is the address that proxy
 * saw. Anyone else's `X-Forwarded-For` is ignored, so a client cannot pick its own address.
 * Matches Express's `trust proxy: 'loopback'` (app.ts), which `req.ip` follows for HTTP routes.
 */
export function clientIp(req: IncomingMessage): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!LOOPBACK.has(peer)) return normalise(peer);
  const forwarded = req.headers['x-forwarded-for'];
  const last = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').at(-1)?.trim();
  return last && isIP(last) ? normalise(last) : normalise(peer);
}

const normalise = (ip: string) => (ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip);
