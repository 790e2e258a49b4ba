import { type MockInstance, vi } from 'vitest';

/** Web Storage kept in memory, as a fresh private window's is. */
class MemoryStorage implements Storage {
  readonly #items = new Map<string, string>();
  get length(): number {
    return this.#items.size;
  }
  clear(): void {
    this.#items.clear();
  }
  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.#items.delete(key);
  }
  setItem(key: string, value: string): void {
    this.#items.set(key, String(value));
  }
}

/**
 * Makes this Node test process the browser page the web app runs in, served from `origin`: the app's
 * one socket (the real socket.io-client) connects same-origin, `window` carries the browser events the
 * bridge listens to, Web Storage holds the session. Then installs the socket bridge as main.tsx does.
 * Once per test file (Vitest loads each file's modules afresh): the socket keeps the origin it was made for.
 */
export async function openAppPage(origin: string) {
  const location = new URL(origin);
  Object.assign(globalThis, {
    location,
    window: Object.assign(new EventTarget(), { location }),
    localStorage: new MemoryStorage(),
    sessionStorage: new MemoryStorage(),
  });
  // Imported only now: the socket reads the page's origin, and the session store its storage, on import.
  const { socket, sendCommand, isStaleAck } = await import('../lib/socket');
  const bridge = await import('./socket-bridge');
  const { FEATURES } = await import('./features');
  const { useChatStore } = await import('../features/chat/stores/chat-store');
  const { useConnectionStore } = await import('../stores/connection-store');
  const { useSessionStore } = await import('../stores/session-store');

  // The delay of every retry the bridge schedules for a refused handshake. Its `connect_error` listener
  // runs between these two, synchronously, so the timers started in between are the bridge's own.
  const retryDelays: number[] = [];
  let timers: MockInstance<typeof setTimeout> | undefined;
  socket.on('connect_error', () => {
    timers = vi.spyOn(globalThis, 'setTimeout');
  });
  bridge.installSocketBridge(FEATURES);
  socket.on('connect_error', () => {
    for (const [, delay] of timers?.mock.calls ?? []) retryDelays.push(delay ?? 0);
    timers?.mockRestore();
  });

  return {
    socket,
    sendCommand,
    isStaleAck,
    bridge,
    features: FEATURES,
    useChatStore,
    useConnectionStore,
    useSessionStore,
    retryDelays,
  };
}

export type AppPage = Awaited<ReturnType<typeof openAppPage>>;
