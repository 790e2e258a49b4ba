import {
  type Ack,
  ErrorCode,
  type SensorHistory,
  type SensorIngestToken,
  type SensorRange,
  type SensorRef,
  type SensorThresholds,
} from '@huddle/protocol';
import { downloadExport } from '../../lib/download';
import { serverNow } from '../../lib/server-time';
import { sendCommand } from '../../lib/socket';
import { currentSpace } from '../../lib/space-epoch';
import { useSessionStore } from '../../stores/session-store';
import { useSensorChartStore } from './stores/sensor-chart-store';
import { useSensorStore } from './stores/sensor-store';

const EXPORT_TIMEOUT_MS = 60_000;

/** Adds random readings to the sensor on screen, or to the default one while there is none. */
export async function addRandomReadings(count: 1 | 10): Promise<Ack<{ stored: number }>> {
  const sensorId = useSensorStore.getState().selectedSensorId;
  return sendCommand('sensor:random', sensorId === null ? { count } : { sensorId, count });
}

/** Sends thresholds in °F (the form converts what was typed); the ack's are shown at once. */
export async function setThresholds(thresholds: SensorThresholds): Promise<Ack<SensorThresholds>> {
  const ack = await sendCommand('sensor:thresholds', thresholds);
  if (ack.ok) useSensorStore.getState().receiveThresholds(ack.data);
  return ack;
}

/** Loads the chart of a sensor over a range; live readings then extend it. */
export async function loadHistory(sensorId: string, range: SensorRange): Promise<Ack<SensorHistory>> {
  const total = useSensorStore.getState().summaries[sensorId]?.total ?? null;
  const request = useSensorChartStore.getState().beginLoad(sensorId, range, total);
  const ack = await sendCommand('sensor:history', { sensorId, range });
  const chart = useSensorChartStore.getState();
  if (ack.ok) chart.receiveHistory(request, ack.data, serverNow());
  else chart.failLoad(request, ack.error.message);
  return ack;
}

export async function getIngestToken(): Promise<Ack<SensorIngestToken>> {
  return sendCommand('sensor:token', {});
}

export async function rotateIngestToken(): Promise<Ack<SensorIngestToken>> {
  return sendCommand('sensor:rotate-token', {});
}

/** Deletes a sensor and all its readings (admins); it leaves this board at once, the others' with the broadcast. */
export async function deleteSensor(sensorId: string): Promise<Ack<SensorRef>> {
  const ack = await sendCommand('sensor:delete', { sensorId });
  if (ack.ok) useSensorStore.getState().removeSensor(ack.data.sensorId);
  return ack;
}

/** Downloads the on-screen sensor's readings over a range as CSV, authorised by the session. */
export async function exportCsv(range: SensorRange): Promise<Ack<{ fileName: string }>> {
  const space = currentSpace();
  const { selectedSensorId } = useSensorStore.getState();
  const token = space === null ? undefined : useSessionStore.getState().grants[space]?.token;
  if (space === null || token === undefined || selectedSensorId === null) {
    return { ok: false, error: { code: ErrorCode.BadRequest, message: 'There is no sensor to export yet' } };
  }
  const path = `/api/spaces/${encodeURIComponent(space)}/sensors/${encodeURIComponent(selectedSensorId)}/readings.csv`;
  return downloadExport(`${path}?range=${range}`, {
    token,
    fallbackName: `${space}-${selectedSensorId}-${range}.csv`,
    timeoutMs: EXPORT_TIMEOUT_MS,
  });
}
