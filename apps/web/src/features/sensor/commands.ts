import {
  type Ack,
  ErrorCode,
  type SensorHistory,
  type SensorIngestToken,
  type SensorRange,
  type SensorThresholds,
} from '@huddle/protocol';
import { sendCommand } from '../../lib/socket';
import { useSessionStore } from '../session/stores/session-store';
import { serverNow } from './lib/server-now';
import { useSensorChartStore } from './stores/sensor-chart-store';
import { useSensorStore } from './stores/sensor-store';

const EXPORT_TIMEOUT_MS = 60_000;
/** Long enough for the browser to start the download; the object URL is then released. */
const DOWNLOAD_URL_LIFETIME_MS = 10_000;

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

/** Downloads the on-screen sensor's readings over a range as CSV, authorised by the session. */
export async function exportCsv(range: SensorRange): Promise<Ack<{ fileName: string }>> {
  const { space, selectedSensorId } = useSensorStore.getState();
  const token = space === null ? undefined : useSessionStore.getState().grants[space]?.token;
  if (space === null || token === undefined || selectedSensorId === null) {
    return { ok: false, error: { code: ErrorCode.BadRequest, message: 'There is no sensor to export yet' } };
  }
  const path = `/api/spaces/${encodeURIComponent(space)}/sensors/${encodeURIComponent(selectedSensorId)}/readings.csv`;
  let response: Response;
  try {
    response = await fetch(`${path}?range=${range}`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS),
    });
  } catch {
    return { ok: false, error: { code: ErrorCode.Timeout, message: 'The export did not finish — try again' } };
  }
  if (!response.ok) return { ok: false, error: await httpError(response) };
  const fileName =
    fileNameOf(response.headers.get('content-disposition')) ?? `${space}-${selectedSensorId}-${range}.csv`;
  let blob: Blob;
  try {
    blob = await response.blob();
  } catch {
    return { ok: false, error: { code: ErrorCode.Timeout, message: 'The export was interrupted — try again' } };
  }
  saveFile(blob, fileName);
  return { ok: true, data: { fileName } };
}

async function httpError(response: Response) {
  try {
    const body = (await response.json()) as { error?: { code?: ErrorCode; message?: string } };
    if (body.error?.code && body.error.message) return { code: body.error.code, message: body.error.message };
  } catch {
    // Not the API's JSON error (a proxy's page, say): the status says enough.
  }
  return { code: ErrorCode.Internal, message: `The export failed (HTTP ${response.status})` };
}

function fileNameOf(disposition: string | null): string | null {
  const match = disposition === null ? null : /filename="([^"]+)"/.exec(disposition);
  return match?.[1] ?? null;
}

function saveFile(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), DOWNLOAD_URL_LIFETIME_MS);
}
