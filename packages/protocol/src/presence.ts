import type { ChatPresence, PresenceEvent } from './schemas/chat.js';
import type { PublicUser } from './schemas/common.js';

/** Users in display order: by name, then id (the order every client shows). */
export function sortUsers(users: PublicUser[]): PublicUser[] {
  return users.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** A client's view of who is in a space, built from `chat:presence` events. */
export interface PresenceList {
  users: PublicUser[];
  /** Server time the list was last known true as a whole (the snapshot's `at`). */
  asOf: number;
  /** Server time of the latest change applied, per user id. */
  changedAt: Record<string, number>;
}

export const EMPTY_PRESENCE: PresenceList = { users: [], asOf: Number.NEGATIVE_INFINITY, changedAt: {} };

/**
 * Applies a snapshot or a batch of changes. A change older than what the list already reflects (the
 * snapshot, or a later change of the same user) is stale: in a cluster, batches from different nodes
 * can arrive out of order, and applying a stale one would drop a user who is there.
 */
export function applyPresence(list: PresenceList, event: ChatPresence): PresenceList {
  if ('users' in event) return { users: sortUsers([...event.users]), asOf: event.at, changedAt: {} };
  let byId: Map<string, PublicUser> | undefined;
  const changedAt = { ...list.changedAt };
  for (const change of event.changes) {
    if (!isCurrent(list, changedAt, change)) continue;
    changedAt[change.user.id] = change.at;
    byId ??= new Map(list.users.map((u) => [u.id, u]));
    if (change.kind === 'joined') byId.set(change.user.id, change.user);
    else byId.delete(change.user.id);
  }
  return byId ? { ...list, users: sortUsers([...byId.values()]), changedAt } : list;
}

function isCurrent(list: PresenceList, changedAt: Record<string, number>, change: PresenceEvent): boolean {
  return change.at >= list.asOf && change.at >= (changedAt[change.user.id] ?? Number.NEGATIVE_INFINITY);
}
