import type { PublicUser, SessionEndReason, SessionGrant } from '@huddle/protocol';
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';

/** How long a browser keeps saying a space was deleted: its name is free again, and may be taken anew. */
export const DELETED_SPACE_SHOWN_MS = 24 * 60 * 60 * 1000;

/** How the session of a space ended, when the page shows that instead of a join form. */
export interface EndedSession {
  reason: Extract<SessionEndReason, 'removed' | 'space-deleted'>;
  /** When it ended (this browser's clock). */
  at: number;
  /**
   * For `removed`: the token this browser held, sent with the next join so the server can refuse
   * someone it blocked (and a removal stays on screen after a reload).
   */
  token?: string;
}

/** Whether the space's page still says how the session ended: a removal always, a deletion for a day. */
export function isStillShown(end: EndedSession | undefined, now: number): end is EndedSession {
  return end !== undefined && (end.reason === 'removed' || now - end.at < DELETED_SPACE_SHOWN_MS);
}

interface SessionState {
  /** The session held for each space the browser joined, keyed by space slug. Persisted. */
  grants: Record<string, SessionGrant>;
  /** The name last joined with, to prefill the next join form. Persisted. */
  lastName: string;
  /** Why the session of a space was dropped, shown above its join form. */
  notices: Record<string, string>;
  /**
   * Spaces whose session ended in a way the space's page shows in place of the join form. Persisted, so
   * every tab of the browser (and a reload) shows the same page.
   */
  ended: Record<string, EndedSession>;
  saveGrant: (grant: SessionGrant) => void;
  updateUser: (space: string, user: PublicUser) => void;
  /** Keeps a renewed token of the same session in place of the old one. */
  renewToken: (space: string, token: string) => void;
  forgetGrant: (space: string, notice: string) => void;
  /** The server ended this browser's session of a space: forget it, and remember why. */
  endSession: (space: string, reason: SessionEndReason, now?: number) => void;
}

/** What the page says when a session ended for a reason that leads back to the join form. */
const SESSION_END_NOTICES: Readonly<Record<Exclude<SessionEndReason, EndedSession['reason']>, string>> = {
  'signed-out': 'You were signed out of this space on this device.',
  left: 'You left this space.',
};

export const useSessionStore = create<SessionState>()(
  persist(
    (set) => ({
      grants: {},
      lastName: '',
      notices: {},
      ended: {},
      saveGrant: (grant) =>
        set((state) => ({
          grants: { ...state.grants, [grant.space]: grant },
          lastName: grant.user.name,
          notices: without(state.notices, grant.space),
          ended: without(state.ended, grant.space),
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
      endSession: (space, reason, now = Date.now()) =>
        set((state) => {
          const grants = without(state.grants, space);
          if (reason === 'signed-out' || reason === 'left') {
            return {
              grants,
              notices: { ...state.notices, [space]: SESSION_END_NOTICES[reason] },
              ended: without(state.ended, space),
            };
          }
          // A second tab told the same thing has no grant left: keep the token the first one saved.
          const token = state.grants[space]?.token ?? state.ended[space]?.token;
          const ended: EndedSession =
            reason === 'removed' && token !== undefined ? { reason, at: now, token } : { reason, at: now };
          return { grants, notices: without(state.notices, space), ended: { ...state.ended, [space]: ended } };
        }),
    }),
    {
      name: 'huddle:session',
      version: 1,
      storage: createJSONStorage(() => localStorage),
      partialize: ({ grants, lastName, ended }) => ({ grants, lastName, ended: stillShown(ended) }),
    },
  ),
);

function stillShown(ended: Record<string, EndedSession>): Record<string, EndedSession> {
  const now = Date.now();
  return Object.fromEntries(Object.entries(ended).filter(([, end]) => isStillShown(end, now)));
}

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const { [key]: _removed, ...rest } = record;
  return rest;
}

// Every tab writes the whole map: take in what other tabs saved, so one tab never drops another's session.
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key === useSessionStore.persist.getOptions().name) void useSessionStore.persist.rehydrate();
  });
}
