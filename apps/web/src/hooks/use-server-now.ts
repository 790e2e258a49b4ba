import { useEffect, useReducer } from 'react';
import { useConnectionStore } from '../../../stores/connection-store';

/** The server's time, re-rendering the caller every `intervalMs` (and when the clock offset is re-measured). */
export function useServerNow(intervalMs: number): number {
  const clockOffsetMs = useConnectionStore((s) => s.clockOffsetMs);
  const [, tick] = useReducer((n: number) => n + 1, 0);

  useEffect(() => {
    const timer = setInterval(tick, intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);

  return Date.now() + clockOffsetMs;
}
