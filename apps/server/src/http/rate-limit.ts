import type { RequestHandler } from 'express';
import { rateLimited } from '../errors.js';
import type { ClientAddress } from '../io/client-ip.js';
import { type Rate, type RateLimiters, scaleRate } from '../lib/token-bucket.js';

/**
 * Makes per-address limits for HTTP routes: `rule` names the limit (its bucket), `rate` is scaled by
 * RATE_LIMIT_SCALE, `what` names what is refused ("Too many sign-ins from your network"). A refused
 * request gets 429 and Retry-After. (The app's limiters fail open: see failOpen.)
 */
export function createAddressLimits(limiters: RateLimiters, scale: number, clientAddress: ClientAddress) {
  return (rule: string, rate: Rate, what: string): RequestHandler => {
    const limiter = limiters(rule, scaleRate(rate, scale));
    return async (req, _res, next) => {
      const taken = await limiter.take(clientAddress(req));
      next(taken.ok ? undefined : rateLimited(`Too many ${what} from your network`, taken.retryAfterMs));
    };
  };
}

export type AddressLimits = ReturnType<typeof createAddressLimits>;

/** Per client address, for the HTTP API (scaled by RATE_LIMIT_SCALE). */
export const HTTP_RATES = {
  /** Joining a space and signing out other devices: people, not scripts. */
  sessions: { burst: 20, perSecond: 0.5 },
  /** Device ingest, before the ingest token is even checked (the space's own limit applies after). */
  ingest: { burst: 50, perSecond: 20 },
  /** Whole-space exports: each reads everything the space holds. A few, then one a minute. */
  exports: { burst: 5, perSecond: 1 / 60 },
} as const;
