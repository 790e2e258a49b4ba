import type { PublicUser } from '@huddle/protocol';
import { useEffect, useReducer } from 'react';
import { useServerNow } from '../../../hooks/use-server-now';
import { serverNow } from '../../../lib/server-time';
import { nextTypingExpiry, type TypingEntry, typingUsersAt } from '../stores/chat-store';

/** Who is typing now; re-renders when the next signal expires, so the indicator goes away on time. */
export function useTypingUsers(typing: readonly TypingEntry[]): PublicUser[] {
  const now = useServerNow(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const nextExpiry = nextTypingExpiry(typing, now);

  // Re-armed after every render, so a timer that fires a little early simply sets the next one.
  useEffect(() => {
    if (nextExpiry === null) return;
    const timer = setTimeout(rerender, Math.max(0, nextExpiry - serverNow()) + 1);
    return () => clearTimeout(timer);
  });

  return typingUsersAt(typing, now);
}
