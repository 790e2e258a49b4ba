import { useEffect, useReducer } from 'react';
import { useConnectionStore } from '../stores/connection-store';

/**
 * The server's time, read while rendering so a new value is never shown against a stale "now".
 * Re-renders the caller every `intervalMs` (none when null) and whenever the clock offset is re-measured.
 */
export function useServerNow(intervalMs: number | null): number {
  const clockOffsetMs = useConnectionStore((s) => s.clockOffsetMs);
  const [, tick] = useReducer((n: number) => n + 1, 0);

  useEffect(() => {
    if (intervalMs === null) return;
    const timer = setInterval(tick, intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);

  return Date.now() + clockOffsetMs;
}
