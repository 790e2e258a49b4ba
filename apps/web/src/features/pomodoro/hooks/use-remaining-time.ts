import type { PomodoroSnapshot } from '@huddle/protocol';
import { useServerNow } from '../../../hooks/use-server-now';
import { remainingMs } from '../lib/timing';

const TICK_MS = 250;

/**
 * Time left in the current period, in ms, computed locally from the deadline and the measured
 * server-clock offset; re-renders ~4 times a second while a deadline runs. Null outside timed states.
 */
export function useRemainingTime(snapshot: PomodoroSnapshot | null): number | null {
  const now = useServerNow((snapshot?.endsAt ?? null) === null ? null : TICK_MS);
  return snapshot === null ? null : remainingMs(snapshot, now);
}
