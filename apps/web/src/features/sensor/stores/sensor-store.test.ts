import type { SensorReading, SensorSummary } from '@huddle/protocol';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// Web storage, installed before the stores are imported, so a store that persisted would write to it.
const MemoryStorage = vi.hoisted(() => {
  class MemoryStorage {
    readonly items = new Map<string, string>();
    getItem(key: string) {
      return this.items.get(key) ?? null;
    }
    setItem(key: string, value: string) {
      this.items.set(key, value);
    }
    removeItem(key: string) {
      this.items.delete(key);
    }
  }
  Object.assign(globalThis, { localStorage: new MemoryStorage(), sessionStorage: new MemoryStorage() });
  return MemoryStorage;
});

const { selectNewestReading, selectSelectedSummary, useSensorStore } = await import('./sensor-store');
const { useSensorUnitStore } = await import('./sensor-unit-store');

const THRESHOLDS = { humidityMax: 70, temperatureMax: 86 };

function summary(sensorId: string, readings: Partial<SensorReading>[] = [{}]): SensorSummary {
  const latest = readings.map((r, i) => ({ sensorId, humidity: 50, temperature: 70, at: 1000 - i, ...r }));
  return {
    sensorId,
    latest,
    stats: null,
    status: latest.length > 0 ? { level: 'ok' } : { level: 'no-data' },
    total: latest.length,
  };
}

const state = () => useSensorStore.getState();

