import { useConnectionStore } from '../stores/connection-store';
import { useSessionStore } from '../stores/session-store';
import { revokeOtherSessions } from './session-api';
import { connectSocket, disconnectSocket } from './socket';
import { currentSpace } from './space-epoch';

/**
 * Signs out every other device of this user. The server ends this tab's connection too, so it is
 * paused first and resumed with the new token: no reconnect ever presents the revoked one.
 */
export async function signOutOtherDevices(): Promise<{ ok: boolean; message: string }> {
  const space = currentSpace();
  const grant = space === null ? undefined : useSessionStore.getState().grants[space];
  if (space === null || !grant) return { ok: false, message: 'Join the space first.' };
  disconnectSocket();
  const result = await revokeOtherSessions(grant.token);
  if (currentSpace() !== space) return { ok: false, message: 'You left the space.' };
  if (result.ok) useSessionStore.getState().saveGrant(result.data);
  useConnectionStore.getState().setPhase('connecting');
  connectSocket(result.ok ? result.data.token : grant.token);
  return result.ok
    ? { ok: true, message: 'Signed out of every other device.' }
    : { ok: false, message: result.error.message };
}
