import type { SensorBoard, SensorRange, SensorSummary, SensorThresholds } from '@huddle/protocol';
import { create } from 'zustand';

interface SensorState {
  /** Null until the first board arrives. */
  thresholds: SensorThresholds | null;
  summaries: Record<string, SensorSummary>;
  /** Sensor ids, most recently active first. */
  order: readonly string[];
  /**
   * The sensor on screen. It starts as the most recently active one and then stays put, whether the
   * user picked it or not, so a busier sensor never pulls the board away; it moves only if it vanishes.
   */
  selectedSensorId: string | null;
  range: SensorRange;
  receiveBoard: (board: SensorBoard) => void;
  receiveUpdate: (summary: SensorSummary) => void;
  receiveThresholds: (thresholds: SensorThresholds) => void;
  /** A sensor was deleted: it leaves the board, and the selection moves on if it was on screen. */
  removeSensor: (sensorId: string) => void;
  selectSensor: (sensorId: string) => void;
  setRange: (range: SensorRange) => void;
  /** Forgets the board, e.g. when another space opens; the viewer's range stays. */
  reset: () => void;
}

const EMPTY_BOARD: Pick<SensorState, 'thresholds' | 'summaries' | 'order' | 'selectedSensorId'> = {
  thresholds: null,
  summaries: {},
  order: [],
  selectedSensorId: null,
};

/**
 * The board as the server last sent it, plus what the viewer picked. Not persisted: it changes with every
 * reading, and `persist` would write storage each time. The unit, which is persisted, is in `useSensorUnitStore`.
 */
export const useSensorStore = create<SensorState>()((set) => ({
  ...EMPTY_BOARD,
  range: '5m',
  receiveBoard: (board) =>
    set((state) => {
      const order = board.sensors.map((s) => s.sensorId);
      return {
        thresholds: board.thresholds,
        summaries: Object.fromEntries(board.sensors.map((s) => [s.sensorId, s])),
        order,
        selectedSensorId: keepSelection(state.selectedSensorId, order),
      };
    }),
  receiveUpdate: (summary) =>
    set((state) => {
      const order = [summary.sensorId, ...state.order.filter((id) => id !== summary.sensorId)];
      return {
        summaries: { ...state.summaries, [summary.sensorId]: summary },
        order,
        selectedSensorId: keepSelection(state.selectedSensorId, order),
      };
    }),
  receiveThresholds: (thresholds) => set({ thresholds }),
  removeSensor: (sensorId) =>
    set((state) => {
      if (!Object.hasOwn(state.summaries, sensorId)) return state;
      const order = state.order.filter((id) => id !== sensorId);
      return {
        summaries: Object.fromEntries(Object.entries(state.summaries).filter(([id]) => id !== sensorId)),
        order,
        selectedSensorId: keepSelection(state.selectedSensorId, order),
      };
    }),
  selectSensor: (sensorId) =>
    set((state) => (Object.hasOwn(state.summaries, sensorId) ? { selectedSensorId: sensorId } : state)),
  setRange: (range) => set({ range }),
  reset: () => set(EMPTY_BOARD),
}));

function keepSelection(selected: string | null, order: readonly string[]): string | null {
  return selected !== null && order.includes(selected) ? selected : (order[0] ?? null);
}

export function selectSelectedSummary(state: Pick<SensorState, 'summaries' | 'selectedSensorId'>) {
  return state.selectedSensorId === null ? null : (state.summaries[state.selectedSensorId] ?? null);
}

/** The newest reading of the sensor on screen; read it with `useShallow`, as every update sends new objects. */
export function selectNewestReading(state: Pick<SensorState, 'summaries' | 'selectedSensorId'>) {
  return selectSelectedSummary(state)?.latest[0] ?? null;
}
