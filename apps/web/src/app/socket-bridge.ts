import { type HandshakeErrorData, ServerEvent } from '@huddle/protocol';
import { fillGap, resumeChat } from '../features/chat/commands';
import { useChatStore } from '../features/chat/stores/chat-store';
import { useClickerStore } from '../features/clicker/stores/clicker-store';
import { usePomodoroStore } from '../features/pomodoro/stores/pomodoro-store';
import { serverNow } from '../features/sensor/lib/server-now';
import { useSensorChartStore } from '../features/sensor/stores/sensor-chart-store';
import { useSensorStore } from '../features/sensor/stores/sensor-store';
import { revokeOtherSessions } from '../features/session/api/revoke-other-sessions';
import { useSessionStore } from '../features/session/stores/session-store';
import { type ClockSample, estimateClockOffset } from '../lib/clock';
import { connectSocket, disconnectSocket, sendCommand, setSocketToken, socket, socketToken } from '../lib/socket';
import { useConnectionStore } from '../stores/connection-store';

const CLOCK_SAMPLES = 5;
const CLOCK_SAMPLE_TIMEOUT_MS = 3000;
const CLOCK_RESYNC_MS = 5 * 60_000;
const UNAVAILABLE_RETRY_MS = 2000;
const RATE_LIMITED_RETRY_MS = 5000;
/** The server ending a connection is followed by one reconnect at most this often (never a loop). */
const SERVER_DISCONNECT_RETRY_GAP_MS = 10_000;
let lastServerDisconnectRetry = 0;

/** The space whose session the socket carries; events for any other space are stale and dropped. */
let openSpace: string | null = null;
/**
 * The space the current connection was welcomed into. Chat events name no space: the server sends
 * the welcome first on every connection, so an event is current only once its connection was welcomed.
 */
let welcomedSpace: string | null = null;
let resyncTimer: ReturnType<typeof setInterval> | undefined;

