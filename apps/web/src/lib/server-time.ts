import { useConnectionStore } from '../stores/connection-store';

/** The server's clock now, from the measured offset: every time the server sends is a server time. */
export function serverNow(): number {
  return Date.now() + useConnectionStore.getState().clockOffsetMs;
}
