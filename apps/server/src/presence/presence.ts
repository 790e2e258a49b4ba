import { type PresenceChange, type PublicUser, sortUsers } from '@huddle/protocol';

export interface PresenceResult {
  /** True when this was the user's first tab (add) or last tab (remove) in the space. */
  changed: boolean;
}

/** Tells a space that a user's first tab arrived or their last one left. */
export type AnnouncePresence = (space: string, kind: PresenceChange, user: PublicUser) => void;

/** Who is in each space, counted by connection so several tabs of one user are one presence. */
export interface Presence {
  add(space: string, user: PublicUser, connectionId: string): Promise<PresenceResult>;
  remove(space: string, userId: string, connectionId: string): Promise<PresenceResult>;
  /** Everyone present in the space, by name. */
  users(space: string): Promise<PublicUser[]>;
}

/** Presence held in this process: right for a single node (with Redis, see cluster/redis-presence.ts). */
export function createPresence(): Presence {
  const spaces = new Map<string, Map<string, { user: PublicUser; connections: Set<string> }>>();

  return {
    async users(space) {
      const members = spaces.get(space);
      return members ? sortUsers([...members.values()].map((m) => m.user)) : [];
    },
    async add(space, user, connectionId) {
      const members = spaces.get(space) ?? new Map();
      spaces.set(space, members);
      const member = members.get(user.id);
      if (member) {
        member.connections.add(connectionId);
        return { changed: false };
      }
      members.set(user.id, { user, connections: new Set([connectionId]) });
      return { changed: true };
    },
    async remove(space, userId, connectionId) {
      const members = spaces.get(space);
      const member = members?.get(userId);
      if (!members || !member?.connections.delete(connectionId) || member.connections.size > 0) {
        return { changed: false };
      }
      members.delete(userId);
      if (members.size === 0) spaces.delete(space);
      return { changed: true };
    },
  };
}
