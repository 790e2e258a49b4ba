import {
  type InterServerEvents,
  type Member,
  type Permission,
  permits,
  type Role,
  ServerEvent,
  type SessionEnded,
  type SessionEndReason,
  type SpaceSettings,
} from '@huddle/protocol';
import { deviceRoom, localSockets, spaceRoom, userRoom } from '../io/rooms.js';
import type { HuddleServer } from '../io/types.js';
import type { UserStore } from '../session/user.store.js';
import type { SpaceStore } from './space.store.js';

const ROLE_ORDER: Record<Role, number> = { owner: 0, admin: 1, member: 2 };

/** Who a session ending is for: one member's tabs, one device's tabs, or a whole space. */
export type EndTarget = { userId: string } | { deviceId: string } | { space: string };

const END_MESSAGES: Record<SessionEndReason, string> = {
  removed: 'You were removed from this space',
  'signed-out': 'You signed out on this device',
  left: 'You left this space',
  'space-deleted': 'This space was deleted',
};

/** What a tab is told when its session ends, just before it is closed. */
export const sessionEnded = (reason: SessionEndReason): SessionEnded => ({ reason, message: END_MESSAGES[reason] });

/**
 * Who belongs to which space, with which role, under which settings — as every node sees it. The command
 * funnel asks it whether a socket may send a command; features tell it when members or settings change,
 * and it keeps every node's sockets and every tab of the space up to date.
 */
export function createMembership(deps: {
  io: HuddleServer;
  users: UserStore;
  spaces: SpaceStore;
  toOtherNodes<E extends keyof InterServerEvents>(event: E, ...args: Parameters<InterServerEvents[E]>): void;
}) {
  const { io, users, spaces, toOtherNodes } = deps;
  // Settings are read on every `settings`-guarded command: each node keeps them until told they changed.
  const settingsCache = new Map<string, Promise<SpaceSettings | null>>();

  function settingsOf(space: string): Promise<SpaceSettings | null> {
    let cached = settingsCache.get(space);
    if (!cached) {
      cached = spaces.settings(space);
      settingsCache.set(space, cached);
      cached.catch(() => settingsCache.delete(space));
    }
    return cached;
  }

  async function members(space: string): Promise<Member[]> {
    const records = await users.members(space);
    return records
      .map(({ id, name, role }) => ({ id, name, role }))
      .sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.name.localeCompare(b.name));
  }

  /** This node's sockets of a user take their current name and role (promoted, demoted, renamed). */
  async function refreshSockets(userId: string): Promise<void> {
    const sockets = localSockets(io, userRoom(userId));
    if (sockets.length === 0) return;
    const user = await users.findById(userId);
    if (!user || user.removedAt !== null) return;
    for (const socket of sockets) {
      socket.data.role = user.role;
      socket.data.user = { id: user.id, name: user.name };
    }
  }

  return {
    settingsOf,
    members,

    /**
     * Whether a member of `space` with `role` may do what needs `permission` (their role, and for shared
     * settings the space's lock). The command funnel and the HTTP session routes both ask it.
     */
    async permitted({ space, role }: { space: string; role: Role }, permission: Permission): Promise<boolean> {
      if (permission !== 'settings') return permits(role, permission, false);
      const settings = await settingsOf(space);
      return permits(role, permission, settings?.lockSharedSettings ?? false);
    },

    /**
     * Members changed (joined, renamed, promoted, removed): the sockets of `changed` take their new name
     * and role on every node, and every tab of the space gets the list once.
     */
    async membersChanged(space: string, ...changed: string[]): Promise<Member[]> {
      for (const userId of changed) {
        await refreshSockets(userId);
        toOtherNodes('space:changed', space, userId);
      }
      const list = await members(space);
      io.to(spaceRoom(space)).emit(ServerEvent.SpaceMembers, { members: list });
      return list;
    },

    async settingsChanged(space: string): Promise<SpaceSettings | null> {
      settingsCache.delete(space);
      toOtherNodes('space:changed', space, null);
      const settings = await settingsOf(space);
      if (settings) io.to(spaceRoom(space)).emit(ServerEvent.SpaceSettings, settings);
      return settings;
    },

    /** Another node changed a space: forget its settings here and refresh the member's sockets here. */
    async changedElsewhere(space: string, userId: string | null): Promise<void> {
      settingsCache.delete(space);
      if (userId !== null) await refreshSockets(userId);
    },

    /**
     * Tells every tab of the target, on every node, why its session is over, then closes them. The event
     * goes first through the same adapter, so it arrives before the close.
     */
    endSessions(target: EndTarget, reason: SessionEndReason): void {
      const room =
        'userId' in target
          ? userRoom(target.userId)
          : 'deviceId' in target
            ? deviceRoom(target.deviceId)
            : spaceRoom(target.space);
      io.to(room).emit(ServerEvent.SessionEnded, sessionEnded(reason));
      io.in(room).disconnectSockets(true);
    },

    /** Forgets a deleted space's settings on this node. */
    forget(space: string): void {
      settingsCache.delete(space);
    },
  };
}

export type Membership = ReturnType<typeof createMembership>;
