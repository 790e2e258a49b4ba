import { create } from 'zustand';

/** What the socket is doing; `idle` = no space open, `closed` = refused or dropped for good. */
export type SocketPhase = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

interface ConnectionState {
  phase: SocketPhase;
  browserOnline: boolean;
  /** Add to `Date.now()` to get server time. */
  clockOffsetMs: number;
  /** Round trip of the sample the offset came from; null until measured (the offset is then a guess). */
  clockRoundTripMs: number | null;
  /** Why the connection stopped for good, in words for the user. */
  problem: string | null;
  setPhase: (phase: SocketPhase, problem?: string | null) => void;
  setBrowserOnline: (online: boolean) => void;
  setClock: (offsetMs: number, roundTripMs: number | null) => void;
}

export const useConnectionStore = create<ConnectionState>()((set) => ({
  phase: 'idle',
  browserOnline: typeof navigator === 'undefined' ? true : navigator.onLine,
  clockOffsetMs: 0,
  clockRoundTripMs: null,
  problem: null,
  setPhase: (phase, problem = null) => set({ phase, problem }),
  setBrowserOnline: (browserOnline) => set({ browserOnline }),
  setClock: (offsetMs, roundTripMs) => set({ clockOffsetMs: offsetMs, clockRoundTripMs: roundTripMs }),
}));

export function selectConnectionStatus(state: Pick<ConnectionState, 'phase' | 'browserOnline'>): ConnectionStatus {
  if (!state.browserOnline) return 'offline';
  switch (state.phase) {
    case 'connected':
      return 'connected';
    case 'reconnecting':
      return 'reconnecting';
    case 'closed':
      return 'offline';
    case 'idle':
    case 'connecting':
      return 'connecting';
  }
}

export const CONNECTION_STATUS_LABELS: Readonly<Record<ConnectionStatus, string>> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};
