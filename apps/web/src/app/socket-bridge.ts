import { Command, type HandshakeErrorData, ServerEvent } from '@huddle/protocol';
import { usePomodoroStore } from '../features/pomodoro/stores/pomodoro-store';
import { useSessionStore } from '../features/session/stores/session-store';
import { type ClockSample, estimateClockOffset } from '../lib/clock';
import { connectSocket, disconnectSocket, sendCommand, socket } from '../lib/socket';
import { useConnectionStore } from '../stores/connection-store';

const CLOCK_SAMPLES = 5;
const CLOCK_SAMPLE_TIMEOUT_MS = 3000;
const CLOCK_RESYNC_MS = 5 * 60_000;
const UNAVAILABLE_RETRY_MS = 2000;

/** The space whose session the socket carries; events for any other space are stale and dropped. */
let openSpace: string | null = null;
let resyncTimer: ReturnType<typeof setInterval> | undefined;

/** Binds socket and browser events to the stores, once for the life of the page. */
export function installSocketBridge(): void {
  const connection = useConnectionStore.getState();

  socket.on('connect', () => {
    useConnectionStore.getState().setPhase('connected');
    // The server sends its state after every connect; after a restart its versions may start over.
    usePomodoroStore.getState().expectFreshSnapshot();
    void syncClock();
    clearInterval(resyncTimer);
    resyncTimer = setInterval(() => void syncClock(), CLOCK_RESYNC_MS);
  });

  socket.on('disconnect', (reason) => {
    clearInterval(resyncTimer);
    if (reason === 'io client disconnect') return;
    if (reason === 'io server disconnect') {
      useConnectionStore.getState().setPhase('closed', 'The server ended this connection. Reload the page to rejoin.');
    } else {
      useConnectionStore.getState().setPhase('reconnecting');
    }
  });

  socket.on('connect_error', (error) => {
    // An active socket retries by itself: the network or the server is briefly away.
    if (socket.active) {
      const { phase, setPhase } = useConnectionStore.getState();
      if (phase === 'connected') setPhase('reconnecting');
      return;
    }
    const data = (error as Error & { data?: Partial<HandshakeErrorData> }).data;
    if (data?.code === 'UNAUTHORIZED' && openSpace !== null) {
      useSessionStore
        .getState()
        .forgetGrant(openSpace, 'Your session for this space has ended. Join again to continue.');
      useConnectionStore.getState().setPhase('idle');
    } else if (data?.code === 'UNAVAILABLE') {
      // The server could not check the session (storage briefly away): the session is fine, try again.
      useConnectionStore.getState().setPhase('reconnecting');
      setTimeout(() => {
        if (openSpace !== null && !socket.active) socket.connect();
      }, UNAVAILABLE_RETRY_MS);
    } else if (data?.code === 'PROTOCOL_MISMATCH') {
      useConnectionStore.getState().setPhase('closed', 'Huddle has been updated. Reload the page to continue.');
    } else {
      useConnectionStore.getState().setPhase('closed', data?.message ?? 'The server refused the connection.');
    }
  });

  socket.io.on('reconnect_attempt', () => {
    const { phase, setPhase } = useConnectionStore.getState();
    if (phase !== 'connecting') setPhase('reconnecting');
  });

  socket.on(ServerEvent.Welcome, (welcome) => {
    if (welcome.space !== openSpace) return;
    useSessionStore.getState().updateUser(welcome.space, welcome.user);
    // A first guess until the sync has measured round trips.
    const { clockRoundTripMs, setClock } = useConnectionStore.getState();
    if (clockRoundTripMs === null) setClock(welcome.serverTime - Date.now(), null);
  });

  socket.on(ServerEvent.PomodoroState, (snapshot) => {
    if (snapshot.space === openSpace) usePomodoroStore.getState().receive(snapshot);
  });

  window.addEventListener('online', () => connection.setBrowserOnline(true));
  window.addEventListener('offline', () => connection.setBrowserOnline(false));
}

/** Connects the socket to a space with its session token. */
export function openSpaceConnection(space: string, token: string): void {
  openSpace = space;
  usePomodoroStore.getState().clear();
  useConnectionStore.getState().setPhase('connecting');
  connectSocket(token);
}

export function closeSpaceConnection(): void {
  openSpace = null;
  clearInterval(resyncTimer);
  disconnectSocket();
  usePomodoroStore.getState().clear();
  useConnectionStore.getState().setPhase('idle');
}

/** Keeps the clock offset of the sample with the lowest round trip: the one least skewed by queueing. */
async function syncClock(): Promise<void> {
  const samples: ClockSample[] = [];
  for (let i = 0; i < CLOCK_SAMPLES && socket.connected; i += 1) {
    const sentAt = Date.now();
    const ack = await sendCommand(Command.ClockSync, {}, CLOCK_SAMPLE_TIMEOUT_MS);
    const receivedAt = Date.now();
    if (ack.ok) samples.push({ sentAt, receivedAt, serverTime: ack.data.serverTime });
  }
  const estimate = estimateClockOffset(samples);
  if (estimate !== null) useConnectionStore.getState().setClock(estimate.offsetMs, estimate.roundTripMs);
}
