import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import type { TemperatureUnit } from '../lib/format';

/**
 * The viewer's temperature unit: a preference of this browser, not of the space. It has a store of its
 * own because `persist` writes storage on every change of the store it wraps, and the board changes
 * many times a second.
 */
interface SensorUnitState {
  unit: TemperatureUnit;
  setUnit: (unit: TemperatureUnit) => void;
}

export const useSensorUnitStore = create<SensorUnitState>()(
  persist(
    (set) => ({
      unit: 'F',
      setUnit: (unit) => set({ unit }),
    }),
    {
      // The key and shape the board's store used when it persisted the unit itself: saved choices carry over.
      name: 'huddle:sensor',
      version: 1,
      storage: createJSONStorage(() => localStorage),
      partialize: ({ unit }) => ({ unit }),
      // Storage is the user's to edit: anything but a known unit falls back to the default.
      merge: (persisted, current) => {
        const unit = (persisted as { unit?: unknown } | undefined)?.unit;
        return unit === 'F' || unit === 'C' ? { ...current, unit } : current;
      },
    },
  ),
);
