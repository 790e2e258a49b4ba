import { type CommandClass, type CommandName, commands } from '@huddle/protocol';
import { type Rate, type RateLimiter, type RateLimiters, scaleRate } from '../lib/token-bucket.js';

/**
 * Per user (every tab and node of that user together): a burst, then a steady rate, well above what the
 * web app sends (clicks are batched 4 times a second, typing is throttled, history pages on scroll).
 * The chat send limit of the chat service (CHAT_SEND_*) applies on top of the `chat` class.
 */
export const COMMAND_RATES: Record<CommandClass, Rate> = {
  clock: { burst: 10, perSecond: 1 },
  read: { burst: 30, perSecond: 5 },
  chat: { burst: 10, perSecond: 4 },
  signal: { burst: 20, perSecond: 5 },
  pomodoro: { burst: 10, perSecond: 2 },
  sensor: { burst: 10, perSecond: 2 },
  clicker: { burst: 20, perSecond: 10 },
  // Membership and moderation: invites, roles, renames, sign-outs. People do these by hand.
  space: { burst: 10, perSecond: 1 },
};

/**
 * Classes each node limits in memory, even in a cluster. `clock:sync` costs less than a Redis round trip,
 * and a wait for Redis inside it would skew the offset the client measures with it.
 */
const PER_NODE: ReadonlySet<CommandClass> = new Set(['clock']);

/** One client address (an office behind one NAT holds many users) gets this many users' worth. */
export const PER_IP_FACTOR = 20;

export type CommandLimit = (
  name: CommandName,
  who: { userId: string; ip: string },
) => Promise<{ ok: true } | { ok: false; retryAfterMs: number; scope: 'user' | 'address'; commandClass: CommandClass }>;

/**
 * The per-user and per-address limit of every command class, from `limiters` (shared by the nodes of a
 * cluster) or, for the PER_NODE classes, from `perNode`. The user's bucket is taken first, so a refused
 * user does not spend their address's allowance. (The app's limiters fail open: see failOpen.)
 */
export function createCommandLimit(limiters: RateLimiters, perNode: RateLimiters, scale: number): CommandLimit {
  const byClass = new Map<CommandClass, { user: RateLimiter; ip: RateLimiter }>();
  for (const [commandClass, rate] of Object.entries(COMMAND_RATES) as [CommandClass, Rate][]) {
    const from = PER_NODE.has(commandClass) ? perNode : limiters;
    byClass.set(commandClass, {
      user: from(`cmd-${commandClass}-user`, scaleRate(rate, scale)),
      ip: from(`cmd-${commandClass}-ip`, scaleRate(rate, scale * PER_IP_FACTOR)),
    });
  }
  return async (name, { userId, ip }) => {
    const commandClass = commands[name].rateClass;
    const limit = byClass.get(commandClass);
    if (!limit) return { ok: true };
    const user = await limit.user.take(userId);
    if (!user.ok) return { ok: false, retryAfterMs: user.retryAfterMs, scope: 'user', commandClass };
    const address = await limit.ip.take(ip);
    if (!address.ok) return { ok: false, retryAfterMs: address.retryAfterMs, scope: 'address', commandClass };
    return { ok: true };
  };
}
