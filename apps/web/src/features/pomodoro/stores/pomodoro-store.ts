import type { PomodoroSnapshot } from '@huddle/protocol';
import { create } from 'zustand';

interface PomodoroStoreState {
  snapshot: PomodoroSnapshot | null;
  /** Set on (re)connect: the first snapshot after it is taken whatever its version. */
  acceptAnyVersion: boolean;
  /** Takes a snapshot from a broadcast or an ack, unless it is older than the one held. */
  receive: (snapshot: PomodoroSnapshot) => void;
  expectFreshSnapshot: () => void;
  clear: () => void;
}

export const usePomodoroStore = create<PomodoroStoreState>()((set) => ({
  snapshot: null,
  acceptAnyVersion: true,
  receive: (snapshot) =>
    set((state) => {
      const held = state.snapshot;
      if (!state.acceptAnyVersion && held !== null && snapshot.version < held.version) return state;
      return { snapshot, acceptAnyVersion: false };
    }),
  expectFreshSnapshot: () => set({ acceptAnyVersion: true }),
  clear: () => set({ snapshot: null, acceptAnyVersion: true }),
}));
