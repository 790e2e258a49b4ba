import type { SessionGrant } from '@huddle/protocol';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// The browser's storage, before the store reads it on import: what a reload starts from.
const storage = vi.hoisted(() => {
  const items = new Map<string, string>();
  const memory = {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
  Object.assign(globalThis, { localStorage: memory });
  return memory;
});
const { DELETED_SPACE_SHOWN_MS, useSessionStore } = await import('./session-store');

const grant = (space: string, token = `token-${space}`): SessionGrant => ({
  space,
  token,
  user: { id: `u-${space}`, name: 'Ana' },
});

/** What the store wrote to the browser's storage: what a reload starts from. */
const persisted = (): Record<string, unknown> => JSON.parse(storage.getItem('huddle:session') ?? '{}').state;

beforeEach(() => {
  useSessionStore.setState({ grants: {}, notices: {}, ended: {}, lastName: '' });
});

describe('session store: a session the server ended', () => {
  it('removed: forgets the grant, keeps its token to send with the next join, and survives a reload', () => {
    const store = useSessionStore.getState();
    store.saveGrant(grant('a'));
    store.saveGrant(grant('b'));
    store.endSession('a', 'removed');

    const state = useSessionStore.getState();
    expect(state.grants).toEqual({ b: grant('b') });
    expect(state.ended).toEqual({ a: { reason: 'removed', at: expect.any(Number), token: 'token-a' } });
    expect(persisted().ended).toEqual(state.ended);
  });

  it('removed, told to a second tab that holds no grant any more: the token saved first stays', () => {
    useSessionStore.getState().saveGrant(grant('a'));
    useSessionStore.getState().endSession('a', 'removed');
    useSessionStore.getState().endSession('a', 'removed');
    expect(useSessionStore.getState().ended.a).toMatchObject({ reason: 'removed', token: 'token-a' });
  });

  it('signed out or left: back to the join form with a notice, nothing kept after a reload', () => {
    useSessionStore.getState().saveGrant(grant('a'));
    useSessionStore.getState().endSession('a', 'signed-out');
    expect(useSessionStore.getState().notices.a).toBe('You were signed out of this space on this device.');
    expect(useSessionStore.getState().ended).toEqual({});

    useSessionStore.getState().saveGrant(grant('a'));
    useSessionStore.getState().endSession('a', 'left');
    expect(useSessionStore.getState().notices.a).toBe('You left this space.');
    expect(persisted()).not.toHaveProperty('notices');
  });

  it('space deleted: said in every tab of the browser, and for a day only (the name is free again)', () => {
    useSessionStore.getState().saveGrant(grant('a'));
    useSessionStore.getState().saveGrant(grant('b'));
    useSessionStore.getState().endSession('a', 'space-deleted');
    expect(useSessionStore.getState().ended).toEqual({ a: { reason: 'space-deleted', at: expect.any(Number) } });
    expect(persisted().ended).toEqual(useSessionStore.getState().ended);

    // A day later, the next write leaves it out.
    useSessionStore.getState().endSession('b', 'space-deleted', Date.now() - DELETED_SPACE_SHOWN_MS);
    expect(Object.keys(persisted().ended as object)).toEqual(['a']);
  });

  it('joining again clears what ended and its notice', () => {
    useSessionStore.getState().saveGrant(grant('a'));
    useSessionStore.getState().endSession('a', 'removed');
    useSessionStore.getState().forgetGrant('a', 'notice');
    useSessionStore.getState().saveGrant(grant('a', 'fresh'));
    const state = useSessionStore.getState();
    expect(state.ended).toEqual({});
    expect(state.notices).toEqual({});
    expect(state.grants.a?.token).toBe('fresh');
  });
});
