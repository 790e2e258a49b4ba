import { ServerEvent } from '@huddle/protocol';
import { startClockSync, stopClockSync } from '../lib/clock-sync';
import { recoverFromDisconnect, recoverFromRefusal } from '../lib/connection-recovery';
import type { FeatureEventName, WebFeature } from '../lib/feature';
import { connectSocket, disconnectSocket, setSocketToken, socket, socketToken } from '../lib/socket';
import { currentSpace, enterSpace, inOpenSpace, setWelcomedSpace } from '../lib/space-epoch';
import { useConnectionStore } from '../stores/connection-store';
import { useSessionStore } from '../stores/session-store';

/** The features the bridge serves, set once by `installSocketBridge`. */
let features: readonly WebFeature[] = [];

/**
 * Binds socket and browser events, once for the life of the page. The bridge keeps the connection;
 * each feature's events go to the handler it declared, only while welcomed into the open space.
 */
export function installSocketBridge(installed: readonly WebFeature[]): void {
  features = installed;

  socket.on('connect', () => {
    useConnectionStore.getState().setPhase('connected');
    for (const feature of features) feature.onConnect?.();
    startClockSync();
  });

  socket.on('disconnect', (reason) => {
    stopClockSync();
    setWelcomedSpace(null);
    recoverFromDisconnect(reason);
  });

  socket.on('connect_error', recoverFromRefusal);

  socket.io.on('reconnect_attempt', () => {
    const { phase, setPhase } = useConnectionStore.getState();
    if (phase !== 'connecting') setPhase('reconnecting');
    // The newest token this browser holds (another tab may have renewed it since): an older copy still
    // connects, but only the newest may sign devices out.
    const held = heldToken();
    if (held !== undefined) setSocketToken(held);
  });

  socket.on(ServerEvent.Welcome, (welcome) => {
    if (!setWelcomedSpace(welcome.space)) return;
    useSessionStore.getState().updateUser(welcome.space, welcome.user);
    // Sliding expiry: keep the renewed token, and present it on the next reconnect. An older copy of the
    // session gets itself back, not a renewal: keeping it would replace a newer one another tab saved.
    if (welcome.token !== socketToken()) {
      useSessionStore.getState().renewToken(welcome.space, welcome.token);
      setSocketToken(welcome.token);
    }
    // A first guess until the sync has measured round trips.
    const { clockRoundTripMs, setClock } = useConnectionStore.getState();
    if (clockRoundTripMs === null) setClock(welcome.serverTime - Date.now(), null);
    for (const feature of features) feature.onWelcome?.(welcome);
  });

  for (const feature of features) {
    for (const [name, handler] of Object.entries(feature.events) as [FeatureEventName, (data: never) => void][]) {
      // The typed `on` cannot follow a name that varies; the handler's type came from the same name.
      (socket.on as (name: string, listener: (data: never) => void) => void)(name, (data) => {
        if (inOpenSpace()) handler(data);
      });
    }
  }

  const { setBrowserOnline } = useConnectionStore.getState();
  window.addEventListener('online', () => setBrowserOnline(true));
  window.addEventListener('offline', () => setBrowserOnline(false));
}

/** Connects the socket to a space with its session token; nothing of the previous space survives. */
export function openSpaceConnection(space: string, token: string): void {
  leave(space);
  useConnectionStore.getState().setPhase('connecting');
  connectSocket(token);
}

export function closeSpaceConnection(): void {
  leave(null);
  stopClockSync();
  disconnectSocket();
  useConnectionStore.getState().setPhase('idle');
}

/** Every answer of the old space becomes stale, and every feature forgets what it held for it. */
function leave(next: string | null): void {
  enterSpace(next);
  for (const feature of features) feature.onLeave();
}

/** The session token this browser holds for the space open now. */
function heldToken(): string | undefined {
  const space = currentSpace();
  return space === null ? undefined : useSessionStore.getState().grants[space]?.token;
}
