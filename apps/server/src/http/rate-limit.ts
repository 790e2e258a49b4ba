import { ErrorCode } from '@huddle/protocol';
import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';
import { clientIp } from '../io/client-ip.js';
import type { RateLimiter } from '../lib/token-bucket.js';

/**
 * Refuses requests beyond `limiter`'s rate for the client's address with 429 and Retry-After. A limiter
 * that fails (Redis away) lets the request through, as for commands.
 */
export function limitPerAddress(
  limiter: RateLimiter,
  what: string,
  onLimiterError: (err: unknown) => void,
): RequestHandler {
  return async (req, _res, next) => {
    let taken: Awaited<ReturnType<RateLimiter['take']>> = { ok: true };
    try {
      taken = await limiter.take(clientIp(req));
    } catch (err) {
      onLimiterError(err);
    }
    if (taken.ok) return next();
    const seconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
    next(
      new AppError(
        ErrorCode.RateLimited,
        `Too many ${what} from your network; try again in ${seconds} s`,
        undefined,
        taken.retryAfterMs,
      ),
    );
  };
}

/** Per client address, for the HTTP API (scaled by RATE_LIMIT_SCALE). */
export const HTTP_RATES = {
  /** Joining a space and signing out other devices: people, not scripts. */
  sessions: { burst: 20, perSecond: 0.5 },
  /** Device ingest, before the ingest token is even checked (the space's own limit applies after). */
  ingest: { burst: 50, perSecond: 20 },
} as const;
