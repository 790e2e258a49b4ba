import type { PublicUser } from '@huddle/protocol';

/** The line under the log naming who is typing, or null when nobody is. */
export function typingText(users: readonly PublicUser[]): string | null {
  const [first, second] = users;
  if (first === undefined) return null;
  if (second === undefined) return `${first.name} is typing…`;
  if (users.length === 2) return `${first.name} and ${second.name} are typing…`;
  return 'Several people are typing…';
}
