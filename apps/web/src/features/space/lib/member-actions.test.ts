import type { Member } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { memberActions, sortMembers } from './member-actions';

const member = (id: string, role: Member['role']): Member => ({ id, name: id, role });

describe('memberActions', () => {
  it('lets the owner promote, demote, hand over and remove anyone else', () => {
    const owner = { id: 'o', role: 'owner' as const };
    expect(memberActions(owner, member('m', 'member'))).toEqual({
      changeRoleTo: 'admin',
      handOver: true,
      remove: true,
    });
    expect(memberActions(owner, member('a', 'admin'))).toEqual({
      changeRoleTo: 'member',
      handOver: true,
      remove: true,
    });
  });

  it('lets an admin remove members only, and change no role', () => {
    const admin = { id: 'a', role: 'admin' as const };
    expect(memberActions(admin, member('m', 'member'))).toEqual({ changeRoleTo: null, handOver: false, remove: true });
    expect(memberActions(admin, member('b', 'admin')).remove).toBe(false);
    expect(memberActions(admin, member('o', 'owner')).remove).toBe(false);
  });

  it('gives a member nothing, and nobody an action on themselves', () => {
    expect(memberActions({ id: 'm', role: 'member' }, member('n', 'member'))).toEqual({
      changeRoleTo: null,
      handOver: false,
      remove: false,
    });
    expect(memberActions({ id: 'o', role: 'owner' }, member('o', 'owner'))).toEqual({
      changeRoleTo: null,
      handOver: false,
      remove: false,
    });
  });
});

describe('sortMembers', () => {
  it('lists the owner, then admins, then members, each by name', () => {
    const list = [member('zoe', 'member'), member('bo', 'admin'), member('al', 'member'), member('yan', 'owner')];
    expect(sortMembers(list).map((m) => m.id)).toEqual(['yan', 'bo', 'al', 'zoe']);
  });
});
