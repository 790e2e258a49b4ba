import type { SessionEndReason } from '@huddle/protocol';
import { useConnectionStore } from '../stores/connection-store';
import { useSessionStore } from '../stores/session-store';
import { disconnectSocket } from './socket';
import { currentSpace } from './space-epoch';

/**
 * The session of the open space is over (the server said so, or refused it as removed): forget it and
 * remember why, so the space's page says so. The connection is closed here, before the server closes
 * it, so the bridge never reconnects with a session that has ended.
 */
export function endOpenSession(reason: SessionEndReason): void {
  const space = currentSpace();
  if (space === null) return;
  useSessionStore.getState().endSession(space, reason);
  disconnectSocket();
  useConnectionStore.getState().setPhase('idle');
}
