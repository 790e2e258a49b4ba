import { createTokenBucket, type Rate, scaleRate } from '../lib/token-bucket.js';

/**
 * Packets one socket may send, commands and unknown events alike, counted before anything else looks
 * at them (before the command limits, which may wait on Redis). Far above what the web app sends (the
 * sum of every command class's limit is 30 a second; clicks are batched 4 times a second, typing is
 * throttled, history pages on scroll): even a client at 10× every class's limit fits, and is refused
 * by those limits rather than cut off here.
 */
export const PACKET_BUDGET: Rate = { burst: 400, perSecond: 400 };

/**
 * Packets refused for the budget that a socket may send on top of it before it is disconnected: a
 * client below twice its budget is only refused; one beyond it is cut off once it used up 400 refusals
 * (after 1 s at three times the budget, 5 s at 2.2 times; at a flood's rate, within milliseconds: every
 * packet it sent costs the server a parse, so a flood is not let on for seconds).
 */
export const PACKET_REFUSALS: Rate = { burst: 400, perSecond: 400 };

export type PacketVerdict = { ok: true } | { ok: false; retryAfterMs: number; disconnect: boolean };

/**
 * One socket's packet budget, in memory and synchronous: each call takes one packet. RATE_LIMIT_SCALE
 * (`scale`) scales it like every other limit.
 */
export function createPacketBudget(scale: number, now: () => number): () => PacketVerdict {
  const packets = createTokenBucket({ ...scaleRate(PACKET_BUDGET, scale), now });
  const refusals = createTokenBucket({ ...scaleRate(PACKET_REFUSALS, scale), now });
  return () => {
    const taken = packets.take();
    if (taken.ok) return taken;
    return { ok: false, retryAfterMs: taken.retryAfterMs, disconnect: !refusals.take().ok };
  };
}
