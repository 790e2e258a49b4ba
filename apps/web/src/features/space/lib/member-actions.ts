import { type Member, outranks, type Role } from '@huddle/protocol';

/** What the person looking may do to one member of the list (the server checks the same rules). */
export interface MemberActions {
  /** The role a promote or demote button sets, if the viewer may change it. */
  changeRoleTo: Extract<Role, 'admin' | 'member'> | null;
  /** Hand the space over (the owner only): the owner becomes an admin. */
  handOver: boolean;
  /** An admin removes members, the owner anyone else; nobody removes themselves (they leave). */
  remove: boolean;
}

const NONE: MemberActions = { changeRoleTo: null, handOver: false, remove: false };

export function memberActions(viewer: { id: string; role: Role }, target: Member): MemberActions {
  if (viewer.id === target.id) return NONE;
  const owner = viewer.role === 'owner';
  return {
    changeRoleTo: !owner ? null : target.role === 'member' ? 'admin' : target.role === 'admin' ? 'member' : null,
    handOver: owner,
    remove: outranks(viewer.role, target.role),
  };
}

export const ROLE_LABELS: Readonly<Record<Role, string>> = { owner: 'Owner', admin: 'Admin', member: 'Member' };

const RANK: Readonly<Record<Role, number>> = { owner: 0, admin: 1, member: 2 };

/** Owner first, then admins, then members, each by name. */
export function sortMembers(members: readonly Member[]): Member[] {
  return [...members].sort((a, b) => RANK[a.role] - RANK[b.role] || a.name.localeCompare(b.name));
}
