import { ServerEvent } from '@huddle/protocol';
import type { WebFeature } from '../../lib/feature';
import { endOpenSession } from '../../lib/session-end';
import { useMembersStore } from '../../stores/members-store';
import { receiveMembers } from './commands';
import { SpaceHeader } from './components/space-header';

/**
 * The space itself: who is in it with which role, its settings, and the header's menus to invite,
 * moderate, change settings and manage your own membership. No panel of its own.
 */
export const spaceFeature: WebFeature = {
  id: 'space',
  events: {
    [ServerEvent.SpaceMembers]: ({ members }) => receiveMembers(members),
    [ServerEvent.SpaceSettings]: (settings) => useMembersStore.getState().setSettings(settings),
    // Removed, signed out, left or deleted: the server closes the connection next.
    [ServerEvent.SessionEnded]: ({ reason }) => endOpenSession(reason),
  },
  onWelcome: ({ user }) => useMembersStore.getState().setSelf(user.id),
  onLeave: () => useMembersStore.getState().reset(),
  stores: [useMembersStore],
  Header: SpaceHeader,
};
