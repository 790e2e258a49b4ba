import type { SensorRange } from '@huddle/protocol';
import { useEffect } from 'react';
import { useConnectionStore } from '../../../stores/connection-store';
import { loadHistory } from '../commands';
import { useSensorChartStore } from '../stores/sensor-chart-store';

/** How long a chart that missed readings waits before loading again: a busy device is not re-queried on every batch. */
const STALE_RELOAD_MS = 3000;

/**
 * Loads the chart's history when the sensor or the range changes, and again after a reconnect
 * (readings that arrived while the socket was away reach the chart only through a fresh history)
 * or when updates did not carry every new reading.
 */
export function useChartHistory(sensorId: string | null, range: SensorRange): void {
  const connected = useConnectionStore((s) => s.phase === 'connected');
  const stale = useSensorChartStore((s) => s.stale);

  useEffect(() => {
    if (sensorId === null) {
      useSensorChartStore.getState().clear();
      return;
    }
    if (connected) {
      void loadHistory(sensorId, range);
      return;
    }
    // Picked while offline: show nothing rather than the previous sensor's line under the new name.
    const chart = useSensorChartStore.getState();
    if (chart.sensorId !== sensorId || chart.range !== range) chart.clear();
  }, [sensorId, range, connected]);

  useEffect(() => {
    if (!stale || sensorId === null || !connected) return;
    const timer = setTimeout(() => void loadHistory(sensorId, range), STALE_RELOAD_MS);
    return () => clearTimeout(timer);
  }, [stale, sensorId, range, connected]);
}
