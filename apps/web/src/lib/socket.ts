import {
  type Ack,
  type ClientToServerEvents,
  type CommandName,
  type CommandPayload,
  type CommandResults,
  ErrorCode,
  type HandshakeAuth,
  PROTOCOL_VERSION,
  type ServerToClientEvents,
} from '@huddle/protocol';
import { io, type Socket } from 'socket.io-client';
import { sameSpaceEpoch } from './space-epoch';

export type HuddleSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;

/**
 * Names this tab on every Socket.IO request (`?tab=…`), polling and WebSocket alike. A load balancer in
 * front of several nodes hashes on it to keep each tab's requests on one node (deploy/nginx.conf). Kept
 * in `sessionStorage`, so a reload stays on its node while other tabs spread over the others.
 */
const TAB_ID = tabId();

function tabId(): string {
  const key = 'huddle:tab';
  const fresh = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
  try {
    const kept = sessionStorage.getItem(key);
    if (kept !== null && /^[0-9a-f]{16}$/.test(kept)) return kept;
    sessionStorage.setItem(key, fresh);
  } catch {
    // Storage blocked: a tab id for this page load only.
  }
  return fresh;
}

/** The one Socket.IO client of the app, same origin; it connects only once a space has a session token. */
export const socket: HuddleSocket = io({
  path: '/socket.io',
  autoConnect: false,
  query: { tab: TAB_ID },
  // Back within a few seconds of a server restart or a node's death: retries 1 s, 2 s, then every 3 s
  // (±50 % jitter, so a node's clients do not all come back in the same instant).
  reconnectionDelay: 1000,
  reconnectionDelayMax: 3000,
});

export function connectSocket(token: string): void {
  const auth: HandshakeAuth = { token, protocolVersion: PROTOCOL_VERSION };
  socket.auth = auth;
  if (socket.connected || socket.active) socket.disconnect();
  socket.connect();
}

/** The token the next (re)connection presents, without reconnecting now: a renewed session token. */
export function setSocketToken(token: string): void {
  const auth: HandshakeAuth = { token, protocolVersion: PROTOCOL_VERSION };
  socket.auth = auth;
}

/** The token the socket presents. */
export function socketToken(): string | undefined {
  return (socket.auth as Partial<HandshakeAuth> | undefined)?.token;
}

export function disconnectSocket(): void {
  socket.disconnect();
}

/** What a command resolves to when it was answered only after its space was left. */
export const STALE_ACK: Ack<never> = Object.freeze({
  ok: false,
  error: Object.freeze({ code: ErrorCode.Timeout, message: 'The space changed before the server answered' }),
});

/**
 * Sends a command and waits for its ack. Never rejects: a timeout, or a command attempted while
 * disconnected, resolves to a TIMEOUT error so every caller handles one shape.
 *
 * An answer that arrives after the space was left or switched (see `space-epoch.ts`) is `STALE_ACK`,
 * whatever the server said: it carries no data, so no feature can apply another space's answer, and
 * `isStaleAck` tells it apart from a real failure that a control should report.
 */
export async function sendCommand<K extends CommandName>(
  name: K,
  payload: CommandPayload<K>,
  timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
): Promise<Ack<CommandResults[K]>> {
  // Socket.IO would buffer the command and replay it on reconnect; a stale press is worse than none.
  if (!socket.connected) {
    return { ok: false, error: { code: ErrorCode.Timeout, message: 'Not connected — try again once reconnected' } };
  }
  const current = sameSpaceEpoch();
  const timed = socket.timeout(timeoutMs);
  // The event map indexed by a generic name is more than the typed overloads can follow.
  const emitWithAck = timed.emitWithAck.bind(timed) as (
    name: K,
    payload: CommandPayload<K>,
  ) => Promise<Ack<CommandResults[K]>>;
  let ack: Ack<CommandResults[K]>;
  try {
    ack = await emitWithAck(name, payload);
  } catch {
    ack = { ok: false, error: { code: ErrorCode.Timeout, message: 'The server did not answer in time' } };
  }
  return current() ? ack : STALE_ACK;
}

/** Whether an ack is the answer to a command of a space that is no longer open: nothing to show or apply. */
export function isStaleAck(ack: Ack<unknown>): boolean {
  return ack === STALE_ACK;
}
