import {
  SENSOR_RANGES,
  type SensorHistory,
  type SensorRange,
  type SensorReading,
  type SensorSummary,
} from '@huddle/protocol';
import { create } from 'zustand';
import {
  appendReadings,
  type ChartSeries,
  EMPTY_SERIES,
  freshReadings,
  seriesFromHistory,
  trimSeries,
} from '../lib/chart-data';

export type ChartStatus = 'idle' | 'loading' | 'ready' | 'error';

/**
 * The chart's data. It changes up to ten times a second, so the chart reads it with a transient
 * `subscribe`; only `status`, `empty` and `stale` are meant for React selectors.
 */
interface SensorChartState {
  sensorId: string | null;
  range: SensorRange;
  status: ChartStatus;
  error: string | null;
  series: ChartSeries;
  /** True when the series has no point: the chart then says so in words. */
  empty: boolean;
  /** Readings that arrived while the history was loading, applied once it is in. */
  pending: SensorReading[];
  /** The sensor's reading count at the last update: a jump bigger than the update's new readings means some were missed. */
  total: number | null;
  /** Readings reached the sensor that the updates did not carry (a batch, a backfill): the history needs loading again. */
  stale: boolean;
  /** The history request in flight (0: none), so an answer to an older one is dropped. */
  request: number;
  /**
   * Starts loading a sensor's history; returns the request number to hand back with the answer.
   * `total` is the sensor's reading count known now, the baseline for noticing missed readings.
   */
  beginLoad: (sensorId: string, range: SensorRange, total?: number | null) => number;
  receiveHistory: (request: number, history: SensorHistory, now: number) => void;
  failLoad: (request: number, message: string) => void;
  receiveSummary: (summary: SensorSummary, now: number) => void;
  /** Drops points that slid out of the range while nothing new arrived. */
  trim: (now: number) => void;
  clear: () => void;
}

const IDLE = {
  sensorId: null,
  range: '5m',
  status: 'idle',
  error: null,
  series: EMPTY_SERIES,
  empty: true,
  pending: [],
  total: null,
  stale: false,
  request: 0,
} satisfies Partial<SensorChartState>;

/** Request numbers are never reused, so an answer from before a `clear` matches no later request. */
let lastRequest = 0;

export const useSensorChartStore = create<SensorChartState>()((set, get) => ({
  ...IDLE,
  beginLoad: (sensorId, range, total = null) => {
    const state = get();
    lastRequest += 1;
    const request = lastRequest;
    // Reloading what is on screen (after a reconnect, say) keeps it drawn until the answer comes.
    const same = state.sensorId === sensorId && state.range === range;
    set({
      ...IDLE,
      ...(same ? { series: state.series, empty: state.empty } : {}),
      total,
      sensorId,
      range,
      status: 'loading',
      request,
    });
    return request;
  },
  receiveHistory: (request, history, now) =>
    set((state) => {
      if (request !== state.request) return state;
      const series = appendReadings(seriesFromHistory(history), state.pending, SENSOR_RANGES[state.range], now);
      return { status: 'ready', series, empty: series.at.length === 0, pending: [] };
    }),
  failLoad: (request, message) =>
    set((state) => (request === state.request ? { status: 'error', error: message, pending: [] } : state)),
  receiveSummary: (summary, now) =>
    set((state) => {
      if (summary.sensorId !== state.sensorId) return state;
      if (state.status === 'loading') return { pending: [...state.pending, ...summary.latest], total: summary.total };
      if (state.status !== 'ready') return { total: summary.total };
      const fresh = freshReadings(summary.latest, state.series.seenUntil).length;
      const missed = state.total !== null && summary.total - state.total > fresh;
      const series = appendReadings(state.series, summary.latest, SENSOR_RANGES[state.range], now);
      return {
        series,
        empty: series.at.length === 0,
        total: summary.total,
        stale: state.stale || missed,
      };
    }),
  trim: (now) =>
    set((state) => {
      const series = trimSeries(state.series, now - SENSOR_RANGES[state.range]);
      return series === state.series ? state : { series, empty: series.at.length === 0 };
    }),
  clear: () => set(IDLE),
}));
