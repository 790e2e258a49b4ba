import type { PublicUser } from '@huddle/protocol';
import { useEffect, useReducer } from 'react';
import { useConnectionStore } from '../../../stores/connection-store';
import { nextTypingExpiry, type TypingEntry, typingUsersAt } from '../stores/chat-store';

/** Who is typing now; re-renders when the next signal expires, so the indicator goes away on time. */
export function useTypingUsers(typing: readonly TypingEntry[]): PublicUser[] {
  const clockOffsetMs = useConnectionStore((s) => s.clockOffsetMs);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const serverNow = Date.now() + clockOffsetMs;
  const nextExpiry = nextTypingExpiry(typing, serverNow);

  // Re-armed after every render, so a timer that fires a little early simply sets the next one.
  useEffect(() => {
    if (nextExpiry === null) return;
    const timer = setTimeout(rerender, Math.max(0, nextExpiry - (Date.now() + clockOffsetMs)) + 1);
    return () => clearTimeout(timer);
  });

  return typingUsersAt(typing, serverNow);
}
