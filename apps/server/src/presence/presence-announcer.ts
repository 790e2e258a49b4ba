import { type PresenceEvent, ServerEvent } from '@huddle/protocol';
import type { Clock } from '../clock.js';
import { spaceRoom } from '../io/rooms.js';
import type { HuddleServer } from '../io/types.js';
import { createCoalescer } from '../lib/coalescer.js';
import type { AnnouncePresence } from './presence.js';

/** A space hears of arrivals and departures at most this often (the first one at once). */
export const PRESENCE_BATCH_MS = 250;

/**
 * Tells each space who joined or left. Only the changes travel (each client keeps its list), in
 * batches: a storm of N arrivals costs each client a few messages, not N lists of up to N users.
 */
export function createPresenceAnnouncer(io: HuddleServer, clock: Clock, batchMs = PRESENCE_BATCH_MS) {
  const batches = createCoalescer<PresenceEvent>({
    intervalMs: batchMs,
    flush(space, changes) {
      io.to(spaceRoom(space)).emit(ServerEvent.ChatPresence, { changes: [...changes] });
    },
  });
  const announce: AnnouncePresence = (space, kind, user) => batches.mark(space, { kind, user, at: clock.now() });
  return { announce, stop: () => batches.stop() };
}
