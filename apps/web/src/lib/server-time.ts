import { useConnectionStore } from '../../../stores/connection-store';

/** The server's clock now, from the measured offset: reading times are server (or device) times. */
export function serverNow(): number {
  return Date.now() + useConnectionStore.getState().clockOffsetMs;
}
