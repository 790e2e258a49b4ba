import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useConnectionStore } from '../stores/connection-store';
import { useSessionStore } from '../stores/session-store';
import { recoverFromRefusal } from './connection-recovery';
import { enterSpace } from './space-epoch';

// The one socket, without a network: what matters here is whether the app reconnects it.
const socket = vi.hoisted(() => ({ active: false, token: 'held' }));
vi.mock('./socket', () => ({
  socket,
  disconnectSocket: vi.fn(),
  connectSocket: vi.fn(),
  socketToken: () => socket.token,
  sendCommand: vi.fn(),
  isStaleAck: () => false,
}));
const { connectSocket } = await import('./socket');

const SPACE = 'team-a';
const held = { space: SPACE, token: 'held', user: { id: 'u1', name: 'Ana' } };

beforeEach(() => {
  vi.clearAllMocks();
  socket.token = 'held';
  useSessionStore.setState({ grants: { [SPACE]: held }, notices: {}, ended: {} });
  useConnectionStore.setState({ phase: 'connected', problem: null });
  enterSpace(SPACE);
});

const refusal = (code: string) => Object.assign(new Error(code), { data: { code, message: code } });

describe('a handshake refused as REMOVED', () => {
  it('ends the session as removed and does not retry', () => {
    recoverFromRefusal(refusal('REMOVED'));
    expect(useSessionStore.getState().grants[SPACE]).toBeUndefined();
    expect(useSessionStore.getState().ended[SPACE]).toMatchObject({ reason: 'removed', token: 'held' });
    expect(connectSocket).not.toHaveBeenCalled();
    expect(useConnectionStore.getState().phase).toBe('idle');
  });

  it('connects with the session another tab holds now, if it is not the one refused', () => {
    socket.token = 'older';
    recoverFromRefusal(refusal('REMOVED'));
    expect(connectSocket).toHaveBeenCalledWith('held');
    expect(useSessionStore.getState().grants[SPACE]).toEqual(held);
  });
});
