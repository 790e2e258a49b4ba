import type { PomodoroSnapshot } from '@huddle/protocol';
import { useEffect, useReducer } from 'react';
import { useConnectionStore } from '../../../stores/connection-store';
import { remainingMs } from '../lib/timing';

const TICK_MS = 250;

/**
 * Time left in the current period, in ms, computed locally from the deadline and the measured
 * server-clock offset; re-renders ~4 times a second while a deadline runs. Null outside timed states.
 */
export function useRemainingTime(snapshot: PomodoroSnapshot | null): number | null {
  const clockOffsetMs = useConnectionStore((s) => s.clockOffsetMs);
  const [, tick] = useReducer((n: number) => n + 1, 0);
  const endsAt = snapshot?.endsAt ?? null;

  useEffect(() => {
    if (endsAt === null) return;
    const timer = setInterval(tick, TICK_MS);
    return () => clearInterval(timer);
  }, [endsAt]);

  // Read the clock while rendering so a new deadline never shows against a stale "now".
  return snapshot === null ? null : remainingMs(snapshot, Date.now() + clockOffsetMs);
}
