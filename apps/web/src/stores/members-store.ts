import { type Member, type Permission, permits, type Role, type SpaceSettings } from '@huddle/protocol';
import { create } from 'zustand';

interface MembersState {
  /** Everyone in the open space by user id, as the server last said (`space:members`). */
  members: Record<string, Member>;
  /** The open space's settings (`space:settings`); null until the server sent them. */
  settings: SpaceSettings | null;
  /** Who this tab is in the open space (from the welcome). */
  selfId: string | null;
  setSelf: (userId: string) => void;
  setMembers: (members: readonly Member[]) => void;
  setSettings: (settings: SpaceSettings) => void;
  reset: () => void;
}

/**
 * Who is in the open space and with which role: shared, because every feature names people by id
 * (a rename shows everywhere at once) and hides what the user's role may not do.
 */
export const useMembersStore = create<MembersState>()((set) => ({
  members: {},
  settings: null,
  selfId: null,
  setSelf: (selfId) => set({ selfId }),
  setMembers: (members) => set({ members: Object.fromEntries(members.map((m) => [m.id, m])) }),
  setSettings: (settings) => set({ settings }),
  reset: () => set({ members: {}, settings: null, selfId: null }),
}));

/** The current name of a user, else the name a message or event carried. */
export function useMemberName(userId: string, fallback: string): string {
  return useMembersStore((s) => s.members[userId]?.name ?? fallback);
}

/** The role of a user in the open space; `member` until the list arrived. */
export function useRoleOf(userId: string | undefined): Role {
  return useMembersStore((s) => (userId === undefined ? undefined : s.members[userId]?.role) ?? 'member');
}

/**
 * Whether this tab's person may do what needs `permission`, by the same rule the server applies (their
 * role, the space's settings lock). The UI hides or disables what it says no to; the server decides.
 */
export function usePermits(permission: Permission): boolean {
  return useMembersStore((s) => selfPermits(s, permission));
}

export function selfPermits(state: Pick<MembersState, 'members' | 'settings' | 'selfId'>, permission: Permission) {
  const role = (state.selfId === null ? undefined : state.members[state.selfId]?.role) ?? 'member';
  return permits(role, permission, state.settings?.lockSharedSettings ?? false);
}
