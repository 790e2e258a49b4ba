import { permits } from '@huddle/protocol';
import { currentSpace } from '../../../lib/space-epoch';
import { useRoleOf } from '../../../stores/members-store';
import { useSessionStore } from '../../../stores/session-store';

/**
 * Whether this tab's person may do what the server keeps for admins (the owner too): their role in the
 * open space, found by the session's user id. It only hides controls; the server decides.
 */
export function useIsAdmin(): boolean {
  const space = currentSpace();
  const myId = useSessionStore((s) => (space === null ? undefined : s.grants[space]?.user.id));
  return permits(useRoleOf(myId), 'admin', false);
}
