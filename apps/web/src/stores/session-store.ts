import type { PublicUser, SessionGrant } from '@huddle/protocol';
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';

interface SessionState {
  /** The session held for each space the browser joined, keyed by space slug. Persisted. */
  grants: Record<string, SessionGrant>;
  /** The name last joined with, to prefill the next join form. Persisted. */
  lastName: string;
  /** Why the session of a space was dropped, shown above its join form. */
  notices: Record<string, string>;
  saveGrant: (grant: SessionGrant) => void;
  updateUser: (space: string, user: PublicUser) => void;
  /** Keeps a renewed token of the same session in place of the old one. */
  renewToken: (space: string, token: string) => void;
  forgetGrant: (space: string, notice: string) => void;
}

export const useSessionStore = create<SessionState>()(
  persist(
    (set) => ({
      grants: {},
      lastName: '',
      notices: {},
      saveGrant: (grant) =>
        set((state) => ({
          grants: { ...state.grants, [grant.space]: grant },
          lastName: grant.user.name,
          notices: without(state.notices, grant.space),
        })),
      updateUser: (space, user) =>
        set((state) => {
          const grant = state.grants[space];
          if (!grant || (grant.user.id === user.id && grant.user.name === user.name)) return state;
          return { grants: { ...state.grants, [space]: { ...grant, user } } };
        }),
      renewToken: (space, token) =>
        set((state) => {
          const grant = state.grants[space];
          if (!grant || grant.token === token) return state;
          return { grants: { ...state.grants, [space]: { ...grant, token } } };
        }),
      forgetGrant: (space, notice) =>
        set((state) => ({ grants: without(state.grants, space), notices: { ...state.notices, [space]: notice } })),
    }),
    {
      name: 'huddle:session',
      version: 1,
      storage: createJSONStorage(() => localStorage),
      partialize: ({ grants, lastName }) => ({ grants, lastName }),
    },
  ),
);

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  const { [key]: _removed, ...rest } = record;
  return rest;
}

// Every tab writes the whole map: take in what other tabs saved, so one tab never drops another's session.
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key === useSessionStore.persist.getOptions().name) void useSessionStore.persist.rehydrate();
  });
}