/** Binds socket and browser events to the stores, once for the life of the page. */
export function installSocketBridge(): void {
  const connection = useConnectionStore.getState();

  socket.on('connect', () => {
    useConnectionStore.getState().setPhase('connected');
    // The server sends its state after every connect; after a restart its versions may start over.
    usePomodoroStore.getState().expectFreshSnapshot();
    useClickerStore.getState().expectFreshSnapshot();
    void syncClock();
    clearInterval(resyncTimer);
    resyncTimer = setInterval(() => void syncClock(), CLOCK_RESYNC_MS);
  });

  socket.on('disconnect', (reason) => {
    clearInterval(resyncTimer);
    welcomedSpace = null;
    if (reason === 'io client disconnect') return;
    if (reason === 'io server disconnect') {
      // Signing out other devices ends every connection of the user, this one too: reconnect with the
      // session this browser holds now (renewed by that sign-out); a session that has ended is refused
      // and the join form explains.
      const grant = openSpace === null ? undefined : useSessionStore.getState().grants[openSpace];
      if (grant && Date.now() - lastServerDisconnectRetry > SERVER_DISCONNECT_RETRY_GAP_MS) {
        lastServerDisconnectRetry = Date.now();
        useConnectionStore.getState().setPhase('reconnecting');
        connectSocket(grant.token);
      } else {
        useConnectionStore
          .getState()
          .setPhase('closed', 'The server ended this connection. Reload the page to rejoin.');
      }
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
    const held = openSpace === null ? undefined : useSessionStore.getState().grants[openSpace];
    if (data?.code === 'UNAUTHORIZED' && held && held.token !== socketToken()) {
      // Another tab renewed or replaced the session meanwhile: connect with the one held now.
      connectSocket(held.token);
    } else if (data?.code === 'UNAUTHORIZED' && openSpace !== null) {
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
    } else if (data?.code === 'RATE_LIMITED') {
      useConnectionStore.getState().setPhase('reconnecting', data.message ?? 'Too many connections; retrying shortly.');
      setTimeout(() => {
        if (openSpace !== null && !socket.active) socket.connect();
      }, RATE_LIMITED_RETRY_MS);
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
    welcomedSpace = welcome.space;
    useSessionStore.getState().updateUser(welcome.space, welcome.user);
    // Sliding expiry: keep the renewed token, and present it on the next reconnect.
    useSessionStore.getState().renewToken(welcome.space, welcome.token);
    setSocketToken(welcome.token);
    useChatStore.getState().setSelf(welcome.user);
    // A first guess until the sync has measured round trips.
    const { clockRoundTripMs, setClock } = useConnectionStore.getState();
    if (clockRoundTripMs === null) setClock(welcome.serverTime - Date.now(), null);
  });

  socket.on(ServerEvent.PomodoroState, (snapshot) => {
    if (snapshot.space === openSpace) usePomodoroStore.getState().receive(snapshot);
  });

  socket.on(ServerEvent.ChatConversations, ({ conversations }) => {
    if (!inOpenSpace()) return;
    useChatStore.getState().receiveConversations(conversations);
    void resumeChat();
  });

  socket.on(ServerEvent.ChatConversation, (conversation) => {
    if (inOpenSpace()) useChatStore.getState().upsertConversation(conversation);
  });

  socket.on(ServerEvent.ChatMessage, (message) => {
    if (!inOpenSpace()) return;
    useChatStore.getState().receiveMessage(message);
    void fillGap(message.conversationId);
  });

  socket.on(ServerEvent.ChatPresence, (presence) => {
    if (inOpenSpace()) useChatStore.getState().receivePresence(presence);
  });

  socket.on(ServerEvent.ChatTyping, (typing) => {
    if (inOpenSpace()) useChatStore.getState().receiveTyping(typing);
  });

  socket.on(ServerEvent.ChatRead, (mark) => {
    if (inOpenSpace()) useChatStore.getState().applyReadMark(mark);
  });

  // Sensor events name no space either: like chat's, they are current once their connection was welcomed.
  socket.on(ServerEvent.SensorBoard, (board) => {
    if (inOpenSpace()) useSensorStore.getState().receiveBoard(board);
  });

  socket.on(ServerEvent.SensorUpdate, (summary) => {
    if (!inOpenSpace()) return;
    useSensorStore.getState().receiveUpdate(summary);
    useSensorChartStore.getState().receiveSummary(summary, serverNow());
  });

  // Clicker events name no space either.
  socket.on(ServerEvent.ClickerPlayer, (player) => {
    if (inOpenSpace()) useClickerStore.getState().receivePlayer(player);
  });

  socket.on(ServerEvent.ClickerLeaderboard, (board) => {
    if (inOpenSpace()) useClickerStore.getState().receiveBoard(board);
  });

  socket.on(ServerEvent.ClickerFeed, ({ purchases }) => {
    if (inOpenSpace()) useClickerStore.getState().receiveFeed(purchases);
  });

  socket.on(ServerEvent.ClickerPurchase, (purchase) => {
    if (inOpenSpace()) useClickerStore.getState().receivePurchase(purchase);
  });

  window.addEventListener('online', () => connection.setBrowserOnline(true));
  window.addEventListener('offline', () => connection.setBrowserOnline(false));
}

/** Connects the socket to a space with its session token. */
export function openSpaceConnection(space: string, token: string): void {
  openSpace = space;
  welcomedSpace = null;
  usePomodoroStore.getState().clear();
  useChatStore.getState().clear();
  useClickerStore.getState().clear();
  useSensorStore.getState().reset(space);
  useSensorChartStore.getState().clear();
  useConnectionStore.getState().setPhase('connecting');
  connectSocket(token);
}

/**
 * Signs out every other device of this user. The server ends this tab's connection too, so it is
 * paused first and resumed with the new token: no reconnect ever presents the revoked one.
 */
export async function signOutOtherDevices(): Promise<{ ok: boolean; message: string }> {
  const space = openSpace;
  const grant = space === null ? undefined : useSessionStore.getState().grants[space];
  if (space === null || !grant) return { ok: false, message: 'Join the space first.' };
  disconnectSocket();
  const result = await revokeOtherSessions(grant.token);
  if (openSpace !== space) return { ok: false, message: 'You left the space.' };
  if (result.ok) useSessionStore.getState().saveGrant(result.data);
  useConnectionStore.getState().setPhase('connecting');
  connectSocket(result.ok ? result.data.token : grant.token);
  return result.ok
    ? { ok: true, message: 'Signed out of every other device.' }
    : { ok: false, message: result.error.message };
}

export function closeSpaceConnection(): void {
  openSpace = null;
  welcomedSpace = null;
  clearInterval(resyncTimer);
  disconnectSocket();
  usePomodoroStore.getState().clear();
  useChatStore.getState().clear();
  useClickerStore.getState().clear();
  useSensorStore.getState().reset(null);
  useSensorChartStore.getState().clear();
  useConnectionStore.getState().setPhase('idle');
}

/** Whether an event that names no space (chat, sensors, clicker) belongs to the space that is open. */
function inOpenSpace(): boolean {
  return openSpace !== null && welcomedSpace === openSpace;
}

/** Keeps the clock offset of the sample with the lowest round trip: the one least skewed by queueing. */
async function syncClock(): Promise<void> {
  const samples: ClockSample[] = [];
  for (let i = 0; i < CLOCK_SAMPLES && socket.connected; i += 1) {
    const sentAt = Date.now();
    const ack = await sendCommand('clock:sync', {}, CLOCK_SAMPLE_TIMEOUT_MS);
    const receivedAt = Date.now();
    if (ack.ok) samples.push({ sentAt, receivedAt, serverTime: ack.data.serverTime });
  }
  const estimate = estimateClockOffset(samples);
  if (estimate !== null) useConnectionStore.getState().setClock(estimate.offsetMs, estimate.roundTripMs);
}
