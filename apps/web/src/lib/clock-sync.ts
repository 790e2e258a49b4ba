import { useConnectionStore } from '../stores/connection-store';
import { type ClockSample, estimateClockOffset } from './clock';
import { sendCommand, socket } from './socket';

const CLOCK_SAMPLES = 5;
const CLOCK_SAMPLE_TIMEOUT_MS = 3000;
const CLOCK_RESYNC_MS = 5 * 60_000;

let resyncTimer: ReturnType<typeof setInterval> | undefined;

/** Measures the server clock now and again every few minutes, for as long as this connection lasts. */
export function startClockSync(): void {
  void syncClock();
  clearInterval(resyncTimer);
  resyncTimer = setInterval(() => void syncClock(), CLOCK_RESYNC_MS);
}

export function stopClockSync(): void {
  clearInterval(resyncTimer);
}

/** Keeps the clock offset of the sample with the lowest round trip: the one least skewed by queueing. */
async function syncClock(): Promise<void> {
  const samples: ClockSample[] = [];
  for (let i = 0; i < CLOCK_SAMPLES && socket.connected; i += 1) {
    const sentAt = Date.now();
    const ack = await sendCommand('clock:sync', {}, CLOCK_SAMPLE_TIMEOUT_MS);
    const receivedAt = Date.now();
    if (ack.ok) samples.push({ sentAt, receivedAt, serverTime: ack.data.serverTime });
  }
  const estimate = estimateClockOffset(samples);
  if (estimate !== null) useConnectionStore.getState().setClock(estimate.offsetMs, estimate.roundTripMs);
}
