import { PROTOCOL_VERSION, ServerEvent, type SessionGrant } from '@huddle/protocol';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { BENCH_SPACE, type Target } from '../lib/targets.js';

/**
 * One connected bench client, the same for the three targets: events by name and commands with an
 * ack. On the raw `ws` floor an event is a JSON frame `{ e, d }` and a command `{ e, d, id }`, answered
 * by `{ ack: id, d }`; on the two Socket.IO targets they are Socket.IO events and acks.
 */
export interface BenchClient {
  on(event: string, listener: (payload: never) => void): void;
  request<T>(event: string, payload: unknown, timeoutMs: number): Promise<T>;
  /** False once the connection closed, whoever closed it. */
  isOpen(): boolean;
  close(): void;
}

type Listener = (payload: never) => void;

const CONNECT_TIMEOUT_MS = 30_000;

/** Connections the server (or the network) closed, not the bench: a scenario reports them. */
export const drops = { count: 0, reasons: new Map<string, number>() };

function dropped(name: string, reason: string) {
  drops.count += 1;
  drops.reasons.set(reason, (drops.reasons.get(reason) ?? 0) + 1);
  if (drops.count <= 3) process.stderr.write(`bench client ${name} dropped: ${reason}\n`);
}

/** `POST /api/sessions`, as the web app's join form does; a refused connection is tried again twice. */
export async function joinHuddle(url: string, name: string): Promise<SessionGrant> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${url}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ space: BENCH_SPACE, name, create: { visibility: 'open' } }),
      });
      if (res.status !== 201) throw new Error(`join as ${name}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as SessionGrant;
    } catch (err) {
      if (attempt >= 3 || String(err).includes('HTTP')) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/** Connects and resolves once the client is ready to receive broadcasts (Huddle: welcomed into its space). */
export function connectClient(target: Target, url: string, name: string, token?: string): Promise<BenchClient> {
  return target === 'ws' ? connectWs(url, name) : connectSocketIo(target, url, name, token);
}

function connectSocketIo(target: Target, url: string, name: string, token?: string): Promise<BenchClient> {
  const socket: Socket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: CONNECT_TIMEOUT_MS,
    auth: target === 'huddle' ? { token, protocolVersion: PROTOCOL_VERSION } : { name },
  });
  socket.on('disconnect', (reason) => {
    if (reason !== 'io client disconnect') dropped(name, reason);
  });
  const client: BenchClient = {
    on: (event, listener) => void socket.on(event, listener as (...args: unknown[]) => void),
    request: (event, payload, timeoutMs) => socket.timeout(timeoutMs).emitWithAck(event, payload),
    isOpen: () => socket.connected,
    close: () => void socket.disconnect(),
  };
  // Huddle joins the space's rooms before it sends the welcome; the floors broadcast to every socket.
  const readyEvent = target === 'huddle' ? ServerEvent.Welcome : 'connect';
  return new Promise((resolve, reject) => {
    socket.once(readyEvent, () => resolve(client));
    socket.once('connect_error', (err) => {
      socket.disconnect();
      reject(err);
    });
  });
}

function connectWs(url: string, name: string): Promise<BenchClient> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?name=${encodeURIComponent(name)}`, {
    perMessageDeflate: false,
    handshakeTimeout: CONNECT_TIMEOUT_MS,
  });
  const listeners = new Map<string, Listener[]>();
  const pending = new Map<number, (payload: unknown) => void>();
  let nextId = 1;
  let closing = false;
  ws.on('close', (code) => {
    if (!closing) dropped(name, `close ${code}`);
  });
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { e?: string; d: unknown; ack?: number };
    if (frame.ack !== undefined) {
      pending.get(frame.ack)?.(frame.d);
      pending.delete(frame.ack);
      return;
    }
    for (const listener of listeners.get(frame.e ?? '') ?? []) listener(frame.d as never);
  });
  const client: BenchClient = {
    on(event, listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
    },
    request<T>(event: string, payload: unknown, timeoutMs: number) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error('operation has timed out'));
        }, timeoutMs);
        pending.set(id, (d) => {
          clearTimeout(timer);
          resolve(d as T);
        });
        ws.send(JSON.stringify({ e: event, d: payload, id }));
      });
    },
    isOpen: () => ws.readyState === WebSocket.OPEN,
    close: () => {
      closing = true;
      ws.close();
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('error', reject);
  });
}
