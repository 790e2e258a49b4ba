import { ServerEvent } from '@huddle/protocol';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { enterSpace } from '../../lib/space-epoch';
import { useConnectionStore } from '../../stores/connection-store';
import { useMembersStore } from '../../stores/members-store';
import { useSessionStore } from '../../stores/session-store';

// The one socket, without a network: what matters here is whether the app closes or reconnects it.
const socket = vi.hoisted(() => ({ active: false, token: 'held' }));
vi.mock('../../lib/socket', () => ({
  socket,
  disconnectSocket: vi.fn(),
  connectSocket: vi.fn(),
  socketToken: () => socket.token,
  sendCommand: vi.fn(),
  isStaleAck: () => false,
}));
const { disconnectSocket } = await import('../../lib/socket');
const { spaceFeature } = await import('./space.feature');

const SPACE = 'team-a';
const held = { space: SPACE, token: 'held', user: { id: 'u1', name: 'Ana' } };

beforeEach(() => {
  vi.clearAllMocks();
  socket.token = 'held';
  useSessionStore.setState({ grants: { [SPACE]: held }, notices: {}, ended: {} });
  useConnectionStore.setState({ phase: 'connected', problem: null });
  enterSpace(SPACE);
});

describe('session:ended from the server', () => {
  it('removed: forgets the session, closes the connection first, and the page says "removed"', () => {
    spaceFeature.events[ServerEvent.SessionEnded]?.({ reason: 'removed', message: 'You were removed' });
    expect(useSessionStore.getState().grants[SPACE]).toBeUndefined();
    expect(useSessionStore.getState().ended[SPACE]).toMatchObject({ reason: 'removed', token: 'held' });
    expect(disconnectSocket).toHaveBeenCalledOnce();
    expect(useConnectionStore.getState().phase).toBe('idle');
  });

  it('signed out: back to the join form with a notice', () => {
    spaceFeature.events[ServerEvent.SessionEnded]?.({ reason: 'signed-out', message: 'Signed out' });
    expect(useSessionStore.getState().grants[SPACE]).toBeUndefined();
    expect(useSessionStore.getState().notices[SPACE]).toMatch(/signed out/);
    expect(disconnectSocket).toHaveBeenCalledOnce();
  });

  it('space deleted: the page says so', () => {
    spaceFeature.events[ServerEvent.SessionEnded]?.({ reason: 'space-deleted', message: 'Deleted' });
    expect(useSessionStore.getState().ended[SPACE]).toMatchObject({ reason: 'space-deleted' });
  });

  it('does nothing once no space is open', () => {
    enterSpace(null);
    spaceFeature.events[ServerEvent.SessionEnded]?.({ reason: 'removed', message: 'You were removed' });
    expect(useSessionStore.getState().grants[SPACE]).toEqual(held);
    expect(disconnectSocket).not.toHaveBeenCalled();
  });
});

describe('the space feature: members and settings', () => {
  const settings = {
    visibility: 'private',
    lockSharedSettings: false,
    readingRetentionDays: 90,
    messageRetentionDays: null,
  } as const;

  it('keeps who is in the space and its settings, and forgets both on leaving', () => {
    spaceFeature.events[ServerEvent.SpaceMembers]?.({
      members: [
        { id: 'u1', name: 'Ana', role: 'owner' },
        { id: 'u2', name: 'Bo', role: 'member' },
      ],
    });
    spaceFeature.events[ServerEvent.SpaceSettings]?.(settings);
    expect(useMembersStore.getState().members.u2).toEqual({ id: 'u2', name: 'Bo', role: 'member' });
    expect(useMembersStore.getState().settings).toEqual(settings);

    spaceFeature.onLeave();
    expect(useMembersStore.getState().members).toEqual({});
    expect(useMembersStore.getState().settings).toBeNull();
  });

  it('a rename of this user (in another tab) renames the session shown in the header', () => {
    spaceFeature.events[ServerEvent.SpaceMembers]?.({ members: [{ id: 'u1', name: 'Ana B', role: 'owner' }] });
    expect(useSessionStore.getState().grants[SPACE]?.user.name).toBe('Ana B');
  });
});
