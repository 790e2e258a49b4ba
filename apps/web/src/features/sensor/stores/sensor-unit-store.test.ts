import { describe, expect, it, vi } from 'vitest';

// A choice saved by an earlier version, whose board store persisted the unit under the same key and shape.
const saved = vi.hoisted(() => {
  const items = new Map<string, string>([['huddle:sensor', JSON.stringify({ state: { unit: 'C' }, version: 1 })]]);
  const storage = {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
  Object.assign(globalThis, { localStorage: storage });
  return items;
});

const { useSensorUnitStore } = await import('./sensor-unit-store');

const state = () => useSensorUnitStore.getState();

describe('sensor unit store', () => {
  it('starts with the unit the viewer saved earlier', () => {
    expect(state().unit).toBe('C');
  });

  it('persists the unit, and only the unit', () => {
    state().setUnit('F');
    expect(JSON.parse(saved.get('huddle:sensor') ?? 'null')).toEqual({ state: { unit: 'F' }, version: 1 });
  });

  it('keeps its unit when storage holds anything but a known one', async () => {
    state().setUnit('C');
    for (const junk of [{ state: { unit: 'K' }, version: 1 }, { state: {}, version: 1 }, 'not json']) {
      saved.set('huddle:sensor', typeof junk === 'string' ? junk : JSON.stringify(junk));
      await useSensorUnitStore.persist.rehydrate();
      expect(state().unit).toBe('C');
    }

    saved.set('huddle:sensor', JSON.stringify({ state: { unit: 'F' }, version: 1 }));
    await useSensorUnitStore.persist.rehydrate();
    expect(state().unit).toBe('F');
  });
});