describe('sensor store', () => {
  beforeEach(() => state().reset());

  it('selects the most recently active sensor of the board by default', () => {
    state().receiveBoard({ thresholds: THRESHOLDS, sensors: [summary('lab'), summary('room')] });
    expect(state().order).toEqual(['lab', 'room']);
    expect(state().selectedSensorId).toBe('lab');
    expect(selectSelectedSummary(state())?.sensorId).toBe('lab');
  });

  it('selects the first sensor to appear when the board had none', () => {
    state().receiveBoard({ thresholds: THRESHOLDS, sensors: [] });
    expect(state().selectedSensorId).toBeNull();
    expect(selectSelectedSummary(state())).toBeNull();
    state().receiveUpdate(summary('lab'));
    expect(state().selectedSensorId).toBe('lab');
  });

  it('keeps the selection while other sensors get busier, and keeps the user pick across boards', () => {
    state().receiveBoard({ thresholds: THRESHOLDS, sensors: [summary('lab'), summary('room')] });
    state().receiveUpdate(summary('room', [{ humidity: 60 }]));
    expect(state().order).toEqual(['room', 'lab']);
    expect(state().selectedSensorId).toBe('lab');

    state().selectSensor('room');
    state().receiveUpdate(summary('lab'));
    state().receiveBoard({
      thresholds: { humidityMax: 50, temperatureMax: 80 },
      sensors: [summary('lab'), summary('room')],
    });
    expect(state().selectedSensorId).toBe('room');
    expect(state().thresholds).toEqual({ humidityMax: 50, temperatureMax: 80 });
  });

  it('falls back to the most recently active sensor when the selected one is gone', () => {
    state().receiveBoard({ thresholds: THRESHOLDS, sensors: [summary('lab'), summary('room')] });
    state().selectSensor('room');
    state().receiveBoard({ thresholds: THRESHOLDS, sensors: [summary('lab')] });
    expect(state().selectedSensorId).toBe('lab');
  });

  it('ignores a pick of a sensor it does not know', () => {
    state().receiveBoard({ thresholds: THRESHOLDS, sensors: [summary('lab')] });
    state().selectSensor('nope');
    expect(state().selectedSensorId).toBe('lab');
  });

  it('merges an update into the board: replaces that summary, moves it first, leaves the others', () => {
    const lab = summary('lab');
    state().receiveBoard({ thresholds: THRESHOLDS, sensors: [summary('room'), lab] });
    const newer = summary('lab', [
      { humidity: 61, at: 2000 },
      { humidity: 50, at: 1000 },
    ]);
    state().receiveUpdate(newer);
    expect(state().summaries.lab).toBe(newer);
    expect(state().summaries.room?.latest[0]?.humidity).toBe(50);
    expect(state().order).toEqual(['lab', 'room']);
    state().receiveUpdate(summary('cellar'));
    expect(state().order).toEqual(['cellar', 'lab', 'room']);
  });

  it('drops a deleted sensor; the selection moves on only if it was on screen', () => {
    state().receiveBoard({ thresholds: THRESHOLDS, sensors: [summary('lab'), summary('room'), summary('cellar')] });
    state().selectSensor('room');
    state().removeSensor('lab');
    expect(state().order).toEqual(['room', 'cellar']);
    expect(Object.keys(state().summaries).sort()).toEqual(['cellar', 'room']);
    expect(state().selectedSensorId).toBe('room');

    state().removeSensor('room');
    expect(state().order).toEqual(['cellar']);
    expect(state().selectedSensorId).toBe('cellar');
    expect(selectSelectedSummary(state())?.sensorId).toBe('cellar');

    state().removeSensor('cellar');
    expect(state()).toMatchObject({ summaries: {}, order: [], selectedSensorId: null });
    expect(state().thresholds).toEqual(THRESHOLDS);
  });

  it('ignores the removal of a sensor it does not hold (its own ack, then the broadcast)', () => {
    state().receiveBoard({ thresholds: THRESHOLDS, sensors: [summary('lab')] });
    const before = state();
    state().removeSensor('room');
    expect(state()).toBe(before);
    // A device sending again brings the sensor back.
    state().removeSensor('lab');
    state().receiveUpdate(summary('lab'));
    expect(state().order).toEqual(['lab']);
    expect(state().selectedSensorId).toBe('lab');
  });

  it('takes thresholds from an ack before the board comes', () => {
    state().receiveBoard({ thresholds: THRESHOLDS, sensors: [] });
    state().receiveThresholds({ humidityMax: 40, temperatureMax: 50 });
    expect(state().thresholds).toEqual({ humidityMax: 40, temperatureMax: 50 });
  });

  it('forgets the board on reset but keeps the viewer’s range', () => {
    state().receiveBoard({ thresholds: THRESHOLDS, sensors: [summary('lab')] });
    state().setRange('1h');
    state().reset();
    expect(state()).toMatchObject({
      thresholds: null,
      summaries: {},
      order: [],
      selectedSensorId: null,
      range: '1h',
    });
    state().setRange('5m');
  });

  it('reads the newest reading of the sensor on screen', () => {
    expect(selectNewestReading(state())).toBeNull();
    state().receiveBoard({
      thresholds: THRESHOLDS,
      sensors: [summary('lab', [{ humidity: 61 }, { humidity: 50 }]), summary('room', [{ humidity: 40 }])],
    });
    expect(selectNewestReading(state())?.humidity).toBe(61);
    state().selectSensor('room');
    expect(selectNewestReading(state())?.humidity).toBe(40);
  });

  // Storage writes are synchronous: at ten updates a second they would cost the main thread on every reading.
  it('never writes storage as the board changes; only a change of unit does', () => {
    const setItem = vi.spyOn(MemoryStorage.prototype, 'setItem');
    try {
      state().receiveBoard({ thresholds: THRESHOLDS, sensors: [summary('lab'), summary('room')] });
      for (let i = 0; i < 20; i++) state().receiveUpdate(summary(i % 2 ? 'lab' : 'room', [{ at: 2000 + i }]));
      state().receiveThresholds({ humidityMax: 40, temperatureMax: 50 });
      state().selectSensor('room');
      state().setRange('1h');
      state().reset();
      expect(setItem).not.toHaveBeenCalled();

      useSensorUnitStore.getState().setUnit('C');
      expect(setItem).toHaveBeenCalledTimes(1);
      expect(setItem).toHaveBeenCalledWith('huddle:sensor', expect.any(String));
    } finally {
      setItem.mockRestore();
      state().setRange('5m');
      useSensorUnitStore.getState().setUnit('F');
    }
  });
});
