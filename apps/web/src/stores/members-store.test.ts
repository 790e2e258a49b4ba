import type { SpaceSettings } from '@huddle/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { selfPermits, useMembersStore } from './members-store';

const settings = (lockSharedSettings: boolean): SpaceSettings => ({
  visibility: 'private',
  lockSharedSettings,
  readingRetentionDays: 90,
  messageRetentionDays: null,
});

describe('what this tab may do, by the rule the server applies', () => {
  beforeEach(() => useMembersStore.getState().reset());

  it('follows the role of this tab’s person and the settings lock', () => {
    const store = useMembersStore.getState();
    store.setSelf('u-me');
    store.setMembers([
      { id: 'u-owner', name: 'Olga', role: 'owner' },
      { id: 'u-me', name: 'Bo', role: 'member' },
    ]);
    store.setSettings(settings(false));
    expect(selfPermits(useMembersStore.getState(), 'settings')).toBe(true);
    expect(selfPermits(useMembersStore.getState(), 'admin')).toBe(false);
    store.setSettings(settings(true));
    expect(selfPermits(useMembersStore.getState(), 'settings')).toBe(false);
    store.setMembers([{ id: 'u-me', name: 'Bo', role: 'admin' }]);
    expect(selfPermits(useMembersStore.getState(), 'settings')).toBe(true);
    expect(selfPermits(useMembersStore.getState(), 'owner')).toBe(false);
  });

  it('is a member until the list has arrived, and forgets everything on leaving', () => {
    useMembersStore.getState().setSelf('u-me');
    expect(selfPermits(useMembersStore.getState(), 'admin')).toBe(false);
    useMembersStore.getState().reset();
    expect(useMembersStore.getState()).toMatchObject({ selfId: null, settings: null, members: {} });
  });
});
