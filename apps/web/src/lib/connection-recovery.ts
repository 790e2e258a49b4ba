import type { HandshakeErrorData } from '@huddle/protocol';
import { useConnectionStore } from '../stores/connection-store';
import { useSessionStore } from '../stores/session-store';
import { endOpenSession } from './session-end';
import { connectSocket, socket, socketToken } from './socket';
import { currentSpace } from './space-epoch';

const UNAVAILABLE_RETRY_MS = 2000;
const RATE_LIMITED_RETRY_MS = 5000;
/** The server ending a connection is followed by one reconnect at most this often (never a loop). */
const SERVER_DISCONNECT_RETRY_GAP_MS = 10_000;
let lastServerDisconnectRetry = 0;

function heldGrant() {
  const space = currentSpace();
  return space === null ? undefined : useSessionStore.getState().grants[space];
}

/** After the connection dropped, for any reason: say so, and come back where that makes sense. */
export function recoverFromDisconnect(reason: string): void {
  if (reason === 'io client disconnect') return;
  if (reason !== 'io server disconnect') {
    useConnectionStore.getState().setPhase('reconnecting');
    return;
  }
  // Signing out other devices ends every connection of the user, this one too: reconnect with the
  // session this browser holds now (renewed by that sign-out); a session that has ended is refused
  // and the join form explains.
  const grant = heldGrant();
  if (grant && Date.now() - lastServerDisconnectRetry > SERVER_DISCONNECT_RETRY_GAP_MS) {
    lastServerDisconnectRetry = Date.now();
    useConnectionStore.getState().setPhase('reconnecting');
    connectSocket(grant.token);
  } else {
    useConnectionStore.getState().setPhase('closed', 'The server ended this connection. Reload the page to rejoin.');
  }
}

/** After a handshake was refused: retry, reconnect with another session, or stop and say why. */
export function recoverFromRefusal(error: Error): void {
  const { phase, setPhase } = useConnectionStore.getState();
  // An active socket retries by itself: the network or the server is briefly away.
  if (socket.active) {
    if (phase === 'connected') setPhase('reconnecting');
    return;
  }
  const data = (error as Error & { data?: Partial<HandshakeErrorData> }).data;
  const space = currentSpace();
  const held = heldGrant();
  const refusedSession = data?.code === 'UNAUTHORIZED' || data?.code === 'REMOVED';
  if (refusedSession && held && held.token !== socketToken()) {
    // Another tab renewed or replaced the session meanwhile: connect with the one held now.
    connectSocket(held.token);
  } else if (data?.code === 'REMOVED') {
    // Removed from the space (while this tab was away, or on another node): the space's page says so.
    endOpenSession('removed');
  } else if (data?.code === 'UNAUTHORIZED' && space !== null) {
    useSessionStore.getState().forgetGrant(space, 'Your session for this space has ended. Join again to continue.');
    setPhase('idle');
  } else if (data?.code === 'UNAVAILABLE') {
    // The server could not check the session (storage briefly away): the session is fine, try again.
    setPhase('reconnecting');
    retryLater(UNAVAILABLE_RETRY_MS);
  } else if (data?.code === 'RATE_LIMITED') {
    setPhase('reconnecting', data.message ?? 'Too many connections; retrying shortly.');
    retryLater(RATE_LIMITED_RETRY_MS);
  } else if (data?.code === 'PROTOCOL_MISMATCH') {
    setPhase('closed', 'Huddle has been updated. Reload the page to continue.');
  } else {
    setPhase('closed', data?.message ?? 'The server refused the connection.');
  }
}

function retryLater(delayMs: number): void {
  setTimeout(() => {
    if (currentSpace() !== null && !socket.active) socket.connect();
  }, delayMs);
}
