import type { SensorHistory, SensorReading, SensorSummary } from '@huddle/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { useSensorChartStore } from './sensor-chart-store';

const T0 = 1_700_000_000_000;
const state = () => useSensorChartStore.getState();

function reading(at: number, sensorId = 'room'): SensorReading {
  return { sensorId, humidity: 50, temperature: 70, at };
}

/** An update naming the newest readings, newest first, and the sensor's reading count. */
function update(ats: number[], total: number, sensorId = 'room'): SensorSummary {
  return {
    sensorId,
    latest: [...ats].sort((a, b) => b - a).map((at) => reading(at, sensorId)),
    stats: null,
    status: { level: 'ok' },
    total,
  };
}

function history(to: number, ats: number[]): SensorHistory {
  return {
    sensorId: 'room',
    range: '5m',
    from: to - 300_000,
    to,
    bucketMs: 0,
    points: ats.map((at) => ({ at, humidity: 40, temperature: 60 })),
  };
}

function loaded(ats: number[], to = T0) {
  const request = state().beginLoad('room', '5m');
  state().receiveHistory(request, history(to, ats), to);
}

describe('sensor chart store', () => {
  beforeEach(() => state().clear());

  it('keeps readings that arrive while the history loads, and adds the new ones after it', () => {
    const request = state().beginLoad('room', '5m');
    expect(state()).toMatchObject({ status: 'loading', empty: true });
    state().receiveSummary(update([T0 + 1000, T0 - 1000], 2), T0 + 1000);
    state().receiveHistory(request, history(T0, [T0 - 1000]), T0 + 1000);
    expect(state()).toMatchObject({ status: 'ready', empty: false, pending: [] });
    expect(state().series.at).toEqual([T0 - 1000, T0 + 1000]);
  });

  it('drops the answer to an older request and updates of other sensors', () => {
    const first = state().beginLoad('room', '5m');
    const second = state().beginLoad('room', '1h');
    state().receiveHistory(first, history(T0, [T0 - 1000, T0 - 500]), T0);
    expect(state().status).toBe('loading');
    state().receiveHistory(second, history(T0, [T0 - 1000]), T0);
    state().receiveSummary(update([T0 + 1000], 5, 'lab'), T0 + 1000);
    expect(state().series.at).toEqual([T0 - 1000]);
    expect(state().range).toBe('1h');
  });

  it('keeps the line on screen while the same history loads again', () => {
    loaded([T0 - 1000]);
    const drawn = state().series;
    state().beginLoad('room', '5m');
    expect(state()).toMatchObject({ status: 'loading', series: drawn, empty: false });
    state().beginLoad('lab', '5m');
    expect(state()).toMatchObject({ series: { at: [] }, empty: true });
  });

  it('changes the series only when a reading is new, and trims what slid out of the range', () => {
    loaded([T0 - 1000]);
    const drawn = state().series;
    state().receiveSummary(update([T0 - 1000], 1), T0);
    state().trim(T0);
    expect(state().series).toBe(drawn);
    state().receiveSummary(update([T0 + 500, T0 - 1000], 2), T0 + 500);
    expect(state().series.at).toEqual([T0 - 1000, T0 + 500]);
    state().trim(T0 + 400_000);
    expect(state()).toMatchObject({ empty: true, series: { at: [] } });
  });

  it('turns stale when the count grows by more than the update shows', () => {
    loaded([T0 - 1000]);
    state().receiveSummary(update([T0 + 1000, T0 - 1000], 2), T0 + 1000);
    state().receiveSummary(update([T0 + 2000, T0 + 1000], 3), T0 + 2000);
    expect(state().stale).toBe(false);
    // A batch of 25: the update carries only the newest of them.
    const batch = Array.from({ length: 10 }, (_, i) => T0 + 3000 + i);
    state().receiveSummary(update(batch, 28), T0 + 3010);
    expect(state().stale).toBe(true);
    state().beginLoad('room', '5m');
    expect(state().stale).toBe(false);
  });

  it('counts from the total known when the load began', () => {
    const request = state().beginLoad('room', '5m', 1);
    state().receiveHistory(request, history(T0, [T0 - 1000]), T0);
    state().receiveSummary(update([T0 + 1000], 30), T0 + 1000);
    expect(state().stale).toBe(true);
  });

  it('turns stale on a backfill: the count grows but nothing newer came', () => {
    loaded([T0 - 1000]);
    state().receiveSummary(update([T0 - 1000], 1), T0);
    state().receiveSummary(update([T0 - 1000], 4), T0);
    expect(state().stale).toBe(true);
  });

  it('reports a failed load and ignores readings until the next one', () => {
    const request = state().beginLoad('room', '5m');
    state().failLoad(request, 'The server did not answer in time');
    state().receiveSummary(update([T0], 1), T0);
    expect(state()).toMatchObject({ status: 'error', error: 'The server did not answer in time', empty: true });
  });
});
